//! Device registers read and written with exactly one 64-bit `ldr`/`str`.
//!
//! Used where safe-mmio does not fit: the CoroSched device is shared by every core and by
//! interrupt handlers, and several of its reads have side effects (`POP`, the W1C status), which
//! safe-mmio only allows through a unique pointer. The single instruction is the one safe-mmio
//! emits too.

use core::arch::asm;

/// Reads the 64-bit device register at `addr`.
///
/// # Safety
/// `addr` must be an 8-byte-aligned register of a device mapped as Device memory, and reading
/// it (with whatever side effect the device gives the read) must be what the caller wants.
#[inline(always)]
pub unsafe fn read64(addr: usize) -> u64 {
    let v: u64;
    // SAFETY: the caller guarantees `addr` is a mapped, aligned device register.
    unsafe { asm!("ldr {v}, [{a}]", v = out(reg) v, a = in(reg) addr, options(nostack)) };
    v
}

/// Writes `value` to the 64-bit device register at `addr`.
///
/// # Safety
/// As for [`read64`].
#[inline(always)]
pub unsafe fn write64(addr: usize, value: u64) {
    // SAFETY: the caller guarantees `addr` is a mapped, aligned device register.
    unsafe { asm!("str {v}, [{a}]", v = in(reg) value, a = in(reg) addr, options(nostack)) };
}
