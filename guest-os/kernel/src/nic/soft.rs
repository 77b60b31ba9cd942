//! The software NIC: on a machine without the LoadGenNic (QEMU, or gem5 without `--loadgen`),
//! another core plays the device through the same ring protocol (`nic-ring`'s device side) and
//! a register file in memory, firing the flows' event sources through the CoroSched device's
//! trigger or, without it, through [`SoftEvents`]. It generates open-loop arrivals (Poisson),
//! keeps the greedy flow's ring full, reads completions at each doorbell, and checks that every
//! request completes exactly once. Its timing is the other core's, so it checks function, not
//! the device's timing.

use alloc::vec;
use core::sync::atomic::{AtomicU64, Ordering};

use nic_ring::regs::{self, flow, flow_mode, global};
use nic_ring::{FLAG_WARMUP, Kind, RxDescriptor, RxProducer, RxSlot, TxConsumer, TxSlot};

use crate::wake::SoftEvents;

/// A register file with the device's layout, in memory.
pub struct SoftRegs([AtomicU64; regs::WINDOW_SIZE / 8]);

/// The software NIC's registers (one NIC per machine, as with the device).
pub static SOFT_REGS: SoftRegs = SoftRegs([const { AtomicU64::new(0) }; regs::WINDOW_SIZE / 8]);

impl SoftRegs {
    pub(crate) fn read(&self, offset: usize) -> u64 {
        self.0[offset / 8].load(Ordering::Acquire)
    }

    /// A guest write (ERR_STATUS is write-one-to-clear, as on the device).
    pub(crate) fn write(&self, offset: usize, value: u64) {
        if offset == global::ERR_STATUS {
            self.0[offset / 8].fetch_and(!value, Ordering::AcqRel);
        } else {
            self.0[offset / 8].store(value, Ordering::Release);
        }
    }

    /// A device-side update.
    fn set(&self, offset: usize, value: u64) {
        self.0[offset / 8].store(value, Ordering::Release);
    }
}

/// What the software NIC generates.
#[derive(Clone, Copy, Debug)]
pub enum Service {
    /// SYNTH requests of this many cycles.
    Fixed { cycles: u64 },
    /// SYNTH requests with exponential service times of this mean.
    Exp { mean_cycles: u64 },
    /// GET (`get_per_mille` of 1000) and SCAN of `scan_len` items, uniform keys.
    Kv {
        keys: u64,
        get_per_mille: u64,
        scan_len: u64,
    },
}

#[derive(Clone, Copy, Debug)]
pub struct Workload {
    pub service: Service,
    /// Mean counter ticks between arrivals (exponential: Poisson arrivals).
    pub interval_ticks: u64,
    pub warmup: u64,
    pub requests: u64,
    pub greedy: bool,
    pub seed: u64,
}

/// What the software NIC saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    pub arrivals: u64,
    pub drops: u64,
    /// Completions of requests that were delivered and not completed before.
    pub completed: u64,
    /// Completions of an id that had already completed.
    pub duplicates: u64,
    /// Completions of an id never delivered.
    pub unknown: u64,
    /// Greedy descriptors delivered.
    pub greedy_delivered: u64,
    /// Completions read after END was delivered (warm-up requests that outlasted the measured
    /// ones).
    pub after_end: u64,
    /// Mean arrival → completion-seen time of the measured requests, in counter ticks.
    pub mean_latency_ticks: u64,
}

/// Core 0, before it opens the NIC: the identity and parameter registers of `w`, with the
/// flows' event `sources`.
pub fn configure(w: &Workload, sources: [usize; regs::NUM_FLOWS]) {
    let r = &SOFT_REGS;
    for i in 0..regs::WINDOW_SIZE / 8 {
        r.set(i * 8, 0);
    }
    r.set(global::ID, regs::DEVICE_ID);
    r.set(global::VERSION, regs::DEVICE_VERSION);
    r.set(global::NUM_FLOWS, regs::NUM_FLOWS as u64);
    r.set(global::SEED, w.seed);
    if let Service::Kv { keys, .. } = w.service {
        r.set(global::KV_KEYS, keys);
    }
    r.set(flow::flow_mode(0), flow_mode::OPEN_LOOP);
    if w.greedy {
        r.set(flow::flow_mode(1), flow_mode::SATURATING);
    }
    for (f, s) in sources.iter().enumerate() {
        r.set(flow::rx_source(f), *s as u64);
    }
}

/// SplitMix64: small, seedable, good enough for arrival times and keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with this mean.
    fn exp(&mut self, mean: u64) -> u64 {
        (-ln(self.unit()) * mean as f64) as u64
    }
}

/// Natural logarithm of a positive, normal `x` (no libm here): `x = m·2^e` with `m` in
/// [1, 2), and `ln m = 2·atanh((m−1)/(m+1))` by its series (|s| ≤ 1/3, 12 terms: ~1e-13).
fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..12 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
    }
    e as f64 * core::f64::consts::LN_2 + 2.0 * sum
}

/// Request states, by id.
const GENERATED: u8 = 1;
const DROPPED: u8 = 2;
const COMPLETED: u8 = 3;

/// Fires a flow's event source at the worker core.
fn fire(source: usize, worker: usize) {
    match crate::coro_sched::device() {
        Some(dev) => dev.trigger(source),
        None => SoftEvents::fire(source, worker),
    }
}

/// What the NIC knows of each request, and what it saw of their completions.
struct Tally {
    state: alloc::vec::Vec<u8>,
    arrival: alloc::vec::Vec<u64>,
    report: Report,
    latency_sum: u64,
    /// Measured requests completed or dropped.
    settled: u64,
    /// Measured requests dropped.
    measured_drops: u64,
    warmup: u64,
}

impl Tally {
    /// Reads the completions the worker rang the doorbell for since the last call.
    fn drain(&mut self, r: &SoftRegs, tx: &mut TxConsumer<'_>) {
        let prod = r.read(global::TX_PROD);
        if prod == tx.consumed() {
            return;
        }
        let seen = crate::timer::now();
        let drained = tx.drain(prod, |c| {
            let i = c.id as usize;
            match self.state.get(i).copied() {
                Some(GENERATED) => {
                    self.state[i] = COMPLETED;
                    self.report.completed += 1;
                    if c.id > self.warmup {
                        self.settled += 1;
                        self.latency_sum += seen - self.arrival[i];
                    }
                }
                Some(COMPLETED) => self.report.duplicates += 1,
                _ => self.report.unknown += 1,
            }
        });
        match drained {
            Ok(cons) => r.set(global::TX_CONS, cons),
            Err((cons, prod)) => panic!(
                "software NIC: doorbell TX_PROD = {prod} with TX_CONS = {cons}: more than a \
                 ring of completions, or backwards"
            ),
        }
        r.set(global::COMPLETIONS, self.report.completed);
    }
}

/// Plays the NIC (call on a core other than `worker`'s, after the worker configured and
/// started it); also runs the software quantum timer. As the device does, it delivers END once
/// every measured request resolved; a warm-up request may still be in flight then, so it
/// keeps reading completions until `server_done` says the worker answered everything and
/// will ring no more doorbells, and only then reports.
pub fn run(w: &Workload, worker: usize, server_done: impl Fn() -> bool) -> Report {
    let r = &SOFT_REGS;
    while r.read(global::CTRL) & global::CTRL_START == 0 {
        crate::quantum::soft_tick();
        core::hint::spin_loop();
    }
    r.set(global::STATUS, global::STATUS_RUNNING);
    let rx_ring = |f: usize| -> &'static [RxSlot] {
        let base = r.read(flow::rx_ring_base(f)) as *const RxSlot;
        let size = r.read(flow::rx_ring_size(f)) as usize;
        assert!(
            !base.is_null() && size > 0,
            "flow {f} started without an RX ring"
        );
        // SAFETY: the driver leaked this ring (`Nic::open`) and never frees it; memory is
        // identity-mapped, so the address it wrote is the slice's.
        unsafe { core::slice::from_raw_parts(base, size) }
    };
    let mut rx0 = RxProducer::new(rx_ring(0)).expect("driver ring sizes are powers of two");
    let mut rx1 = w
        .greedy
        .then(|| RxProducer::new(rx_ring(1)).expect("driver ring sizes are powers of two"));
    let tx_ring: &'static [TxSlot] = {
        let base = r.read(global::TX_RING_BASE) as *const TxSlot;
        let size = r.read(global::TX_RING_SIZE) as usize;
        assert!(!base.is_null() && size > 0, "started without a TX ring");
        // SAFETY: as for the RX rings.
        unsafe { core::slice::from_raw_parts(base, size) }
    };
    let mut tx = TxConsumer::new(tx_ring).expect("driver ring sizes are powers of two");
    let sources = [0, 1].map(|f| r.read(flow::rx_source(f)) as usize);

    let total = w.warmup + w.requests;
    let mut t = Tally {
        state: vec![0u8; total as usize + 1],
        arrival: vec![0u64; total as usize + 1],
        report: Report::default(),
        latency_sum: 0,
        settled: 0,
        measured_drops: 0,
        warmup: w.warmup,
    };
    let mut rng = Rng(w.seed);
    let mut next_id = 1u64;
    let mut next_arrival = crate::timer::now() + rng.exp(w.interval_ticks);
    let mut greedy_id = 1u64;
    let mut end_delivered = false;
    loop {
        crate::quantum::soft_tick();
        if end_delivered {
            // Read before the last drain: the worker's final doorbell precedes its flag.
            let done = server_done();
            let before = t.report.completed;
            t.drain(r, &mut tx);
            t.report.after_end += t.report.completed - before;
            if done {
                break;
            }
            continue;
        }
        let now = crate::timer::now();
        if next_id <= total && now >= next_arrival {
            let desc = request(&mut rng, w, next_id, next_arrival, now);
            t.arrival[next_id as usize] = next_arrival;
            t.report.arrivals += 1;
            r.set(global::ARRIVALS, t.report.arrivals);
            if rx0.push(&desc, r.read(flow::rx_cons(0))) {
                t.state[next_id as usize] = GENERATED;
                r.set(flow::rx_prod(0), rx0.produced());
                fire(sources[0], worker);
            } else {
                t.state[next_id as usize] = DROPPED;
                t.report.drops += 1;
                r.set(global::DROPS, t.report.drops);
                if next_id > w.warmup {
                    t.settled += 1;
                    t.measured_drops += 1;
                }
            }
            next_id += 1;
            next_arrival += rng.exp(w.interval_ticks).max(1);
        }
        if let Some(rx1) = rx1.as_mut() {
            let cons = r.read(flow::rx_cons(1));
            let mut pushed = false;
            while rx1.free(cons) > 0 {
                let d = RxDescriptor {
                    id: greedy_id,
                    kind: Kind::Greedy,
                    arg0: 0,
                    arg1: 0,
                    arrival_tick: now,
                    delivery_tick: now,
                    flags: 0,
                };
                rx1.push(&d, cons);
                greedy_id += 1;
                pushed = true;
            }
            if pushed {
                t.report.greedy_delivered = greedy_id - 1;
                r.set(flow::rx_prod(1), rx1.produced());
                // One event per refill, not per descriptor: the ring never empties, so the
                // greedy task never waits, and events would only merge.
                fire(sources[1], worker);
            }
        }
        t.drain(r, &mut tx);
        if t.settled == w.requests && next_id > total {
            end_delivered = rx0.push(&RxDescriptor::end(), r.read(flow::rx_cons(0)));
            if end_delivered {
                r.set(flow::rx_prod(0), rx0.produced());
                fire(sources[0], worker);
            }
        }
    }
    let measured = w.requests - t.measured_drops;
    t.report.mean_latency_ticks = t.latency_sum / measured.max(1);
    r.set(global::STATUS, global::STATUS_DONE);
    t.report
}

fn request(rng: &mut Rng, w: &Workload, id: u64, arrival: u64, now: u64) -> RxDescriptor {
    let (kind, arg0, arg1) = match w.service {
        Service::Fixed { cycles } => (Kind::Synth, cycles, 0),
        Service::Exp { mean_cycles } => (Kind::Synth, rng.exp(mean_cycles).max(1), 0),
        Service::Kv {
            keys,
            get_per_mille,
            scan_len,
        } => {
            let key = rng.next() % keys.max(1);
            if rng.next() % 1000 < get_per_mille {
                (Kind::Get, key, 0)
            } else {
                (Kind::Scan, key, scan_len)
            }
        }
    };
    RxDescriptor {
        id,
        kind,
        arg0,
        arg1,
        arrival_tick: arrival,
        delivery_tick: now,
        flags: if id <= w.warmup { FLAG_WARMUP } else { 0 },
    }
}
