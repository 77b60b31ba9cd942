//! The guest apps. They use only the kernel's safe API.
#![no_std]
#![forbid(unsafe_code)]

use kernel::println;

/// Entry on every core of the run.
pub fn main(core: usize) -> ! {
    kernel::smp::mark_online();
    kernel::smp::barrier();
    if core == 0 {
        println!("cores online: {}", kernel::smp::cores());
        println!("{}", runconfig::DONE);
        kernel::m5::exit(0);
    }
    loop {
        kernel::arch::cpu::wfe();
    }
}
