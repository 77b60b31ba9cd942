//! Small CPU primitives: which core am I, interrupt masking, waiting for events, barriers, the
//! exclusive monitor, the per-core software register, and the CPU's features.
//!
//! Inline asm where aarch64-cpu has no equivalent that emits the same instructions: `irq_save`
//! and `irq_enable` (its DAIF accessor is a read-modify-write of the whole register, not the
//! `daifset`/`daifclr` immediates), `sev` (a `dsb` and the `sev` in one block, so the compiler
//! keeps them together), `clean_dcache_line` and `load_exclusive` (no `dc` or `ldxr` wrappers).

use core::arch::asm;
use core::sync::atomic::AtomicU64;

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{ID_AA64ISAR0_EL1, MPIDR_EL1, Readable, TPIDR_EL0, Writeable};

/// This core's number, from `TPIDRRO_EL0`, which [`publish_core_id`] set at EL1 and which both
/// EL0 and EL1 read (`MPIDR_EL1`, where it comes from, is EL1-only and the apps run at EL0).
#[inline(always)]
pub fn core_id() -> usize {
    let c: u64;
    // SAFETY: reading a register that is read-only at EL0; no memory effects.
    unsafe { asm!("mrs {0}, tpidrro_el0", out(reg) c, options(nomem, nostack, preserves_flags)) };
    c as usize
}

/// EL1, every core, first thing: publishes the core's number (MPIDR Aff0; both machines number
/// cores 0..N in one cluster) in `TPIDRRO_EL0` for [`core_id`].
pub fn publish_core_id() {
    let core = MPIDR_EL1.get() & 0xff;
    // SAFETY: writing a software register at EL1; nothing else uses it.
    unsafe { asm!("msr tpidrro_el0, {0}", in(reg) core, options(nomem, nostack)) };
}

/// Whether the caller runs on a kernel stack (SP_EL1 in `.stacks`): then it is kernel code at
/// EL1 and may touch EL1-only registers and kernel memory directly. Otherwise it is user code
/// at EL0, or an EL1 thread on a heap stack, and asks the kernel with a system call, which
/// works from both (`crate::kernel_call`).
#[inline(always)]
pub fn on_kernel_stack() -> bool {
    unsafe extern "C" {
        static __stacks_start: u8;
        static __stacks_end: u8;
    }
    let sp: usize;
    // SAFETY: reading the stack pointer; no memory effects.
    unsafe { asm!("mov {0}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    let start = core::ptr::addr_of!(__stacks_start) as usize;
    let end = core::ptr::addr_of!(__stacks_end) as usize;
    (start..end).contains(&sp)
}

/// Masks IRQs on this core and returns whether they were unmasked before.
#[inline(always)]
pub fn irq_save() -> bool {
    let daif: u64;
    // SAFETY: reading DAIF and masking IRQs has no memory effects.
    unsafe { asm!("mrs {0}, daif", "msr daifset, #2", out(reg) daif, options(nostack)) };
    daif & (1 << 7) == 0
}

/// Restores the IRQ mask saved by [`irq_save`].
#[inline(always)]
pub fn irq_restore(were_enabled: bool) {
    if were_enabled {
        irq_enable();
    }
}

#[inline(always)]
pub fn irq_enable() {
    // SAFETY: unmasking IRQs; handlers are installed before the first call.
    unsafe { asm!("msr daifclr, #2", options(nostack)) };
}

/// Runs `f` with IRQs masked on this core.
pub fn without_irqs<R>(f: impl FnOnce() -> R) -> R {
    let saved = irq_save();
    let r = f();
    irq_restore(saved);
    r
}

/// Waits for an event: an SEV from another core, an exception return, a monitor clear, or a
/// pending interrupt.
#[inline(always)]
pub fn wfe() {
    aarch64_cpu::asm::wfe();
}

/// Waits for an interrupt. Only for cores that park for good: code that waits for an interrupt
/// and continues uses [`wfe`], which a pending interrupt also ends, because gem5 v24.0's O3
/// CPU in this configuration never leaves WFI when the generic timer's PPI arrives (measured:
/// the self-test's timer check hangs on O3 with WFI and passes with WFE; minor and atomic wake
/// from both).
#[inline(always)]
pub fn wfi() {
    aarch64_cpu::asm::wfi();
}

/// Signals an event to every core (wakes cores waiting in WFE).
#[inline(always)]
pub fn sev() {
    // SAFETY: `dsb` orders prior stores before the event; `sev` has no memory effects.
    unsafe { asm!("dsb ish", "sev", options(nostack)) };
}

/// Cleans and invalidates the data-cache line holding `addr` to the point of coherency, for data
/// shared with a core whose MMU (and so its caches) is still off.
#[inline(always)]
pub fn clean_dcache_line(addr: usize) {
    // SAFETY: cache maintenance by VA on a mapped address has no architectural side effects.
    unsafe { asm!("dc civac, {0}", "dsb sy", in(reg) addr, options(nostack)) };
}

/// Orders later loads after earlier ones (`dmb ld`): memory a pointer refers to is read only
/// after the Device-memory read that produced the pointer.
#[inline(always)]
pub fn load_barrier() {
    barrier::dmb(barrier::LD);
}

/// Reads `word` with `ldxr`, which also arms this core's exclusive monitor on its cache line: a
/// write to the line by another agent then clears the monitor, which ends a later [`wfe`]. No
/// `clrex` is needed after the wait: the next exclusive sequence re-arms the monitor.
#[inline(always)]
pub fn load_exclusive(word: &AtomicU64) -> u64 {
    let value: u64;
    // SAFETY: `ldxr` reads an aligned u64 the reference guarantees is valid; arming the monitor
    // has no other effect.
    unsafe {
        asm!("ldxr {v}, [{p}]", v = out(reg) value, p = in(reg) word.as_ptr(), options(nostack));
    }
    value
}

/// Sets this core's `TPIDR_EL0`, a software register the kernel uses for one thing only: the
/// address of this core's probe stamps, or 0 (`crate::probe`; `vectors.S` reads it too). EL0,
/// where the apps stamp, reads and writes it; a user could point the kernel's stamps elsewhere
/// in user memory, which only instrumented runs enable.
///
/// # Safety
/// `vectors.S` and `probe::stamp` write through a non-zero value: it must be 0 or the address
/// of this core's stamps, alive for as long as it stays set.
#[inline(always)]
pub unsafe fn set_core_word(value: u64) {
    TPIDR_EL0.set(value);
}

/// This core's `TPIDR_EL0` (see [`set_core_word`]).
#[inline(always)]
pub fn core_word() -> u64 {
    TPIDR_EL0.get()
}

/// ID_AA64ISAR0_EL1.Atomic: 0 without FEAT_LSE, 2 or more with it.
pub fn atomics_level() -> u64 {
    (ID_AA64ISAR0_EL1.get() >> 20) & 0xf
}
