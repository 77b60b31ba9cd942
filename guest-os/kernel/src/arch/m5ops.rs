//! gem5's pseudo-instructions (m5ops): the encoding `0xff000110 | func << 16`, arguments in
//! x0/x1. The encoding is UNDEFINED on real hardware and on QEMU: callers check the platform
//! first (`crate::m5`).

use core::arch::asm;

macro_rules! m5op {
    ($func:literal, $a0:expr, $a1:expr) => {
        // SAFETY: an m5 pseudo-instruction; gem5 reads x0/x1 and writes x0, nothing else. The
        // callers run it only on gem5.
        unsafe {
            asm!(concat!(".inst 0xff000110 | (", $func, " << 16)"),
                 inout("x0") $a0 => _, in("x1") $a1, options(nostack))
        }
    };
}

/// `m5_reset_stats`.
#[inline(always)]
pub fn reset_stats() {
    m5op!("0x40", 0u64, 0u64)
}

/// `m5_dump_stats`.
#[inline(always)]
pub fn dump_stats() {
    m5op!("0x41", 0u64, 0u64)
}

/// `m5_dump_reset_stats`.
#[inline(always)]
pub fn dump_reset_stats() {
    m5op!("0x42", 0u64, 0u64)
}

/// `m5_work_begin(id, thread)`.
#[inline(always)]
pub fn work_begin(id: u64, thread: u64) {
    m5op!("0x5a", id, thread)
}

/// `m5_work_end(id, thread)`.
#[inline(always)]
pub fn work_end(id: u64, thread: u64) {
    m5op!("0x5b", id, thread)
}

/// `m5_exit`: the simulation ends successfully.
#[inline(always)]
pub fn exit() {
    m5op!("0x21", 0u64, 0u64)
}

/// `m5_fail(code)`: the simulation ends with `code`.
#[inline(always)]
pub fn fail(code: u64) {
    m5op!("0x22", 0u64, code)
}
