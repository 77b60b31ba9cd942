//! gem5 pseudo-instructions (m5ops) and the QEMU equivalents for ending a run.
//!
//! The m5op encoding is UNDEFINED on real hardware and on QEMU, so every call checks the
//! platform first; on QEMU the stats calls do nothing and exit uses semihosting.

use core::sync::atomic::{AtomicBool, Ordering};

static ON_GEM5: AtomicBool = AtomicBool::new(true);

pub fn set_platform(platform: runconfig::Platform) {
    ON_GEM5.store(platform == runconfig::Platform::Gem5, Ordering::Relaxed);
}

#[inline(always)]
fn on_gem5() -> bool {
    ON_GEM5.load(Ordering::Relaxed)
}

use crate::arch::m5ops;

/// Resets gem5's statistics now.
pub fn reset_stats() {
    if on_gem5() {
        m5ops::reset_stats()
    }
}

/// Dumps gem5's statistics now (one more block in stats.txt).
pub fn dump_stats() {
    if on_gem5() {
        m5ops::dump_stats()
    }
}

/// Dumps, then resets, gem5's statistics.
pub fn dump_reset_stats() {
    if on_gem5() {
        m5ops::dump_reset_stats()
    }
}

/// Marks the start of measured work item `id` on `thread` (shows in gem5's work-item stats).
pub fn work_begin(id: u64, thread: u64) {
    if on_gem5() {
        m5ops::work_begin(id, thread)
    }
}

pub fn work_end(id: u64, thread: u64) {
    if on_gem5() {
        m5ops::work_end(id, thread)
    }
}

/// Ends the run with `code` (0 = success).
pub fn exit(code: u64) -> ! {
    if on_gem5() {
        if code == 0 {
            m5ops::exit();
        } else {
            m5ops::fail(code);
        }
    } else {
        crate::arch::semihosting::exit(code);
    }
    loop {
        crate::arch::cpu::wfi();
    }
}
