//! [`JoinHandle`]: a spawned task's output, its cancellation, and detaching by drop.
//!
//! The output is stored in the task's slot when the future finishes (the slot then holds it
//! instead of the future), and the handle moves it out. Who drops an output nobody takes is
//! decided by one RMW on each side: the executor's completion reads `JOIN_INTEREST`, the
//! handle's drop clears it and reads `COMPLETED`. If the handle was gone at completion, the
//! executor drops the output there, on the task's own core; otherwise the handle drops it.
//!
//! The handle's waker sits in the task header behind a spin lock: the handle stores it, then
//! re-checks `COMPLETED`; the executor sets `COMPLETED`, then takes it. Whichever comes second
//! sees the other, so a completion is never missed. Neither side runs in an interrupt
//! handler, so the lock cannot deadlock against its own core.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::pool::release_ref;
use crate::spin::SpinLock;
use crate::state::COMPLETED;
use crate::task::TaskRef;
use crate::waker::wake_task;

/// Why a task has no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// [`JoinHandle::abort`] dropped the future before it finished.
    Cancelled,
    /// The future panicked (on the host; the guest aborts on panic). The executor dropped it
    /// and went on with the other tasks.
    Panicked,
}

impl JoinError {
    /// Whether the task was aborted.
    pub fn is_cancelled(self) -> bool {
        self == JoinError::Cancelled
    }

    /// Whether the task panicked.
    pub fn is_panic(self) -> bool {
        self == JoinError::Panicked
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinError::Cancelled => "task was cancelled",
            JoinError::Panicked => "task panicked",
        })
    }
}

impl core::error::Error for JoinError {}

/// The handle's waker, in the task header.
pub(crate) struct JoinSlot {
    lock: SpinLock,
    waker: UnsafeCell<Option<Waker>>,
}

impl JoinSlot {
    pub(crate) const fn new() -> Self {
        JoinSlot {
            lock: SpinLock::new(),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores (a clone of) `waker`, unless the stored one would wake the same task.
    fn register(&self, waker: &Waker) {
        let _guard = self.lock.lock();
        // SAFETY: the slot's waker is only accessed under its lock.
        let slot = unsafe { &mut *self.waker.get() };
        match slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Takes the stored waker.
    pub(crate) fn take(&self) -> Option<Waker> {
        let _guard = self.lock.lock();
        // SAFETY: as in `register`.
        unsafe { &mut *self.waker.get() }.take()
    }
}

/// An owned permission to take a spawned task's output.
///
/// - `.await` it to get `Ok(output)`, or `Err(`[`JoinError`]`)` if the task was aborted or
///   panicked;
/// - [`abort`](JoinHandle::abort) cancels the task: its future is dropped on its own core at
///   its next turn, without being polled again;
/// - dropping the handle *detaches* the task: it runs on, and its output is dropped when it
///   finishes.
///
/// The handle holds a reference to the task, so the task's slot is not reused before the
/// handle is gone.
pub struct JoinHandle<T> {
    task: TaskRef,
    taken: bool,
    _output: PhantomData<T>,
}

// SAFETY: the handle moves the output (a `T`) to whoever holds it, and otherwise uses only the
// task's atomics and the join slot's lock; so it may move between cores exactly when `T` may.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` allows only `abort`, `is_finished` and `task`: atomics.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    ///
    /// `task` was spawned with a join reference for a future whose output is `T`, and this is
    /// the only handle made for it.
    pub(crate) unsafe fn new(task: TaskRef) -> Self {
        JoinHandle {
            task,
            taken: false,
            _output: PhantomData,
        }
    }

    /// The task (for its waker, its core, or to compare it with one seen elsewhere).
    pub fn task(&self) -> TaskRef {
        self.task
    }

    /// Whether the task has finished (its output, or its error, is ready).
    pub fn is_finished(&self) -> bool {
        self.task.is_completed()
    }

    /// Cancels the task: at its next turn on its own core, its future is dropped instead of
    /// polled, and the handle then yields `Err(JoinError::Cancelled)`. No effect on a task
    /// that has finished already.
    pub fn abort(&self) {
        if self.task.header().state.cancel() {
            wake_task(self.task);
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.taken,
            "JoinHandle polled after it returned the output"
        );
        let header = self.task.header();
        if !header.state.is_completed() {
            header.join.register(cx.waker());
            if !header.state.is_completed() {
                return Poll::Pending;
            }
        }
        let mut output: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: the task completed (Acquire: its output is visible), this is its only handle
        // and it has not taken the output yet; `output` has the type the vtable writes, as the
        // handle was made for this task's output type.
        unsafe {
            (self.task.vtable().take_output)(
                self.task,
                core::ptr::from_mut(&mut output).cast::<()>(),
            );
        }
        self.taken = true;
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let header = self.task.header();
        let prev = header.state.drop_join_interest();
        drop(header.join.take());
        if prev & COMPLETED != 0 && !self.taken {
            // SAFETY: the task completed while the handle existed, so the executor left the
            // output to the handle, and it was not taken.
            unsafe { (self.task.vtable().drop_output)(self.task) };
        }
        release_ref(self.task);
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.task)
            .field("finished", &self.is_finished())
            .finish()
    }
}
