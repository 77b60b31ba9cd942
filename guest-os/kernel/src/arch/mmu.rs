//! The translation registers: what `crate::mmu` needs to turn on the tables it builds.

use core::arch::asm;

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{MAIR_EL1, ReadWriteable, SCTLR_EL1, TCR_EL1, TTBR0_EL1, Writeable};

/// MAIR_EL1 attribute index of Device-nGnRE memory.
pub const ATTR_DEVICE: u64 = 0;
/// MAIR_EL1 attribute index of Normal memory, inner/outer write-back, read/write allocate.
pub const ATTR_NORMAL: u64 = 1;
/// MAIR_EL1 with the two attributes above.
const MAIR_VALUE: u64 = (0x04 << (8 * ATTR_DEVICE)) | (0xff << (8 * ATTR_NORMAL));

/// TCR_EL1: T0SZ = 25 (39-bit VA, level-1 root), TTBR0 walks inner/outer write-back
/// write-allocate and inner shareable, 4 KiB granule, TTBR1 walks disabled (EPD1), 40-bit IPS.
const TCR_VALUE: u64 = 25 | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (1 << 23) | (0b010 << 32);

/// Loads the identity tables at `root` into TTBR0_EL1 and turns the MMU and both caches on.
///
/// # Safety
/// The tables at `root` must map everything the kernel touches (its image and the device
/// range) at the same addresses, so execution continues where it is, and must stay alive.
pub unsafe fn enable(root: usize) {
    MAIR_EL1.set(MAIR_VALUE);
    TCR_EL1.set(TCR_VALUE);
    TTBR0_EL1.set(root as u64);
    barrier::isb(barrier::SY);
    // SAFETY: invalidates this core's stale EL1 TLB entries (left from reset); no memory effects.
    unsafe { asm!("tlbi vmalle1", options(nostack)) };
    barrier::dsb(barrier::NSH);
    barrier::isb(barrier::SY);
    SCTLR_EL1.modify(SCTLR_EL1::M::Enable + SCTLR_EL1::C::Cacheable + SCTLR_EL1::I::Cacheable);
    barrier::isb(barrier::SY);
}
