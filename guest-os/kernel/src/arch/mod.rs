//! Everything that is an aarch64 instruction or system register. The rest of the kernel calls
//! these small functions, so the hardware seam is one directory.

pub mod boot;
pub mod cpu;
pub mod exceptions;
pub mod pmu;
