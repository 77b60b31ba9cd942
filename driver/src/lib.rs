//! The driver: builds guest images, runs gem5 and QEMU, parses their output, runs experiment
//! sweeps and draws figures. `main.rs` is only the command line; everything else is here so
//! that it can be tested.
//!
//! How a run flows: [`spec`] (what to run, names checked against `runconfig`) →
//! [`elf_patch`] (the block in a copy of the image) → [`sim`] (the simulator's backend: command
//! line, console, exit, stats) →
//! [`process`] (the child under a wall-clock limit) → [`console`] + [`stats`] (what came out)
//! → [`results`] (`result.json`, atomically). [`run`] ties these together for one run,
//! [`sweep`] runs many in parallel and resumably, and [`experiments`] say which runs make a
//! figure.

pub mod atomic_file;
pub mod cli;
pub mod cli_help;
pub mod console;
pub mod coro_sched;
pub mod device_hash;
pub mod doctor;
/// The hand-made ELF of the tests (shared with the integration tests, hence its place).
#[cfg(test)]
#[path = "../tests/support/elf_fixture.rs"]
mod elf_fixture;
pub mod elf_patch;
pub mod experiments;
pub mod figures;
pub mod gem5;
pub mod gem5_build;
pub mod guest_image;
pub mod loadgen;
pub mod point_job;
pub mod point_store;
pub mod process;
pub mod raw_samples;
pub mod requests;
pub mod results;
pub mod run;
pub mod run_error;
pub mod setup;
pub mod sim;
pub mod slurm;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod test_tier;
pub mod which;
pub mod workspace;
