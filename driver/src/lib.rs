//! The driver: builds guest images, runs gem5 and QEMU, parses their output, runs experiment
//! sweeps and draws figures. `main.rs` is only the command line; everything else is here so
//! that it can be tested.

pub mod figures;
pub mod stats;
pub mod summary;
