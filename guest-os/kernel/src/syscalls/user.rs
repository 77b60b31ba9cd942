//! The user region: the memory a user task may hand the kernel by pointer.
//!
//! It holds the system-call rings ([`super::ring`]; shared pages, as FlexSC's syscall pages)
//! and the buffers user code passes to calls ([`alloc_buffer`]), and lies in user memory: the
//! part of the image the page tables map to EL0 (`mmu`). A pointer is accepted when its whole
//! range lies in user memory ([`check`]), so `EFAULT` means "not mapped to EL0": kernel memory,
//! devices and unmapped addresses are all refused.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::ring::CoreRings;
use super::table::Errno;

/// Bytes of the region available for user buffers.
pub const BUFFER_BYTES: usize = 64 * 1024;

/// The region: page-aligned so that the split can map it with page granularity.
#[repr(C, align(4096))]
pub struct UserRegion {
    pub rings: [CoreRings; crate::MAX_CORES],
    buffers: UnsafeCell<[u8; BUFFER_BYTES]>,
}

// SAFETY: the rings are atomics; the buffer bytes are handed out once each, as disjoint
// `&'static mut` slices (`alloc_buffer`), and otherwise only read by the kernel through ranges
// `check` validated.
unsafe impl Sync for UserRegion {}

pub static REGION: UserRegion = UserRegion {
    rings: [const { CoreRings::new() }; crate::MAX_CORES],
    buffers: UnsafeCell::new([0; BUFFER_BYTES]),
};

static NEXT_BUFFER: AtomicUsize = AtomicUsize::new(0);

/// The memory a user pointer may point into, `[start, end)`: all of user memory, which is
/// what the page tables map to EL0 (`mmu`; the rings and buffers above lie in it). Kernel
/// memory, devices and unmapped addresses are outside.
pub fn bounds() -> (u64, u64) {
    let (start, end) = crate::mmu::regions().user;
    (start as u64, end as u64)
}

/// A user range the kernel checked: it lies inside the user region.
#[derive(Clone, Copy, Debug)]
pub struct UserRange {
    addr: u64,
    len: u64,
}

impl UserRange {
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_ptr(&self) -> *const u8 {
        self.addr as *const u8
    }
}

/// Checks that `[ptr, ptr + len)` lies in user memory ([`bounds`]); refuses kernel memory, addresses
/// nothing maps, and ranges that wrap, with [`Errno::Fault`]. An empty range is accepted at
/// any address (nothing is read).
pub fn check(ptr: u64, len: u64) -> Result<UserRange, Errno> {
    check_in(bounds(), ptr, len)
}

/// [`check`] against explicit bounds: the pure rule.
pub fn check_in((start, end): (u64, u64), ptr: u64, len: u64) -> Result<UserRange, Errno> {
    if len == 0 {
        return Ok(UserRange { addr: ptr, len });
    }
    let last = ptr.checked_add(len).ok_or(Errno::Fault)?;
    if ptr < start || last > end {
        return Err(Errno::Fault);
    }
    Ok(UserRange { addr: ptr, len })
}

/// Hands out `len` bytes of the user region's buffer space (64-byte aligned), for the user
/// side's call arguments; `None` when the space is used up.
pub fn alloc_buffer(len: usize) -> Option<&'static mut [u8]> {
    let len = len.next_multiple_of(64);
    let at = NEXT_BUFFER
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |at| {
            (at + len <= BUFFER_BYTES).then_some(at + len)
        })
        .ok()?;
    // SAFETY: `[at, at + len)` is inside the buffer array and was handed out to nobody else
    // (the counter only grows), so this is the only reference to those bytes.
    Some(unsafe { core::slice::from_raw_parts_mut(REGION.buffers.get().cast::<u8>().add(at), len) })
}

/// Checks `[ptr, ptr + len)` ([`check`]).
pub fn slice(ptr: u64, len: u64) -> Result<UserRange, Errno> {
    check(ptr, len)
}
