/*
 * EL1 exception vectors. Every exception saves the FULL context of the interrupted code on its
 * stack (x0-x30, ELR, SPSR, FPCR, FPSR and q0-q31: Rust code here uses NEON registers, so a
 * handler written in Rust may clobber any of them), calls a Rust handler with the frame, and
 * restores from the frame the handler RETURNS. Returning a different frame is how the
 * preemptive scheduler switches threads: each thread's context stays on its own stack.
 *
 * Frame layout (FRAME_SIZE = 800 bytes), matching `exceptions::Frame`:
 *   0   x0..x30 (31 × 8)      248 elr     256 spsr    264 (pad)
 *   272 fpcr    280 fpsr      288 q0..q31 (32 × 16)
 */
.equ FRAME_SIZE, 800

.macro VENTRY kind
.balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_and_dispatch
.endm

.section .text.vectors, "ax"
.balign 0x800
.global exception_vectors
exception_vectors:
    /* current EL with SP_EL0 */
    VENTRY 0
    VENTRY 1
    VENTRY 2
    VENTRY 3
    /* current EL with SP_ELx: the kernel's own exceptions */
    VENTRY 4
    VENTRY 5
    VENTRY 6
    VENTRY 7
    /* lower EL, AArch64 */
    VENTRY 8
    VENTRY 9
    VENTRY 10
    VENTRY 11
    /* lower EL, AArch32 */
    VENTRY 12
    VENTRY 13
    VENTRY 14
    VENTRY 15

save_and_dispatch:
    stp     x2, x3, [sp, #16]
    /* Stage stamp (kernel::probe): PROBE_ON says whether any core stamps (a plain load: an MRS
     * would serialize gem5's O3 pipeline on every exception), then TPIDR_EL1 points at this
     * core's stamps, or is 0. */
    adrp    x2, PROBE_ON
    ldrb    w2, [x2, :lo12:PROBE_ON]
    cbz     w2, 1f
    mrs     x2, tpidr_el1
    cbz     x2, 1f
    isb
    mrs     x3, pmccntr_el0
    str     x3, [x2, #0]            /* probe::VECTOR_ENTRY_OFFSET */
1:
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x30, x1, [sp, #240]
    str     x2, [sp, #256]
    mrs     x1, fpcr
    mrs     x2, fpsr
    stp     x1, x2, [sp, #272]
    add     x1, sp, #288
    stp     q0, q1, [x1, #0]
    stp     q2, q3, [x1, #32]
    stp     q4, q5, [x1, #64]
    stp     q6, q7, [x1, #96]
    stp     q8, q9, [x1, #128]
    stp     q10, q11, [x1, #160]
    stp     q12, q13, [x1, #192]
    stp     q14, q15, [x1, #224]
    stp     q16, q17, [x1, #256]
    stp     q18, q19, [x1, #288]
    stp     q20, q21, [x1, #320]
    stp     q22, q23, [x1, #352]
    stp     q24, q25, [x1, #384]
    stp     q26, q27, [x1, #416]
    stp     q28, q29, [x1, #448]
    stp     q30, q31, [x1, #480]

    /* x0 = kind, x1 = frame; returns the frame to resume in x0 */
    mov     x1, sp
    bl      handle_exception
    mov     sp, x0

.global restore_frame_and_eret
restore_frame_and_eret:
    add     x1, sp, #288
    ldp     q0, q1, [x1, #0]
    ldp     q2, q3, [x1, #32]
    ldp     q4, q5, [x1, #64]
    ldp     q6, q7, [x1, #96]
    ldp     q8, q9, [x1, #128]
    ldp     q10, q11, [x1, #160]
    ldp     q12, q13, [x1, #192]
    ldp     q14, q15, [x1, #224]
    ldp     q16, q17, [x1, #256]
    ldp     q18, q19, [x1, #288]
    ldp     q20, q21, [x1, #320]
    ldp     q22, q23, [x1, #352]
    ldp     q24, q25, [x1, #384]
    ldp     q26, q27, [x1, #416]
    ldp     q28, q29, [x1, #448]
    ldp     q30, q31, [x1, #480]
    ldp     x1, x2, [sp, #272]
    msr     fpcr, x1
    msr     fpsr, x2
    ldp     x30, x1, [sp, #240]
    ldr     x2, [sp, #256]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    /* Stage stamp before the return (x0/x1 are restored next). */
    adrp    x0, PROBE_ON
    ldrb    w0, [x0, :lo12:PROBE_ON]
    cbz     w0, 2f
    mrs     x0, tpidr_el1
    cbz     x0, 2f
    isb
    mrs     x1, pmccntr_el0
    str     x1, [x0, #48]           /* probe::VECTOR_EXIT_OFFSET */
2:
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME_SIZE
    eret
