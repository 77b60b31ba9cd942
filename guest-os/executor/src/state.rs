//! The task's atomic state word and the transitions of its life cycle.
//!
//! Three bits, one `AtomicU32`:
//!
//! | bit | set by | cleared by | meaning |
//! |---|---|---|---|
//! | [`SPAWNED`] | `spawn` | completion | the future is alive and may be polled |
//! | [`RUN_QUEUED`] | a wake (0 → 1 wins the right to enqueue), completion | the owning executor, just before it polls | the task's run-queue link is in use: it sits in a run queue (or is about to) |
//! | [`COMPLETED`] | completion | never | the future returned `Ready` and was dropped |
//!
//! ```text
//!                         (2) wake_task ─────────────────┐
//!                                                        ▼
//!   new ─(1) spawn─▶ S|Q ─(3) run_dequeue─▶ S ──(4)──▶  S|Q ─(3)─▶ …
//!                                          (poll)   ▲
//!                                           │  │    │ (5) wake during the poll:
//!                                           │  │    │     same as (2), polled again next batch
//!                                           │  └────┘
//!                                           │ (6) Ready
//!                                           ▼
//!                                          C|Q  terminal; (7) a queued copy is skipped
//! ```
//!
//! 1. [`Executor::spawn`](crate::Executor::spawn) writes the future, sets `S`, then wakes the
//!    task: `S → S|Q` and the task is pushed onto its core's run queue.
//! 2. `Waker::wake` → [`wake_task`](crate::wake_task) → `State::run_enqueue`: a `fetch_or`
//!    of `Q`. Only the caller that flips `Q` from 0 to 1 pushes the task; every other wake
//!    finds `Q` set and does nothing. So a task is never in a queue twice, which is what makes
//!    the intrusive link safe, and *n* wakes before a poll cost one poll.
//! 3. The owning executor takes a batch and, for each task, `State::run_dequeue`: `S|Q → S`,
//!    then polls. `Q` is cleared *before* the poll, so that a wake that arrives while the poll
//!    runs is not lost: it enqueues the task again (5).
//! 4. The poll returns `Pending`: nothing changes. The task waits for a wake (2).
//! 5. A wake during the poll (from the task itself, an interrupt handler or another core):
//!    `S → S|Q`, pushed; it runs again in the next batch, exactly once however many wakes came.
//! 6. The poll returns `Ready`: the future is dropped in place and `State::complete` sets
//!    `C|Q` and clears `S`. `Q` stays set forever, so every later wake's `fetch_or` finds it
//!    set: a late wake of a finished task neither enqueues nor polls it.
//! 7. If the task was woken during its last poll (5 then 6), it is still in the run queue. The
//!    executor dequeues it, sees `C` and skips it, leaving `Q` set.
//!
//! `C` is written only by the owning core (in the poll), and read by that core to decide (7),
//! so that check needs no ordering; `State::is_completed` for other cores is `Acquire`.

use core::sync::atomic::{AtomicU32, Ordering};

/// The future is alive (written and not yet completed).
pub const SPAWNED: u32 = 1 << 0;
/// The task is in a run queue or about to be pushed onto one; see the module docs.
pub const RUN_QUEUED: u32 = 1 << 1;
/// The future completed and was dropped; terminal.
pub const COMPLETED: u32 = 1 << 2;

/// A task's state word.
pub(crate) struct State(AtomicU32);

impl State {
    /// A task that is allocated but not spawned yet.
    pub(crate) const fn new() -> Self {
        State(AtomicU32::new(0))
    }

    /// (1) The future is written: mark it alive. Called once, before anyone else can see the
    /// task.
    pub(crate) fn spawn(&self) {
        self.0.store(SPAWNED, Ordering::Relaxed);
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
    pub(crate) fn run_enqueue(&self) -> bool {
        self.0.fetch_or(RUN_QUEUED, Ordering::AcqRel) & RUN_QUEUED == 0
    }

    /// (3) / (7) The owning executor took the task from a queue. Returns `true` if it must be
    /// polled (`RUN_QUEUED` is now clear), `false` if it has completed (bits left as they are).
    ///
    /// Must be called after the task's run-queue link has been read: as soon as `RUN_QUEUED` is
    /// clear, a waker may reuse the link.
    pub(crate) fn run_dequeue(&self) -> bool {
        // Only the owning core writes COMPLETED, and only this core calls run_dequeue for its
        // tasks, so the bit cannot change between this load and the fetch_and below.
        if self.0.load(Ordering::Relaxed) & COMPLETED != 0 {
            return false;
        }
        let prev = self.0.fetch_and(!RUN_QUEUED, Ordering::AcqRel);
        debug_assert!(
            prev & RUN_QUEUED != 0,
            "dequeued a task that was not queued"
        );
        debug_assert!(
            prev & SPAWNED != 0,
            "dequeued a task that was never spawned"
        );
        true
    }

    /// (6) The future returned `Ready` and has been dropped: `S[|Q] → C|Q`.
    pub(crate) fn complete(&self) {
        // A CAS loop rather than one fetch_or, because SPAWNED is cleared in the same step;
        // wakers may set RUN_QUEUED concurrently, and it ends up set either way. Once per task.
        let prev = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |s| {
                Some((s | COMPLETED | RUN_QUEUED) & !SPAWNED)
            })
            .unwrap_or_else(|s| s);
        debug_assert!(prev & SPAWNED != 0 && prev & COMPLETED == 0);
    }

    /// Whether the future has completed.
    pub(crate) fn is_completed(&self) -> bool {
        self.0.load(Ordering::Acquire) & COMPLETED != 0
    }

    /// The raw bits, for tests.
    #[cfg(test)]
    pub(crate) fn bits(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_wake_enqueues() {
        let s = State::new();
        s.spawn();
        assert!(s.run_enqueue());
        assert!(!s.run_enqueue());
        assert!(!s.run_enqueue());
        assert!(s.run_dequeue());
        assert_eq!(s.bits(), SPAWNED);
        assert!(s.run_enqueue(), "a wake after the dequeue enqueues again");
    }

    #[test]
    fn completion_is_terminal_and_blocks_enqueue() {
        let s = State::new();
        s.spawn();
        assert!(s.run_enqueue());
        assert!(s.run_dequeue());
        s.complete();
        assert_eq!(s.bits(), COMPLETED | RUN_QUEUED);
        assert!(s.is_completed());
        assert!(!s.run_enqueue(), "a completed task is never enqueued");
        assert_eq!(s.bits(), COMPLETED | RUN_QUEUED);
    }

    #[test]
    fn completed_while_queued_is_skipped_and_stays_blocked() {
        let s = State::new();
        s.spawn();
        assert!(s.run_enqueue());
        assert!(s.run_dequeue());
        assert!(s.run_enqueue(), "woken during its last poll");
        s.complete();
        assert!(!s.run_dequeue(), "the queued copy is not polled");
        assert!(!s.run_enqueue(), "and RUN_QUEUED stays set");
        assert_eq!(s.bits(), COMPLETED | RUN_QUEUED);
    }
}
