//! The `svc` path: a synchronous trap per call. The user side traps with the number in x8 and
//! the arguments in x0..x5; `crate::syscall`'s handler runs [`table::execute`] on the saved
//! registers and returns the result in x0.

use super::table;

/// Calls `nr` with `args` by trapping into the kernel.
#[inline(always)]
pub fn call(nr: u64, args: [u64; 6]) -> u64 {
    crate::arch::svc::call6(nr, args)
}

/// The kernel's side of one trapped call: the call number and the six argument registers.
#[inline(always)]
pub fn handle(nr: u64, regs: &[u64]) -> u64 {
    let mut args = [0; 6];
    args.copy_from_slice(&regs[..6]);
    table::execute(nr, &args)
}
