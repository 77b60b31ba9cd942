//! E1 and E2: what it costs to wake a coroutine, by wake path (`irq`, `poll`, `hwq`, `ring`).
//!
//! A waiter task on core 0 waits for events of one source, `wakes` times after a warm-up. The
//! device's generator fires the events at seeded random intervals (uniform in
//! `[interval/2, 3·interval/2]` CPU cycles). The waiter's first action after each `.await` is
//! the device's `RESUME` write, and the device records the event→resume latency of every wake
//! (E1) in its samples file; the driver reads it.
//!
//! With `busy = 1` the core also runs a background task that does work in chunks and yields
//! after each chunk. E2 is the background work the wakes cost:
//! first the background task runs alone for as long as the measured phase will take (its rate
//! without events), then beside the waiter; the cycles lost per wake are
//! `(cycles_with − units_with × cycles_without / units_without) / wakes`, i.e. the measured
//! window minus the time the background work done in it would have taken alone, shared by the
//! wakes. This charges each path everything it adds on the core: interrupts, the poller, the
//! ready-source checks, and the waiter's own resumption.
//!
//! Without the device (QEMU) only `irq` and `poll` run, with core 1 firing the events in
//! software; that checks the paths work, not their timing.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use kernel::wake::{EventStream, EventWait, RingWait, SoftEvents, WakePath};
use kernel::{m5, probe, result, runtime, timer, wake};
use runconfig::RunConfig;
use runconfig::stages::Breakdown;

/// The event source the waiter waits on.
const SOURCE: usize = 0;

static WOKEN: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicBool = AtomicBool::new(false);
static SETUP_DONE: AtomicBool = AtomicBool::new(false);
static STOP_BACKGROUND: AtomicBool = AtomicBool::new(false);
static BG_UNITS: AtomicU64 = AtomicU64::new(0);
/// Measured window of the event phase: cycles and background units at its start and end.
static WINDOW: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
/// Idle waits of core 0 at the end of the warm-up, and during the measured wakes.
static IDLE_AT_WARMUP: AtomicU64 = AtomicU64::new(0);
static IDLE_IN_WINDOW: AtomicU64 = AtomicU64::new(0);
/// The per-stage breakdown of the measured wakes (with `stamps = 1`).
static BREAKDOWN: spin::Mutex<Breakdown> = spin::Mutex::new(Breakdown::new());

struct Params {
    path: WakePath,
    wakes: u64,
    warmup: u64,
    busy: bool,
    interval: u64,
    chunk: u64,
    ring_wait: RingWait,
    stamps: bool,
    /// Report RESUME to the device after each wake (E1's samples).
    resume: bool,
    /// The device protocol without MMIO on the fast path: a multi-shot binding, and the hwq
    /// non-empty flag (app parameter `protocol` = 1).
    fast: bool,
    /// A busy core checks the ready source every this many executor steps (app parameter
    /// `check_every`, default 1).
    check_every: u32,
    seed: u64,
}

impl Params {
    fn of(cfg: &RunConfig) -> Params {
        let mechanism = cfg
            .mechanism()
            .expect("mechanism index out of range for wake");
        let wakes = cfg.iterations.max(1);
        Params {
            path: mechanism.wake_path().expect("wake runs wake paths only"),
            wakes,
            warmup: (wakes / 10).clamp(10, 100),
            busy: cfg.param("busy").unwrap_or(0) != 0,
            interval: cfg.param("interval").filter(|&i| i >= 2).unwrap_or(20_000),
            chunk: cfg.param("chunk").filter(|&c| c > 0).unwrap_or(64),
            ring_wait: if cfg.param("ring_wait").unwrap_or(0) == 0 {
                RingWait::EventWire
            } else {
                RingWait::Monitor
            },
            stamps: cfg.param("stamps").unwrap_or(0) != 0,
            resume: cfg.param("resume").unwrap_or(1) != 0,
            fast: cfg.param("protocol").unwrap_or(0) != 0,
            check_every: cfg.param("check_every").map_or(1, |k| {
                u32::try_from(k)
                    .ok()
                    .filter(|&k| k >= 1)
                    .unwrap_or_else(|| {
                        panic!("wake: check_every = {k}: give a number of steps from 1 to 2^32 - 1")
                    })
            }),
            seed: cfg.seed,
        }
    }
}

pub fn run(core: usize, cfg: &RunConfig) {
    let p = Params::of(cfg);
    let device = kernel::coro_sched::device();
    if device.is_none() && core == 1 {
        soft_generator(&p);
        return;
    }
    if core != 0 {
        return;
    }
    if device.is_none() {
        assert!(
            kernel::smp::cores() >= 2,
            "without the CoroSched device the events come from core 1: run with at least 2 cores"
        );
    }
    // E2's reference runs before the wake path is set up, so that everything the path adds on
    // the core (its ready-source checks every step, the poller) is charged to the wakes.
    let baseline = p
        .busy
        .then(|| background_alone(p.wakes * p.interval, p.chunk));

    wake::setup(p.path, core, &[SOURCE], p.ring_wait);
    if p.fast && p.path == WakePath::Hwq {
        wake::use_hwq_flag(core);
    }
    runtime::executor().set_source_check_every(p.check_every);
    // The calibration beside the breakdown, measured before the stamps are on.
    let calibration = p.stamps.then(calibrate);
    let probe_cycles = p.stamps.then(|| {
        probe::set_enabled(true);
        probe::calibrate()
    });
    SETUP_DONE.store(true, Relaxed);

    let total = p.warmup + p.wakes;
    let warmup = p.warmup;
    let (resume, fast, stamps) = (p.resume, p.fast, p.stamps);
    runtime::spawn(async move {
        // The fast protocol binds once, multi-shot; the stream is unused (and binds nothing)
        // otherwise.
        let mut stream = EventStream::new(SOURCE);
        for i in 0..total {
            if i == warmup {
                m5::reset_stats();
                WINDOW[0].store(kernel::cycles(), Relaxed);
                WINDOW[1].store(BG_UNITS.load(Relaxed), Relaxed);
                IDLE_AT_WARMUP.store(runtime::IDLE_WAITS[0].load(Relaxed), Relaxed);
            }
            if fast {
                stream.event().await;
            } else {
                EventWait::new(SOURCE).await;
            }
            if resume {
                wake::resumed(SOURCE);
            } else {
                wake::resumed_unreported();
            }
            // The stamps are collected only when they are on: taking them (16 atomic swaps and
            // a core-id read) would otherwise be measurement on every path's bill.
            if stamps {
                let taken = probe::take();
                if i >= warmup {
                    BREAKDOWN.lock().add(&taken);
                }
            }
            // Only this task writes WOKEN: a plain increment, no read-modify-write atomic.
            WOKEN.store(WOKEN.load(Relaxed) + 1, Relaxed);
        }
        WINDOW[2].store(kernel::cycles(), Relaxed);
        WINDOW[3].store(BG_UNITS.load(Relaxed), Relaxed);
        IDLE_IN_WINDOW.store(
            runtime::IDLE_WAITS[0].load(Relaxed) - IDLE_AT_WARMUP.load(Relaxed),
            Relaxed,
        );
        m5::dump_stats();
        DONE.store(true, Relaxed);
    });
    if p.path == WakePath::Poll {
        runtime::spawn(wake::poller(|| DONE.load(Relaxed)));
    }
    if p.busy {
        STOP_BACKGROUND.store(false, Relaxed);
        runtime::spawn(background(p.chunk));
    }
    if let Some(dev) = device {
        let half = p.interval / 2;
        dev.start_generator(
            SOURCE,
            coro_sched_regs::gen_mode::UNIFORM,
            half,
            p.interval + half,
            p.seed,
            total,
        );
    }

    // A wake that never comes stops the run: no progress for 10 ms of counter time (or 2000
    // mean intervals on QEMU's slower software events) is a lost wake.
    let freq = timer::frequency();
    let stall = (freq / 100).max(2000 * soft_interval_ticks());
    if let Err(s) = runtime::run_until_or_stall(|| DONE.load(Relaxed), &WOKEN, stall) {
        panic!(
            "lost wake on path {:?}: {} of {} wakes arrived, then none for {} counter ticks \
             (device generator fired {} events; events that arrive before the previous one \
             was consumed are merged)",
            p.path,
            s.progress,
            total,
            s.idle_ticks,
            device.map_or(0, |d| d.generator_fired())
        );
    }
    STOP_BACKGROUND.store(true, Relaxed);
    if let Some(dev) = device {
        dev.check_errors("during the wake experiment");
    }
    let fallbacks = device.map_or(0, |d| d.fallbacks());
    wake::teardown();
    runtime::executor().set_source_check_every(1);
    probe::set_enabled(false);

    let window_cycles = WINDOW[2].load(Relaxed) - WINDOW[0].load(Relaxed);
    let mut e2 = alloc::string::String::new();
    if let Some((units0, cycles0)) = baseline {
        let units1 = WINDOW[3].load(Relaxed) - WINDOW[1].load(Relaxed);
        let alone = units1 as f64 * cycles0 as f64 / units0 as f64;
        let lost = (window_cycles as f64 - alone) / p.wakes as f64;
        e2 = alloc::format!(
            ",\"bg_units_without\":{units0},\"bg_cycles_without\":{cycles0},\"bg_units_with\":{units1},\"bg_cycles_with\":{window_cycles},\"lost_cycles_per_wake\":{lost:.2}"
        );
    }
    let mut stages = alloc::string::String::new();
    if let Some(probe_cycles) = probe_cycles {
        use core::fmt::Write;
        let c = calibration.expect("calibrated with the stamps");
        let opt = |v: Option<u64>| {
            v.map_or(alloc::string::String::from("null"), |v| {
                alloc::format!("{v}")
            })
        };
        let _ = write!(
            stages,
            ",\"svc_cycles\":{},\"mmio_read_cycles\":{},\"mmio_write_cycles\":{},\"bracket_cycles\":{},\"probe_cycles\":{probe_cycles},\"breakdown\":",
            c.svc,
            opt(c.mmio_read),
            opt(c.mmio_write),
            c.empty
        );
        let _ = BREAKDOWN.lock().write_json(&mut stages);
    }
    result!(
        "{{\"bench\":\"wake\",\"path\":\"{}\",\"busy\":{},\"wakes\":{},\"warmup\":{},\"timeouts\":0,\"interval\":{},\"chunk\":{},\"window_cycles\":{},\"idle_waits\":{},\"irq_wakes\":{},\"poll_wakes\":{},\"fallbacks\":{},\"resume\":{},\"protocol\":{},\"check_every\":{},\"device\":{}{}{}}}",
        p.path.name(),
        p.busy as u8,
        p.wakes,
        p.warmup,
        p.interval,
        p.chunk,
        window_cycles,
        IDLE_IN_WINDOW.load(Relaxed),
        wake::IRQ_WAKES.load(Relaxed),
        wake::POLL_WAKES.load(Relaxed),
        fallbacks,
        p.resume as u8,
        p.fast as u8,
        p.check_every,
        device.is_some(),
        e2,
        stages
    );
}

/// One unit of background work: a step of a 64-bit LCG, kept from being folded away.
#[inline(always)]
fn work(units: u64, state: &mut u64) {
    for _ in 0..units {
        *state = core::hint::black_box(
            state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        );
    }
}

async fn background(chunk: u64) {
    let mut x = 1u64;
    while !STOP_BACKGROUND.load(Relaxed) {
        work(chunk, &mut x);
        BG_UNITS.fetch_add(chunk, Relaxed);
        executor::yield_now().await;
    }
}

/// E2's reference: the background task alone on the core for about `cycles`; returns the
/// units it did and the cycles it took. A tenth as long again runs first, unmeasured, so that
/// the reference rate is the warm one, as the measured phase's is (it follows the warm-up
/// wakes): a cold reference would make every path's lost cycles look smaller.
fn background_alone(cycles: u64, chunk: u64) -> (u64, u64) {
    STOP_BACKGROUND.store(false, Relaxed);
    BG_UNITS.store(0, Relaxed);
    runtime::spawn(background(chunk));
    let warm = kernel::cycles();
    same_loop_as_measured(every_few_steps(|| {
        kernel::cycles() - warm >= cycles / 10 && BG_UNITS.load(Relaxed) > 0
    }));
    let t0 = kernel::cycles();
    let u0 = BG_UNITS.load(Relaxed);
    // At least one chunk: under QEMU the counter runs in host time and a short baseline can
    // end before the task was first polled.
    same_loop_as_measured(every_few_steps(|| {
        kernel::cycles() - t0 >= cycles && BG_UNITS.load(Relaxed) > u0
    }));
    let result = (BG_UNITS.load(Relaxed) - u0, kernel::cycles() - t0);
    STOP_BACKGROUND.store(true, Relaxed);
    // Let the task see the flag and finish before the measured phase.
    runtime::block_on(executor::yield_now());
    result
}

/// Runs the executor until `done`, stepping it exactly as the measured phase does
/// (`run_until_or_stall`: one step at a time, the clock checked every `STALL_CHECK_STEPS`
/// steps). The reference must run the background task through the same loop as the measured
/// phase: a faster loop (`run_until`'s, which walks a lone yielding task without returning)
/// would make the reference rate higher and charge the difference to every path's wakes.
fn same_loop_as_measured(done: impl Fn() -> bool) {
    // The background task always makes progress, so this never gives up.
    let never = u64::MAX / 4;
    let _ = runtime::run_until_or_stall(done, &BG_UNITS, never);
}

/// `done`, evaluated every `STALL_CHECK_STEPS` executor steps only, as the measured phase's
/// loop checks its clock. The reference phase's stop condition reads the cycle counter, a
/// system-register read that drains gem5's O3 pipeline: read at every step, it slowed the
/// reference and understated every path's lost cycles alike.
///
/// Once true it stays true: `runtime::run_until` may ask again right after its runner stopped
/// (a count that is no longer a multiple would otherwise say "not done" and run on forever).
fn every_few_steps(done: impl Fn() -> bool) -> impl Fn() -> bool {
    let steps = core::cell::Cell::new(0u32);
    let finished = core::cell::Cell::new(false);
    move || {
        if !finished.get() {
            steps.set(steps.get().wrapping_add(1));
            finished.set(steps.get().is_multiple_of(runtime::STALL_CHECK_STEPS) && done());
        }
        finished.get()
    }
}

/// Median cycles of `op` bracketed by two counter reads, over 32 tries after 8 warm-up ones.
fn median_bracketed(mut op: impl FnMut()) -> u64 {
    let mut v = [0u64; 40];
    for x in v.iter_mut() {
        let t0 = kernel::cycles();
        op();
        *x = kernel::cycles() - t0;
    }
    let tail = &mut v[8..];
    tail.sort_unstable();
    tail[tail.len() / 2]
}

/// The calibration points beside the breakdown, bracketed (subtract `empty`): this kernel's
/// null `svc` round trip (the same vectors and full frame as the interrupt), and one MMIO read
/// and one MMIO write of the device (what each `hwq` pop, each `irq` status read, and each
/// bind and resume report costs the core).
struct Calibration {
    empty: u64,
    svc: u64,
    mmio_read: Option<u64>,
    mmio_write: Option<u64>,
}

fn calibrate() -> Calibration {
    let dev = kernel::coro_sched::device();
    Calibration {
        empty: median_bracketed(|| {}),
        svc: median_bracketed(|| {
            kernel::syscall::call(kernel::syscall::SYS_NULL, 0);
        }),
        // FALLBACKS: a plain counter read. ERR_STATUS: write-one-to-clear, and no bit is set.
        mmio_read: dev.map(|d| {
            median_bracketed(|| {
                core::hint::black_box(d.fallbacks());
            })
        }),
        mmio_write: dev.map(|d| median_bracketed(|| d.clear_errors())),
    }
}

/// QEMU's stand-in for the device's generator: core 1 fires the events for core 0.
fn soft_interval_ticks() -> u64 {
    (timer::frequency() / 2_000).max(1) // 500 µs
}

fn soft_generator(p: &Params) {
    while !SETUP_DONE.load(Relaxed) {
        core::hint::spin_loop();
    }
    let total = p.warmup + p.wakes;
    let ticks = soft_interval_ticks();
    runtime::block_on(async move {
        for fired in 0..total {
            // One event in flight, as on the device (whose events are spaced far beyond a
            // wake): fire the next only after the previous one was consumed and the waiter
            // waits again. Waiting for the consumption alone was not enough: a host that
            // stalls QEMU's core 0 for longer than the interval between the two let the event
            // arrive before the waiter registered, and it was latched instead of woken.
            while WOKEN.load(Relaxed) < fired || !wake::waiting(SOURCE) {
                executor::yield_now().await;
            }
            executor::sleep(ticks).await;
            SoftEvents::fire(SOURCE, 0);
        }
    });
}
