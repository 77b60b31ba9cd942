//! Timers: [`sleep`] / [`sleep_until`] on the platform's clock ([`Platform::now`], in ticks),
//! kept in one sorted list per core.
//!
//! # Design
//!
//! Like embassy's integrated timer queue, the list is intrusive through the task headers: a
//! task has one timer slot (`timer_at`, `timer_next`), holding the *earliest* deadline any of
//! its timers asked for. A task waiting on two timers at once (a timeout around a sleep, say)
//! is woken at the earlier one, re-polls, and the later timer simply registers again. So:
//!
//! - registering never allocates, and a task occupies at most one entry whatever it does
//!   (a loop that creates and drops a timeout on every iteration cannot grow the list);
//! - dropping a [`Sleep`] needs no unlinking; at worst its task gets one spurious wake-up,
//!   which every future must tolerate;
//! - a timer only works inside a task of this executor: [`Sleep`] finds the task through the
//!   waker ([`task_from_waker`]) and panics otherwise. Combinators that pass the task's
//!   `Context` through (`join`, `select`) are fine; one that polls its children with wakers of
//!   its own is not. embassy's integrated queue has the same rule.
//!
//! The list belongs to the task's executor (so to its core), is sorted by deadline, and keeps
//! registration order among equal deadlines. Each step, [`Executor::run_once`] reads the clock
//! once (only if the list is non-empty), unlinks every task whose deadline has passed, from the
//! front, and pushes it onto the run queue, so expired tasks run in deadline order; the head's
//! deadline is the one the kernel programs into the timer ([`Next::WaitUntil`]). Insertion is
//! O(n) in the number of tasks with a pending timer on the core, expiry O(1) per task; a core
//! with thousands of sleeping tasks would want a timer wheel instead.
//!
//! A spin lock orders list updates. It is taken by the owning core in `run_once` and in the
//! polls of its tasks, so it is uncontended; it must never be taken in an interrupt handler
//! (handlers wake tasks, they do not poll timers).
//!
//! [`Platform::now`]: crate::Platform::now
//! [`Executor::run_once`]: crate::Executor::run_once
//! [`Next::WaitUntil`]: crate::Next::WaitUntil

use core::future::Future;
use core::pin::Pin;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use core::task::{Context, Poll};

use crate::coop;
use crate::spin::SpinLock;
use crate::task::{TaskHeader, TaskRef};
use crate::waker::task_from_waker;

/// The deadline of "no timer": a task's slot holds it when the task is not in the list, and
/// `sleep_until(NEVER)` never fires.
pub(crate) const NEVER: u64 = u64::MAX;

/// One core's timer list (see the module docs).
pub(crate) struct TimerQueue {
    lock: SpinLock,
    head: AtomicPtr<TaskHeader>,
}

impl TimerQueue {
    pub(crate) const fn new() -> Self {
        TimerQueue {
            lock: SpinLock::new(),
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Makes sure `task` is woken at `at` or earlier. `task` must belong to this list's
    /// executor.
    pub(crate) fn schedule(&self, task: TaskRef, at: u64) {
        if at == NEVER {
            return;
        }
        let header = task.header();
        let _guard = self.lock.lock();
        let current = header.timer_at.load(Ordering::Relaxed);
        if current <= at {
            return; // already registered for an earlier (or the same) deadline
        }
        if current != NEVER {
            self.unlink(task);
        }
        header.timer_at.store(at, Ordering::Relaxed);
        // Insert after every entry due at or before `at`: deadline order, FIFO among equals.
        let mut link = &self.head;
        while let Some(next) = to_task(link.load(Ordering::Relaxed)) {
            let next = next.header();
            if next.timer_at.load(Ordering::Relaxed) > at {
                break;
            }
            link = &next.timer_next;
        }
        header
            .timer_next
            .store(link.load(Ordering::Relaxed), Ordering::Relaxed);
        link.store(as_header_ptr(task), Ordering::Relaxed);
    }

    /// Removes `task`, which is in the list. Lock held.
    fn unlink(&self, task: TaskRef) {
        let target = as_header_ptr(task);
        let mut link = &self.head;
        loop {
            let next = link.load(Ordering::Relaxed);
            let Some(entry) = to_task(next) else {
                debug_assert!(false, "timer entry not in its list");
                return;
            };
            if next == target {
                link.store(
                    entry.header().timer_next.load(Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                return;
            }
            link = &entry.header().timer_next;
        }
    }

    /// Unlinks every task due at or before `now`, earliest first, and passes it to `wake`.
    pub(crate) fn expire(&self, now: u64, mut wake: impl FnMut(TaskRef)) {
        let _guard = self.lock.lock();
        while let Some(task) = to_task(self.head.load(Ordering::Relaxed)) {
            let header = task.header();
            if header.timer_at.load(Ordering::Relaxed) > now {
                break;
            }
            self.head
                .store(header.timer_next.load(Ordering::Relaxed), Ordering::Relaxed);
            header.timer_next.store(ptr::null_mut(), Ordering::Relaxed);
            header.timer_at.store(NEVER, Ordering::Relaxed);
            wake(task);
        }
    }

    /// The earliest deadline in the list.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let _guard = self.lock.lock();
        to_task(self.head.load(Ordering::Relaxed))
            .map(|task| task.header().timer_at.load(Ordering::Relaxed))
    }

    /// Whether the list is empty (a hint for the owning core, which is the only one adding).
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }
}

fn as_header_ptr(task: TaskRef) -> *mut TaskHeader {
    task.as_ptr().cast_mut().cast()
}

fn to_task(ptr: *mut TaskHeader) -> Option<TaskRef> {
    // SAFETY: every non-null pointer in a timer list was stored from a TaskRef.
    (!ptr.is_null()).then(|| unsafe { TaskRef::from_ptr(ptr.cast_const().cast()) })
}

/// A future that completes once the platform clock reaches its deadline.
///
/// Made by [`sleep`] or [`sleep_until`]. Must be polled inside a task of this crate's executor
/// (see the module docs); panics otherwise.
///
/// Firing counts as one operation of the cooperative budget ([`crate::coop`]): when the
/// budget is spent, an expired `Sleep` returns `Pending` once and the task yields, so a loop of
/// short sleeps cannot monopolise the core.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Deadline,
}

#[derive(Clone, Copy, Debug)]
enum Deadline {
    /// `sleep(ticks)` before its first poll.
    After(u64),
    At(u64),
}

/// Completes `ticks` ticks after its first poll.
///
/// The clock is read at the first poll, not here: this crate has no global platform, and finds
/// the clock through the polling task. `sleep(t).await` polls at once, so the two are the same.
pub fn sleep(ticks: u64) -> Sleep {
    Sleep {
        deadline: Deadline::After(ticks),
    }
}

/// Completes once [`Platform::now`](crate::Platform::now) `>= deadline`. `u64::MAX` never
/// comes.
pub fn sleep_until(deadline: u64) -> Sleep {
    Sleep {
        deadline: Deadline::At(deadline),
    }
}

impl Sleep {
    /// The absolute deadline, once known (at once for [`sleep_until`], after the first poll for
    /// [`sleep`]).
    pub fn deadline(&self) -> Option<u64> {
        match self.deadline {
            Deadline::After(_) => None,
            Deadline::At(at) => Some(at),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(task) = task_from_waker(cx.waker()) else {
            panic!(
                "executor::Sleep polled outside an executor task (the waker is not a task \
                 waker; a combinator that polls with wakers of its own cannot host timers)"
            );
        };
        let executor = task.executor();
        let now = executor.now();
        let at = match self.deadline {
            Deadline::After(ticks) => {
                let at = now.saturating_add(ticks);
                self.deadline = Deadline::At(at);
                at
            }
            Deadline::At(at) => at,
        };
        if now >= at {
            let restore = core::task::ready!(coop::poll_proceed(cx));
            restore.made_progress();
            return Poll::Ready(());
        }
        executor.timers.schedule(task, at);
        Poll::Pending
    }
}
