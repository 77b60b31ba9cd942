//! The kernel's console log: a bounded ring of bytes that `write` copies user data into. The
//! kernel keeps the newest [`CAPACITY`] bytes and counts every byte ever written.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::user::UserRange;

/// Bytes the log keeps.
pub const CAPACITY: usize = 16 * 1024;
/// Most bytes one `write` copies; the call returns how many it took.
pub const MAX_WRITE: usize = 4096;

struct Log {
    bytes: [u8; CAPACITY],
    /// Next byte to write, modulo `CAPACITY`.
    at: usize,
}

/// Kernel memory: EL0 cannot read or change the log except through `write`.
#[unsafe(link_section = ".kernel.bss")]
static LOG: Mutex<Log> = Mutex::new(Log {
    bytes: [0; CAPACITY],
    at: 0,
});
/// Bytes written since boot.
pub static WRITTEN: AtomicU64 = AtomicU64::new(0);

/// Copies the user bytes of `range` into the log; returns how many were copied.
pub fn append(range: UserRange) -> u64 {
    let n = range.len().min(MAX_WRITE);
    let mut log = LOG.lock();
    let mut at = log.at;
    for i in 0..n {
        // SAFETY: `range` was checked to lie in the user region, which is static memory mapped
        // for the whole run; a volatile byte read is what the kernel may do with user memory
        // another context could be changing.
        log.bytes[at] = unsafe { range.as_ptr().add(i).read_volatile() };
        at = (at + 1) % CAPACITY;
    }
    log.at = at;
    drop(log);
    WRITTEN.fetch_add(n as u64, Ordering::Relaxed);
    n as u64
}

/// The last `n` bytes written (at most [`CAPACITY`]), oldest first, into `out`; returns how
/// many it copied.
pub fn tail(out: &mut [u8]) -> usize {
    let log = LOG.lock();
    let n = out.len().min(CAPACITY);
    for (i, b) in out[..n].iter_mut().enumerate() {
        *b = log.bytes[(log.at + CAPACITY - n + i) % CAPACITY];
    }
    n
}
