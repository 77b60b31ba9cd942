//! The PMU cycle counter: the clock of every cycle measurement the apps make. gem5 needs a PMU
//! in its config (`configs/baremetal.py` adds one per core).

use core::arch::asm;

/// Starts the cycle counter on this core (PMCR_EL0.E and .C, PMCNTENSET_EL0.C, counting at EL1).
pub fn enable_cycle_counter() {
    // SAFETY: PMU configuration registers of this core; no memory effects.
    unsafe {
        asm!(
            "msr pmccfiltr_el0, xzr",
            "mrs {t}, pmcr_el0",
            "orr {t}, {t}, #1",
            "orr {t}, {t}, #4",
            "msr pmcr_el0, {t}",
            "mov {t}, #0x80000000",
            "msr pmcntenset_el0, {t}",
            "isb",
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// Reads the cycle counter. The `isb` keeps it from being read early (or late) by an
/// out-of-order core, so two reads bracket exactly the code between them.
#[inline(always)]
pub fn cycles() -> u64 {
    let c: u64;
    // SAFETY: reading a counter register.
    unsafe { asm!("isb", "mrs {0}, pmccntr_el0", out(reg) c, options(nostack)) };
    c
}
