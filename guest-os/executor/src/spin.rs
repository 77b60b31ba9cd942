//! A minimal test-and-test-and-set spin lock that guards no data of its own.
//!
//! It orders accesses to data that are atomics anyway (the timer list's links in task
//! headers), so it needs no `UnsafeCell` and no `unsafe`: it only keeps a multi-step list
//! update from interleaving with another. The lock is per core and in practice uncontended
//! (the owning core takes it); it exists so that the timer list stays consistent even if a
//! task's waker is used to poll a timer on another core.
//!
//! Never take it in an interrupt handler: a handler that interrupted the holder on the same
//! core would spin forever.

use core::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct SpinLock {
    locked: AtomicBool,
}

impl SpinLock {
    pub(crate) const fn new() -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> SpinGuard<'_> {
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            while self.locked.load(Ordering::Relaxed) {
                core::hint::spin_loop();
            }
        }
        SpinGuard { lock: self }
    }
}

pub(crate) struct SpinGuard<'a> {
    lock: &'a SpinLock,
}

impl Drop for SpinGuard<'_> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}
