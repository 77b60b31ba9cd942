//! A probe of the state an interrupt must preserve: [`hold_registers`] puts known values into
//! every FP/SIMD register, FPCR's rounding mode and the callee-saved x19–x28, spins, and counts
//! what changed. The self-test runs it in threads that the timer interrupt preempts, so the
//! exception path (full or lean, see `vectors.S`: the lean one saves the FP/SIMD registers and
//! x19–x28 only when it switches threads) is checked for what it must keep of the interrupted
//! code. One asm block from fill to check, so the compiler cannot use or spill the registers in
//! between: only an interrupt can change them.

use core::arch::asm;

/// Fills v0–v31 (lane 0 of v`i` = `seed + i`, lane 1 = its complement), x19–x28 (x`i` =
/// `seed + 100 + i`) and sets FPCR.RMode to `rounding_mode & 3`, spins `spins` loop iterations
/// (an interrupt may come at any of them), then returns how many of the 64 lanes, 10 registers
/// and the rounding mode no longer hold what was put there (0 when everything survived). FPCR
/// and x19 are restored to their values at the call; x20–x28 are declared clobbered.
pub fn hold_registers(seed: u64, rounding_mode: u64, spins: u64) -> u64 {
    let mismatches: u64;
    // SAFETY: writes only the registers declared as clobbered, FPCR and x19 (LLVM's, which
    // cannot be declared: saved below sp's 16-byte-aligned top and put back), and FPCR, which
    // it puts back; the only memory access is that stack slot.
    unsafe {
        asm!(
            "str x19, [sp, #-16]!",
            "mrs {saved}, fpcr",
            "bic {t}, {saved}, #(3 << 22)",
            "orr {t}, {t}, {rm}, lsl #22",
            "msr fpcr, {t}",
            ".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "add {t}, {seed}, #\\i",
            "mvn {u}, {t}",
            "fmov d\\i, {t}",
            "mov v\\i\\().d[1], {u}",
            ".endr",
            ".irp i, 19,20,21,22,23,24,25,26,27,28",
            "add x\\i, {seed}, #(100 + \\i)",
            ".endr",
            "2:",
            "subs {spins}, {spins}, #1",
            "b.hi 2b",
            "mov {n}, #0",
            ".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "add {t}, {seed}, #\\i",
            "fmov {u}, d\\i",
            "cmp {u}, {t}",
            "cinc {n}, {n}, ne",
            "mvn {t}, {t}",
            "mov {u}, v\\i\\().d[1]",
            "cmp {u}, {t}",
            "cinc {n}, {n}, ne",
            ".endr",
            ".irp i, 19,20,21,22,23,24,25,26,27,28",
            "add {t}, {seed}, #(100 + \\i)",
            "cmp x\\i, {t}",
            "cinc {n}, {n}, ne",
            ".endr",
            "mrs {u}, fpcr",
            "ubfx {u}, {u}, #22, #2",
            "cmp {u}, {rm}",
            "cinc {n}, {n}, ne",
            "msr fpcr, {saved}",
            "ldr x19, [sp], #16",
            seed = in(reg) seed,
            rm = in(reg) rounding_mode & 3,
            spins = inout(reg) spins.max(1) => _,
            saved = out(reg) _,
            t = out(reg) _,
            u = out(reg) _,
            n = out(reg) mismatches,
            out("x20") _, out("x21") _, out("x22") _, out("x23") _, out("x24") _, out("x25") _, out("x26") _, out("x27") _, out("x28") _,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _, out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _, out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _, out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _, out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _, out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
        );
    }
    mismatches
}
