//! The clock conversions and the measured costs of the run's policy: a yield point that does not
//! yield, a forced yield, starting a quantum, and a preemption (gem5 gives real numbers; QEMU's
//! only show the code runs).

use alloc::string::String;
use core::fmt::Write;

use kernel::quantum::Quantum;
use kernel::request_threads::{Ran, RequestThreads};
use kernel::{runtime, timer};

use super::policy::Policy;
use kernel::quantum::QuantumPolled;

/// CPU cycles per system-counter tick, measured once.
pub struct Clock {
    cycles_per_tick: f64,
}

impl Clock {
    /// Spins for 20 µs of counter time (at least 100 ticks) and counts the cycles.
    pub fn measure() -> Clock {
        let ticks = (timer::frequency() / 50_000).max(100);
        let t0 = timer::now();
        let c0 = kernel::cycles();
        while timer::now() - t0 < ticks {}
        let c = kernel::cycles() - c0;
        let t = timer::now() - t0;
        Clock {
            cycles_per_tick: c as f64 / t as f64,
        }
    }

    pub fn ns_to_ticks(&self, ns: u64) -> u64 {
        ((u128::from(ns) * u128::from(timer::frequency()) / 1_000_000_000) as u64).max(1)
    }

    pub fn ns_to_cycles(&self, ns: u64) -> u64 {
        let ticks = ns as f64 * timer::frequency() as f64 / 1e9;
        ((ticks * self.cycles_per_tick) as u64).max(1)
    }
}

/// Iterations of each measured loop.
const LOOPS: u64 = 256;

/// The costs, in cycles (`None`: not applicable to the policy).
pub struct Costs {
    /// A yield point that does not yield, per point (over the same loop without it).
    yield_point: f64,
    /// An `.await` of an always-ready future in the same loop: the part of `yield_point` that
    /// is the await itself rather than the policy's check.
    ready_await: f64,
    /// A yield point that yields (the task deferred and polled again), per yield.
    forced_yield: Option<f64>,
    /// `Quantum::start`: the MMIO write that restarts the quantum (and the flag check).
    quantum_start: Option<u64>,
    /// A timer preemption and the switch back to the request (`preempt`).
    preemption: Option<f64>,
}

impl Costs {
    /// The record's fields (no braces).
    pub fn json(&self, clock: &Clock) -> String {
        let mut s = String::new();
        let opt_f = |v: Option<f64>| v.map_or(String::from("null"), |v| alloc::format!("{v:.1}"));
        let _ = write!(
            s,
            "\"cycles_per_tick\":{:.3},\"yield_point_cycles\":{:.2},\"ready_await_cycles\":{:.2},\"forced_yield_cycles\":{},\"quantum_start_cycles\":{},\"preemption_cycles\":{}",
            clock.cycles_per_tick,
            self.yield_point,
            self.ready_await,
            opt_f(self.forced_yield),
            self.quantum_start
                .map_or(String::from("null"), |v| alloc::format!("{v}")),
            opt_f(self.preemption)
        );
        s
    }
}

/// Measures the costs of `policy` on this core (before the service starts; no other task runs).
pub fn measure(policy: &Policy) -> Costs {
    let p = *policy;
    // A budget that no loop here exhausts: the yield point's check alone.
    runtime::executor().set_budget(Some(u32::MAX - 1));
    let bare = warm(|| {
        runtime::block_on(async {
            let t0 = kernel::cycles();
            for i in 0..LOOPS {
                core::hint::black_box(i);
            }
            kernel::cycles() - t0
        })
    });
    let with_points = warm(|| {
        runtime::block_on(async move {
            if let Policy::Quantum(q) = p {
                q.start();
            }
            let t0 = kernel::cycles();
            for i in 0..LOOPS {
                core::hint::black_box(i);
                p.yield_point().await;
            }
            kernel::cycles() - t0
        })
    });
    // The same loop awaiting a future that is always ready: what any `.await` in the loop
    // costs, before the policy's check.
    let with_awaits = warm(|| {
        runtime::block_on(async move {
            let t0 = kernel::cycles();
            for i in 0..LOOPS {
                core::hint::black_box(i);
                core::future::ready(()).await;
            }
            kernel::cycles() - t0
        })
    });
    let yield_point = with_points.saturating_sub(bare) as f64 / LOOPS as f64;
    let ready_await = with_awaits.saturating_sub(bare) as f64 / LOOPS as f64;
    let forced_yield = match p {
        Policy::Budget(_) | Policy::Quantum(_) => {
            let yielding = async {
                let t0 = kernel::cycles();
                for i in 0..LOOPS {
                    core::hint::black_box(i);
                    executor::yield_now().await;
                }
                kernel::cycles() - t0
            };
            let t = match p {
                Policy::Quantum(q) => runtime::block_on(QuantumPolled::new(q, yielding)),
                _ => runtime::block_on(yielding),
            };
            Some(t.saturating_sub(bare) as f64 / LOOPS as f64)
        }
        _ => None,
    };
    let quantum_start = match p {
        Policy::Quantum(q) => Some(quantum_start_cycles(q)),
        _ => None,
    };
    let preemption = match p {
        Policy::Preempt { ticks } => Some(preemption_cycles(ticks)),
        _ => None,
    };
    Costs {
        yield_point,
        ready_await,
        forced_yield,
        quantum_start,
        preemption,
    }
}

/// The second of two runs of a measured loop (the first warms the caches and predictors).
fn warm(f: impl Fn() -> u64) -> u64 {
    f();
    f()
}

/// Median cycles of `op` bracketed by two counter reads, less the empty bracket.
fn median_bracketed(mut op: impl FnMut()) -> u64 {
    let sample = |f: &mut dyn FnMut()| {
        let mut v = [0u64; 40];
        for x in v.iter_mut() {
            let t0 = kernel::cycles();
            f();
            *x = kernel::cycles() - t0;
        }
        let tail = &mut v[8..];
        tail.sort_unstable();
        tail[tail.len() / 2]
    };
    let empty = sample(&mut || {});
    sample(&mut op).saturating_sub(empty)
}

fn quantum_start_cycles(q: Quantum) -> u64 {
    median_bracketed(|| q.start())
}

/// The same fixed amount of work (about 20 quanta of LCG steps) as one request on a preemptive
/// thread twice: with the quantum, and with a quantum far longer than the work (no preemption).
/// The difference per preemption is everything a preemption costs: the timer interrupt, the
/// switch to the dispatcher and back (two full frames each way), and the caches disturbed.
fn preemption_cycles(ticks: u64) -> f64 {
    fn steps(n: &u64) -> u64 {
        let mut x = 1u64;
        for _ in 0..*n {
            x = core::hint::black_box(
                x.wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407),
            );
        }
        x
    }
    // Steps per quantum, from a timed run of the loop.
    let probe = 10_000;
    let t0 = timer::now();
    steps(&probe);
    let probe_ticks = (timer::now() - t0).max(1);
    let work = 20 * probe * ticks / probe_ticks;
    let run = |quantum_ticks: u64| {
        let mut threads = RequestThreads::new(steps, quantum_ticks, 16 * 1024);
        // A short request first: its stack is allocated and zeroed, then reused (warm) by the
        // measured one, as in the service's steady state.
        threads.submit(1);
        while !matches!(threads.run_one(), Ran::Completed(..)) {}
        threads.submit(work);
        let start = kernel::cycles();
        while !matches!(threads.run_one(), Ran::Completed(..)) {}
        (kernel::cycles() - start, threads.preemptions())
    };
    let (alone, _) = run(kernel::request_threads::MAX_QUANTUM_TICKS);
    let (preempted, n) = run(ticks);
    preempted.saturating_sub(alone) as f64 / n.max(1) as f64
}
