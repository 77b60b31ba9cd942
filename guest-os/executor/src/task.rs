//! Task storage: a header the executor understands, followed by the future (then the output)
//! it does not.
//!
//! ```text
//!  TaskRef ──▶ ┌─ TaskStorage<F> (repr(C), a slot of its executor's pool) ────┐
//!              │ TaskHeader                                                 │
//!              │   state      AtomicUsize  flags | reference count          │
//!              │   run_next   intrusive run-queue link (pool link when free) │
//!              │   executor   &'static Executor (fixed for the slot's life)  │
//!              │   vtable     &'static TaskVTable, per future type          │
//!              │   join       the JoinHandle's waker, behind a spin lock     │
//!              │ stage: Running(F) | Finished(Result<F::Output, JoinError>)  │
//!              │        | Consumed                                          │
//!              └────────────────────────────────────────────────────────────┘
//! ```
//!
//! The header comes first (`repr(C)`), so a pointer to the storage is a pointer to the header,
//! and the executor handles every task as one word, a [`TaskRef`]. The type of the future is
//! erased into the vtable.
//!
//! # Lifetime
//!
//! A task is held by references counted in its state word ([`crate::state`]): the executor's
//! (from spawn until the task has completed and left the run queue), the
//! [`JoinHandle`](crate::JoinHandle)'s, and one per [`Waker`] clone. The waker the executor
//! passes to `poll` is borrowed, not counted, so a poll that does not clone it costs no atomic.
//! When the last reference goes, the slot returns to its executor's pool (the `pool` module) and
//! the next spawn of a future of the same size class reuses it. So a server that spawns a task
//! per request runs in constant memory.
//!
//! Slots are never given back to the heap, and a slot is only ever reused by the *same*
//! executor. That keeps the raw task pointers the scheduling device holds
//! ([`TaskRef::as_ptr`], [`wake_task_ptr`](crate::wake_task_ptr)) memory-safe however late
//! they come back: they always point at a task header of the right executor, holding either
//! the task (a wake), a vacant slot (`COMPLETED|RUN_QUEUED`: nothing happens), or a newer task
//! (a spurious wake, which every future tolerates). A [`Waker`] is exact: it keeps its task's
//! slot from being reused, so a late wake through a waker is a no-op.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};
use core::task::{Context, Poll, Waker};

use crate::executor::Executor;
use crate::join::{JoinError, JoinSlot};
use crate::pool;
use crate::state::State;

/// The part of a task the executor knows. Always the first field of a [`TaskStorage`].
pub(crate) struct TaskHeader {
    pub(crate) state: State,
    /// Next task in the run queue (or in a batch being walked, or in the pool's free list).
    /// Owned by whoever owns the task's `RUN_QUEUED` bit: see [`EnqueueToken`].
    pub(crate) run_next: AtomicPtr<TaskHeader>,
    /// The executor (and so the core) this slot belongs to; written when the slot is first
    /// allocated, never changed, also across reuses.
    pub(crate) executor: &'static Executor,
    /// The current occupant's vtable. Rewritten when the slot is reused (before the state's
    /// `Release` store), hence an atomic: a raw pointer may be reading the header meanwhile.
    vtable: AtomicPtr<TaskVTable>,
    /// Where the handle waits for the output.
    pub(crate) join: JoinSlot,
}

/// What the executor does with a future it knows only by type-erased pointers.
pub(crate) struct TaskVTable {
    /// Polls the future; on `Ready`, drops it and stores the output. Returns whether it
    /// finished.
    poll: unsafe fn(TaskRef) -> bool,
    /// Drops the future if it is still there, and stores `Err(error)` as the output.
    abandon: unsafe fn(TaskRef, JoinError),
    /// Moves the output into `*mut Poll<Result<T, JoinError>>`.
    pub(crate) take_output: unsafe fn(TaskRef, *mut ()),
    /// Drops the output nobody will take.
    pub(crate) drop_output: unsafe fn(TaskRef),
    /// The pool size class of this storage type.
    pub(crate) class: usize,
}

/// A task of future type `F`.
#[repr(C)]
pub(crate) struct TaskStorage<F: Future> {
    header: TaskHeader,
    stage: UnsafeCell<Stage<F>>,
}

/// What the storage holds after the header.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// A task, as one word: a pointer to its header.
///
/// `Copy` and comparable; it does **not** keep the task alive. Its memory stays a task header
/// of the same executor forever (see the [module docs](self)), so every method is safe on a
/// `TaskRef` whose task ended long ago: it then acts on the slot's current occupant, if any,
/// and a wake of a vacant slot does nothing. To keep a task, hold a [`Waker`] or a
/// [`JoinHandle`](crate::JoinHandle). Get one from
/// [`JoinHandle::task`](crate::JoinHandle::task), from a waker with
/// [`task_from_waker`](crate::task_from_waker), or back from hardware with
/// [`TaskRef::from_ptr`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskRef(NonNull<TaskHeader>);

// SAFETY: a TaskRef only gives access to the header's atomics and to fields that are fixed for
// the slot's life (the executor, which is Sync). The future behind it is reached only through
// `poll`/`abandon`, whose contract keeps it on the owning core. So sending or sharing the
// pointer is sound.
unsafe impl Send for TaskRef {}
// SAFETY: as for Send above; every method takes `self` by value and uses only atomics.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// The task's address, for a device or a data structure that stores one word per task.
    ///
    /// Never null, and aligned to at least 64 bytes. Turn it back into a task with
    /// [`TaskRef::from_ptr`].
    pub fn as_ptr(self) -> *const () {
        self.0.as_ptr().cast_const().cast()
    }

    /// The task at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by [`TaskRef::as_ptr`] (in this program run; any task, any
    /// executor, running or ended). Task slots are never given back to the heap, so such a
    /// pointer stays a valid header forever, however old it is (see the [module docs](self)).
    /// Any other value (null, a guess, an offset pointer) is undefined behaviour.
    pub unsafe fn from_ptr(ptr: *const ()) -> TaskRef {
        debug_assert!(!ptr.is_null(), "TaskRef::from_ptr(null)");
        // SAFETY: the caller promises `ptr` came from `as_ptr`, which returns a non-null
        // pointer to a task header that is never freed.
        TaskRef(unsafe { NonNull::new_unchecked(ptr.cast_mut().cast()) })
    }

    pub(crate) fn header(self) -> &'static TaskHeader {
        // SAFETY: every TaskRef points to the header of a pool slot, which is never freed (or
        // came through `from_ptr`, whose caller guarantees the same). The header is only
        // accessed through shared references: its fields are atomics, interior-mutable, or
        // fixed for the slot's life.
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

    /// Whether the task has finished: returned `Ready`, was cancelled, or panicked (host).
    pub fn is_completed(self) -> bool {
        self.header().state.is_completed()
    }

    /// Wakes the task: the same as waking its [`Waker`]. See [`wake_task`](crate::wake_task).
    pub fn wake(self) {
        crate::waker::wake_task(self)
    }

    /// A [`Waker`] for this task. It counts as a reference: the task's slot is not reused
    /// while the waker (or a clone) exists. No allocation: its data pointer is the task.
    pub fn waker(self) -> Waker {
        self.header().state.ref_inc();
        // SAFETY: the reference just taken is the one the returned waker owns.
        unsafe { crate::waker::owned_waker(self) }
    }

    /// Takes the right to push this task onto a queue (`RUN_QUEUED` 0 → 1), or `None` if it is
    /// queued already or has completed. See [`State::run_enqueue`].
    pub(crate) fn claim_link(self) -> Option<EnqueueToken> {
        self.header()
            .state
            .run_enqueue()
            .then_some(EnqueueToken(self))
    }

    /// The flag bits of the state word (without the reference count), for tests.
    #[cfg(test)]
    pub(crate) fn state_bits(self) -> usize {
        self.header().state.load() & crate::state::FLAGS & !crate::state::NOTIFIED
    }

    /// The reference count, for tests.
    #[cfg(test)]
    pub(crate) fn refs(self) -> usize {
        self.header().state.load() >> crate::state::REF_SHIFT
    }

    pub(crate) fn vtable(self) -> &'static TaskVTable {
        // SAFETY: the pointer is always one of the `'static` vtables `TaskStorage::<F>::VTABLE`
        // (written before the task is published); a stale read during a reuse still yields a
        // valid vtable, and callers hold a reference or own the task, so there is none.
        unsafe { &*self.header().vtable.load(Ordering::Relaxed) }
    }

    /// Polls the future once; on `Ready`, drops it and stores the output. Returns whether the
    /// task finished (the caller then completes it).
    ///
    /// # Safety
    ///
    /// - Only the owning executor calls this, on its own core, inside its step: never
    ///   concurrently with another poll of the same task and never re-entrantly.
    /// - The task has not completed (the caller has checked `COMPLETED` on this core).
    pub(crate) unsafe fn poll(self) -> bool {
        // SAFETY: forwarded from the caller; the vtable matches the storage type.
        unsafe { (self.vtable().poll)(self) }
    }

    /// Drops the future (if a poll has not already) and stores `Err(error)`: the task was
    /// aborted or its poll panicked. The caller then completes it.
    ///
    /// # Safety
    ///
    /// As for [`TaskRef::poll`].
    pub(crate) unsafe fn abandon(self, error: JoinError) {
        // SAFETY: forwarded from the caller; the vtable matches the storage type.
        unsafe { (self.vtable().abandon)(self, error) }
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

    /// A token for a task whose `RUN_QUEUED` bit the caller set by other means: spawn, or a
    /// batch that still holds the task.
    pub(crate) fn assume_claimed(task: TaskRef) -> EnqueueToken {
        EnqueueToken(task)
    }
}

impl<F: Future> TaskStorage<F> {
    const VTABLE: TaskVTable = TaskVTable {
        poll: poll_future::<F>,
        abandon: abandon_future::<F>,
        take_output: take_output::<F>,
        drop_output: drop_output::<F>,
        class: pool::class_of(core::alloc::Layout::new::<TaskStorage<F>>()),
    };
}

/// A fresh, vacant header for a new slot of `executor`.
pub(crate) fn vacant_header(executor: &'static Executor) -> TaskHeader {
    TaskHeader {
        state: State::vacant(),
        run_next: AtomicPtr::new(ptr::null_mut()),
        executor,
        vtable: AtomicPtr::new(ptr::null_mut()),
        join: JoinSlot::new(),
    }
}

/// Moves `future` into a slot of `executor`'s pool and marks it spawned and queued (with a
/// join reference if `join`). The caller pushes it with [`EnqueueToken::assume_claimed`].
pub(crate) fn allocate<F: Future>(executor: &'static Executor, future: F, join: bool) -> TaskRef {
    let vtable: &'static TaskVTable = &TaskStorage::<F>::VTABLE;
    let layout = core::alloc::Layout::new::<TaskStorage<F>>();
    let slot = executor.pool().take(executor, vtable.class, layout);
    let task = TaskRef(slot);
    let header = task.header();
    header
        .vtable
        .store(ptr::from_ref(vtable).cast_mut(), Ordering::Relaxed);
    // SAFETY: the slot is vacant (just taken from the pool, which we own now): no handle, no
    // executor and no waker reaches its stage, and a stale raw pointer reads only the header.
    // The slot is at least as large and as aligned as `TaskStorage<F>` (its size class), and
    // the pointer has the provenance of the whole slot.
    unsafe {
        let storage = slot.cast::<TaskStorage<F>>().as_ptr();
        ptr::write(
            ptr::addr_of_mut!((*storage).stage),
            UnsafeCell::new(Stage::Running(future)),
        );
    }
    header.state.spawn(join);
    task
}

/// The storage behind `task`, typed.
///
/// # Safety
///
/// `task` holds a `TaskStorage<F>` with this very `F` (its vtable is `TaskStorage::<F>`'s).
unsafe fn storage<'a, F: Future>(task: TaskRef) -> &'a TaskStorage<F> {
    // SAFETY: the caller's promise; the pointer has the provenance of the whole slot. A shared
    // reference is fine: the header is atomics and fixed fields, the stage is an UnsafeCell.
    unsafe { task.0.cast::<TaskStorage<F>>().as_ref() }
}

/// The vtable's `poll` for a `TaskStorage<F>`.
///
/// # Safety
///
/// - the vtable is `TaskStorage::<F>`'s;
/// - the contract of [`TaskRef::poll`]: owning core, no concurrent or re-entrant poll, the task
///   has not completed (so the stage is `Running`).
unsafe fn poll_future<F: Future>(task: TaskRef) -> bool {
    // SAFETY: first bullet.
    let stage = unsafe { storage::<F>(task) }.stage.get();
    // SAFETY: second bullet: nothing else references the stage during the poll.
    let Stage::Running(future) = (unsafe { &mut *stage }) else {
        unreachable!("polled a task that has no future");
    };
    // The executor's own reference keeps the task alive during the poll, so the context's
    // waker can borrow it without counting; clones count.
    // SAFETY: the task is live (see above) for as long as the poll, and the waker's borrow.
    // Its drop would do nothing; `ManuallyDrop` saves the indirect call.
    let waker = ManuallyDrop::new(unsafe { crate::waker::poll_waker(task) });
    let mut cx = Context::from_waker(&waker);
    // SAFETY: pinned for good: the slot is never moved, and the future is dropped in place
    // before the stage is rewritten.
    let future = unsafe { Pin::new_unchecked(future) };
    match future.poll(&mut cx) {
        Poll::Pending => false,
        Poll::Ready(output) => {
            // SAFETY: the future's pinned reference is dead; owning core (second bullet).
            unsafe { finish(stage, Ok(output)) };
            true
        }
    }
}

/// The vtable's `abandon` for a `TaskStorage<F>`.
///
/// # Safety
///
/// As for [`poll_future`], except that the stage may already be `Consumed` (a drop that
/// panicked).
unsafe fn abandon_future<F: Future>(task: TaskRef, error: JoinError) {
    // SAFETY: as in `poll_future`.
    let stage = unsafe { storage::<F>(task) }.stage.get();
    // SAFETY: owning core, not borrowed elsewhere.
    unsafe { finish(stage, Err(error)) };
}

/// Drops the future in place, then stores `output`.
///
/// The completion guard: the stage is marked `Consumed` before anything can observe the drop,
/// also when the future's `Drop` panics (the guard runs during the unwinding), so a future is
/// never dropped twice and never polled after its drop began.
///
/// # Safety
///
/// Exclusive access to the stage (owning core, no poll running).
unsafe fn finish<F: Future>(stage: *mut Stage<F>, output: Result<F::Output, JoinError>) {
    struct MarkConsumed<F: Future>(*mut Stage<F>);
    impl<F: Future> Drop for MarkConsumed<F> {
        fn drop(&mut self) {
            // SAFETY: the future was dropped in place (or its drop unwound); overwrite without
            // dropping again.
            unsafe { ptr::write(self.0, Stage::Consumed) };
        }
    }
    // SAFETY: exclusive access (the caller's promise).
    if let Stage::Running(future) = unsafe { &mut *stage } {
        let guard = MarkConsumed(stage);
        // SAFETY: the future is initialised and pinned; the guard forgets it afterwards.
        unsafe { ptr::drop_in_place(future) };
        drop(guard);
    }
    // SAFETY: the stage is `Consumed` or `Finished` (a second abandon after a panic that a
    // first one caught, which cannot hold an output: abandon only follows a failed poll).
    unsafe { ptr::write(stage, Stage::Finished(output)) };
}

/// The vtable's `take_output`: moves the output into `*dst`, a `Poll<Result<F::Output,
/// JoinError>>`.
///
/// # Safety
///
/// The task has completed (`Acquire`-observed) and its handle, the only caller, has not taken
/// the output before; `dst` points to a valid `Poll<Result<F::Output, JoinError>>`.
unsafe fn take_output<F: Future>(task: TaskRef, dst: *mut ()) {
    // SAFETY: as in `poll_future`; after completion only the handle touches the stage.
    let stage = unsafe { &mut *storage::<F>(task).stage.get() };
    match core::mem::replace(stage, Stage::Consumed) {
        // SAFETY: the caller's promise on `dst`.
        Stage::Finished(output) => unsafe {
            *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(output);
        },
        _ => unreachable!("JoinHandle took an output that is not there"),
    }
}

/// The vtable's `drop_output`.
///
/// # Safety
///
/// The task has completed and exactly one party (the executor if no handle was left at
/// completion, else the handle when it is dropped) calls this, once.
unsafe fn drop_output<F: Future>(task: TaskRef) {
    // SAFETY: as in `take_output`.
    let stage = unsafe { &mut *storage::<F>(task).stage.get() };
    drop(core::mem::replace(stage, Stage::Consumed));
}

/// Writes a vacant header into a fresh slot of the `pool` module (kept here so that the header's
/// private fields stay private).
///
/// # Safety
///
/// `slot` is a fresh allocation at least as large and as aligned as a header.
pub(crate) unsafe fn write_vacant_header(slot: NonNull<TaskHeader>, executor: &'static Executor) {
    // SAFETY: the caller's promise.
    unsafe { ptr::write(slot.as_ptr(), vacant_header(executor)) };
}
