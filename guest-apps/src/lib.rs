//! The guest apps. Each runs on every core of the run (`main` is called on each) and prints
//! its results as `@result` lines. They use only the kernel's safe API.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod ctxswitch;
mod samples;
mod selftest;
mod services;
mod syscall_bench;
mod wake;
mod watchdog;

use runconfig::App;

/// Entry on every core of the run; the run config picks the app.
pub fn main(core: usize) -> ! {
    let cfg = kernel::config::get();
    match cfg.app() {
        Some(App::SelfTest) => selftest::run(core, &cfg),
        Some(App::ContextSwitch) => ctxswitch::run(core, &cfg),
        Some(App::Wake) => wake::run(core, &cfg),
        Some(App::Service) => services::run(core, &cfg),
        Some(App::Syscall) => syscall_bench::run(core, &cfg),
        None => panic!("unknown app index {} in the run config", cfg.app),
    }
    finish(core)
}

/// Core 0 ends the run once every core's app code returned; the others idle.
fn finish(core: usize) -> ! {
    kernel::smp::barrier();
    if core == 0 {
        kernel::println!("{}", runconfig::DONE);
        kernel::m5::exit(0);
    }
    loop {
        kernel::arch::cpu::wfi();
    }
}
