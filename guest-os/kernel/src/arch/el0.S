/*
 * Entering EL0 from the kernel and coming back (see el0.rs).
 *
 * Save area layout (EL0_SAVE_SIZE = 176 bytes, `el0::KernelContext`):
 *   0 x19..x30 (12 × 8)     96 d8..d15 (8 × 8)     160 sp     168 daif
 */

/* el0_enter(entry: x0, arg: x1, user_sp: x2, save: x3) -> x0: saves the kernel caller's
 * callee-saved registers, stack pointer and interrupt mask at `save`, then erets to `entry` at
 * EL0t with interrupts unmasked, `arg` in x0, SP_EL0 = `user_sp` and x30 = `el0_return`.
 * Returns (through `el0_leave`) when the EL0 code exits or faults. */
.section .text.el0, "ax"
.global el0_enter
el0_enter:
    stp     x19, x20, [x3, #0]
    stp     x21, x22, [x3, #16]
    stp     x23, x24, [x3, #32]
    stp     x25, x26, [x3, #48]
    stp     x27, x28, [x3, #64]
    stp     x29, x30, [x3, #80]
    stp     d8, d9, [x3, #96]
    stp     d10, d11, [x3, #112]
    stp     d12, d13, [x3, #128]
    stp     d14, d15, [x3, #144]
    mov     x4, sp
    mrs     x5, daif
    stp     x4, x5, [x3, #160]
    /* An exception taken from here to the eret would overwrite ELR_EL1 and SPSR_EL1. */
    msr     daifset, #0xf
    msr     sp_el0, x2
    msr     elr_el1, x0
    msr     spsr_el1, xzr                    /* EL0t, D A I F unmasked */
    mov     x0, x1
    adr     x30, el0_return
    /* No kernel values for EL0: the save area's address and the kernel's registers. */
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    mov     x4, xzr
    mov     x5, xzr
    mov     x29, xzr
    isb
    eret

/* Runs at EL0: the entry function returned its result in x0; exit through the kernel. */
el0_return:
    mov     x8, #{SYS_EL0_EXIT}
    svc     #0
1:  b       1b                               /* the exit call never returns */

/* el0_leave(save: x0, result: x1) -> !: from the kernel's exception handler, back to the
 * caller of el0_enter with `result`; the exception's frame on the kernel stack (below the
 * saved sp) is abandoned. */
.global el0_leave
el0_leave:
    ldp     x19, x20, [x0, #0]
    ldp     x21, x22, [x0, #16]
    ldp     x23, x24, [x0, #32]
    ldp     x25, x26, [x0, #48]
    ldp     x27, x28, [x0, #64]
    ldp     x29, x30, [x0, #80]
    ldp     d8, d9, [x0, #96]
    ldp     d10, d11, [x0, #112]
    ldp     d12, d13, [x0, #128]
    ldp     d14, d15, [x0, #144]
    ldp     x4, x5, [x0, #160]
    mov     sp, x4
    mov     x0, x1
    msr     daif, x5
    ret
