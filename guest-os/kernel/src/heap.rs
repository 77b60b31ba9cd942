//! The kernel heap: a buddy allocator (deterministic, O(log n)) over the image's `.heap` region.
//! Interrupt handlers must not allocate: the heap lock does not mask IRQs.

use buddy_system_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

unsafe extern "C" {
    static __heap_start: u8;
    static __heap_end: u8;
}

/// Core 0, once, before any allocation.
pub fn init() {
    // SAFETY: the linker reserves [__heap_start, __heap_end) for the heap and nothing else
    // uses it; only the symbols' addresses are taken.
    unsafe {
        let start = core::ptr::addr_of!(__heap_start) as usize;
        let end = core::ptr::addr_of!(__heap_end) as usize;
        HEAP.lock().init(start, end - start);
    }
}
