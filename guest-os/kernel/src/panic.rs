//! A guest panic prints `@panic <message>` (the driver fails the run with it) and ends the run
//! with a failure status: `m5_fail` on gem5, a non-zero semihosting exit on QEMU.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::arch::cpu::irq_save();
    let core = crate::arch::cpu::core_id();
    crate::console::emergency_write(format_args!(
        "\n{}core {core}: {}\n",
        runconfig::PANIC_PREFIX,
        info
    ));
    crate::m5::exit(1)
}
