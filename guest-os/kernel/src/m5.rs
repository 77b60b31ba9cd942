//! gem5 pseudo-instructions (m5ops) and the QEMU equivalents for ending a run.
//!
//! The m5op encoding `0xff000110 | func << 16` is UNDEFINED on real hardware and on QEMU, so
//! every call checks the platform first; on QEMU the stats calls do nothing and exit uses
//! semihosting.

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

static ON_GEM5: AtomicBool = AtomicBool::new(true);

pub fn set_platform(platform: runconfig::Platform) {
    ON_GEM5.store(platform == runconfig::Platform::Gem5, Ordering::Relaxed);
}

#[inline(always)]
fn on_gem5() -> bool {
    ON_GEM5.load(Ordering::Relaxed)
}

macro_rules! m5op {
    ($func:literal, $a0:expr, $a1:expr) => {
        // SAFETY: an m5 pseudo-instruction; gem5 reads x0/x1 and writes x0, nothing else.
        unsafe {
            asm!(concat!(".inst 0xff000110 | (", $func, " << 16)"),
                 inout("x0") $a0 => _, in("x1") $a1, options(nostack))
        }
    };
}

/// Resets gem5's statistics now.
pub fn reset_stats() {
    if on_gem5() {
        m5op!("0x40", 0u64, 0u64)
    }
}

/// Dumps gem5's statistics now (one more block in stats.txt).
pub fn dump_stats() {
    if on_gem5() {
        m5op!("0x41", 0u64, 0u64)
    }
}

/// Dumps, then resets, gem5's statistics.
pub fn dump_reset_stats() {
    if on_gem5() {
        m5op!("0x42", 0u64, 0u64)
    }
}

/// Marks the start of measured work item `id` on `thread` (shows in gem5's work-item stats).
pub fn work_begin(id: u64, thread: u64) {
    if on_gem5() {
        m5op!("0x5a", id, thread)
    }
}

pub fn work_end(id: u64, thread: u64) {
    if on_gem5() {
        m5op!("0x5b", id, thread)
    }
}

/// Ends the run with `code` (0 = success).
pub fn exit(code: u64) -> ! {
    if on_gem5() {
        if code == 0 {
            m5op!("0x21", 0u64, 0u64);
        } else {
            m5op!("0x22", 0u64, code);
        }
    } else {
        semihosting_exit(code);
    }
    loop {
        crate::arch::cpu::wfi();
    }
}

/// SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit: QEMU (`-semihosting`) exits with `code`.
fn semihosting_exit(code: u64) {
    let block: [u64; 2] = [0x20026, code];
    // SAFETY: the semihosting call reads the two-word block and ends the emulator.
    unsafe {
        asm!("hlt #0xf000", inout("x0") 0x18u64 => _, in("x1") block.as_ptr(), options(nostack));
    }
}
