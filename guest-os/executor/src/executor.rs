//! One executor per core: its run queues, its timers, its budget, and the step that polls.
//!
//! # A step
//!
//! The kernel calls [`Runner::run_once`] (or [`Executor::run_once`]) on the executor's own
//! core, in a loop:
//!
//! 1. **Timers.** If the core has timers, read the clock once and wake every timer whose
//!    deadline has passed, earliest first ([`crate::timer`]).
//! 2. **Software batch.** Take every task on the run queue (woken since the last step, in wake
//!    order), then the deferred lists (tasks that yielded: budget spent or
//!    [`yield_now`](crate::yield_now)), and poll each once, resetting the budget before each
//!    poll. A task woken during the batch runs in the next one ([`crate::run_queue`]).
//!
//!    A task that yields inside its own poll (the poll's borrowed waker proves it, see
//!    [`crate::waker`]) goes on a core-local deferred list: plain loads and stores, no
//!    compare-and-swap, no pend. Taken from that list, it is polled keeping its run-queue link,
//!    so that yielding again costs no atomic RMW at all unless it was woken meanwhile
//!    ([`crate::state`], 3' and 3''). Tasks that yield through another waker (a combinator's)
//!    go on the shared deferred list, as wakes do.
//! 3. **External source.** If a [`ReadySource`] is installed (the scheduling device), pop and
//!    poll up to [`MAX_EXTERNAL_PER_STEP`] tasks from it. The check is inlined into the step:
//!    if the source gives a ready hint ([`ReadySource::ready_hint`]), an empty source costs one
//!    load of that word and a compare, with no call; the source itself is called only when the
//!    word is non-zero. A busy core checks every `k`th step
//!    ([`set_source_check_every`](Executor::set_source_check_every), as Tokio checks its I/O
//!    driver every `event_interval` ticks), and always in a step that found no software work,
//!    so that it never reports [`Next::Wait`] without having checked.
//!
//!    The first step after a [`Next::Wait`] report (the core was idle, and an event of the
//!    device is the likeliest reason it runs again) checks the source **first**, before it
//!    polls the software batch: a task the device woke runs without the steps in front of it.
//!    The batch is taken before that poll, so a task that yields in it runs in the next step.
//! 4. **Report** what the core should do next ([`Next`]): run another step at once, or wait
//!    for a pend, until the earliest timer deadline if there is one.
//!
//! # Busy loops: `run_while`
//!
//! [`Runner::run_while`] runs steps for as long as the caller's condition holds and each step
//! reports [`Next::Run`], with the step compiled into its loop. While the only ready tasks are
//! ones that yielded inside their own poll, it walks them as one FIFO instead of one batch per
//! step (the same polls in the same order; it still stops only between two rounds). That is
//! the path of a coroutine switch: E3's yield ping-pong costs no atomic RMW, no call of the
//! step and no mispredicted loop exit per switch (`docs/coroutine-switch.md`).
//!
//! # The kernel's loop
//!
//! ```no_run
//! # use executor::{Executor, Next, Platform};
//! # struct Machine;
//! # // SAFETY: one core, one thread.
//! # unsafe impl Platform for Machine {
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
//! only on its own core. Both are checked: `run_once` panics otherwise. The core check is only
//! as good as [`Platform::core_id`], which is why [`Platform`] is an `unsafe trait`: its
//! implementor promises that the id is true. Together with the `Send` bound of
//! [`Executor::spawn`] (and [`Executor::spawn_local`]'s check that it runs on the executor's
//! core), that is what makes polling a task's future sound.
//!
//! # Tasks end
//!
//! [`spawn`](Executor::spawn) returns a [`JoinHandle`]: await it for the output,
//! [`abort`](JoinHandle::abort) it, or drop it to detach the task. A finished task's slot goes
//! back to this executor's pool once its handle and its wakers are gone ([`crate::task`]).
//!
//! # Panics (host)
//!
//! On a hosted target a panicking poll is caught: the future is dropped (a panic in its `Drop`
//! is caught too, and the completion guard keeps it from being dropped twice), the task
//! completes with [`JoinError::Panicked`], [`Stats::panicked`] counts it, and the rest of the
//! batch runs. If anything else unwinds out of a step, the tasks left in the batch are put back
//! on the run queue, not stranded. The guest aborts on panic with the panic's message.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{self, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use core::task::Waker;

use crate::context;
use crate::coop::{Budget, add, bump};
use crate::join::{JoinError, JoinHandle};
use crate::platform::{Platform, ReadySource};
use crate::pool::{TaskPool, release_ref};
use crate::run_queue::{Batch, LocalQueue, RunQueue};
use crate::state::{CANCELLED, COMPLETED, Dequeued, JOIN_INTEREST, RUN_QUEUED};
use crate::task::{self, EnqueueToken, TaskRef};
use crate::timer::TimerQueue;
use crate::unwind;
use crate::waker::{task_from_waker, wake_task};

/// At most this many tasks are taken from the [`ReadySource`] per step, so that a device that
/// keeps producing events cannot starve the software run queue and the timers. It plays the
/// role the batch boundary plays for software wakes (there is no way to snapshot a hardware
/// queue): the software queue waits at most this many external polls.
pub const MAX_EXTERNAL_PER_STEP: usize = 32;

/// While only yielded tasks are ready, [`Runner::run_while`] asks its `keep_going` at least
/// every this many polls (see [`Executor::walk_yielded`]).
pub const WALK_CHECK_POLLS: u32 = 32;

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
    /// Tasks whose poll (or whose future's drop) panicked, caught on the host and dropped.
    pub panicked: u64,
    /// Task slots this executor's pool has taken from the heap (its peak number of live tasks
    /// per size class, summed), and their bytes.
    pub task_slots: u64,
    /// See [`task_slots`](Self::task_slots).
    pub task_slot_bytes: u64,
}

/// Counters written only by the owning core.
struct Counters {
    steps: AtomicU64,
    polls: AtomicU64,
    external_polls: AtomicU64,
    timer_wakes: AtomicU64,
    panicked: AtomicU64,
}

/// The executor of one core. See the [module docs](self).
///
/// Build one per core in a `static` with [`Executor::new`] or [`Executor::per_core`].
pub struct Executor {
    core: usize,
    platform: &'static dyn Platform,
    /// Tasks woken since the last step (any core, any context may push).
    run_queue: RunQueue,
    /// Tasks that yielded through a waker other than their poll's own (another core, a
    /// combinator's waker); appended after the run queue at the next step.
    deferred: RunQueue,
    /// Tasks that yielded inside their own poll: the fast path, core-local, polled last.
    local_deferred: LocalQueue,
    /// Owner-only flags: the polls in progress keep their task's link (set for a whole walk
    /// of `local_deferred`, see `HeldPolls`), and the task being polled asked to yield.
    poll_holds_link: AtomicBool,
    yield_requested: AtomicBool,
    pub(crate) timers: TimerQueue,
    pub(crate) budget: Budget,
    /// The installed ready source, as a pointer to a leaked `&'static dyn ReadySource` (a thin
    /// pointer, so that it fits an atomic), or null.
    ready_source: AtomicPtr<&'static dyn ReadySource>,
    /// The installed source's ready hint ([`ReadySource::ready_hint`]), or null (no source, or
    /// one without a hint: then every check calls it).
    source_hint: AtomicPtr<AtomicU64>,
    /// Owner-only: check the source every this many steps (at least 1) while busy...
    source_check_every: AtomicU32,
    /// ...and the steps left until the next check.
    source_check_in: AtomicU32,
    /// Owner-only: the last step reported a wait, so the next one checks the source first.
    after_wait: AtomicBool,
    /// Set for the duration of a step.
    running: AtomicBool,
    /// Where this core's context records the task being polled.
    context: context::Slot,
    counters: Counters,
    /// Where this executor's task slots come from and go back to.
    pool: TaskPool,
}

/// Placeholder platform for [`Executor::per_core`]'s initial array; never called.
struct Unset;

// SAFETY: never called (every method is unreachable), so it makes no false claim.
unsafe impl Platform for Unset {
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
            local_deferred: LocalQueue::new(),
            poll_holds_link: AtomicBool::new(false),
            yield_requested: AtomicBool::new(false),
            timers: TimerQueue::new(),
            budget: Budget::new(),
            ready_source: AtomicPtr::new(ptr::null_mut()),
            source_hint: AtomicPtr::new(ptr::null_mut()),
            source_check_every: AtomicU32::new(1),
            source_check_in: AtomicU32::new(1),
            after_wait: AtomicBool::new(false),
            running: AtomicBool::new(false),
            context: context::Slot::of(core),
            counters: Counters {
                steps: AtomicU64::new(0),
                polls: AtomicU64::new(0),
                external_polls: AtomicU64::new(0),
                timer_wakes: AtomicU64::new(0),
                panicked: AtomicU64::new(0),
            },
            pool: TaskPool::new(),
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

    /// Spawns `future` as a task of this executor and wakes it; returns its [`JoinHandle`].
    ///
    /// Callable from any core (the future is `Send`), but not from an interrupt handler (it
    /// may allocate a slot). The task's slot comes from this executor's pool and goes back to
    /// it when the task has finished and its handle and wakers are gone (see [`crate::task`]).
    ///
    /// # Panics
    ///
    /// If the heap cannot provide a new slot (the message names the size and the pool's
    /// footprint). A future too large for the pool (over 32 MiB) does not build.
    pub fn spawn<F>(&'static self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_inner(future)
    }

    /// Spawns a future that need not be `Send` on this executor, which must be the calling
    /// core's: the future is created, polled and dropped on this core only.
    ///
    /// # Panics
    ///
    /// If called on another core than [`core`](Self::core), and as [`spawn`](Self::spawn).
    pub fn spawn_local<F>(&'static self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let core = self.platform.core_id();
        assert!(
            core == self.core,
            "spawn_local for the executor of core {} called on core {core}",
            self.core
        );
        self.spawn_inner(future)
    }

    fn spawn_inner<F: Future + 'static>(&'static self, future: F) -> JoinHandle<F::Output> {
        let task = task::allocate(self, future, true);
        // Spawning left RUN_QUEUED set: the spawner owns the first push.
        self.enqueue(EnqueueToken::assume_claimed(task));
        // SAFETY: spawned with a join reference, for this output type; the only handle.
        unsafe { JoinHandle::new(task) }
    }

    pub(crate) fn pool(&self) -> &TaskPool {
        &self.pool
    }

    /// Runs one step (see the [module docs](self)) and says what to do next.
    ///
    /// The same as `self.runner().run_once()`: it checks the core and re-entry every step. A
    /// loop that steps many times should hold a [`Runner`], which checks once.
    ///
    /// # Panics
    ///
    /// If called on another core than [`core`](Self::core), or inside a step of this
    /// executor (from a task).
    pub fn run_once(&self) -> Next {
        self.runner().run_once()
    }

    /// The right to run this executor's steps: checks that the calling core is the executor's
    /// and that no runner exists already, once, so that each [`Runner::run_once`] need not
    /// (on gem5's O3 the core-id read, an `MRS`, serialises the pipeline). The runner is not
    /// `Send`: it stays on the core that made it.
    ///
    /// # Panics
    ///
    /// If called on another core than [`core`](Self::core), or while a runner of this executor
    /// exists (from a task, or a nested loop).
    pub fn runner(&self) -> Runner<'_> {
        let core = self.platform.core_id();
        assert!(
            core == self.core,
            "the executor of core {} was run on core {core}",
            self.core
        );
        // Only this core touches `running` (checked just above, and `Platform` is an unsafe
        // trait whose contract makes that check true), so a plain load and store suffice; a
        // swap would be an exclusive-store sequence (see `RunQueue::take_all` for why idle
        // steps avoid those).
        assert!(
            !self.running.load(Ordering::Relaxed),
            "Executor::run_once re-entered (called from a task of core {})",
            self.core
        );
        self.running.store(true, Ordering::Relaxed);
        Runner {
            executor: self,
            _on_this_core: PhantomData,
        }
    }

    /// One step; the caller holds the runner. Inlined into [`Runner::run_once`] and into each
    /// [`Runner::run_while`] loop.
    #[inline(always)]
    fn step(&self) -> Next {
        bump(&self.counters.steps);

        // 1. Timers: an expired one wakes its task into this step's batch.
        if !self.timers.is_empty() {
            let now = self.platform.now();
            self.timers.expire(now, |waker| self.wake_expired(waker));
        }

        // The software batch is taken before anything is polled (woken tasks, then deferred
        // ones), so that a task polled first from the source and yielding runs in the next
        // step, not twice in this one.
        let mut batch = self.run_queue.take_all();
        if !self.deferred.is_empty() {
            batch.append(self.deferred.take_all());
        }
        let mut walk = Walk {
            batch,
            local: self.local_deferred.take_all(),
            queue: &self.run_queue,
        };

        // After an idle wait: the external source first (see the module docs).
        let checked_first = self.after_wait.load(Ordering::Relaxed);
        let mut source_may_have_more = false;
        if checked_first {
            self.after_wait.store(false, Ordering::Relaxed);
            source_may_have_more = self.check_source();
        }

        // 2. The software batch.
        let mut software_work = false;
        for task in walk.batch.by_ref() {
            software_work = true;
            let dequeued = task.header().state.run_dequeue();
            // SAFETY: the task was in this executor's queues, so it is ours; we are inside our
            // step (on our core, not re-entered).
            unsafe { self.dispatch(task, dequeued, false) };
        }
        // Tasks that yielded inside their own poll: polled keeping their link (see
        // `State::hold_dequeue`), so that yielding again costs no RMW.
        let held = HeldPolls::begin(self);
        for task in walk.local.by_ref() {
            software_work = true;
            let dequeued = task.header().state.hold_dequeue();
            // SAFETY: as above.
            unsafe { self.dispatch(task, dequeued, true) };
        }
        drop(held);
        // The walk is over (the guard, where there is one, finds both batches empty).
        #[cfg_attr(not(panic = "unwind"), allow(clippy::drop_non_drop))]
        drop(walk);

        // 3. The external source: every `k`th step, and in any step without software work.
        if !checked_first {
            let check_in = self.source_check_in.load(Ordering::Relaxed) - 1;
            if check_in == 0 || !software_work {
                self.source_check_in.store(
                    self.source_check_every.load(Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                source_may_have_more = self.check_source();
            } else {
                self.source_check_in.store(check_in, Ordering::Relaxed);
            }
        }

        // 4. What next.
        self.report(source_may_have_more)
    }

    /// Checks the external source: if its ready hint is zero, nothing more (one load and a
    /// compare); otherwise pops and polls up to [`MAX_EXTERNAL_PER_STEP`] tasks. Returns
    /// whether the source may have more.
    #[inline(always)]
    fn check_source(&self) -> bool {
        let hint = self.source_hint.load(Ordering::Relaxed);
        if hint.is_null() {
            // No hint: call the source if there is one (no source costs this load only).
            if self.ready_source.load(Ordering::Relaxed).is_null() {
                return false;
            }
        } else {
            // SAFETY: non-null hints come only from an installed source's `ready_hint`
            // (`set_ready_source`, `pop_source`), a `&'static AtomicU64`: the source is a
            // `&'static dyn ReadySource`, so what it lends lives as long.
            let word = unsafe { &*hint };
            if word.load(Ordering::Relaxed) == 0 {
                return false;
            }
        }
        self.pop_source()
    }

    /// The source's side of [`check_source`](Self::check_source), out of line: only steps
    /// that find work (or sources without a hint) call it.
    #[inline(never)]
    fn pop_source(&self) -> bool {
        let Some(source) = self.ready_source() else {
            return false;
        };
        let hinted = !self.source_hint.load(Ordering::Relaxed).is_null();
        for _ in 0..MAX_EXTERNAL_PER_STEP {
            let Some(task) = source.pop(self.core) else {
                return false;
            };
            self.run_external(task);
            if hinted {
                // The hint may have moved (a ring's next slot). Asking it, not `pop`, whether
                // there is more spares the call of `pop` that would find none.
                let hint = source.ready_hint(self.core);
                self.source_hint.store(
                    hint.map_or(ptr::null_mut(), |word| ptr::from_ref(word).cast_mut()),
                    Ordering::Relaxed,
                );
                if hint.is_none_or(|word| word.load(Ordering::Relaxed) == 0) {
                    return hint.is_none();
                }
            }
        }
        true
    }

    fn store_hint(&self, source: &'static dyn ReadySource) {
        let hint = source
            .ready_hint(self.core)
            .map_or(ptr::null_mut(), |word| ptr::from_ref(word).cast_mut());
        self.source_hint.store(hint, Ordering::Relaxed);
    }

    /// Makes a busy core check the external source every `every` steps (1: every step, the
    /// default). A step with no software work and the first step after a wait check it
    /// anyway, so an idle core's latency is unchanged; a busy core's is up to `every - 1`
    /// steps longer, for `every` times fewer checks. Call on the executor's core.
    ///
    /// # Panics
    ///
    /// If `every` is 0.
    pub fn set_source_check_every(&self, every: u32) {
        assert!(
            every >= 1,
            "the external source is checked every `every` steps: pass at least 1 (1 = every step)"
        );
        self.source_check_every.store(every, Ordering::Relaxed);
        self.source_check_in.store(every, Ordering::Relaxed);
    }

    /// See [`set_source_check_every`](Self::set_source_check_every).
    pub fn source_check_every(&self) -> u32 {
        self.source_check_every.load(Ordering::Relaxed)
    }

    /// The end of a step: what the core should do next.
    #[inline(always)]
    fn report(&self, source_may_have_more: bool) -> Next {
        if source_may_have_more || self.has_ready() {
            return Next::Run;
        }
        // The hint first: the deadline needs the timer lock, an exclusive-store sequence that
        // would end the core's next WFE at once (see `RunQueue::take_all`).
        let next = if self.timers.is_empty() {
            Next::Wait
        } else {
            match self.timers.next_deadline() {
                None => Next::Wait,
                Some(at) if at <= self.platform.now() => Next::Run,
                Some(at) => Next::WaitUntil(at),
            }
        };
        if next != Next::Run {
            self.after_wait.store(true, Ordering::Relaxed);
        }
        next
    }

    /// Whether the only work of this core is tasks that yielded inside their own poll: the
    /// local list is not empty, nothing is woken or deferred through the shared lists, no
    /// timer is pending and no external source is installed. The next step would then only
    /// walk the local list. Plain loads: a wake that races with them is seen at the next
    /// check, as it would be by the next step.
    #[inline(always)]
    fn only_yielded_ready(&self) -> bool {
        !self.local_deferred.is_empty() && !self.other_work_ready()
    }

    /// The steps that follow while [`only_yielded_ready`](Self::only_yielded_ready) holds,
    /// for [`Runner::run_while`]: each such step would walk one round (the local list as it
    /// was at the step's start) and nothing else. Here the rounds are walked as one FIFO:
    /// pop the first task, poll it (a task that yields again goes to the tail, behind the
    /// rest of its round), and so on. The order of polls is the same as step by step.
    ///
    /// Between two rounds a step could have found other work or the caller could have
    /// stopped. So after every poll the cheap checks of `only_yielded_ready` run (plain
    /// loads, a branch that is almost never taken), `keep_going` every
    /// [`WALK_CHECK_POLLS`] polls; when either says stop, the rest of the current round is
    /// polled and the walk returns, at a round boundary, as a step would have ended. Where
    /// the current round ends is tracked as a count, refilled without a branch when it
    /// runs out, so that no branch alternates with the position in the round.
    ///
    /// Each round counts as a step in [`Stats::steps`]. If the list runs empty (the tasks
    /// stopped yielding), the last round was a step that ends as a step does: its report is
    /// returned. Otherwise (other work, or `keep_going` said stop) `None`: the caller goes on
    /// with a step.
    fn walk_yielded(&self, keep_going: &mut dyn FnMut() -> bool) -> Option<Next> {
        // The last task of the current round (compared by address only); rounds begun, and
        // whether the next poll begins one.
        let mut round_last = self.local_deferred.last();
        let mut rounds = 0u64;
        let mut round_begins = true;
        let mut until_check = WALK_CHECK_POLLS;
        let held = HeldPolls::begin(self);
        while let Some(task) = self.local_deferred.pop() {
            rounds += u64::from(round_begins);
            // SAFETY: the task was on this executor's local list, so it is ours and its link
            // is held; we are inside our runner's loop (on our core, not re-entered).
            unsafe { self.dispatch(task, task.header().state.hold_dequeue(), true) };
            let round_over = task.as_ptr() == round_last;
            // The next round is every task on the list when this one ends. A select, not a
            // branch: in a ping-pong it alternates, and a branch would be mispredicted.
            round_last = core::hint::select_unpredictable(
                round_over,
                self.local_deferred.last(),
                round_last,
            );
            round_begins = round_over;
            until_check -= 1;
            if until_check == 0 || self.other_work_ready() {
                if !self.other_work_ready() && held.outside(keep_going) {
                    until_check = WALK_CHECK_POLLS;
                    continue;
                }
                if !round_over {
                    // Finish the round, as the step would have.
                    while let Some(task) = self.local_deferred.pop() {
                        // SAFETY: as above.
                        unsafe { self.dispatch(task, task.header().state.hold_dequeue(), true) };
                        if task.as_ptr() == round_last {
                            break;
                        }
                    }
                }
                drop(held);
                add(&self.counters.steps, rounds);
                return None;
            }
        }
        drop(held);
        add(&self.counters.steps, rounds);
        Some(self.report(false))
    }

    /// Whether anything but the local list may have work: a wake, a deferred task, a timer,
    /// an external source. Plain loads, one branch.
    #[inline(always)]
    fn other_work_ready(&self) -> bool {
        // The words OR-ed, then one test: four loads and one branch, not four.
        let words = self.run_queue.head_word()
            | self.deferred.head_word()
            | self.timers.head_word()
            | self.ready_source.load(Ordering::Relaxed).addr();
        words != 0
    }

    /// Whether tasks are queued on this core (woken or deferred) right now. For the kernel's
    /// idle check with interrupts masked; it does not see the external source.
    pub fn has_ready(&self) -> bool {
        !self.run_queue.is_empty() || !self.deferred.is_empty() || !self.local_deferred.is_empty()
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
        // The hint is cleared first and set last: a step in between calls the source (or
        // finds none), it never skips a new source on an old hint.
        self.source_hint.store(ptr::null_mut(), Ordering::Relaxed);
        let ptr = source.map_or(ptr::null_mut(), |source| Box::into_raw(Box::new(source)));
        self.ready_source.store(ptr, Ordering::Release);
        if let Some(source) = source {
            self.store_hint(source);
        }
    }

    /// The installed source. A `Relaxed` load, then an `Acquire` fence only if one is
    /// installed: the common "none" costs a plain load, not a load-acquire every step.
    #[inline]
    fn ready_source(&self) -> Option<&'static dyn ReadySource> {
        let ptr = self.ready_source.load(Ordering::Relaxed);
        if ptr.is_null() {
            return None;
        }
        // Pairs with the `Release` store of `set_ready_source`: the box's contents are visible.
        atomic::fence(Ordering::Acquire);
        // SAFETY: non-null values come only from `set_ready_source`, which leaks the box, so
        // the pointer is valid (and its contents visible, see the fence) and the
        // `&'static dyn` it holds is never written again.
        Some(unsafe { *ptr })
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
            panicked: load(&self.counters.panicked),
            task_slots: self.pool.footprint().0,
            task_slot_bytes: self.pool.footprint().1,
        }
    }

    /// A timer of this core expired: wake its waker. Our own task is pushed without a pend
    /// (we are about to take the queue).
    fn wake_expired(&self, waker: Waker) {
        bump(&self.counters.timer_wakes);
        match task_from_waker(&waker) {
            Some(task) if ptr::eq(task.executor(), self) => {
                if let Some(token) = task.claim_link() {
                    self.run_queue.push(token);
                }
            }
            _ => waker.wake_by_ref(),
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

    /// The yield path inside `task`'s own poll (its poll waker proves it): the core-local list,
    /// no compare-and-swap, no pend (the step reports [`Next::Run`] for it).
    /// If the poll keeps the task's link (it came from the local list), only a flag is set:
    /// the executor re-queues the task after the poll.
    #[inline]
    pub(crate) fn defer_local(&self, task: TaskRef) {
        debug_assert!(ptr::eq(task.executor(), self));
        if self.poll_holds_link.load(Ordering::Relaxed) {
            self.yield_requested.store(true, Ordering::Relaxed);
        } else if let Some(token) = task.claim_link() {
            self.local_deferred.push(token);
        }
    }

    /// Polls a task from the external source: forward it if it is another core's, skip it if
    /// it has completed, poll it otherwise.
    ///
    /// The state is read before the executor: a slot's executor never changes (slots are
    /// reused only by their own executor), so if it is ours, the live occupant the `Acquire`
    /// load saw is ours too, fully written, and cannot complete before we poll it (only this
    /// core completes our tasks).
    fn run_external(&self, task: TaskRef) {
        let state = task.header().state.load();
        if state & COMPLETED != 0 {
            return;
        }
        if !ptr::eq(task.executor(), self) {
            wake_task(task);
            return;
        }
        bump(&self.counters.external_polls);
        // SAFETY: the task is ours, we are inside our step, and it has not completed (see
        // above). The poll does not own the task's link: the task may sit in a queue too.
        unsafe {
            if state & CANCELLED != 0 {
                self.cancel(task, false);
            } else {
                self.poll(task, false);
            }
        }
    }

    /// Acts on a task just taken from a queue: poll it, drop its future (aborted), or drop the
    /// queue's reference to a task that completed while queued.
    ///
    /// # Safety
    ///
    /// `task` belongs to this executor, `dequeued` is what its dequeue returned, and the caller
    /// is inside this executor's step.
    #[inline(always)]
    unsafe fn dispatch(&self, task: TaskRef, dequeued: Dequeued, held: bool) {
        match dequeued {
            // SAFETY: the caller's promise; the dequeue found the task not completed.
            Dequeued::Poll => unsafe { self.poll(task, held) },
            // SAFETY: as above.
            Dequeued::Cancel => unsafe { self.cancel(task, held) },
            // The queue's copy of a task that completed after it was woken: its reference.
            Dequeued::Completed => release_ref(task),
        }
    }

    /// Polls one task with a fresh budget, and completes it if it finished (or panicked).
    /// With `held`, the poll keeps the task's link (`State::hold_dequeue`), and after a
    /// `Pending` the task is queued again here or lets go of the link.
    ///
    /// # Safety
    ///
    /// `task` belongs to this executor, has not completed, and the caller is inside this
    /// executor's step.
    ///
    /// A held poll runs inside a [`HeldPolls`] region (the walk of the local list), which
    /// tells [`defer_local`](Self::defer_local) that the link is held.
    #[inline]
    unsafe fn poll(&self, task: TaskRef, held: bool) {
        debug_assert_eq!(held, self.poll_holds_link.load(Ordering::Relaxed));
        self.budget.reset();
        bump(&self.counters.polls);
        let entered = context::enter(self.context, task);
        // SAFETY: forwarded; the step guard makes this the only poll of any of our tasks
        // running, on our core.
        let finished = match unwind::catch(|| unsafe { task.poll() }) {
            Ok(finished) => finished,
            Err(panic) => {
                unwind::discard(panic);
                // SAFETY: as above.
                unsafe { self.abandon_panicked(task) };
                true
            }
        };
        drop(entered);
        if held {
            let yielded = self.take_yield_request();
            if !finished {
                if yielded {
                    // We kept the link: the task goes straight back on the local list.
                    self.local_deferred.push(EnqueueToken::assume_claimed(task));
                } else if task.header().state.release_link() {
                    // Woken during the poll while we kept the link: queue it for the next
                    // batch (no pend: this step reports `Next::Run`).
                    self.run_queue.push(EnqueueToken::assume_claimed(task));
                }
                return;
            }
        }
        if finished {
            self.complete(task, held);
        }
    }

    /// Drops an aborted task's future and completes it with [`JoinError::Cancelled`].
    ///
    /// # Safety
    ///
    /// As for [`poll`](Self::poll).
    unsafe fn cancel(&self, task: TaskRef, held: bool) {
        let entered = context::enter(self.context, task);
        // SAFETY: forwarded.
        if let Err(panic) = unwind::catch(|| unsafe { task.abandon(JoinError::Cancelled) }) {
            unwind::discard(panic);
            // SAFETY: forwarded.
            unsafe { self.abandon_panicked(task) };
        }
        drop(entered);
        if held {
            // A yield from the future's drop (it may poll things) means nothing now.
            self.take_yield_request();
        }
        self.complete(task, held);
    }

    /// Whether the held poll that just ended asked to yield; clears the request.
    #[inline(always)]
    fn take_yield_request(&self) -> bool {
        let yielded = self.yield_requested.load(Ordering::Relaxed);
        if yielded {
            self.yield_requested.store(false, Ordering::Relaxed);
        }
        yielded
    }

    /// A poll or a drop of `task`'s future panicked (host): drop what is left of the future
    /// and store [`JoinError::Panicked`]. A drop that panics again has been marked consumed by
    /// the completion guard, so the second attempt only stores the error.
    ///
    /// # Safety
    ///
    /// As for [`poll`](Self::poll).
    unsafe fn abandon_panicked(&self, task: TaskRef) {
        bump(&self.counters.panicked);
        // SAFETY: forwarded.
        while let Err(panic) = unwind::catch(|| unsafe { task.abandon(JoinError::Panicked) }) {
            unwind::discard(panic);
        }
    }

    /// The task's future is gone and its output stored: mark it completed, hand the output to
    /// its handle (or drop it if there is none), and drop the executor's reference unless a
    /// run queue still holds the task (then the dequeue drops it). With `held`, the set
    /// `RUN_QUEUED` was this poll's, not a queue's.
    #[inline(never)]
    fn complete(&self, task: TaskRef, held: bool) {
        let header = task.header();
        let prev = header.state.complete();
        if prev & JOIN_INTEREST != 0 {
            if let Some(waker) = header.join.take() {
                waker.wake();
            }
        } else {
            // SAFETY: completed without a handle left: the output is the executor's to drop.
            let dropped = unwind::catch(|| unsafe { (task.vtable().drop_output)(task) });
            if let Err(panic) = dropped {
                unwind::discard(panic);
            }
        }
        if held || prev & RUN_QUEUED == 0 {
            release_ref(task);
        }
    }
}

/// The right to step an executor, on its core: see [`Executor::runner`]. Dropping it lets
/// another runner be made.
pub struct Runner<'a> {
    executor: &'a Executor,
    /// Not `Send` or `Sync`: the core check made at creation holds only on this core.
    _on_this_core: PhantomData<*const ()>,
}

impl Runner<'_> {
    /// Runs one step (see the [module docs](self)) and says what to do next.
    pub fn run_once(&mut self) -> Next {
        self.executor.step()
    }

    /// Runs steps while `keep_going()` holds (checked before each step) and each step reports
    /// [`Next::Run`]; returns the first other report, or [`Next::Run`] once `keep_going()`
    /// is false.
    ///
    /// The same steps, in the same order, as `while keep_going() { match run_once() { .. } }`,
    /// with the step compiled into the loop: no call of the step, no register save and
    /// restore and no [`Next`] to decode per step, only the call of `keep_going`. For the
    /// kernel's busy loop, where a step that only switches between coroutines is a few dozen
    /// instructions. (`keep_going` is a `dyn` so that the loop is compiled here, once, with
    /// the step's helpers inlined, rather than in each caller's crate.)
    ///
    /// One difference: while the only work is tasks that yielded inside their own poll (no
    /// wake, no timer, no external source), consecutive steps are walked as one FIFO of those
    /// tasks ([`Executor::walk_yielded`]): the same polls in the same order, but without a
    /// loop exit per round (which a branch predictor gets wrong once per round in a
    /// ping-pong), and with `keep_going` asked every [`WALK_CHECK_POLLS`] polls instead of
    /// every step. It still stops only between two rounds, as between two steps.
    pub fn run_while(&mut self, keep_going: &mut dyn FnMut() -> bool) -> Next {
        while keep_going() {
            match self.executor.step() {
                Next::Run => {}
                next => return next,
            }
            if self.executor.only_yielded_ready()
                && let Some(next) = self.executor.walk_yielded(keep_going)
                && next != Next::Run
            {
                return next;
            }
        }
        Next::Run
    }

    /// The executor this runner steps.
    pub fn executor(&self) -> &Executor {
        self.executor
    }
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        self.executor.running.store(false, Ordering::Release);
    }
}

impl fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("core", &self.executor.core)
            .finish()
    }
}

/// A stretch of polls that keep their task's link (the walk of the local list): while it
/// lasts, [`Executor::defer_local`] only flags a yield, for the executor to act on after the
/// poll. Set once for the stretch rather than around every poll; cleared when dropped, also
/// if something unwinds (host).
struct HeldPolls<'a>(&'a Executor);

impl<'a> HeldPolls<'a> {
    #[inline(always)]
    fn begin(executor: &'a Executor) -> Self {
        executor.poll_holds_link.store(true, Ordering::Relaxed);
        HeldPolls(executor)
    }

    /// Runs `f` (not a poll: the caller's `keep_going`) outside the stretch.
    fn outside(&self, f: &mut dyn FnMut() -> bool) -> bool {
        self.0.poll_holds_link.store(false, Ordering::Relaxed);
        let result = f();
        self.0.poll_holds_link.store(true, Ordering::Relaxed);
        result
    }
}

impl Drop for HeldPolls<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.poll_holds_link.store(false, Ordering::Relaxed);
    }
}

/// The batch being walked. If a step unwinds (host) before the walk ends, the tasks left in it
/// are put back on the run queue: they are still `RUN_QUEUED`, and would otherwise never run
/// again. Where panics abort (the guest) nothing unwinds, and the guard has no `Drop`: the
/// end of a step does not walk two empty batches again.
struct Walk<'a> {
    batch: Batch,
    local: Batch,
    #[cfg_attr(not(panic = "unwind"), allow(dead_code))]
    queue: &'a RunQueue,
}

#[cfg(panic = "unwind")]
impl Drop for Walk<'_> {
    fn drop(&mut self) {
        for task in self.batch.by_ref().chain(self.local.by_ref()) {
            self.queue.push(EnqueueToken::assume_claimed(task));
        }
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
