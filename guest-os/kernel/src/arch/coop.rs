//! The cooperative switch (`coop_switch.S`): saves the callee-saved registers on the current
//! stack, stores the stack pointer, and resumes another stack's saved block.

use core::arch::global_asm;

global_asm!(include_str!("coop_switch.S"));

unsafe extern "C" {
    fn coop_switch(save_sp: *mut usize, load_sp: usize);
    fn coop_trampoline();
}

/// Bytes of the callee-saved block `coop_switch` pushes (`COOP_FRAME_SIZE` in the .S file).
const COOP_FRAME_SIZE: usize = 160;
/// Word slots of that block the first switch into a new thread uses.
const SLOT_X19: usize = 0;
const SLOT_X20: usize = 1;
const SLOT_X30: usize = 11;

/// Writes the block the first [`switch`] to a new thread pops, below `top` (16-byte aligned,
/// the top of the thread's stack), and returns the thread's saved stack pointer. That switch
/// calls `entry(arg)`, which must never return.
///
/// # Safety
/// The `COOP_FRAME_SIZE` bytes below `top` must be writable memory of the new stack.
pub unsafe fn prepare_stack(top: usize, entry: extern "C" fn(usize) -> !, arg: usize) -> usize {
    let sp = top - COOP_FRAME_SIZE;
    // SAFETY: the caller guarantees the block below `top` is the new stack's; these are the
    // slots `coop_switch` pops into x19, x20 and x30 (its return address: the trampoline).
    unsafe {
        let regs = sp as *mut usize;
        regs.add(SLOT_X19).write(entry as *const () as usize);
        regs.add(SLOT_X20).write(arg);
        regs.add(SLOT_X30)
            .write(coop_trampoline as *const () as usize);
    }
    sp
}

/// Saves the current thread's callee-saved context on its stack, stores its stack pointer in
/// `*save_sp`, and resumes the thread whose saved stack pointer is `load_sp`.
///
/// # Safety
/// `save_sp` must be valid for a write; `load_sp` must come from a previous switch or from
/// [`prepare_stack`], and that thread's stack must still be alive.
#[inline(always)]
pub unsafe fn switch(save_sp: *mut usize, load_sp: usize) {
    // SAFETY: the caller guarantees both stack pointers.
    unsafe { coop_switch(save_sp, load_sp) };
}
