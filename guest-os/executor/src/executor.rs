//! One executor per core: its run queues, its timers, its budget, and the step that polls.
//!
//! # A step
//!
//! The kernel calls [`Executor::run_once`] on the executor's own core, in a loop:
//!
//! 1. **Timers.** If the core has timers, read the clock once and move every task whose
//!    deadline has passed onto the run queue, earliest first ([`crate::timer`]).
//! 2. **Software batch.** Take every task on the run queue (woken since the last step, in wake
//!    order), then append the deferred list (tasks that yielded: budget spent or
//!    [`yield_now`](crate::yield_now)), and poll each once, resetting the budget before each
//!    poll. A task woken during the batch runs in the next one ([`crate::run_queue`]).
//! 3. **External source.** If a [`ReadySource`] is installed (the scheduling device), pop and
//!    poll up to [`MAX_EXTERNAL_PER_STEP`] tasks from it.
//! 4. **Report** what the core should do next ([`Next`]): run another step at once, or wait
//!    for a pend, until the earliest timer deadline if there is one.
//!
//! # The kernel's loop
//!
//! ```no_run
//! # use executor::{Executor, Next, Platform};
//! # struct Machine;
//! # impl Platform for Machine {
//! #     fn core_id(&self) -> usize { 0 }
//! #     fn pend(&self, _: usize) {}
//! #     fn now(&self) -> u64 { 0 }
//! # }
//! # static MACHINE: Machine = Machine;
//! # static EXECUTORS: [Executor; 1] = Executor::per_core(&MACHINE);
//! # mod timer { pub fn arm(_deadline: u64) {} }
//! # mod arch { pub fn wait() {} }
//! # let core = 0;
//! loop {
//!     match EXECUTORS[core].run_once() {
//!         Next::Run => {}
//!         Next::WaitUntil(deadline) => {
//!             timer::arm(deadline);
//!             arch::wait(); // WFE or WFI
//!         }
//!         Next::Wait => arch::wait(),
//!     }
//! }
//! ```
//!
//! No wake-up is lost between the report and the wait as long as [`Platform::pend`] makes the
//! next wait return: a wake from another core that comes after the report pushes the task and,
//! as the queue was empty, pends this core (`SEV` sets the event register, so the next `WFE`
//! returns at once; an SGI stays pending, so `WFI` returns). For a wake from an interrupt
//! handler on this core, use WFE with a `SEV`-ing pend, or mask interrupts, re-check
//! [`Executor::has_ready`], and `WFI` (which returns on a pending interrupt even when masked).
//!
//! # Re-entrancy and cores
//!
//! A step must not run inside a step (a task must not call `run_once`), and an executor must run
//! only on its own core. Both are checked: `run_once` panics otherwise. Together with the
//! `Send` bound of [`Executor::spawn`], that is what makes polling a task's future sound.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use crate::coop::{Budget, bump};
use crate::platform::{Platform, ReadySource};
use crate::run_queue::RunQueue;
use crate::task::{self, EnqueueToken, TaskRef};
use crate::timer::TimerQueue;
use crate::waker::wake_task;

/// At most this many tasks are taken from the [`ReadySource`] per step, so that a device that
/// keeps producing events cannot starve the software run queue and the timers. It plays the
/// role the batch boundary plays for software wakes (there is no way to snapshot a hardware
/// queue): the software queue waits at most this many external polls.
pub const MAX_EXTERNAL_PER_STEP: usize = 32;

/// What the core should do after a [`run_once`](Executor::run_once) step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Next {
    /// Work is ready (tasks were woken during the step, a timer has expired, or the external
    /// source may have more): run another step without waiting.
    Run,
    /// Nothing is ready; the earliest timer is due at this tick. Program the timer and wait
    /// (a pend may end the wait earlier).
    WaitUntil(u64),
    /// Nothing is ready and no timer is pending: wait for a pend (or an interrupt).
    Wait,
}

/// Counters of one executor, for the measurements. Cumulative since the executor was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// [`run_once`](Executor::run_once) steps.
    pub steps: u64,
    /// Task polls (software and external).
    pub polls: u64,
    /// Polls of tasks popped from the [`ReadySource`].
    pub external_polls: u64,
    /// Tasks woken by an expired timer.
    pub timer_wakes: u64,
    /// Times a task was made to yield because its budget was spent.
    pub forced_yields: u64,
}

/// Counters written only by the owning core.
struct Counters {
    steps: AtomicU64,
    polls: AtomicU64,
    external_polls: AtomicU64,
    timer_wakes: AtomicU64,
}

/// The executor of one core. See the [module docs](self).
///
/// Build one per core in a `static` with [`Executor::new`] or [`Executor::per_core`].
pub struct Executor {
    core: usize,
    platform: &'static dyn Platform,
    /// Tasks woken since the last step (any core, any context may push).
    run_queue: RunQueue,
    /// Tasks that yielded; appended after the run queue at the next step.
    deferred: RunQueue,
    pub(crate) timers: TimerQueue,
    pub(crate) budget: Budget,
    /// The installed ready source, as a pointer to a leaked `&'static dyn ReadySource` (a thin
    /// pointer, so that it fits an atomic), or null.
    ready_source: AtomicPtr<&'static dyn ReadySource>,
    /// Set for the duration of a step.
    running: AtomicBool,
    counters: Counters,
}

/// Placeholder platform for [`Executor::per_core`]'s initial array; never called.
struct Unset;

impl Platform for Unset {
    fn core_id(&self) -> usize {
        unreachable!()
    }
    fn pend(&self, _: usize) {
        unreachable!()
    }
    fn now(&self) -> u64 {
        unreachable!()
    }
}

impl Executor {
    /// The executor of core `core` (numbered as [`Platform::core_id`] numbers them).
    pub const fn new(core: usize, platform: &'static dyn Platform) -> Self {
        Executor {
            core,
            platform,
            run_queue: RunQueue::new(),
            deferred: RunQueue::new(),
            timers: TimerQueue::new(),
            budget: Budget::new(),
            ready_source: AtomicPtr::new(ptr::null_mut()),
            running: AtomicBool::new(false),
            counters: Counters {
                steps: AtomicU64::new(0),
                polls: AtomicU64::new(0),
                external_polls: AtomicU64::new(0),
                timer_wakes: AtomicU64::new(0),
            },
        }
    }

    /// `N` executors, for cores `0..N`: `static EXECUTORS: [Executor; 4] = Executor::per_core(&P);`
    pub const fn per_core<const N: usize>(platform: &'static dyn Platform) -> [Executor; N] {
        let mut executors = [const { Executor::new(0, &Unset) }; N];
        let mut core = 0;
        while core < N {
            executors[core] = Executor::new(core, platform);
            core += 1;
        }
        executors
    }

    /// The core this executor belongs to.
    pub fn core(&self) -> usize {
        self.core
    }

    /// The platform it was built with.
    pub fn platform(&self) -> &'static dyn Platform {
        self.platform
    }

    /// The platform's clock, in ticks.
    pub fn now(&self) -> u64 {
        self.platform.now()
    }

    /// Spawns `future` as a task of this executor and wakes it; returns the task.
    ///
    /// Callable from any core (the future is `Send`), but not from an interrupt handler (it
    /// allocates). The task is allocated once and never freed (see [`crate::task`]); its future
    /// is dropped when it completes.
    pub fn spawn<F>(&'static self, future: F) -> TaskRef
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let task = task::allocate(self, future);
        wake_task(task);
        task
    }

    /// Runs one step (see the [module docs](self)) and says what to do next.
    ///
    /// # Panics
    ///
    /// If called on another core than [`core`](Self::core), or inside a step of this
    /// executor (from a task).
    pub fn run_once(&self) -> Next {
        let _step = self.enter_step();
        bump(&self.counters.steps);

        // 1. Timers.
        if !self.timers.is_empty() {
            let now = self.platform.now();
            self.timers.expire(now, |task| {
                bump(&self.counters.timer_wakes);
                // Our own task (timers are per executor), and we are about to take the queue:
                // no pend needed.
                if let Some(token) = task.claim_link() {
                    self.run_queue.push(token);
                }
            });
        }

        // 2. The software batch: woken tasks, then deferred ones.
        let mut batch = self.run_queue.take_all();
        batch.append(self.deferred.take_all());
        for task in batch {
            if task.header().state.run_dequeue() {
                // SAFETY: the task was in this executor's queues, so it is ours; we are inside
                // our step (on our core, not re-entered); run_dequeue checked it has not
                // completed.
                unsafe { self.poll(task) };
            }
        }

        // 3. The external source.
        let mut source_may_have_more = false;
        if let Some(source) = self.ready_source() {
            source_may_have_more = true;
            for _ in 0..MAX_EXTERNAL_PER_STEP {
                let Some(task) = source.pop(self.core) else {
                    source_may_have_more = false;
                    break;
                };
                self.run_external(task);
            }
        }

        // 4. What next.
        if source_may_have_more || self.has_ready() {
            return Next::Run;
        }
        // The hint first: the deadline needs the timer lock, an exclusive-store sequence that
        // would end the core's next WFE at once (see `RunQueue::take_all`).
        if self.timers.is_empty() {
            return Next::Wait;
        }
        match self.timers.next_deadline() {
            None => Next::Wait,
            Some(at) if at <= self.platform.now() => Next::Run,
            Some(at) => Next::WaitUntil(at),
        }
    }

    /// Whether tasks are queued on this core (woken or deferred) right now. For the kernel's
    /// idle check with interrupts masked; it does not see the external source.
    pub fn has_ready(&self) -> bool {
        !self.run_queue.is_empty() || !self.deferred.is_empty()
    }

    /// Sets the budget of every poll from the next poll on: `Some(n)` operations, or `None`
    /// for no budget. The default is [`DEFAULT_BUDGET`](crate::DEFAULT_BUDGET). See
    /// [`crate::coop`].
    pub fn set_budget(&self, budget: Option<u32>) {
        self.budget.set(budget);
    }

    /// The configured budget per poll.
    pub fn budget(&self) -> Option<u32> {
        self.budget.get()
    }

    /// What is left of the budget in the current poll (`None`: unconstrained).
    pub fn budget_remaining(&self) -> Option<u32> {
        self.budget.remaining()
    }

    /// How many times a task was made to yield because its budget was spent.
    pub fn forced_yields(&self) -> u64 {
        self.budget.forced_yields()
    }

    /// Installs (or with `None` removes) the external source of ready tasks; see
    /// [`ReadySource`]. Takes effect at the next step.
    ///
    /// Allocates one word-pair per call (the `&dyn` is boxed so that it fits an atomic
    /// pointer) and never frees it: call it when a run sets up its mechanism, not per step.
    pub fn set_ready_source(&self, source: Option<&'static dyn ReadySource>) {
        let ptr = source.map_or(ptr::null_mut(), |source| Box::into_raw(Box::new(source)));
        self.ready_source.store(ptr, Ordering::Release);
    }

    fn ready_source(&self) -> Option<&'static dyn ReadySource> {
        let ptr = self.ready_source.load(Ordering::Acquire);
        // SAFETY: non-null values come only from `set_ready_source`, which leaks the box, so
        // the pointer is valid and the `&'static dyn` it holds is never written again.
        (!ptr.is_null()).then(|| unsafe { *ptr })
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            steps: load(&self.counters.steps),
            polls: load(&self.counters.polls),
            external_polls: load(&self.counters.external_polls),
            timer_wakes: load(&self.counters.timer_wakes),
            forced_yields: self.budget.forced_yields(),
        }
    }

    /// The wake path: push a task whose link the caller claimed, pend the core if the queue
    /// was empty.
    pub(crate) fn enqueue(&self, token: EnqueueToken) {
        debug_assert!(ptr::eq(token.task().executor(), self));
        if self.run_queue.push(token) {
            self.platform.pend(self.core);
        }
    }

    /// The yield path: queue `task` (ours) behind everything woken meanwhile.
    ///
    /// It pends like a wake when the deferred list becomes non-empty. On the owning core, inside
    /// a step, that pend is redundant (the step reports [`Next::Run`]), but it keeps the wake
    /// contract if a task's waker is used on another core.
    pub(crate) fn defer(&self, task: TaskRef) {
        debug_assert!(ptr::eq(task.executor(), self));
        if let Some(token) = task.claim_link()
            && self.deferred.push(token)
        {
            self.platform.pend(self.core);
        }
    }

    /// Polls a task from the external source: forward it if it is another core's, skip it if
    /// it has completed, poll it otherwise.
    fn run_external(&self, task: TaskRef) {
        if !ptr::eq(task.executor(), self) {
            wake_task(task);
            return;
        }
        if task.is_completed() {
            return;
        }
        bump(&self.counters.external_polls);
        // SAFETY: the task is ours (checked above), we are inside our step, and it has not
        // completed (checked above; only this core completes it).
        unsafe { self.poll(task) };
    }

    /// Polls one task with a fresh budget.
    ///
    /// # Safety
    ///
    /// `task` belongs to this executor, has not completed, and the caller is inside this
    /// executor's step.
    unsafe fn poll(&self, task: TaskRef) {
        self.budget.reset();
        bump(&self.counters.polls);
        // SAFETY: forwarded; the step guard makes this the only poll of any of our tasks
        // running, on our core.
        unsafe { task.poll() };
    }

    fn enter_step(&self) -> StepGuard<'_> {
        let core = self.platform.core_id();
        assert!(
            core == self.core,
            "the executor of core {} was run on core {core}",
            self.core
        );
        // Only this core touches `running` (checked just above), so a plain load and store
        // suffice; a swap would be an exclusive-store sequence in every step (see
        // `RunQueue::take_all` for why idle steps avoid those).
        assert!(
            !self.running.load(Ordering::Relaxed),
            "Executor::run_once re-entered (called from a task of core {})",
            self.core
        );
        self.running.store(true, Ordering::Relaxed);
        StepGuard(self)
    }
}

struct StepGuard<'a>(&'a Executor);

impl Drop for StepGuard<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("core", &self.core)
            .field("budget", &self.budget())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
