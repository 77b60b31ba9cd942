//! Task storage: a header the executor understands, followed by the future it does not.
//!
//! ```text
//!  TaskRef ──▶ ┌─ TaskStorage<F> (repr(C), heap, never freed) ──────────────┐
//!              │ TaskHeader                                                 │
//!              │   state      AtomicU32  SPAWNED | RUN_QUEUED | COMPLETED   │
//!              │   run_next   intrusive run-queue link                      │
//!              │   executor   &'static Executor (owning core)               │
//!              │   poll_fn    unsafe fn(TaskRef), monomorphised for F        │
//!              │   timer_at / timer_next   intrusive timer-list entry       │
//!              │ future: UnsafeCell<MaybeUninit<F>>                         │
//!              └────────────────────────────────────────────────────────────┘
//! ```
//!
//! The header comes first (`repr(C)`), so a pointer to the storage is a pointer to the header,
//! and the executor handles every task as one word, a [`TaskRef`]. The type of the future is
//! erased into `poll_fn`.
//!
//! # Tasks are never freed
//!
//! A task is allocated once, at spawn (`Box::leak`), and its memory is never returned, even
//! after the future has completed and been dropped. That is deliberate:
//!
//! - a [`TaskRef`] (and so a [`Waker`]) stays valid forever, so a late wake of a completed task
//!   is safe: it touches only the header, finds `COMPLETED` and does nothing. No reference
//!   count, no "is it still alive" protocol, no use-after-free when an interrupt handler or the
//!   scheduling device wakes a task that has just finished;
//! - that is what lets hardware hold task pointers: the device stores `TaskRef::as_ptr()` and
//!   hands it back at any later time;
//! - the guest's tasks are long-lived (services, per-connection loops) and spawned at setup, so
//!   the leak is bounded by the number of spawns. The future itself *is* dropped when it
//!   completes, so whatever it owns is released; only the header and the future's bytes stay.
//!
//! A system that spawns without bound would need slot reuse (embassy's task pools) together
//! with a generation count in the pointer; this crate does not need it yet.
//!
//! The life cycle and the state bits are in [`crate::state`].

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU64};
use core::task::{Context, Waker};

use crate::executor::Executor;
use crate::state::State;
use crate::timer::NEVER;

/// The part of a task the executor knows. Always the first field of a [`TaskStorage`].
pub(crate) struct TaskHeader {
    pub(crate) state: State,
    /// Next task in the run queue (or in a batch being walked). Owned by whoever owns the
    /// task's `RUN_QUEUED` bit: see [`EnqueueToken`].
    pub(crate) run_next: AtomicPtr<TaskHeader>,
    /// The executor (and so the core) this task belongs to; set at spawn, never changed.
    pub(crate) executor: &'static Executor,
    /// Polls the future; the only place that knows its type.
    poll_fn: unsafe fn(TaskRef),
    /// Deadline this task is registered for in its executor's timer list, or [`NEVER`] if it is
    /// not in the list. Protected by that list's lock.
    pub(crate) timer_at: AtomicU64,
    /// Next task in the timer list. Protected by that list's lock.
    pub(crate) timer_next: AtomicPtr<TaskHeader>,
}

#[repr(C)]
struct TaskStorage<F> {
    header: TaskHeader,
    future: UnsafeCell<MaybeUninit<F>>,
}

/// A task, as one word: a pointer to its header.
///
/// `Copy`, comparable, and valid forever (tasks are never freed). Get one from
/// [`Executor::spawn`], from a waker with [`task_from_waker`](crate::task_from_waker), or back
/// from hardware with [`TaskRef::from_ptr`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskRef(NonNull<TaskHeader>);

// SAFETY: a TaskRef only gives access to the header's atomics and to immutable fields (the
// executor reference, which is Sync, and the poll function, which only the owning executor
// calls, see `TaskRef::poll`). The future behind it is reached only through `poll`, whose
// contract keeps it on one core at a time. So sending or sharing the pointer is sound.
unsafe impl Send for TaskRef {}
// SAFETY: as for Send above; every method takes `self` by value and uses only atomics.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// The task's address, for a device or a data structure that stores one word per task.
    ///
    /// Never null. Turn it back into a task with [`TaskRef::from_ptr`].
    pub fn as_ptr(self) -> *const () {
        self.0.as_ptr().cast_const().cast()
    }

    /// The task at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by [`TaskRef::as_ptr`] (in this program run; any task, any
    /// executor, completed or not). Tasks are never freed, so such a pointer stays valid
    /// forever, however old it is. Any other value (null, a guess, an offset pointer) is
    /// undefined behaviour.
    pub unsafe fn from_ptr(ptr: *const ()) -> TaskRef {
        debug_assert!(!ptr.is_null(), "TaskRef::from_ptr(null)");
        // SAFETY: the caller promises `ptr` came from `as_ptr`, which returns a non-null
        // pointer to a live (never freed) task header.
        TaskRef(unsafe { NonNull::new_unchecked(ptr.cast_mut().cast()) })
    }

    pub(crate) fn header(self) -> &'static TaskHeader {
        // SAFETY: every TaskRef points to the header of a task allocated by `allocate` and
        // never freed (or came through `from_ptr`, whose caller guarantees the same). The
        // header is only accessed through shared references (all fields are atomics or
        // immutable), so a `&'static` is sound.
        unsafe { self.0.as_ref() }
    }

    /// The executor this task belongs to.
    pub fn executor(self) -> &'static Executor {
        self.header().executor
    }

    /// The core of the executor this task belongs to.
    pub fn core(self) -> usize {
        self.executor().core()
    }

    /// Whether the future has returned `Ready` (and been dropped).
    pub fn is_completed(self) -> bool {
        self.header().state.is_completed()
    }

    /// Wakes the task: the same as waking its [`Waker`]. See [`wake_task`](crate::wake_task).
    pub fn wake(self) {
        crate::waker::wake_task(self)
    }

    /// A [`Waker`] for this task (no allocation: the waker's data pointer is the task).
    pub fn waker(self) -> Waker {
        crate::waker::waker(self)
    }

    /// Takes the right to push this task onto a queue (`RUN_QUEUED` 0 → 1), or `None` if it is
    /// queued already or has completed. See [`State::run_enqueue`].
    pub(crate) fn claim_link(self) -> Option<EnqueueToken> {
        self.header()
            .state
            .run_enqueue()
            .then_some(EnqueueToken(self))
    }

    /// The raw state bits, for tests.
    #[cfg(test)]
    pub(crate) fn state_bits(self) -> u32 {
        self.header().state.bits()
    }

    /// Polls the future once; on `Ready`, drops it and marks the task completed.
    ///
    /// # Safety
    ///
    /// - Only the owning executor calls this, on its own core, inside its `run_once` step: never
    ///   concurrently with another poll of the same task and never re-entrantly (the executor's
    ///   step guard enforces both).
    /// - The task has not completed (the caller has checked `COMPLETED` on this core).
    pub(crate) unsafe fn poll(self) {
        // SAFETY: forwarded from the caller; `poll_fn` was monomorphised for this task's future
        // type by `allocate`.
        unsafe { (self.header().poll_fn)(self) }
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskRef({:p})", self.0)
    }
}

/// Proof that the holder flipped a task's `RUN_QUEUED` bit from 0 to 1, and so owns its
/// run-queue link until the executor dequeues it. Not `Clone`: one token, one push.
pub(crate) struct EnqueueToken(TaskRef);

impl EnqueueToken {
    pub(crate) fn task(&self) -> TaskRef {
        self.0
    }
}

/// Allocates and spawns a task: writes the future, sets `SPAWNED`. The caller then wakes it.
pub(crate) fn allocate<F>(executor: &'static Executor, future: F) -> TaskRef
where
    F: Future<Output = ()> + 'static,
{
    let storage = Box::new(TaskStorage {
        header: TaskHeader {
            state: State::new(),
            run_next: AtomicPtr::new(ptr::null_mut()),
            executor,
            poll_fn: poll_fn::<F>,
            timer_at: AtomicU64::new(NEVER),
            timer_next: AtomicPtr::new(ptr::null_mut()),
        },
        future: UnsafeCell::new(MaybeUninit::new(future)),
    });
    // The pointer is derived from the whole storage (not from `&storage.header`), so it may be
    // cast back to `TaskStorage<F>` in `poll_fn`. `repr(C)` puts the header at offset 0.
    let task = TaskRef(NonNull::from(Box::leak(storage)).cast::<TaskHeader>());
    task.header().state.spawn();
    task
}

/// The type-erased poll function stored in the header of a `TaskStorage<F>`.
///
/// # Safety
///
/// - `task` points to a `TaskStorage<F>` with this very `F` (true for the `poll_fn` that
///   `allocate::<F>` stored);
/// - the contract of [`TaskRef::poll`]: owning core, no concurrent or re-entrant poll, the task
///   has not completed (so the future is initialised).
unsafe fn poll_fn<F: Future<Output = ()>>(task: TaskRef) {
    // SAFETY: the pointer was derived from a `Box<TaskStorage<F>>` (first bullet). A shared
    // reference to the storage is fine: the header is atomics and immutable fields, and the
    // future is behind an UnsafeCell.
    let storage = unsafe { task.0.cast::<TaskStorage<F>>().as_ref() };
    let future_ptr = storage.future.get().cast::<F>();
    let waker = task.waker();
    let mut cx = Context::from_waker(&waker);
    // SAFETY: the future is initialised (not completed, second bullet) and nothing else
    // references it during the poll (owning core, no concurrent or re-entrant poll), so a
    // unique reference is sound. It is pinned for good: the storage is never moved or freed,
    // and the future is dropped in place below, before anyone could reuse its bytes.
    let future = unsafe { Pin::new_unchecked(&mut *future_ptr) };
    if future.poll(&mut cx).is_ready() {
        // SAFETY: the future is initialised and its pinned reference is dead; it is dropped
        // exactly once, because COMPLETED is set next and a completed task is never polled
        // again (run_dequeue and the external path check it).
        unsafe { ptr::drop_in_place(future_ptr) };
        storage.header.state.complete();
    }
}
