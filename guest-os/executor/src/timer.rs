//! Timers: [`sleep`] / [`sleep_until`] on the platform's clock ([`Platform::now`], in ticks),
//! kept in one sorted list per core.
//!
//! # Design
//!
//! Each [`Sleep`] carries its own list entry (deadline, waker, links), pinned inside the
//! future, the way Tokio's and embassy's timer entries are. So:
//!
//! - registering never allocates, and a `Sleep` occupies at most one entry; dropping it
//!   unlinks it, so a loop that creates and drops a timeout on every iteration cannot grow the
//!   list;
//! - the entry stores the waker of the `Context` it was polled with, not the task's: a `Sleep`
//!   inside `FuturesUnordered`, a large `join_all`, a `select!`, or any combinator that
//!   substitutes its own waker wakes exactly the child that waits for it;
//! - the list to register with is the current executor's, found through the per-core context
//!   ([`crate::context`]) or, for our own waker, through the task it names. A `Sleep` polled
//!   outside any task of this crate panics, as Tokio's does outside a runtime.
//!
//! The list belongs to an executor (so to a core), is sorted by deadline, and keeps
//! registration order among equal deadlines. Each step, [`Executor::run_once`] reads the clock
//! once (only if the list is non-empty), unlinks every entry whose deadline has passed, from
//! the front, and wakes it, so expired timers wake in deadline order; the head's deadline is the
//! one the kernel programs into the timer ([`Next::WaitUntil`]). Insertion is O(n) in the
//! number of pending timers on the core, expiry O(1) per timer; a core with thousands of
//! sleeping tasks would want a timer wheel instead.
//!
//! A spin lock orders list updates. It is taken by the owning core in `run_once` and in polls
//! and drops of `Sleep`s, so it is uncontended in practice; it is released before each waker
//! runs, and it must never be taken in an interrupt handler (handlers wake tasks, they do not
//! poll timers).
//!
//! [`Platform::now`]: crate::Platform::now
//! [`Executor::run_once`]: crate::Executor::run_once
//! [`Next::WaitUntil`]: crate::Next::WaitUntil

use core::cell::UnsafeCell;
use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use core::task::{Context, Poll, Waker};

use crate::coop;
use crate::spin::SpinLock;

/// The deadline `sleep_until` never reaches.
pub(crate) const NEVER: u64 = u64::MAX;

/// One core's timer list (see the module docs).
pub(crate) struct TimerQueue {
    lock: SpinLock,
    /// The earliest entry; written under the lock, read without it as an emptiness hint.
    head: AtomicPtr<TimerEntry>,
}

/// A `Sleep`'s place in a timer list.
///
/// `queue` says which list the entry is in (null: none); it is written under that list's lock.
/// The other fields are accessed under the lock of the list the entry is in, or, when it is in
/// none, only by the `Sleep` that owns it.
struct TimerEntry {
    queue: AtomicPtr<TimerQueue>,
    at: UnsafeCell<u64>,
    prev: UnsafeCell<*mut TimerEntry>,
    next: UnsafeCell<*mut TimerEntry>,
    waker: UnsafeCell<Option<Waker>>,
    /// Linked by address: must not move while in a list.
    _pinned: PhantomPinned,
}

// SAFETY: the cells are only accessed under the owning list's lock or by the owning `Sleep`
// when the entry is in no list (see the type's docs); `Waker` is Send + Sync.
unsafe impl Send for TimerEntry {}
// SAFETY: as for Send.
unsafe impl Sync for TimerEntry {}

impl TimerEntry {
    const fn new() -> Self {
        TimerEntry {
            queue: AtomicPtr::new(ptr::null_mut()),
            at: UnsafeCell::new(NEVER),
            prev: UnsafeCell::new(ptr::null_mut()),
            next: UnsafeCell::new(ptr::null_mut()),
            waker: UnsafeCell::new(None),
            _pinned: PhantomPinned,
        }
    }
}

impl TimerQueue {
    pub(crate) const fn new() -> Self {
        TimerQueue {
            lock: SpinLock::new(),
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    fn as_ptr(&self) -> *mut TimerQueue {
        ptr::from_ref(self).cast_mut()
    }

    /// Registers `entry` to wake `waker` at `at`, moving it from another list if needed.
    fn schedule(&'static self, entry: Pin<&TimerEntry>, at: u64, waker: &Waker) {
        let entry = entry.get_ref();
        let current = entry.queue.load(Ordering::Acquire);
        if !current.is_null() && current != self.as_ptr() {
            // SAFETY: non-null values of `queue` are `&'static TimerQueue`s (executors that
            // own tasks are 'static).
            drop(unsafe { &*current }.remove(entry));
        }
        let _guard = self.lock.lock();
        // SAFETY: under our lock; if the entry is in no list, its owner (our caller) is the
        // only one touching it.
        unsafe {
            if entry.queue.load(Ordering::Relaxed) == self.as_ptr() {
                if *entry.at.get() == at {
                    let slot = &mut *entry.waker.get();
                    if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                        *slot = Some(waker.clone());
                    }
                    return;
                }
                self.unlink(entry);
            }
            *entry.at.get() = at;
            *entry.waker.get() = Some(waker.clone());
            self.insert(entry);
        }
        entry.queue.store(self.as_ptr(), Ordering::Release);
    }

    /// Inserts `entry` after every entry due at or before its deadline.
    ///
    /// # Safety
    ///
    /// Lock held; `entry` is in no list and pinned.
    unsafe fn insert(&self, entry: &TimerEntry) {
        let me = ptr::from_ref(entry).cast_mut();
        // SAFETY: every entry in the list is pinned and only touched under the lock we hold.
        unsafe {
            let at = *entry.at.get();
            let mut prev: *mut TimerEntry = ptr::null_mut();
            let mut next = self.head.load(Ordering::Relaxed);
            while !next.is_null() && *(*next).at.get() <= at {
                prev = next;
                next = *(*next).next.get();
            }
            *entry.prev.get() = prev;
            *entry.next.get() = next;
            if prev.is_null() {
                self.head.store(me, Ordering::Relaxed);
            } else {
                *(*prev).next.get() = me;
            }
            if !next.is_null() {
                *(*next).prev.get() = me;
            }
        }
    }

    /// Unlinks `entry` from this list (it stays marked as in it).
    ///
    /// # Safety
    ///
    /// Lock held; `entry` is in this list.
    unsafe fn unlink(&self, entry: &TimerEntry) {
        // SAFETY: as in `insert`.
        unsafe {
            let prev = *entry.prev.get();
            let next = *entry.next.get();
            if prev.is_null() {
                self.head.store(next, Ordering::Relaxed);
            } else {
                *(*prev).next.get() = next;
            }
            if !next.is_null() {
                *(*next).prev.get() = prev;
            }
            *entry.prev.get() = ptr::null_mut();
            *entry.next.get() = ptr::null_mut();
        }
    }

    /// Takes `entry` out of this list if it is still in it; returns its waker, to be dropped by
    /// the caller outside the lock.
    fn remove(&self, entry: &TimerEntry) -> Option<Waker> {
        let _guard = self.lock.lock();
        if entry.queue.load(Ordering::Relaxed) != self.as_ptr() {
            return None; // expired meanwhile
        }
        // SAFETY: under our lock, and the entry is in this list.
        let waker = unsafe {
            self.unlink(entry);
            (*entry.waker.get()).take()
        };
        entry.queue.store(ptr::null_mut(), Ordering::Release);
        waker
    }

    /// Unlinks every entry due at or before `now`, earliest first, and passes its waker to
    /// `wake`, with the lock released.
    pub(crate) fn expire(&self, now: u64, mut wake: impl FnMut(Waker)) {
        loop {
            let waker = {
                let _guard = self.lock.lock();
                let head = self.head.load(Ordering::Relaxed);
                // SAFETY: the head is a pinned entry of this list; we hold the lock.
                let Some(entry) = (unsafe { head.as_ref() }) else {
                    return;
                };
                // SAFETY: as above.
                unsafe {
                    if *entry.at.get() > now {
                        return;
                    }
                    self.unlink(entry);
                }
                // SAFETY: as above.
                let waker = unsafe { (*entry.waker.get()).take() };
                // From here on the entry's owner may drop it at any time: do not touch it.
                entry.queue.store(ptr::null_mut(), Ordering::Release);
                waker
            };
            if let Some(waker) = waker {
                wake(waker);
            }
        }
    }

    /// The earliest deadline in the list.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let _guard = self.lock.lock();
        let head = self.head.load(Ordering::Relaxed);
        // SAFETY: the head is a pinned entry of this list; we hold the lock.
        (!head.is_null()).then(|| unsafe { *(*head).at.get() })
    }

    /// Whether the list is empty (a hint for the owning core).
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }

    /// The head's address (0: empty), the same hint as one word.
    #[inline(always)]
    pub(crate) fn head_word(&self) -> usize {
        self.head.load(Ordering::Relaxed).addr()
    }
}

/// A future that completes once the platform clock reaches its deadline.
///
/// Made by [`sleep`] or [`sleep_until`]. Must be polled inside a task of this crate's executor
/// (directly or through any combinator; see the module docs); panics otherwise. It is
/// `!Unpin` (its timer entry is linked by address): pin it (`pin!`, `Box::pin`) to poll it by
/// hand or to use it in `select!`.
///
/// Firing counts as one operation of the cooperative budget ([`crate::coop`]): when the
/// budget is spent, an expired `Sleep` returns `Pending` once and the task yields, so a loop of
/// short sleeps cannot monopolise the core.
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Deadline,
    entry: TimerEntry,
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
/// the clock through the polling executor. `sleep(t).await` polls at once, so the two are the
/// same.
pub fn sleep(ticks: u64) -> Sleep {
    Sleep {
        deadline: Deadline::After(ticks),
        entry: TimerEntry::new(),
    }
}

/// Completes once [`Platform::now`](crate::Platform::now) `>= deadline`. `u64::MAX` never
/// comes.
pub fn sleep_until(deadline: u64) -> Sleep {
    Sleep {
        deadline: Deadline::At(deadline),
        entry: TimerEntry::new(),
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

    fn entry(self: Pin<&mut Self>) -> Pin<&TimerEntry> {
        // SAFETY: structural pinning of `entry`: it is never moved out of the pinned `Sleep`,
        // and `Sleep`'s Drop unlinks it before its memory can go.
        unsafe { self.map_unchecked_mut(|s| &mut s.entry) }.into_ref()
    }

    fn unregister(&self) {
        let queue = self.entry.queue.load(Ordering::Acquire);
        if !queue.is_null() {
            // SAFETY: non-null values of `queue` are `&'static TimerQueue`s.
            drop(unsafe { &*queue }.remove(&self.entry));
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(task) = coop::current_task(cx) else {
            panic!(
                "executor::Sleep polled outside an executor task (neither the waker nor the \
                 core's context names one)"
            );
        };
        let executor = task.executor();
        let now = executor.now();
        // SAFETY: `deadline` is not structurally pinned; writing it moves nothing pinned.
        let this = unsafe { self.as_mut().get_unchecked_mut() };
        let at = match this.deadline {
            Deadline::After(ticks) => {
                let at = now.saturating_add(ticks);
                this.deadline = Deadline::At(at);
                at
            }
            Deadline::At(at) => at,
        };
        if now >= at {
            let restore = core::task::ready!(coop::poll_proceed(cx));
            restore.made_progress();
            self.unregister();
            return Poll::Ready(());
        }
        if at != NEVER {
            executor.timers.schedule(self.entry(), at, cx.waker());
        }
        Poll::Pending
    }
}

impl core::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}
