/*
 * Cooperative thread switch (kernel::thread::CoopThreads). A switch saves only what the AAPCS64
 * says a callee must preserve (x19-x30, sp, d8-d15): the caller of `coop_switch` already treats
 * every other register as clobbered. The saved block is COOP_FRAME_SIZE (160) bytes on the
 * thread's own stack; `coop::prepare_stack` writes the first one of a new thread.
 */
.section .text.coop_switch, "ax"
.balign 4
.global coop_switch
// coop_switch(save_sp: *mut usize /* x0 */, load_sp: usize /* x1 */)
coop_switch:
    sub     sp, sp, #160
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #160
    ret

// First switch into a new cooperative thread lands here: x19 = entry, x20 = argument.
coop_trampoline:
    mov     x0, x20
    blr     x19
    brk     #1
