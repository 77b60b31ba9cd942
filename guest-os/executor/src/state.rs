//! The task's atomic state word: four flags and a reference count, and the transitions of the
//! task's life cycle.
//!
//! | bits | set by | cleared by | meaning |
//! |---|---|---|---|
//! | [`RUN_QUEUED`] | spawn, a wake (0 → 1 wins the right to enqueue), completion | the owning executor, just before it polls | the run-queue link is in use: the task sits in a run queue (or is about to) |
//! | [`COMPLETED`] | completion | never (until the slot is reused) | the future finished (or was cancelled, or panicked) and was dropped |
//! | [`JOIN_INTEREST`] | spawn | dropping the [`JoinHandle`](crate::JoinHandle) | a handle may still take the output |
//! | [`CANCELLED`] | [`JoinHandle::abort`](crate::JoinHandle::abort) | never | drop the future instead of polling it |
//! | [`NOTIFIED`] | every wake | a dequeue | a wake found `RUN_QUEUED` set; it matters only during a poll that keeps the link (3') |
//! | refs (from bit [`REF_SHIFT`]) | spawn, `Waker::clone` | a waker's drop, the handle's drop, the executor after completion | who still holds the task |
//!
//! ```text
//!                         (2) wake_task ─────────────────┐
//!                                                        ▼
//!   new ─(1) spawn─▶  Q  ─(3) run_dequeue─▶ · ──(4)──▶   Q ─(3)─▶ …
//!                                          (poll)   ▲
//!                                           │  │    │ (5) wake during the poll:
//!                                           │  │    │     same as (2), polled again next batch
//!                                           │  └────┘
//!                                           │ (6) Ready, cancelled or panicked
//!                                           ▼
//!                                          C|Q ─(8) last reference dropped─▶ back to the pool
//! ```
//!
//! 1. [`Executor::spawn`](crate::Executor::spawn) writes the future and stores `Q` with two
//!    references (the executor's and the handle's), then pushes the task: spawning *is* the
//!    first wake.
//! 2. `Waker::wake` → [`wake_task`](crate::wake_task) → `State::run_enqueue`: a `fetch_or` of
//!    `Q`. Only the caller that flips `Q` from 0 to 1 pushes the task; every other wake finds
//!    `Q` set and does nothing. So a task is never in a queue twice, which is what makes the
//!    intrusive link safe, and *n* wakes before a poll cost one poll.
//! 3. The owning executor takes a batch and, for each task, `State::run_dequeue`: clears `Q`,
//!    then polls (or, with `CANCELLED`, drops the future). `Q` is cleared *before* the poll, so
//!    that a wake that arrives while the poll runs is not lost: it enqueues the task again (5).
//!
//!    3'. A task that yielded inside its own poll sits on the executor's core-local deferred
//!    list and is polled *keeping* its link (`State::hold_dequeue` clears only `NOTIFIED`).
//!    If it yields again, it goes straight back on that list with no further RMW; otherwise
//!    `State::release_link` clears `RUN_QUEUED`, or, if a wake came during the poll
//!    (`NOTIFIED`), keeps it and the executor queues the task itself. The dequeue makes its
//!    RMW (clearing `NOTIFIED`, acquiring the wakes) only if the word shows a wake or an
//!    abort; otherwise a plain load is enough (3'': see `State::hold_dequeue` for why). So a
//!    task that keeps yielding with nobody waking it (E3's ping-pong, a greedy task under
//!    the budget) costs no atomic RMW per poll.
//! 4. The poll returns `Pending`: nothing changes. The task waits for a wake (2).
//! 5. A wake during the poll: `Q` set, pushed; it runs again in the next batch.
//! 6. The poll returns `Ready` (or the task was cancelled, or panicked on the host): the future
//!    is dropped in place, the output stored, and `State::complete` sets `C|Q`. `Q` stays set,
//!    so every later wake's `fetch_or` finds it set: a late wake neither enqueues nor polls.
//!    If `Q` was clear, the executor then drops its reference; if it was set, the task is still
//!    in a run queue (woken during its last poll), and the queue's copy owns that reference:
//! 7. the executor dequeues the completed task, sees `C`, skips it and drops the reference.
//! 8. When the last reference goes (the executor's, the handle's, every waker's), the slot goes
//!    back to its executor's pool ([`crate::task`]) with `C|Q` still set, so that a raw task
//!    pointer that outlived it (the scheduling device's) still finds a task that cannot be
//!    enqueued, until a spawn reuses the slot.
//!
//! `C` is written only by the owning core (in the poll), and read by that core to decide (7),
//! so that check needs no ordering; `State::is_completed` for other cores is `Acquire`.

use core::sync::atomic::Ordering;

// Under `--cfg loom` the state word is loom's, so that its protocol can be model-checked (the
// tests at the end of this file); nothing else in the crate changes.
#[cfg(not(all(test, loom)))]
use core::sync::atomic::AtomicUsize;
#[cfg(all(test, loom))]
use loom::sync::atomic::AtomicUsize;

/// The task is in a run queue or about to be pushed onto one; see the module docs.
pub const RUN_QUEUED: usize = 1 << 0;
/// The future completed (or was cancelled, or panicked) and was dropped.
pub const COMPLETED: usize = 1 << 1;
/// A [`JoinHandle`](crate::JoinHandle) still exists and may take the output.
pub const JOIN_INTEREST: usize = 1 << 2;
/// [`JoinHandle::abort`](crate::JoinHandle::abort) was called.
pub const CANCELLED: usize = 1 << 3;
/// A wake came while `RUN_QUEUED` was set. Matters only while the executor polls a task that
/// keeps its link (see `State::hold_dequeue`): the wake found the link taken and pushed
/// nothing, so the executor must queue the task again after the poll.
pub const NOTIFIED: usize = 1 << 4;
/// The flag bits; the reference count is above them.
pub const FLAGS: usize = (1 << REF_SHIFT) - 1;
/// Where the reference count starts.
pub const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
/// More references than this is a leak of wakers in a loop; it panics (as `Arc` aborts)
/// rather than wrap around into a use-after-free.
const MAX_REFS: usize = usize::MAX >> (REF_SHIFT + 1);

/// What the owning executor found when it took a task from a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dequeued {
    /// Poll it.
    Poll,
    /// Drop its future: it was aborted.
    Cancel,
    /// It completed while queued: drop the queue's reference and skip it.
    Completed,
}

/// A task's state word.
pub(crate) struct State(AtomicUsize);

impl State {
    /// A slot that holds no task: completed and queued, so that no wake can enqueue it.
    #[cfg(not(all(test, loom)))]
    pub(crate) const fn vacant() -> Self {
        State(AtomicUsize::new(COMPLETED | RUN_QUEUED))
    }

    /// A slot that holds no task (loom's atomics are not `const`).
    #[cfg(all(test, loom))]
    pub(crate) fn vacant() -> Self {
        State(AtomicUsize::new(COMPLETED | RUN_QUEUED))
    }

    /// (1) The future is written: the task is alive, queued (the spawner pushes it next), held
    /// by the executor and, with `join`, by a handle. `Release`: whoever later sees this state
    /// through an `Acquire` (a raw-pointer wake of a reused slot, the executor) sees the future.
    pub(crate) fn spawn(&self, join: bool) {
        let state = if join {
            RUN_QUEUED | JOIN_INTEREST | (2 * REF_ONE)
        } else {
            RUN_QUEUED | REF_ONE
        };
        self.0.store(state, Ordering::Release);
    }

    /// (2) Try to take the right to enqueue the task. Returns `true` for exactly one caller per
    /// `0 → 1` transition of `RUN_QUEUED`; that caller must push the task onto a queue.
    ///
    /// This is an RMW on purpose, even when the bit is already set: a waker that only *loaded*
    /// a set bit and returned would not synchronise with the executor's `run_dequeue`, so the
    /// poll could miss the data the waker wrote before waking (a lost wake-up). With `AcqRel`
    /// RMWs on both sides, either the dequeue comes after this wake in the state's modification
    /// order (and acquires what the waker released), or this wake sees the bit clear and
    /// enqueues again.
    ///
    /// It also sets `NOTIFIED`, which tells an executor that polls the task while keeping its
    /// link that this wake happened (see [`State::hold_dequeue`]).
    pub(crate) fn run_enqueue(&self) -> bool {
        self.0.fetch_or(RUN_QUEUED | NOTIFIED, Ordering::AcqRel) & RUN_QUEUED == 0
    }

    /// (3) / (7) The owning executor took the task from a queue.
    ///
    /// Must be called after the task's run-queue link has been read: as soon as `RUN_QUEUED` is
    /// clear, a waker may reuse the link.
    pub(crate) fn run_dequeue(&self) -> Dequeued {
        // Only the owning core writes COMPLETED, and only this core calls run_dequeue for its
        // tasks, so the bit cannot change between this load and the fetch_and below.
        if self.0.load(Ordering::Relaxed) & COMPLETED != 0 {
            return Dequeued::Completed;
        }
        let prev = self.0.fetch_and(!(RUN_QUEUED | NOTIFIED), Ordering::AcqRel);
        debug_assert!(
            prev & RUN_QUEUED != 0,
            "dequeued a task that was not queued"
        );
        if prev & CANCELLED != 0 {
            Dequeued::Cancel
        } else {
            Dequeued::Poll
        }
    }

    /// (3') The owning executor took a task from its core-local deferred list, and polls it
    /// *keeping* its link: `RUN_QUEUED` stays set through the poll, and only `NOTIFIED` is
    /// cleared. A wake during the poll then finds `RUN_QUEUED` set and only sets `NOTIFIED`;
    /// after the poll the executor either queues the task again itself (it yielded, or it was
    /// notified) or lets go of the link with [`State::release_link`].
    ///
    /// So a task that yields again, the common case for a task that yielded before, costs at
    /// most one RMW per poll instead of two (clear the bit, then claim it back). When there was
    /// a wake, the RMW is needed: it is what synchronises with the wakes that came before it.
    ///
    /// When the word shows no wake and no abort since the last RMW (`NOTIFIED` and `CANCELLED`
    /// clear), not even that RMW is made: a plain load, and the task is polled. That is sound
    /// because `NOTIFIED` is cleared only by an RMW (this one, `run_dequeue`, `release_link`):
    /// a wake the load did not see stays recorded in the word, and the poll, which keeps the
    /// link, ends either in another `hold_dequeue` (the task yielded again: its load sees the
    /// wake, at the latest once the waker's RMW is visible) or in `release_link`, an RMW that
    /// reads the latest value and queues the task again. A wake the load did see is then
    /// acquired by the `fetch_and`, before the poll. So a task that keeps yielding with nobody
    /// waking it, E3's ping-pong, costs no RMW at all. (Invariant 3'' in the loom tests.)
    pub(crate) fn hold_dequeue(&self) -> Dequeued {
        let state = self.0.load(Ordering::Relaxed);
        if state & COMPLETED != 0 {
            return Dequeued::Completed;
        }
        if state & (NOTIFIED | CANCELLED) == 0 {
            debug_assert!(state & RUN_QUEUED != 0, "held a task that was not queued");
            return Dequeued::Poll;
        }
        let prev = self.0.fetch_and(!NOTIFIED, Ordering::AcqRel);
        debug_assert!(prev & RUN_QUEUED != 0, "held a task that was not queued");
        if prev & CANCELLED != 0 {
            Dequeued::Cancel
        } else {
            Dequeued::Poll
        }
    }

    /// After a poll with the link held that returned `Pending` without yielding: clears
    /// `RUN_QUEUED`, unless a wake came during the poll (`NOTIFIED`): then it clears only
    /// `NOTIFIED`, keeps the link, and returns `true`: the caller must queue the task again.
    pub(crate) fn release_link(&self) -> bool {
        let mut state = self.0.load(Ordering::Relaxed);
        loop {
            let notified = state & NOTIFIED != 0;
            let new = if notified {
                state & !NOTIFIED
            } else {
                state & !RUN_QUEUED
            };
            match self
                .0
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return notified,
                Err(current) => state = current,
            }
        }
    }

    /// (6) The future has been dropped and the output stored: set `C|Q`. Returns the state
    /// before, whose `RUN_QUEUED` says whether a queue still holds the task and whose
    /// `JOIN_INTEREST` says whether a handle will take the output. `Release` publishes the
    /// output to the handle.
    pub(crate) fn complete(&self) -> usize {
        let prev = self.0.fetch_or(COMPLETED | RUN_QUEUED, Ordering::AcqRel);
        debug_assert!(prev & COMPLETED == 0, "completed twice");
        prev
    }

    /// Asks for cancellation; returns `true` if the task had not completed (so the caller must
    /// wake it, for its executor to drop the future).
    pub(crate) fn cancel(&self) -> bool {
        self.0.fetch_or(CANCELLED, Ordering::AcqRel) & COMPLETED == 0
    }

    /// The handle is gone. Returns the state before (with `COMPLETED` set, the output is
    /// stored and the handle must drop it; otherwise the executor will).
    pub(crate) fn drop_join_interest(&self) -> usize {
        self.0.fetch_and(!JOIN_INTEREST, Ordering::AcqRel)
    }

    /// One more reference (a waker clone).
    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        assert!(
            prev >> REF_SHIFT < MAX_REFS,
            "task reference count overflow"
        );
    }

    /// One reference fewer; `true` if it was the last, and the caller must release the slot.
    /// `AcqRel`, as for `Arc`: every use of the task by other holders happens before the
    /// release.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = self.0.fetch_sub(REF_ONE, Ordering::AcqRel);
        debug_assert!(prev >> REF_SHIFT != 0, "task reference count underflow");
        prev >> REF_SHIFT == 1
    }

    /// Whether the future has completed.
    pub(crate) fn is_completed(&self) -> bool {
        self.0.load(Ordering::Acquire) & COMPLETED != 0
    }

    /// The whole word (`Acquire`).
    pub(crate) fn load(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_held_poll_keeps_the_link_and_a_wake_during_it_is_not_lost() {
        let s = State::vacant();
        s.spawn(false);
        assert_eq!(s.hold_dequeue(), Dequeued::Poll);
        assert_ne!(s.load() & RUN_QUEUED, 0, "the link stays held");
        assert!(!s.run_enqueue(), "a wake during the poll pushes nothing...");
        assert!(s.release_link(), "...so the executor queues it again");
        assert_ne!(s.load() & RUN_QUEUED, 0);
        assert_eq!(s.hold_dequeue(), Dequeued::Poll);
        assert!(!s.release_link(), "no wake this time: the link is let go");
        assert_eq!(s.load() & RUN_QUEUED, 0);
        assert!(s.run_enqueue());
    }

    use super::*;

    fn flags(s: &State) -> usize {
        s.load() & FLAGS & !NOTIFIED
    }

    fn refs(s: &State) -> usize {
        s.load() >> REF_SHIFT
    }

    #[test]
    fn only_the_first_wake_enqueues() {
        let s = State::vacant();
        s.spawn(false);
        assert!(!s.run_enqueue(), "spawn leaves the task queued");
        assert_eq!(s.run_dequeue(), Dequeued::Poll);
        assert_eq!(flags(&s), 0);
        assert!(s.run_enqueue());
        assert!(!s.run_enqueue());
        assert_eq!(s.run_dequeue(), Dequeued::Poll);
        assert!(s.run_enqueue(), "a wake after the dequeue enqueues again");
    }

    #[test]
    fn completion_is_terminal_and_blocks_enqueue() {
        let s = State::vacant();
        s.spawn(true);
        assert_eq!(refs(&s), 2);
        assert_eq!(s.run_dequeue(), Dequeued::Poll);
        let prev = s.complete();
        assert_eq!(prev & FLAGS, JOIN_INTEREST);
        assert_eq!(flags(&s), COMPLETED | RUN_QUEUED | JOIN_INTEREST);
        assert!(s.is_completed());
        assert!(!s.run_enqueue(), "a completed task is never enqueued");
        assert!(!s.cancel(), "cancelling a completed task asks for nothing");
        assert!(!s.ref_dec());
        assert!(s.ref_dec(), "the second reference is the last");
    }

    #[test]
    fn completed_while_queued_is_skipped_and_stays_blocked() {
        let s = State::vacant();
        s.spawn(false);
        assert_eq!(s.run_dequeue(), Dequeued::Poll);
        assert!(s.run_enqueue(), "woken during its last poll");
        let prev = s.complete();
        assert_ne!(prev & RUN_QUEUED, 0, "the queue still holds it");
        assert_eq!(s.run_dequeue(), Dequeued::Completed);
        assert!(!s.run_enqueue(), "and RUN_QUEUED stays set");
        assert_eq!(flags(&s), COMPLETED | RUN_QUEUED);
    }

    #[test]
    fn cancel_turns_the_next_dequeue_into_a_drop() {
        let s = State::vacant();
        s.spawn(true);
        assert_eq!(s.run_dequeue(), Dequeued::Poll);
        assert!(s.cancel());
        assert!(s.run_enqueue());
        assert_eq!(s.run_dequeue(), Dequeued::Cancel);
    }

    #[test]
    fn join_interest_and_references() {
        let s = State::vacant();
        s.spawn(true);
        s.ref_inc();
        assert_eq!(refs(&s), 3);
        let prev = s.drop_join_interest();
        assert_eq!(prev & COMPLETED, 0);
        assert_eq!(flags(&s), RUN_QUEUED);
        assert!(!s.ref_dec());
        assert!(!s.ref_dec());
        assert!(s.ref_dec());
    }
}

/// The lost-wake and double-enqueue properties of the state protocol, on loom's model checker:
/// `RUSTFLAGS="--cfg loom" cargo test -p executor --lib loom`. Each model is a waker thread
/// (writes data, then wakes) against the executor (dequeues, polls: reads the data, then
/// finishes the poll). In every interleaving and every permitted reordering, the wake must
/// either be seen by the poll or leave the task queued again, exactly once.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    use loom::thread;

    use super::*;

    /// Another thread publishes data, then wakes the task: returns the data, whether the wake
    /// pushed the task, and the thread.
    fn spawn_waker(
        state: &Arc<State>,
    ) -> (Arc<AtomicUsize>, Arc<AtomicBool>, thread::JoinHandle<()>) {
        let data = Arc::new(AtomicUsize::new(0));
        let pushed = Arc::new(AtomicBool::new(false));
        let waker = {
            let (state, data, pushed) = (state.clone(), data.clone(), pushed.clone());
            thread::spawn(move || {
                data.store(1, Relaxed);
                if state.run_enqueue() {
                    pushed.store(true, Relaxed);
                }
            })
        };
        (data, pushed, waker)
    }

    /// Runs a waker thread against `executor`, which gets the state and the waker's data and
    /// returns (the data its poll saw, whether it queued the task again itself).
    fn model(held: bool) {
        loom::model(move || {
            let state = Arc::new(State::vacant());
            state.spawn(false);
            if !held {
                // A classic task: its first poll has run, it waits for a wake.
                assert_eq!(state.run_dequeue(), Dequeued::Poll);
            }
            let (data, pushed, waker) = spawn_waker(&state);
            let (seen, requeued) = if held {
                // A task from the local list: polled keeping its link.
                assert_eq!(state.hold_dequeue(), Dequeued::Poll);
                let seen = data.load(Relaxed);
                (seen, state.release_link())
            } else {
                (0, false)
            };
            waker.join().unwrap();
            let pushed = pushed.load(Relaxed);
            assert!(!(requeued && pushed), "queued twice");
            if held {
                assert!(seen == 1 || requeued || pushed, "lost wake");
            } else {
                assert!(pushed, "the wake of an idle task pushes it");
                // The poll after the push's dequeue sees the data.
                assert_eq!(state.run_dequeue(), Dequeued::Poll);
                assert_eq!(data.load(Relaxed), 1, "the dequeue acquired the wake");
            }
        });
    }

    #[test]
    fn loom_a_wake_during_a_held_poll_is_never_lost_nor_doubled() {
        model(true);
    }

    #[test]
    fn loom_a_wake_of_an_idle_task_pushes_it_once_and_its_poll_sees_the_data() {
        model(false);
    }

    /// 3'': a task on the local list is polled keeping its link, yields (no state change), and
    /// is polled again, while a wake races. Its dequeues make no RMW unless they see the wake.
    /// Either the second poll sees the data, or the release after it queues the task again,
    /// or the wake comes after the release and pushes the task itself; never both.
    #[test]
    fn loom_a_wake_during_held_polls_that_yield_is_never_lost() {
        loom::model(|| {
            let state = Arc::new(State::vacant());
            state.spawn(false);
            let (data, pushed, waker) = spawn_waker(&state);
            assert_eq!(state.hold_dequeue(), Dequeued::Poll);
            let _first_poll = data.load(Relaxed);
            // It yielded: back on the local list, link kept, nothing written to the state.
            assert_eq!(state.hold_dequeue(), Dequeued::Poll);
            let seen = data.load(Relaxed);
            let requeued = state.release_link();
            waker.join().unwrap();
            let pushed = pushed.load(Relaxed);
            assert!(!(requeued && pushed), "queued twice");
            // A wake the second dequeue consumed (it saw `NOTIFIED`) must be acquired by it.
            assert!(seen == 1 || requeued || pushed, "lost wake");
        });
    }

    /// A wake racing with the classic dequeue of a queued task: either the dequeue comes
    /// later in the state's order and acquires the data, or the wake pushes the task again.
    #[test]
    fn loom_a_wake_racing_a_dequeue_is_seen_or_pushes_again() {
        loom::model(|| {
            let state = Arc::new(State::vacant());
            state.spawn(false); // queued
            let (data, pushed, waker) = spawn_waker(&state);
            assert_eq!(state.run_dequeue(), Dequeued::Poll);
            let seen = data.load(Relaxed);
            waker.join().unwrap();
            assert!(seen == 1 || pushed.load(Relaxed), "lost wake");
        });
    }
}
