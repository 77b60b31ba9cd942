//! The waker *is* the task pointer.
//!
//! A [`Waker`] made by this crate has the task's address ([`TaskRef::as_ptr`]) as its data
//! pointer and one static vtable:
//!
//! | vtable entry | does |
//! |---|---|
//! | `clone` | copies the pointer (tasks are never freed: nothing to count) |
//! | `wake`, `wake_by_ref` | [`wake_task`] |
//! | `drop` | nothing |
//!
//! So cloning, storing and dropping a waker cost nothing, and code that knows it holds one of
//! ours can store the single word [`task_from_waker`] returns instead of the two-word `Waker`.
//! That word is also what the scheduling device stores and later hands back (see
//! [`wake_task_ptr`] and [`ReadySource`](crate::ReadySource)).

use core::task::{RawWaker, RawWakerVTable, Waker};

use crate::task::TaskRef;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

/// `clone`: the copy is the same pointer with the same vtable.
unsafe fn clone(ptr: *const ()) -> RawWaker {
    RawWaker::new(ptr, &VTABLE)
}

/// `wake` and `wake_by_ref`.
///
/// # Safety
///
/// `ptr` is the data pointer of one of our wakers, which is always a task's `as_ptr()`.
unsafe fn wake(ptr: *const ()) {
    // SAFETY: only `waker` and `clone` make RawWakers with VTABLE, both with a task's pointer.
    wake_task(unsafe { TaskRef::from_ptr(ptr) })
}

/// `drop`: nothing to release.
unsafe fn drop(_: *const ()) {}

/// A waker for `task`.
pub(crate) fn waker(task: TaskRef) -> Waker {
    // SAFETY: the RawWaker contract: the vtable functions are thread-safe (they only copy the
    // pointer or run `wake_task`, which uses atomics and a lock-free queue) and the data
    // pointer is valid for as long as any clone lives (forever: tasks are never freed).
    unsafe { Waker::new(task.as_ptr(), &VTABLE) }
}

/// The task behind `waker`, if it is a waker made by this crate; `None` for any other waker
/// (another executor's, or a combinator's that wraps ours).
///
/// The test is an address comparison of the vtable with our one `static` vtable.
pub fn task_from_waker(waker: &Waker) -> Option<TaskRef> {
    if core::ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: the vtable is ours, so the data pointer is a task's `as_ptr()` (see `wake`).
        Some(unsafe { TaskRef::from_ptr(waker.data()) })
    } else {
        None
    }
}

/// Wakes `task`: makes sure it is polled (again) on its own core.
///
/// If the task is not queued yet, this sets its `RUN_QUEUED` bit and pushes it onto its core's
/// run queue; if that made the queue non-empty, it calls [`Platform::pend`] for that core. If
/// the task is queued already, or has completed, it does nothing more than the atomic `fetch_or`
/// (see [`crate::state`]). Safe from any core and from interrupt handlers: no lock, no
/// allocation.
///
/// [`Platform::pend`]: crate::Platform::pend
pub fn wake_task(task: TaskRef) {
    if let Some(token) = task.claim_link() {
        task.executor().enqueue(token);
    }
}

/// Wakes the task whose [`TaskRef::as_ptr`] is `ptr`: the path for a task pointer that comes
/// back from hardware (or from any store of raw pointers).
///
/// # Safety
///
/// `ptr` must satisfy [`TaskRef::from_ptr`]: it was returned by `TaskRef::as_ptr` in this
/// program run. Because tasks are never freed, the task may have completed long ago; the wake
/// is then a no-op.
pub unsafe fn wake_task_ptr(ptr: *const ()) {
    // SAFETY: forwarded to the caller.
    wake_task(unsafe { TaskRef::from_ptr(ptr) })
}
