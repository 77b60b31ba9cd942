//! The waker *is* the task pointer.
//!
//! A [`Waker`] made by this crate has the task's address ([`TaskRef::as_ptr`]) as its data
//! pointer and one static vtable:
//!
//! | vtable entry | does |
//! |---|---|
//! | `clone` | one more reference to the task (a `fetch_add`), the same pointer |
//! | `wake_by_ref` | [`wake_task`] |
//! | `wake` | [`wake_task`], then drops the reference |
//! | `drop` | drops the reference; the last one gives the task's slot back to its pool |
//!
//! The waker the executor hands to `poll` is borrowed: it owns no reference (the executor's
//! own keeps the task alive during the poll), so a poll that only uses `cx.waker()` by
//! reference costs no atomic. It has a vtable of its own (`POLL_VTABLE`: its `drop` does
//! nothing, its `clone` makes an ordinary, counted waker), which also tells
//! [`yield_now`](crate::yield_now) and the budget that they run inside that very task's poll,
//! on its own core: they may then queue the task on the executor's core-local deferred list,
//! without a lock-free push or a pend (see [`Executor`](crate::Executor)'s step).
//!
//! A clone that is stored (in a channel, a timer, a combinator) keeps the task's slot from
//! being reused while it exists, so waking it later is always exact: a no-op if the task has
//! finished.
//!
//! Code that knows it holds one of our wakers can store the single word [`task_from_waker`]
//! returns instead of the two-word `Waker`. That word is also what the scheduling device
//! stores and later hands back (see [`wake_task_ptr`] and [`ReadySource`](crate::ReadySource));
//! it does not keep the task, but stays memory-safe (see [`crate::task`]).

use core::task::{RawWaker, RawWakerVTable, Waker};

use crate::pool::release_ref;
use crate::task::TaskRef;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop);

/// The borrowed waker of a poll: owns nothing, so waking it by value and dropping it release
/// nothing.
static POLL_VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_ref, wake_by_ref, forget);

/// `clone`: one more reference, same pointer.
///
/// # Safety
///
/// `ptr` is the data pointer of one of our wakers, which is always a task's `as_ptr()`, and
/// that waker owns (or borrows from the executor) a reference, so the task is live.
unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: see above.
    unsafe { TaskRef::from_ptr(ptr) }.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

/// `wake`: wake, then drop this waker's reference.
///
/// # Safety
///
/// As for `clone`; the waker is consumed, so its reference is ours to drop.
unsafe fn wake(ptr: *const ()) {
    // SAFETY: see above.
    let task = unsafe { TaskRef::from_ptr(ptr) };
    wake_task(task);
    release_ref(task);
}

/// `wake_by_ref`.
///
/// # Safety
///
/// As for `clone`.
unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: see above.
    wake_task(unsafe { TaskRef::from_ptr(ptr) })
}

/// `drop`: drop this waker's reference.
///
/// # Safety
///
/// As for `clone`; the waker owns a reference (the executor's borrowed waker is never
/// dropped: it is wrapped in `ManuallyDrop`).
unsafe fn drop(ptr: *const ()) {
    // SAFETY: see above.
    release_ref(unsafe { TaskRef::from_ptr(ptr) })
}

/// `drop` of the borrowed waker: it owns no reference.
unsafe fn forget(_: *const ()) {}

/// The waker the executor passes to `task`'s poll: it owns no reference.
///
/// # Safety
///
/// The task stays alive while the waker is used (the executor's reference, during the poll).
pub(crate) unsafe fn poll_waker(task: TaskRef) -> Waker {
    // SAFETY: as for `owned_waker`; the waker owns nothing, and the caller keeps the task alive
    // for its use.
    unsafe { Waker::new(task.as_ptr(), &POLL_VTABLE) }
}

/// Whether `waker` is the borrowed waker the executor passed to `task`'s poll: the caller
/// then runs inside that poll (a `&Waker` cannot outlive it), on the task's core or on a
/// scoped thread the poll waits for.
#[inline]
pub(crate) fn is_poll_waker_of(waker: &Waker, task: TaskRef) -> bool {
    core::ptr::eq(waker.vtable(), &POLL_VTABLE) && waker.data() == task.as_ptr()
}

/// The task whose poll passed `waker`, if it is a poll's borrowed waker: the caller runs
/// inside that task's poll (see [`is_poll_waker_of`]).
#[inline]
pub(crate) fn poll_waker_task(waker: &Waker) -> Option<TaskRef> {
    // SAFETY: only `poll_waker` makes wakers with POLL_VTABLE, always with a task's pointer.
    core::ptr::eq(waker.vtable(), &POLL_VTABLE).then(|| unsafe { TaskRef::from_ptr(waker.data()) })
}

/// A waker for `task` that owns one reference to it.
///
/// # Safety
///
/// The caller gives the waker one reference it holds (or wraps the waker in `ManuallyDrop`
/// and keeps the task alive for as long as the waker is used).
pub(crate) unsafe fn owned_waker(task: TaskRef) -> Waker {
    // SAFETY: the RawWaker contract: the vtable functions are thread-safe (atomics and the
    // lock-free queue and pool) and the data pointer is valid for as long as any clone lives
    // (each clone owns a reference, which keeps the slot from reuse; slots are never freed).
    unsafe { Waker::new(task.as_ptr(), &VTABLE) }
}

/// The task behind `waker`, if it is a waker made by this crate; `None` for any other waker
/// (another executor's, or a combinator's that wraps ours).
///
/// The test is an address comparison of the vtable with our two `static` vtables (the counted
/// one and the poll's borrowed one). The returned [`TaskRef`] does not keep the task; the
/// waker does.
pub fn task_from_waker(waker: &Waker) -> Option<TaskRef> {
    let vtable = waker.vtable();
    if core::ptr::eq(vtable, &POLL_VTABLE) || core::ptr::eq(vtable, &VTABLE) {
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
/// the task is queued already, or has completed (or the slot is vacant), it does nothing more
/// than the atomic `fetch_or` (see [`crate::state`]). Safe from any core and from interrupt
/// handlers: no lock, no allocation.
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
/// program run. The task may have ended long ago: the wake then finds a vacant slot (a no-op)
/// or the slot's next task (a spurious wake, which futures tolerate).
pub unsafe fn wake_task_ptr(ptr: *const ()) {
    // SAFETY: forwarded to the caller.
    wake_task(unsafe { TaskRef::from_ptr(ptr) })
}
