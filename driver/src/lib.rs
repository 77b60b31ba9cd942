//! The driver: builds guest images, runs gem5 and QEMU, parses their output, runs experiment
//! sweeps and draws figures. `main.rs` is only the command line; everything else is here so
//! that it can be tested.
//!
//! How a run flows: [`spec`] (what to run, names checked against `runconfig`) →
//! [`elf_patch`] (the block in a copy of the image) → [`gem5`]/[`qemu`] (the command line) →
//! [`process`] (the child under a wall-clock limit) → [`console`] + [`stats`] (what came out)
//! → [`results`] (`result.json`, atomically). [`run`] ties these together for one run,
//! [`sweep`] runs many in parallel and resumably, and [`experiments`] say which runs make a
//! figure.

pub mod atomic_file;
pub mod cli;
pub mod console;
pub mod coro_sched;
pub mod doctor;
#[doc(hidden)]
pub mod elf_fixture;
pub mod elf_patch;
pub mod experiments;
pub mod figures;
pub mod gem5;
pub mod guest_image;
pub mod process;
pub mod qemu;
pub mod raw_samples;
pub mod results;
pub mod run;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod test_tier;
pub mod workspace;
