//! The kernel heap: a buddy allocator (deterministic, O(log n)) over the image's `.heap` region.
//! Interrupt handlers must not allocate: the heap lock does not mask IRQs.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

use buddy_system_allocator::LockedHeap;

#[global_allocator]
static HEAP: PeakHeap = PeakHeap {
    heap: LockedHeap::empty(),
    peak: AtomicUsize::new(0),
};

/// The buddy heap, recording the most bytes it ever had allocated (its high-water mark).
struct PeakHeap {
    heap: LockedHeap<32>,
    peak: AtomicUsize,
}

// SAFETY: forwards to the buddy heap, which upholds GlobalAlloc's contract; the peak is a side
// effect only, written under the heap's lock.
unsafe impl GlobalAlloc for PeakHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.heap.lock();
        let Ok(block) = heap.alloc(layout) else {
            return core::ptr::null_mut();
        };
        let used = heap.stats_alloc_actual();
        if used > self.peak.load(Ordering::Relaxed) {
            self.peak.store(used, Ordering::Relaxed);
        }
        block.as_ptr()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: GlobalAlloc's contract: `ptr` came from `alloc` with this layout.
        unsafe {
            self.heap
                .lock()
                .dealloc(NonNull::new_unchecked(ptr), layout)
        }
    }
}

/// Heap bytes in use now (in buddy blocks), the most ever in use, and the heap's size.
#[derive(Clone, Copy, Debug)]
pub struct HeapUsage {
    pub used: usize,
    pub peak: usize,
    pub total: usize,
}

/// The heap's usage right now.
pub fn usage() -> HeapUsage {
    let heap = HEAP.heap.lock();
    HeapUsage {
        used: heap.stats_alloc_actual(),
        peak: HEAP.peak.load(Ordering::Relaxed),
        total: heap.stats_total_bytes(),
    }
}

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
        HEAP.heap.lock().init(start, end - start);
    }
}
