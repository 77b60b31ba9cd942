//! E3: cycles per context switch, for three ways of switching between two workers on one core:
//!
//! * `coro-yield`: two coroutines (tasks of the executor) that yield to each other: a poll
//!   returns `Pending`, the executor takes the next task from its run queue and polls it;
//! * `thread-coop`: two stackful threads that switch by a call saving the callee-saved
//!   registers;
//! * `thread-preempt`: two stackful threads that never yield, switched by the timer interrupt,
//!   with the full context (all general and FP/SIMD registers) saved by the exception vector.
//!
//! One metric for all three: each worker stamps the cycle counter in its loop; when a stamp is
//! taken by a different worker than the previous stamp, the difference is one switch: from the
//! last instruction the old worker ran to the first the new one runs. For the preemptive case
//! that includes the interrupt's delivery, exception entry, context save, GIC acknowledge and
//! EOI, the scheduler, the restore and the return. The stamp itself (`isb; mrs pmccntr_el0`)
//! costs a few cycles, reported as `probe_overhead`.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use alloc::sync::Arc;
use kernel::{m5, result, thread};
use runconfig::{Mechanism, RunConfig};

use crate::samples::Samples;

const NOBODY: usize = usize::MAX;
const STACK: usize = 64 * 1024;
/// Warm-up switches before the measured ones (caches, TLBs, branch predictors).
const WARMUP: u64 = 1000;

struct Probe {
    last_t: AtomicU64,
    last_who: AtomicUsize,
    samples: Samples,
    /// Switches still to be measured.
    target: AtomicU64,
}

static PROBE: spin::Once<Probe> = spin::Once::new();

fn probe() -> &'static Probe {
    PROBE.get().expect("probe not set up")
}

impl Probe {
    fn reset(&self, switches: u64) {
        self.samples.clear();
        self.last_who.store(NOBODY, Relaxed);
        self.target.store(switches, Relaxed);
    }

    /// Called by worker `me` once per loop iteration.
    ///
    /// IRQs are masked for the stamp, so a preemption cannot split it (a thread preempted
    /// between reading the counter and recording would later record a stale time); a timer
    /// interrupt that arrives meanwhile is taken at the unmask, right after `last_t` is set.
    /// The mask and unmask are part of every mechanism's probe, and of `probe_overhead`.
    #[inline(always)]
    fn stamp(&self, me: usize) {
        kernel::arch::cpu::without_irqs(|| {
            let t = kernel::cycles();
            let last = self.last_who.load(Relaxed);
            if last != me {
                if last != NOBODY {
                    self.samples.push(t - self.last_t.load(Relaxed));
                }
                self.last_who.store(me, Relaxed);
            }
            // Stamp again so the bookkeeping above is not counted in the next switch.
            self.last_t.store(kernel::cycles(), Relaxed);
        });
    }

    fn done(&self) -> bool {
        self.samples.len() as u64 >= self.target.load(Relaxed)
    }
}

pub fn run(core: usize, cfg: &RunConfig) {
    if core != 0 {
        return;
    }
    let switches = cfg.iterations.max(2);
    let mechanism = cfg
        .mechanism()
        .expect("mechanism index out of range for ctxswitch");
    let quantum = cfg.param("quantum_ticks").filter(|&q| q > 0).unwrap_or(4);
    let el0 = cfg.param("el0").unwrap_or(0) == 1;
    PROBE.call_once(|| Probe {
        last_t: AtomicU64::new(0),
        last_who: AtomicUsize::new(NOBODY),
        samples: Samples::with_capacity(switches.max(WARMUP) as usize),
        target: AtomicU64::new(0),
    });
    let p = probe();

    measure(mechanism, WARMUP.min(switches), quantum, el0);
    m5::work_begin(1, 0);
    m5::reset_stats();
    let t0 = kernel::cycles();
    measure(mechanism, switches, quantum, el0);
    let total = kernel::cycles() - t0;
    m5::dump_stats();
    m5::work_end(1, 0);

    let s = p.samples.summary();
    result!(
        "{{\"bench\":\"ctxswitch\",\"mechanism\":\"{}\",\"switches\":{},\"total_cycles\":{},\"probe_overhead\":{},\"quantum_ticks\":{},{}}}",
        runconfig::Choice::name(mechanism),
        s.count,
        total,
        probe_overhead(),
        if mechanism == Mechanism::ThreadPreempt {
            quantum
        } else {
            0
        },
        s.json_fields()
    );
}

fn measure(mechanism: Mechanism, switches: u64, quantum: u64, el0: bool) {
    probe().reset(switches);
    match mechanism {
        Mechanism::CoroYield => coro_yield(),
        Mechanism::ThreadCoop => thread::run_coop(&[(coop_worker, 1), (coop_worker, 2)], STACK),
        Mechanism::ThreadPreempt if el0 => {
            // The workers stop the set themselves (`preempt_stop`), as at EL1.
            let workers = [(spin_worker as thread::Entry, 0), (spin_worker, 1)];
            thread::run_preemptive_el0(&workers, STACK, quantum, u64::MAX);
        }
        Mechanism::ThreadPreempt => {
            thread::run_preemptive(&[(spin_worker, 0), (spin_worker, 1)], STACK, quantum);
        }
        other => panic!("ctxswitch has no mechanism {other:?}"),
    }
}

fn coro_yield() {
    let finished = Arc::new(AtomicUsize::new(0));
    for me in 0..2 {
        let finished = finished.clone();
        kernel::runtime::spawn(async move {
            let p = probe();
            while !p.done() {
                p.stamp(me);
                executor::yield_now().await;
            }
            finished.fetch_add(1, Relaxed);
        });
    }
    kernel::runtime::run_until(|| finished.load(Relaxed) == 2);
}

extern "C" fn coop_worker(me: usize) -> ! {
    let p = probe();
    let other = 3 - me;
    while !p.done() {
        p.stamp(me);
        thread::coop_yield_to(other);
    }
    thread::coop_finish()
}

extern "C" fn spin_worker(me: usize) -> ! {
    let p = probe();
    while !p.done() {
        p.stamp(me);
    }
    thread::preempt_stop();
    loop {
        core::hint::spin_loop();
    }
}

/// Median cycles a switch sample includes that are not the switch: from the `last_t` stamp,
/// through the unmask, to the next stamp's counter read, with nothing in between.
fn probe_overhead() -> u64 {
    let s = Samples::with_capacity(256);
    let mut last = 0;
    for i in 0..257 {
        kernel::arch::cpu::without_irqs(|| {
            let t = kernel::cycles();
            if i > 0 {
                s.push(t - last);
            }
            last = kernel::cycles();
        });
    }
    s.summary().p50 as u64
}
