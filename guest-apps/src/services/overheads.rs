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

/// One request of 20 quanta of work on a preemptive thread: the cycles beyond the work, per
/// preemption.
fn preemption_cycles(ticks: u64) -> f64 {
    fn spin_on_cpu(cycles: &u64) -> u64 {
        let t0 = kernel::cycles();
        let off0 = kernel::request_threads::off_cpu_cycles();
        loop {
            let on = (kernel::cycles() - t0)
                .saturating_sub(kernel::request_threads::off_cpu_cycles() - off0);
            if on >= *cycles {
                return on;
            }
        }
    }
    // The work: 20 quanta of cycles, from the counter's rate.
    let t0 = timer::now();
    let c0 = kernel::cycles();
    while timer::now() - t0 < ticks {}
    let quantum_cycles = kernel::cycles() - c0;
    let work = 20 * quantum_cycles;
    let mut threads = RequestThreads::new(spin_on_cpu, ticks, 16 * 1024);
    threads.submit(work);
    let start = kernel::cycles();
    let done = loop {
        if let Ran::Completed(_, on_cpu) = threads.run_one() {
            break on_cpu;
        }
    };
    let wall = kernel::cycles() - start;
    let n = threads.preemptions().max(1);
    drop(threads);
    wall.saturating_sub(done) as f64 / n as f64
}
