//! The per-core context: which task this core is polling right now.
//!
//! Budget-aware leaves ([`crate::coop`]) and timers ([`crate::timer`]) need the executor and
//! the task they run in. A waker made by this crate names its task, but a combinator
//! (`FuturesUnordered`, a large `join_all`, anything that polls its children with wakers of its
//! own) substitutes its own waker. So, as Tokio keeps the budget and the timer handle in a
//! thread-local runtime context rather than in the waker, the executor records the task it is
//! polling here, and the leaves look it up when the waker is not one of ours.
//!
//! - On a hosted target (the host tests) the slot is a thread-local: a test thread plays one
//!   core at a time.
//! - On the bare-metal guest there are no thread-locals: the slots are one per core, indexed by
//!   the executor's core when it writes and by [`set_core_id_source`]'s function when a leaf
//!   reads. Until the kernel installs that function, lookups find nothing and the leaves fall
//!   back to the waker alone (the behaviour before the context existed).

use crate::task::TaskRef;

/// Restores the previous context when dropped (also when a poll unwinds, on the host). On the
/// guest there is no previous one to restore (an executor step never runs inside a poll of
/// the same core), so leaving clears the slot.
pub(crate) struct Entered {
    #[cfg(target_os = "none")]
    slot: Option<&'static core::sync::atomic::AtomicPtr<crate::task::TaskHeader>>,
    #[cfg(not(target_os = "none"))]
    previous: Option<TaskRef>,
}

#[cfg(not(target_os = "none"))]
mod slot {
    use core::cell::Cell;

    use crate::task::TaskRef;

    std::thread_local! {
        static CURRENT: Cell<Option<TaskRef>> = const { Cell::new(None) };
    }

    pub(super) fn replace(_core: usize, task: Option<TaskRef>) -> Option<TaskRef> {
        CURRENT.replace(task)
    }

    pub(super) fn get() -> Option<TaskRef> {
        CURRENT.get()
    }
}

#[cfg(target_os = "none")]
mod slot {
    use core::ptr;
    use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    use crate::task::{TaskHeader, TaskRef};

    /// Cores the guest context supports.
    pub(super) const MAX_CORES: usize = 16;

    /// The task each core is polling, or null. Written only by that core's executor, so
    /// `Relaxed` (plain loads and stores).
    pub(super) static CURRENT: [AtomicPtr<TaskHeader>; MAX_CORES] =
        [const { AtomicPtr::new(ptr::null_mut()) }; MAX_CORES];

    /// The installed `fn() -> usize`, or 0.
    pub(super) static CORE_ID: AtomicUsize = AtomicUsize::new(0);

    fn to_task(ptr: *mut TaskHeader) -> Option<TaskRef> {
        // SAFETY: only `replace` stores here, always a task's pointer or null.
        (!ptr.is_null()).then(|| unsafe { TaskRef::from_ptr(ptr.cast_const().cast()) })
    }

    pub(super) fn get() -> Option<TaskRef> {
        let f = CORE_ID.load(Ordering::Relaxed);
        if f == 0 {
            return None;
        }
        // SAFETY: only `set_core_id_source` stores non-zero values here, always a `fn() ->
        // usize`.
        let core_id = unsafe { core::mem::transmute::<usize, fn() -> usize>(f) };
        to_task(CURRENT.get(core_id())?.load(Ordering::Relaxed))
    }
}

/// Installs the function that tells a leaf future which core it runs on, for the per-core
/// context of the bare-metal target (see the [module docs](self)). On hosted targets the
/// context is thread-local and this does nothing.
///
/// # Safety
///
/// `core_id` must return the index of the calling core, numbered as the executors' cores (the
/// same contract as [`Platform::core_id`](crate::Platform::core_id)), and be callable from task
/// context on every core. Cores numbered 16 or more have no context slot (their leaves fall
/// back to the waker).
pub unsafe fn set_core_id_source(core_id: fn() -> usize) {
    #[cfg(target_os = "none")]
    slot::CORE_ID.store(core_id as usize, core::sync::atomic::Ordering::Release);
    #[cfg(not(target_os = "none"))]
    let _ = core_id;
}

/// Where the executor of one core records the task it polls, found once, when the executor is
/// made, rather than indexed (and bounds-checked) at every poll.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    #[cfg(target_os = "none")]
    slot: Option<&'static core::sync::atomic::AtomicPtr<crate::task::TaskHeader>>,
}

impl Slot {
    /// Core `core`'s slot (on the guest, none for cores past the context's table).
    pub(crate) const fn of(core: usize) -> Slot {
        #[cfg(target_os = "none")]
        {
            Slot {
                slot: if core < slot::MAX_CORES {
                    Some(&slot::CURRENT[core])
                } else {
                    None
                },
            }
        }
        #[cfg(not(target_os = "none"))]
        {
            let _ = core;
            Slot {}
        }
    }
}

/// Records that the executor owning `slot` polls `task` until the guard is dropped.
#[inline(always)]
pub(crate) fn enter(slot: Slot, task: TaskRef) -> Entered {
    #[cfg(target_os = "none")]
    {
        use core::sync::atomic::Ordering;
        let slot = slot.slot;
        if let Some(slot) = slot {
            slot.store(task.as_ptr().cast_mut().cast(), Ordering::Relaxed);
        }
        Entered { slot }
    }
    #[cfg(not(target_os = "none"))]
    {
        let _ = slot;
        Entered {
            previous: slot::replace(0, Some(task)),
        }
    }
}

impl Drop for Entered {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(target_os = "none")]
        if let Some(slot) = self.slot {
            slot.store(core::ptr::null_mut(), core::sync::atomic::Ordering::Relaxed);
        }
        #[cfg(not(target_os = "none"))]
        slot::replace(0, self.previous);
    }
}

/// The task this core's executor is polling, if a poll is in progress (and, on the guest, the
/// kernel installed [`set_core_id_source`]).
pub fn current_task() -> Option<TaskRef> {
    slot::get()
}
