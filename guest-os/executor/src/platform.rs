//! The seams between this crate and the machine: what the kernel provides ([`Platform`]) and
//! where a second source of ready tasks plugs in ([`ReadySource`]).
//!
//! Like embassy's `__pender`, the seam is thin on purpose. The executor never touches a register:
//! it asks the platform which core it runs on, tells it that a core has work (`pend`), and reads
//! the time. Everything else (WFI/WFE, SEV, SGIs, the generic timer, the scheduling device) stays
//! in the kernel, so this crate builds and tests on the host.

use core::sync::atomic::AtomicU64;

use crate::task::TaskRef;

/// What the kernel provides to every [`Executor`](crate::Executor).
///
/// An executor holds a `&'static dyn Platform`, so the kernel can build its executors in
/// `static`s with [`Executor::new`](crate::Executor::new) (a `const fn`):
///
/// ```
/// # use executor::{Executor, Platform};
/// struct Machine;
/// // SAFETY: `core_id` reads the core's own affinity register: true on every core.
/// unsafe impl Platform for Machine {
///     fn core_id(&self) -> usize { 0 /* MPIDR_EL1.Aff0 */ }
///     fn pend(&self, _core: usize) { /* SEV, or an SGI to `core` */ }
///     fn now(&self) -> u64 { 0 /* CNTPCT_EL0 */ }
/// }
/// static MACHINE: Machine = Machine;
/// static EXECUTORS: [Executor; 4] = Executor::per_core(&MACHINE);
/// ```
///
/// [`PlatformFns`] is the same seam as a struct of function pointers.
///
/// # Safety
///
/// The executor polls a task's future without a lock: what makes that exclusive is that only
/// the executor's own core runs its step, and the step is not re-entered. It checks both with
/// [`core_id`](Platform::core_id), so the implementor promises:
///
/// - `core_id` returns the index of the *calling* core (or, on a hosted target, of the core the
///   calling thread stands for), the same on every call from that core;
/// - no two threads of execution that may run at the same time report the same index. (An
///   interrupt handler on a core is the same core: it must not run a step, which the
///   re-entry check catches.)
/// - a thread of execution does not move to another core while it holds a
///   [`Runner`](crate::Runner) (which checks the core once, when it is made).
///
/// A `core_id` that returns 0 everywhere is therefore only sound on a machine with one core
/// and one thread.
pub unsafe trait Platform: Sync {
    /// Index of the calling core, the same numbering as [`Executor::core`](crate::Executor::core).
    ///
    /// Called once per [`run_once`](crate::Executor::run_once) step, to check that an executor
    /// runs on its own core, and by [`spawn_local`](crate::Executor::spawn_local). See the
    /// trait's safety contract.
    fn core_id(&self) -> usize;

    /// Core `core` has work: its run queue went from empty to non-empty.
    ///
    /// Called from any context: a task on any core, an interrupt handler, the executor itself.
    /// It must not block, must not allocate and must never run an executor step itself; it only
    /// makes sure that `core` calls [`run_once`](crate::Executor::run_once) soon. In particular
    /// it must make `core`'s next wait return if `core` is about to wait or waiting (`SEV` for
    /// a WFE-based idle loop, an SGI for a WFI-based one). It may be called for the calling core
    /// itself; [`run_once`](crate::Executor::run_once) already reports such work as
    /// [`Next::Run`](crate::Next::Run), so for the calling core it can be a no-op unless an
    /// interrupt handler may wake tasks between that report and the wait (see
    /// [`Executor::has_ready`](crate::Executor::has_ready)).
    fn pend(&self, core: usize);

    /// Monotonic time in timer ticks (the generic timer's `CNTPCT_EL0` on the guest).
    ///
    /// [`sleep`](crate::sleep) deadlines and [`Next::WaitUntil`](crate::Next::WaitUntil) are in
    /// these ticks. Called once per step while this core has timers, and by every poll of a
    /// [`Sleep`](crate::Sleep).
    fn now(&self) -> u64;
}

/// A [`Platform`] made of three function pointers, for a kernel that prefers free functions.
///
/// ```
/// # use executor::{Executor, PlatformFns};
/// fn core_id() -> usize { 0 }
/// fn pend(_core: usize) {}
/// fn now() -> u64 { 0 }
/// // SAFETY: a single-core machine: core 0 is the only core and the only thread.
/// static PLATFORM: PlatformFns = unsafe { PlatformFns::new(core_id, pend, now) };
/// static EXECUTOR: Executor = Executor::new(0, &PLATFORM);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PlatformFns {
    core_id: fn() -> usize,
    pend: fn(usize),
    now: fn() -> u64,
}

impl PlatformFns {
    /// The platform made of these functions.
    ///
    /// # Safety
    ///
    /// `core_id` keeps [`Platform`]'s contract (it returns the calling core's true index);
    /// `pend` and `now` do what [`Platform::pend`] and [`Platform::now`] say.
    pub const unsafe fn new(core_id: fn() -> usize, pend: fn(usize), now: fn() -> u64) -> Self {
        PlatformFns { core_id, pend, now }
    }
}

// SAFETY: `PlatformFns::new`'s caller promised the contract for `core_id`.
unsafe impl Platform for PlatformFns {
    fn core_id(&self) -> usize {
        (self.core_id)()
    }
    fn pend(&self, core: usize) {
        (self.pend)(core)
    }
    fn now(&self) -> u64 {
        (self.now)()
    }
}

/// A second queue of ready tasks that the executor drains besides its own run queue.
///
/// This is where the scheduling device plugs in: the device receives an interrupt, pushes the
/// pointer of the task waiting on it ([`TaskRef::as_ptr`]) into its hardware ready queue, and
/// the core pops it here without taking an interrupt. A ready ring in DRAM, or a software queue
/// standing in for the device in a baseline, fits the same trait. Install one per executor with
/// [`Executor::set_ready_source`](crate::Executor::set_ready_source).
///
/// # How the executor uses it
///
/// In a [`run_once`](crate::Executor::run_once) step, *after* the software batch, the executor
/// checks the source (its [`ready_hint`](ReadySource::ready_hint) if it has one, then) calls
/// [`pop`](ReadySource::pop) until it returns `None`, at most
/// [`MAX_EXTERNAL_PER_STEP`](crate::MAX_EXTERNAL_PER_STEP) times. It does so in every step
/// without software work (an idle core asks it every step), in the first step after a wait
/// (then *before* the software batch), and on a busy core every `k`th step
/// ([`Executor::set_source_check_every`](crate::Executor::set_source_check_every), 1 by
/// default): a task that keeps re-waking itself in software cannot starve tasks that the
/// device made ready, and a device that keeps producing cannot starve the software queue or
/// the timers.
///
/// For each popped task the executor:
/// - skips it if it has completed (a late event for a finished task);
/// - forwards it with [`wake_task`](crate::wake_task) if another core's executor owns it (it is
///   then polled there, through that core's run queue);
/// - otherwise polls it directly, with the budget reset, without touching the task's
///   `RUN_QUEUED` bit or its run-queue link. The hardware queue is not intrusive, so the two
///   queues cannot corrupt each other; a task that sits in both (woken in software *and* by the
///   device) is polled once from each, and a future must tolerate such a spurious poll anyway.
///
/// `pop` is called only on the executor's own core, outside any task poll.
pub trait ReadySource: Sync {
    /// The next task that is ready on `core`, or `None` if there is none right now.
    ///
    /// The pointer usually comes back from hardware, so the implementation turns it into a
    /// [`TaskRef`] with the `unsafe` [`TaskRef::from_ptr`]. It must also order the task's
    /// wake-up data before the poll, as the software wake path's `Release`/`Acquire` pair does
    /// (on aarch64: a `DMB` after the MMIO read, unless the device is mapped so that the read
    /// is ordered already).
    fn pop(&self, core: usize) -> Option<TaskRef>;

    /// A word in cacheable memory that is zero whenever [`pop`](ReadySource::pop) on `core`
    /// would return `None` (a ring's next slot, a device's non-empty flag), or `None` if there
    /// is no such word. With a hint, the executor's check of an empty source is one load and
    /// a compare, inlined into its step; `pop` is called only when the word is non-zero (a
    /// stale non-zero costs one empty `pop`). The executor asks again after each check that
    /// popped tasks (the word may move, as a ring's next slot does) and when the source is
    /// installed.
    ///
    /// The producer must make the word non-zero before the event that wakes the core, so that
    /// the first check after the wake sees it.
    fn ready_hint(&self, core: usize) -> Option<&AtomicU64> {
        let _ = core;
        None
    }
}
