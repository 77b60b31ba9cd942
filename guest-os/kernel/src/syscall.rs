//! The synchronous system-call path (`svc`): the baseline the device's forwarded calls are
//! compared with. Number in x8, arguments in x0..x5, result in x0.

use crate::arch::exceptions::Frame;

/// Does nothing and returns 0: measures the bare trap.
pub const SYS_NULL: u64 = 0;

pub(crate) fn handle_svc(frame: &mut Frame, _imm: u16, frame_ptr: *mut Frame) -> *mut Frame {
    match frame.x[8] {
        SYS_NULL => frame.x[0] = 0,
        n => panic!("unknown system call {n} at ELR {:#x}", frame.elr),
    }
    frame_ptr
}

/// Calls system call `nr` with one argument from EL1 (the kernel traps to itself; the path is
/// the same exception entry and return an EL0 caller would take).
#[inline(always)]
pub fn call(nr: u64, arg: u64) -> u64 {
    let ret: u64;
    // SAFETY: `svc` traps to `handle_svc`, which preserves every register but x0.
    unsafe { core::arch::asm!("svc #0", inout("x0") arg => ret, in("x8") nr, options(nostack)) };
    ret
}
