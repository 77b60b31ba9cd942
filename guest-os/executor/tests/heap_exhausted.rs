//! Spawning when the heap cannot provide a task slot panics with a message that names the
//! limit, rather than hanging or failing somewhere less clear.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use executor::Next;

/// The system allocator, except that it refuses task slots (64-byte-aligned blocks) while
/// `REFUSE_SLOTS` is set; everything else, the panic's own message included, still works.
struct RefusingSlots;

static REFUSE_SLOTS: AtomicBool = AtomicBool::new(false);

// SAFETY: forwards to `System`, or returns null, which GlobalAlloc allows for a failure.
unsafe impl GlobalAlloc for RefusingSlots {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if REFUSE_SLOTS.load(Ordering::SeqCst) && layout.align() >= 64 {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: RefusingSlots = RefusingSlots;

mod one_core;
use one_core::EXECUTOR;

#[test]
fn spawning_without_heap_names_the_limit() {
    drop(EXECUTOR.spawn(async {}));
    while EXECUTOR.run_once() == Next::Run {} // it finishes: its slot goes back to the pool
    REFUSE_SLOTS.store(true, Ordering::SeqCst);
    let _reused = EXECUTOR.spawn(async {}); // the pooled slot still serves
    let panic = std::panic::catch_unwind(|| EXECUTOR.spawn(async {})).unwrap_err();
    REFUSE_SLOTS.store(false, Ordering::SeqCst);
    let message = panic
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("heap is exhausted")
            && message.contains("task slot of 64 bytes")
            && message.contains("already holds 1 slots, 64 bytes"),
        "{message}"
    );
}
