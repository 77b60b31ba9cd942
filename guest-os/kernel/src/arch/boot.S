/*
 * Entry of every core, as gem5's bare-metal workload and QEMU virt (secure=on) start them:
 * all cores at once, at EL3, MMU and caches off, SP = 0.
 *
 * Core 0 clears .bss and .kernel_bss; the others wait on `BSS_READY` (in .data, so the
 * clearing cannot race with it). Each core then runs `el3_setup` in Rust on its own stack and drops to EL1.
 */
.section .text.boot, "ax"
.global _start
_start:
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff                 /* Aff0: core number within the cluster */
    cmp     x19, #{MAX_CORES_ASM}
    b.hs    park_forever

    /* sp = __stacks_start + (core + 1) * STACK_SIZE */
    ldr     x1, =__stacks_start
    add     x2, x19, #1
    mov     x3, #{STACK_SIZE_ASM}
    madd    x1, x2, x3, x1
    mov     sp, x1

    /* FP/SIMD must not trap: Rust code on this target uses NEON registers. */
    msr     cptr_el3, xzr
    isb

    cbnz    x19, wait_for_bss
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    5f
    stp     xzr, xzr, [x1], #16
    b       1b
    /* The kernel's own zeroed statics (`.kernel.bss`, EL1-only memory) */
5:  ldr     x1, =__kernel_bss_start
    ldr     x2, =__kernel_bss_end
6:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       6b
2:  ldr     x1, =BSS_READY
    mov     w2, #1
    str     w2, [x1]
    dsb     sy
    sev
    b       3f

wait_for_bss:
    ldr     x1, =BSS_READY
4:  wfe
    ldr     w2, [x1]
    cbz     w2, 4b

3:  mov     x0, x19
    bl      el3_setup                        /* never returns */

park_forever:
    wfi
    b       park_forever

/*
 * drop_to_el1(core: x0, sp: x1): continue at `el1_start` in non-secure EL1 with all exceptions
 * masked, on the given stack. EL3 and EL2 are configured by `el3_setup` before this.
 */
.global drop_to_el1
drop_to_el1:
    msr     sp_el1, x1
    adr     x2, el1_start
    msr     elr_el3, x2
    mov     x2, #0x3c5                       /* EL1h, D A I F masked */
    msr     spsr_el3, x2
    isb
    eret

el1_start:
    bl      kernel_main_el1                  /* x0 = core; never returns */
    b       park_forever

.section .data
.balign 8
.global BSS_READY
BSS_READY: .word 0
