//! The quantum API (the `quantum:Q` policy of the services): the CoroSched device's per-core
//! quantum timer, started when a request's task is polled, and a yield flag the device
//! DMA-writes when the quantum expires, so a yield point is one cached load (Concord's check,
//! with the dispatcher's timer in hardware) instead of an MMIO read.
//!
//! [`Quantum::start`] is one MMIO write (`YIELD` = 1: clear the request and start a quantum) and,
//! only if the previous quantum had expired, one store clearing the flag. A flag write of the
//! previous quantum that lands after the clear ends the new quantum early; the device writes the
//! flag once per quantum, so this costs at most one early yield.
//!
//! Without the device (QEMU), [`soft_tick`] plays the timer from another core: `start` stamps
//! the system counter, and the other core sets the flag when the quantum has passed.

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll};

use crate::coro_sched::{self, CoroSched};

/// A core's yield flag, alone in its cache line (the device writes the line; the core reads it
/// at every yield point).
#[repr(C, align(64))]
struct YieldFlag(AtomicU64);

static FLAGS: [YieldFlag; crate::MAX_CORES] =
    [const { YieldFlag(AtomicU64::new(0)) }; crate::MAX_CORES];

/// Software stand-in: the counter tick each core's quantum started at (0: none running), and
/// its length in ticks (0: off).
static SOFT_START: [AtomicU64; crate::MAX_CORES] = [const { AtomicU64::new(0) }; crate::MAX_CORES];
static SOFT_TICKS: [AtomicU64; crate::MAX_CORES] = [const { AtomicU64::new(0) }; crate::MAX_CORES];

/// The quantum of one core; create it on that core with [`Quantum::setup`].
#[derive(Clone, Copy)]
pub struct Quantum {
    core: usize,
    dev: Option<&'static CoroSched>,
}

impl Quantum {
    /// Sets this core's quantum to `cycles` CPU cycles on the device, or to `ticks` of the
    /// system counter in software when there is no device.
    pub fn setup(cycles: u64, ticks: u64) -> Quantum {
        let core = crate::arch::cpu::core_id();
        let dev = coro_sched::device();
        let flag = &FLAGS[core].0;
        flag.store(0, Ordering::Relaxed);
        match dev {
            Some(dev) => {
                // The flag is in the image's identity-mapped data: virtual = physical.
                dev.set_yield_addr(core, flag.as_ptr() as usize);
                dev.set_quantum(core, cycles.max(1));
            }
            None => SOFT_TICKS[core].store(ticks.max(1), Ordering::Release),
        }
        ACTIVE[core].store(true, Ordering::Relaxed);
        Quantum { core, dev }
    }

    /// The quantum of the calling core, if [`setup`](Self::setup) made one (and no
    /// [`teardown`](Self::teardown) removed it).
    pub fn current() -> Option<Quantum> {
        let core = crate::arch::cpu::core_id();
        ACTIVE[core].load(Ordering::Relaxed).then(|| Quantum {
            core,
            dev: coro_sched::device(),
        })
    }

    /// A task starts running: a new quantum starts now.
    #[inline(always)]
    pub fn start(&self) {
        match self.dev {
            Some(dev) => dev.restart_quantum(self.core),
            None => SOFT_START[self.core].store(crate::timer::now().max(1), Ordering::Release),
        }
        let flag = &FLAGS[self.core].0;
        if flag.load(Ordering::Relaxed) != 0 {
            flag.store(0, Ordering::Relaxed);
        }
    }

    /// The yield point's check: has the quantum expired? One load of the flag's cached line.
    #[inline(always)]
    pub fn expired(&self) -> bool {
        FLAGS[self.core].0.load(Ordering::Relaxed) != 0
    }

    /// Stops the timer and forgets the flag.
    pub fn teardown(self) {
        match self.dev {
            Some(dev) => {
                dev.set_quantum(self.core, 0);
                dev.set_yield_addr(self.core, 0);
            }
            None => {
                SOFT_TICKS[self.core].store(0, Ordering::Release);
                SOFT_START[self.core].store(0, Ordering::Release);
            }
        }
        ACTIVE[self.core].store(false, Ordering::Relaxed);
        FLAGS[self.core].0.store(0, Ordering::Relaxed);
    }
}

/// A future that starts a new quantum every time it is polled, then polls `inner`: wrapped
/// around a request's task, the quantum covers exactly one poll of that request.
pub struct QuantumPolled<F> {
    quantum: Quantum,
    inner: F,
}

impl<F> QuantumPolled<F> {
    pub fn new(quantum: Quantum, inner: F) -> Self {
        QuantumPolled { quantum, inner }
    }
}

impl<F: Future> Future for QuantumPolled<F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.quantum.start();
        // SAFETY: structural pinning of `inner`: it is never moved out of the pinned wrapper
        // (no method hands it out by value or by `&mut` outside this projection), and the
        // wrapper has no Drop impl.
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }.poll(cx)
    }
}

/// Whether each core has a quantum set up.
static ACTIVE: [AtomicBool; crate::MAX_CORES] =
    [const { AtomicBool::new(false) }; crate::MAX_CORES];

/// The software quantum timer, called often by another core: sets the flag of every core whose
/// quantum has passed (once per quantum, as the device does).
pub fn soft_tick() {
    let now = crate::timer::now();
    for core in 0..crate::MAX_CORES {
        let ticks = SOFT_TICKS[core].load(Ordering::Acquire);
        if ticks == 0 {
            continue;
        }
        let start = SOFT_START[core].load(Ordering::Acquire);
        if start != 0
            && now.saturating_sub(start) >= ticks
            && SOFT_START[core]
                .compare_exchange(start, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            FLAGS[core].0.store(1, Ordering::Release);
        }
    }
}
