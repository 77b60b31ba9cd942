//! The EL1 physical generic timer's registers (`CNTFRQ_EL0`, `CNTPCT_EL0`, `CNTP_*_EL0`). The
//! interrupt routing and the per-core hooks are `crate::timer`'s.
//!
//! The counter read and the timer writes stay single inline-asm blocks rather than aarch64-cpu
//! accessors plus a separate `isb`: that `isb` is a compiler memory barrier where these blocks
//! are not (or are one with the write), and the compiler then allocates registers differently
//! in the apps that arm the timer (tried: same instruction count, other registers, in the
//! guest's `main`). These blocks keep the image the committed measurements were taken with.

use core::arch::asm;

use aarch64_cpu::registers::{CNTFRQ_EL0, Readable};

/// Counter frequency in Hz.
#[inline(always)]
pub fn frequency() -> u64 {
    CNTFRQ_EL0.get()
}

/// The system counter, in ticks. The `isb` keeps the read in program order.
#[inline(always)]
pub fn counter() -> u64 {
    let t: u64;
    // SAFETY: reading a system register has no memory effects.
    unsafe { asm!("isb", "mrs {0}, cntpct_el0", out(reg) t, options(nomem, nostack)) };
    t
}

/// Enables this core's timer to fire when the counter reaches `ticks` (absolute).
#[inline(always)]
pub fn arm_at(ticks: u64) {
    // SAFETY: programming this core's own timer registers.
    unsafe {
        asm!("msr cntp_cval_el0, {0}", "msr cntp_ctl_el0, {1}", "isb",
             in(reg) ticks, in(reg) 1u64, options(nostack));
    }
}

/// Enables this core's timer to fire `ticks` from now.
#[inline(always)]
pub fn arm_after(ticks: u64) {
    // SAFETY: programming this core's own timer registers.
    unsafe {
        asm!("msr cntp_tval_el0, {0}", "msr cntp_ctl_el0, {1}", "isb",
             in(reg) ticks, in(reg) 1u64, options(nostack));
    }
}

/// Disables this core's timer and masks its output, so the level-triggered line drops.
#[inline(always)]
pub fn disarm() {
    // SAFETY: programming this core's own timer registers.
    unsafe { asm!("msr cntp_ctl_el0, {0}", "isb", in(reg) 2u64, options(nostack)) };
}
