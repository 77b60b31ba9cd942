/*
 * EL1 exception vectors. The kernel installs one of three tables at boot (the run parameter
 * `irq_frame`, see runconfig::IrqFrame and `exceptions::install_vectors`):
 *
 * - `exception_vectors` (full): every exception saves the FULL context of the interrupted code
 *   on its stack (x0-x30, ELR, SPSR, FPCR, FPSR and q0-q31: Rust code here uses NEON
 *   registers, so a handler written in Rust may clobber any of them), calls a Rust handler with
 *   the frame, and restores from the frame the handler RETURNS. Returning a different frame is
 *   how the preemptive scheduler switches threads: each thread's context stays on its own stack.
 * - `exception_vectors_lean`: the same, except that an IRQ from EL1 saves only the registers
 *   the handler may clobber: the caller-saved integer registers (x0-x18, x29, x30), ELR and
 *   SPSR. The handler path does not touch FP/SIMD (the `lean-checked` table below is how the
 *   test tiers hold it to that) and, being AAPCS64 code, preserves x19-x28, so at its end those
 *   registers still hold the interrupted code's values. When the handler returns the frame it
 *   got, they are left alone; when it returns another frame (a preemptive switch), they are
 *   saved then into the frame being left and loaded from the frame being resumed. So a frame
 *   that is not running always holds its whole context, whichever table saved it. (Zephyr's
 *   arm64 port splits its IRQ frame the same way.)
 * - `exception_vectors_lean_checked`: the lean table, with FP/SIMD trapped at EL1
 *   (CPACR_EL1.FPEN = 0) from the integer save to the handler's return. An FP/SIMD instruction
 *   on the handler path then raises a synchronous exception; that entry turns FP/SIMD back on
 *   before it saves the full frame, and `exceptions::dispatch` panics with the ELR.
 *
 * Exceptions from EL0 (the lower-EL AArch64 entries, 0x400..) take the same paths: a
 * synchronous one (a system call, a fault) always the full one, an IRQ that of the table. SP_EL0
 * belongs to the interrupted context when it was at EL0: the full path saves it on entry from
 * EL0 and loads it when it returns to EL0; the lean IRQ path (whose handler, running on SP_EL1,
 * leaves SP_EL0 alone) saves and loads it only on a switch, like x19-x28. The kernel runs on
 * SP_EL1 only (EL1h), so SP_EL0 never holds kernel state.
 *
 * Frame layout (FRAME_SIZE = 800 bytes, the same for every table), matching `exceptions::Frame`:
 *   0   x0..x30 (31 × 8)      248 elr     256 spsr    264 sp_el0
 *   272 fpcr    280 fpsr      288 q0..q31 (32 × 16)
 */
.equ FRAME_SIZE, 800
.equ FRAME_SP_EL0, 264
.equ FRAME_FPCR, 272
.equ FRAME_Q, 288
/* CPACR_EL1.FPEN = 0b11: FP/SIMD does not trap (boot.rs sets the same value). */
.equ CPACR_FP_ON, (3 << 20)

.macro VENTRY target, kind
.balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       \target
.endm

/* A table of 16 entries: IRQs from EL1 with SP_EL1 (entry 5) and from EL0 (entry 9) go to `irq`
 * and `irq_lower`, synchronous exceptions from EL1 with SP_EL1 (entry 4) to `sync`, those from
 * EL0 (entry 8) to the full path that saves SP_EL0, everything else to the full path. */
.macro VECTOR_TABLE name, sync, irq, irq_lower
.balign 0x800
.global \name
\name:
    /* current EL with SP_EL0 */
    VENTRY  save_and_dispatch, 0
    VENTRY  save_and_dispatch, 1
    VENTRY  save_and_dispatch, 2
    VENTRY  save_and_dispatch, 3
    /* current EL with SP_ELx: the kernel's own exceptions */
    VENTRY  \sync, 4
    VENTRY  \irq, 5
    VENTRY  save_and_dispatch, 6
    VENTRY  save_and_dispatch, 7
    /* lower EL, AArch64: user code at EL0 */
    VENTRY  save_and_dispatch_lower, 8
    VENTRY  \irq_lower, 9
    VENTRY  save_and_dispatch, 10
    VENTRY  save_and_dispatch, 11
    /* lower EL, AArch32 */
    VENTRY  save_and_dispatch, 12
    VENTRY  save_and_dispatch, 13
    VENTRY  save_and_dispatch, 14
    VENTRY  save_and_dispatch, 15
.endm

/* Stage stamp (kernel::probe) at vector entry, with x0/x1 saved and x2/x3 free: PROBE_ON says
 * whether any core stamps (a plain load: an MRS would serialize gem5's O3 pipeline on every
 * exception), then TPIDR_EL0 points at this core's stamps, or is 0. */
.macro STAMP_ENTRY
    adrp    x2, PROBE_ON
    ldrb    w2, [x2, :lo12:PROBE_ON]
    cbz     w2, 1f
    mrs     x2, tpidr_el0
    cbz     x2, 1f
    isb
    mrs     x3, pmccntr_el0
    str     x3, [x2, #0]            /* probe::VECTOR_ENTRY_OFFSET */
1:
.endm

/* x2..x30, ELR and SPSR into the frame at sp (x0/x1 are saved by VENTRY); stamps on the way. */
.macro SAVE_INTEGER
    stp     x2, x3, [sp, #16]
    STAMP_ENTRY
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
.endm

/* FPCR, FPSR and q0..q31 into the frame at \frame; clobbers x1, x2. */
.macro SAVE_FP frame
    mrs     x1, fpcr
    mrs     x2, fpsr
    stp     x1, x2, [\frame, #FRAME_FPCR]
    add     x1, \frame, #FRAME_Q
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
.endm

/* q0..q31, FPCR and FPSR from the frame at \frame; clobbers x1, x2. */
.macro RESTORE_FP frame
    add     x1, \frame, #FRAME_Q
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
    ldp     x1, x2, [\frame, #FRAME_FPCR]
    msr     fpcr, x1
    msr     fpsr, x2
.endm

/* ELR, SPSR and x0..x30 from the frame at sp, stamp before the return, pop the frame, eret. */
.macro RESTORE_INTEGER_AND_ERET
    ldp     x30, x1, [sp, #240]
    ldr     x2, [sp, #256]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    /* Returning to EL0 (SPSR.M[3:0] = EL0t): the context's own SP_EL0. */
    tst     x2, #0xf
    b.ne    4f
    ldr     x3, [sp, #FRAME_SP_EL0]
    msr     sp_el0, x3
4:
    /* Stage stamp before the return (x0/x1 are restored next). */
    adrp    x0, PROBE_ON
    ldrb    w0, [x0, :lo12:PROBE_ON]
    cbz     w0, 2f
    mrs     x0, tpidr_el0
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
.endm

/* The lean IRQ path saves and restores only what the handler may clobber (AAPCS64): the
 * caller-saved x0-x18, x29 (frame pointer, saved for backtraces) and x30, and ELR/SPSR. The
 * handler preserves x19-x28, so like the FP/SIMD registers they still hold the interrupted
 * code's values when it returns; a switch saves them then into the frame being left and loads
 * them from the frame being resumed. */
.macro SAVE_CALLER_SAVED
    stp     x2, x3, [sp, #16]
    STAMP_ENTRY
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    str     x18, [sp, #144]
    str     x29, [sp, #232]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x30, x1, [sp, #240]
    str     x2, [sp, #256]
.endm

/* x19..x28 into / from the frame at \frame. */
.macro SAVE_CALLEE_SAVED frame
    str     x19, [\frame, #152]
    stp     x20, x21, [\frame, #160]
    stp     x22, x23, [\frame, #176]
    stp     x24, x25, [\frame, #192]
    stp     x26, x27, [\frame, #208]
    str     x28, [\frame, #224]
.endm

.macro RESTORE_CALLEE_SAVED frame
    ldr     x19, [\frame, #152]
    ldp     x20, x21, [\frame, #160]
    ldp     x22, x23, [\frame, #176]
    ldp     x24, x25, [\frame, #192]
    ldp     x26, x27, [\frame, #208]
    ldr     x28, [\frame, #224]
.endm

/* ELR, SPSR and the caller-saved registers from the frame at sp, stamp before the return, pop
 * the frame, eret. */
.macro RESTORE_CALLER_SAVED_AND_ERET
    ldp     x30, x1, [sp, #240]
    ldr     x2, [sp, #256]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    /* Stage stamp before the return (x0/x1 are restored next). */
    adrp    x0, PROBE_ON
    ldrb    w0, [x0, :lo12:PROBE_ON]
    cbz     w0, 2f
    mrs     x0, tpidr_el0
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
    ldr     x18, [sp, #144]
    ldr     x29, [sp, #232]
    add     sp, sp, #FRAME_SIZE
    eret
.endm

/* The lean IRQ entry; `checked` traps FP/SIMD while the handler runs. */
.macro LEAN_IRQ checked
    SAVE_CALLER_SAVED
.if \checked
    msr     cpacr_el1, xzr
    isb
.endif
    /* x0 = kind, x1 = frame; returns the frame to resume in x0 (sp is the entry frame still) */
    mov     x1, sp
    bl      handle_exception
.if \checked
    mov     x1, #CPACR_FP_ON
    msr     cpacr_el1, x1
    isb
.endif
    cmp     sp, x0
    b.eq    3f
    /* A switch: x19-x28, SP_EL0 and the FP/SIMD registers still hold the interrupted code's
     * state. (SP_EL0 is loaded whatever level the resumed frame is at: the kernel never uses
     * it, so for an EL1 frame the value does not matter.) */
    SAVE_CALLEE_SAVED sp
    mrs     x1, sp_el0
    str     x1, [sp, #FRAME_SP_EL0]
    SAVE_FP sp
    mov     sp, x0
    RESTORE_CALLEE_SAVED sp
    ldr     x1, [sp, #FRAME_SP_EL0]
    msr     sp_el0, x1
    RESTORE_FP sp
3:
    RESTORE_CALLER_SAVED_AND_ERET
.endm

.section .text.vectors, "ax"
VECTOR_TABLE exception_vectors, save_and_dispatch, save_and_dispatch, save_and_dispatch_lower
VECTOR_TABLE exception_vectors_lean, save_and_dispatch, lean_irq, lean_irq
VECTOR_TABLE exception_vectors_lean_checked, fp_on_save_and_dispatch, lean_irq_checked, lean_irq_checked

/* From EL0: the full save, with the interrupted context's SP_EL0 (x1 is free: VENTRY saved it). */
save_and_dispatch_lower:
    mrs     x1, sp_el0
    str     x1, [sp, #FRAME_SP_EL0]

save_and_dispatch:
    SAVE_INTEGER
    SAVE_FP sp
    /* x0 = kind, x1 = frame; returns the frame to resume in x0 */
    mov     x1, sp
    bl      handle_exception
    mov     sp, x0

.global restore_frame_and_eret
restore_frame_and_eret:
    RESTORE_FP sp
    RESTORE_INTEGER_AND_ERET

lean_irq:
    LEAN_IRQ 0

lean_irq_checked:
    LEAN_IRQ 1

/* The checked table's synchronous entry: FP/SIMD may be trapped (an FP/SIMD instruction on the
 * lean handler path is how it got here), so turn it back on before the full save. */
fp_on_save_and_dispatch:
    mov     x1, #CPACR_FP_ON
    msr     cpacr_el1, x1
    isb
    b       save_and_dispatch
