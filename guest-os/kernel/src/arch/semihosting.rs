//! Arm semihosting, which QEMU serves with `-semihosting`: only the call that ends the run.

use core::arch::asm;

/// SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit: the emulator exits with `code`. Returns
/// only where semihosting is off.
pub fn exit(code: u64) {
    let block: [u64; 2] = [0x20026, code];
    // SAFETY: the semihosting call reads the two-word block and ends the emulator.
    unsafe {
        asm!("hlt #0xf000", inout("x0") 0x18u64 => _, in("x1") block.as_ptr(), options(nostack));
    }
}
