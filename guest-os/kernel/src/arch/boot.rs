//! Boot: the assembly entry (`boot.S`), the EL3 set-up each core runs once, and the hand-over to
//! non-secure EL1 where the kernel runs.
//!
//! Why EL1: the kernel is measured as an operating system would run on real hardware. At EL1 the
//! GIC delivers group-1 non-secure interrupts as IRQs, acknowledged through `ICC_IAR1_EL1`, the
//! physical timer is `CNTP_*` (PPI 30), and exception entry and return are those of an EL1
//! kernel. Both simulators start at EL3, so EL3 does only what must be done from the secure
//! side (GIC security configuration, redistributor wake, trap and routing controls) and leaves.

use core::arch::{asm, global_asm};

use crate::{config, platform::Machine};

global_asm!(
    include_str!("boot.S"),
    MAX_CORES_ASM = const crate::MAX_CORES,
    STACK_SIZE_ASM = const crate::STACK_SIZE,
);

unsafe extern "C" {
    fn drop_to_el1(core: usize, sp: usize) -> !;
    static __stacks_start: u8;
}

/// SCR_EL3: NS (EL1/EL0 non-secure), RES1 bits 5:4, HCE (`hvc` allowed), RW (EL2 is AArch64).
/// IRQ and FIQ stay 0: interrupts are taken at EL1, not routed to EL3.
const SCR_EL3_VALUE: u64 = (1 << 0) | (0b11 << 4) | (1 << 8) | (1 << 10);
/// HCR_EL2.RW: EL1 is AArch64. Nothing else is trapped to EL2.
const HCR_EL2_VALUE: u64 = 1 << 31;
/// CPTR_EL2 with its RES1 bits and TFP = 0: FP/SIMD does not trap to EL2.
const CPTR_EL2_VALUE: u64 = 0x33ff;
/// CNTHCTL_EL2.EL1PCTEN | EL1PCEN: EL1 may read the counter and use the physical timer.
const CNTHCTL_EL2_VALUE: u64 = 0b11;
/// SCTLR_EL1 RES1 bits, MMU and caches off until `mmu::enable`.
const SCTLR_EL1_RESET: u64 = 0x30d0_0800;
/// CPACR_EL1.FPEN = 0b11: FP/SIMD usable at EL1 (Rust code on this target uses NEON).
const CPACR_EL1_VALUE: u64 = 0b11 << 20;

/// First Rust code of every core, at EL3 on its own stack, after core 0 cleared `.bss`.
#[unsafe(no_mangle)]
extern "C" fn el3_setup(core: usize) -> ! {
    let cfg = config::get();
    let machine = Machine::of(cfg.platform().unwrap_or(runconfig::Platform::Gem5));
    crate::gic::el3_enable_sysregs();
    if core == 0 {
        // The distributor and every redistributor are configured once, from the secure side:
        // all interrupts group 1 non-secure, every core's redistributor awake.
        crate::gic::el3_setup(machine, crate::MAX_CORES.min(cfg.cores.max(1) as usize));
    }
    // SAFETY: these writes configure the lower exception levels before any code runs there;
    // the values are the documented reset-safe ones above. MDCR_EL2.HPMN keeps all PMU event
    // counters visible to EL1 (the cycle counter is not affected by HPMN). With EL2
    // implemented, EL1 reads of MPIDR_EL1 and MIDR_EL1 return VMPIDR_EL2 and VPIDR_EL2, whose
    // reset values are unknown (gem5 leaves every core's VMPIDR the same; QEMU copies the real
    // ones): boot firmware copies the real registers, or every core would think it is core 0.
    unsafe {
        asm!(
            "mrs {tmp}, mpidr_el1",
            "msr vmpidr_el2, {tmp}",
            "mrs {tmp}, midr_el1",
            "msr vpidr_el2, {tmp}",
            "msr scr_el3, {scr}",
            "msr hcr_el2, {hcr}",
            "msr cptr_el2, {cptr}",
            "msr cnthctl_el2, {cnthctl}",
            "msr cntvoff_el2, xzr",
            "mrs {tmp}, pmcr_el0",
            "ubfx {tmp}, {tmp}, #11, #5",
            "msr mdcr_el2, {tmp}",
            "msr mdcr_el3, xzr",
            "msr sctlr_el1, {sctlr}",
            "msr cpacr_el1, {cpacr}",
            "isb",
            scr = in(reg) SCR_EL3_VALUE,
            hcr = in(reg) HCR_EL2_VALUE,
            cptr = in(reg) CPTR_EL2_VALUE,
            cnthctl = in(reg) CNTHCTL_EL2_VALUE,
            sctlr = in(reg) SCTLR_EL1_RESET,
            cpacr = in(reg) CPACR_EL1_VALUE,
            tmp = out(reg) _,
            options(nostack),
        );
    }
    // SAFETY: `drop_to_el1` erets to `el1_start` with the core's own stack (the same region
    // this code runs on; the EL3 frames on it are abandoned, never returned to).
    unsafe { drop_to_el1(core, stack_top(core)) }
}

/// Top of `core`'s boot stack (stacks grow down).
pub fn stack_top(core: usize) -> usize {
    let base = core::ptr::addr_of!(__stacks_start) as usize;
    base + (core + 1) * crate::STACK_SIZE
}
