//! Everything that is an aarch64 instruction or system register. The rest of the kernel calls
//! these small functions, so the hardware seam is one directory: no file outside `arch/` holds
//! inline assembly or touches a system register.
//!
//! The wrappers on hot paths (counter reads, probe stamps, device MMIO, WFE/SEV, the timer
//! writes of a preemptive switch, the `svc` trap) are `#[inline(always)]`, so moving them here
//! changed no instruction of the measured code. aarch64-cpu's register accessors are used where
//! they emit the same instructions; where they would not (a `daifset` immediate, an `isb` in the
//! same block as the access, a register the crate lacks such as the PMU's), a plain inline-asm
//! wrapper says why.

pub mod boot;
pub mod cpu;
pub mod el0;
pub mod exceptions;
// After `exceptions`: its global asm follows vectors.S in the image, where it always was.
pub mod coop;
pub mod held_state;
pub mod m5ops;
pub mod mmio;
pub mod mmu;
pub mod pmu;
pub mod semihosting;
pub mod svc;
pub mod timer;
