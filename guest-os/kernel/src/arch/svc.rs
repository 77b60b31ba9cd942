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

/// Traps with `svc #0` for a call with up to six arguments: number in x8, arguments in
/// x0..x5, result in x0 (the kernel's handler changes no other register of the caller).
#[inline(always)]
pub fn call6(nr: u64, args: [u64; 6]) -> u64 {
    let ret: u64;
    // SAFETY: as for `call`: the vectors save and restore the full context; only x0 changes.
    unsafe {
        asm!(
            "svc #0",
            inout("x0") args[0] => ret,
            in("x1") args[1],
            in("x2") args[2],
            in("x3") args[3],
            in("x4") args[4],
            in("x5") args[5],
            in("x8") nr,
            options(nostack),
        )
    };
    ret
}
