//! A small bare-metal aarch64 kernel for gem5's `VExpress_GEM5_V2` and QEMU's `virt`: boot and
//! SMP, exceptions with full context save, GICv3, the generic timer, the PL011 console, identity
//! page tables with caches on, a heap, m5ops, stackful threads, and the glue that runs the
//! `executor` crate on each core.
//!
//! The guest binary (guest-apps) names its entry with [`entry!`]; the kernel calls it on every
//! core the run uses, after boot, with MMU, caches, GIC, timer and PMU ready.
#![no_std]

extern crate alloc;

pub mod arch;
pub mod config;
pub mod console;
pub mod coro_sched;
pub mod el0_check;
pub mod gic;
pub mod heap;
pub mod irq_cell;
pub mod kernel_call;
pub mod m5;
pub mod mmu;
pub mod nic;
mod panic;
pub mod platform;
pub mod probe;
pub mod quantum;
pub mod request_threads;
pub mod runtime;
pub mod smp;
pub mod syscall;
pub mod syscalls;
pub mod thread;
pub mod timer;
pub mod wake;

pub use arch::cpu::core_id;
pub use arch::pmu::cycles;

/// Cores the kernel supports (stacks are reserved for this many); the driver checks runs
/// against the same number.
pub const MAX_CORES: usize = runconfig::MAX_CORES;
/// Boot stack per core.
pub const STACK_SIZE: usize = 0x10000;

/// Names the app entry: `fn(core: usize) -> !`, run on every core of the run.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "Rust" fn __kernel_app_main(core: usize) -> ! {
            let f: fn(usize) -> ! = $main;
            f(core)
        }
    };
}
