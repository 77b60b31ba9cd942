//! Each executor's pool of task slots, by size class: where a task's storage comes from at
//! spawn and goes back to when its last reference is dropped.
//!
//! A slot of class *k* is `64 << k` bytes, aligned to its size (at most 4 KiB), so any task
//! storage that fits the size also fits the alignment. A slot is allocated from the heap the
//! first time its class has none free and is never given back: it stays a task header of this
//! executor for the rest of the run, which keeps raw task pointers memory-safe (see
//! [`crate::task`]). The pool's footprint is therefore the peak number of live tasks of each
//! class, not the number ever spawned.
//!
//! Releasing happens wherever the last reference goes (any core; an interrupt handler that
//! drops a waker), so it is a lock-free push onto the class's `returned` stack (a Treiber push:
//! no ABA, since nothing pops single entries from it). Taking happens at spawn (task context
//! only), under a spin lock: the owner of the lock moves the whole `returned` stack into its
//! private `free` list with one swap when `free` is empty, then pops.

use core::alloc::Layout;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use crate::executor::Executor;
use crate::spin::SpinLock;
use crate::task::{TaskHeader, TaskRef, write_vacant_header};

/// Size classes: 64 B to 32 MiB.
const CLASSES: usize = 20;
const SMALLEST: usize = 64;
const MAX_ALIGN: usize = 4096;

/// The size class of a task storage layout. Evaluated at compile time for each future type
/// (in its vtable), so a future too large for the pool is a build error, not a run-time one.
pub(crate) const fn class_of(layout: Layout) -> usize {
    let size = if layout.size() < SMALLEST {
        SMALLEST
    } else {
        layout.size().next_power_of_two()
    };
    let class = (size.trailing_zeros() - SMALLEST.trailing_zeros()) as usize;
    assert!(
        class < CLASSES,
        "task future too large for the executor's pool (over 32 MiB)"
    );
    assert!(
        layout.align() <= MAX_ALIGN,
        "task future aligned to more than 4 KiB"
    );
    class
}

fn slot_layout(class: usize) -> Layout {
    let size = SMALLEST << class;
    // A power of two up to 32 MiB, aligned to at most its size: always a valid layout.
    Layout::from_size_align(size, size.min(MAX_ALIGN)).expect("valid slot layout")
}

struct SizeClass {
    /// Serialises takers (spawns). Never taken in an interrupt handler.
    lock: SpinLock,
    /// Slots ready for reuse; accessed only under `lock`.
    free: AtomicPtr<TaskHeader>,
    /// Slots released since the last refill; pushed lock-free from anywhere.
    returned: AtomicPtr<TaskHeader>,
}

impl SizeClass {
    const fn new() -> Self {
        SizeClass {
            lock: SpinLock::new(),
            free: AtomicPtr::new(ptr::null_mut()),
            returned: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

/// One executor's task slots (see the module docs).
pub(crate) struct TaskPool {
    classes: [SizeClass; CLASSES],
    /// Slots ever allocated from the heap, and their bytes.
    slots: AtomicU64,
    bytes: AtomicU64,
}

impl TaskPool {
    pub(crate) const fn new() -> Self {
        TaskPool {
            classes: [const { SizeClass::new() }; CLASSES],
            slots: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// A vacant slot of `class` (whose header says `executor`), reused or freshly allocated.
    ///
    /// # Panics
    ///
    /// If the heap cannot provide a fresh slot: the message names the slot size and what the
    /// pool already holds.
    pub(crate) fn take(
        &self,
        executor: &'static Executor,
        class: usize,
        layout: Layout,
    ) -> NonNull<TaskHeader> {
        debug_assert!(layout.size() <= SMALLEST << class);
        let c = &self.classes[class];
        {
            let _guard = c.lock.lock();
            let mut head = c.free.load(Ordering::Relaxed);
            if head.is_null() {
                head = c.returned.swap(ptr::null_mut(), Ordering::Acquire);
            }
            if let Some(slot) = NonNull::new(head) {
                // SAFETY: every pointer in the pool is a vacant slot of this executor; under the
                // lock, its link is ours to read (nothing else writes a vacant slot's link).
                let next = unsafe { slot.as_ref() }.run_next.load(Ordering::Relaxed);
                c.free.store(next, Ordering::Relaxed);
                return slot;
            }
        }
        let slot_layout = slot_layout(class);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc::alloc::alloc(slot_layout) };
        let Some(slot) = NonNull::new(raw.cast::<TaskHeader>()) else {
            panic!(
                "executor: cannot spawn on core {}: the heap is exhausted (it could not provide \
                 a task slot of {} bytes; this executor's pool already holds {} slots, {} bytes)",
                executor.core(),
                slot_layout.size(),
                self.slots.load(Ordering::Relaxed),
                self.bytes.load(Ordering::Relaxed),
            );
        };
        // SAFETY: a fresh allocation of at least 64 bytes aligned to at least 64, which a
        // header fits.
        unsafe { write_vacant_header(slot, executor) };
        self.slots.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(slot_layout.size() as u64, Ordering::Relaxed);
        slot
    }

    /// Gives `task`'s slot back: its last reference is gone, its future and output dropped.
    pub(crate) fn release(&self, task: TaskRef) {
        let class = task.vtable().class;
        let c = &self.classes[class];
        let slot = task.as_ptr().cast_mut().cast::<TaskHeader>();
        let link = &task.header().run_next;
        let mut head = c.returned.load(Ordering::Relaxed);
        loop {
            // The slot is vacant (COMPLETED|RUN_QUEUED, no reference): no waker can claim its
            // link, so it is ours.
            link.store(head, Ordering::Relaxed);
            match c
                .returned
                .compare_exchange_weak(head, slot, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }

    /// Slots allocated from the heap so far, and their bytes.
    pub(crate) fn footprint(&self) -> (u64, u64) {
        (
            self.slots.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

/// Drops one reference to `task`, and gives its slot back if it was the last.
pub(crate) fn release_ref(task: TaskRef) {
    if task.header().state.ref_dec() {
        task.executor().pool().release(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_to_powers_of_two_from_64() {
        assert_eq!(class_of(Layout::from_size_align(1, 1).unwrap()), 0);
        assert_eq!(class_of(Layout::from_size_align(64, 8).unwrap()), 0);
        assert_eq!(class_of(Layout::from_size_align(65, 8).unwrap()), 1);
        assert_eq!(class_of(Layout::from_size_align(4096, 8).unwrap()), 6);
        assert_eq!(slot_layout(6).size(), 4096);
        assert_eq!(slot_layout(7).align(), 4096);
    }
}
