//! The caller's side of a system call: the `svc` instruction. The handler's side is
//! `exceptions::dispatch`.

use core::arch::asm;

/// Traps with `svc #0`: number in x8, argument in x0, result in x0.
#[inline(always)]
pub fn call(nr: u64, arg: u64) -> u64 {
    let ret: u64;
    // SAFETY: `svc` enters the vectors, which save and restore the full context and return the
    // handler's x0; the kernel's handler changes no other register of the caller.
    unsafe { asm!("svc #0", inout("x0") arg => ret, in("x8") nr, options(nostack)) };
    ret
}
