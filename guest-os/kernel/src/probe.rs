//! Stage stamps: where the cycles of one wake go.
//!
//! A wake passes a fixed sequence of points ([`Stage`]): on the `irq` path the exception
//! vector, the handler, the GIC acknowledge, the read of the device's pending bits, the
//! executor wake, the EOI and the exception return; then, on an idle core, the end of the idle
//! wait; on `hwq`/`ring`, the ready source handing over the task; and last the task's first
//! instruction after its `.await`. With stamps on, each point writes the cycle counter into
//! this core's [`Stamps`]; the woken task collects and clears them ([`take`]), so the gaps
//! between consecutive stamps are the cost of each stage of that one wake.
//!
//! Stamps are off unless a run asks for them: each point then costs one load of [`PROBE_ON`]
//! and a branch. Not a system-register read: gem5 marks every MRS serialize-before, so on O3
//! each would drain the pipeline, and the off-switch of a probe would cost the unstamped runs
//! tens of cycles per point (the `hwq`/`ring` ready-source check is in every executor step).
//! On, each point costs a `TPIDR_EL0` read, an `isb` and a counter read as well ([`calibrate`]
//! measures that), so a stamped run is slower than an unstamped one by the number of stamps
//! times that cost; the wake experiment reports both.
//!
//! The exception vector (`vectors.S`) stamps [`Stage::VectorEntry`] and [`Stage::VectorExit`]
//! itself: `PROBE_ON`, then `TPIDR_EL0`, which holds the address of this core's [`Stamps`]
//! while its stamps are on (0 otherwise); the offsets there must match [`VECTOR_ENTRY_OFFSET`]
//! and [`VECTOR_EXIT_OFFSET`].

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use runconfig::stages::{STAGES, Stage};

/// Byte offsets of the stamps vectors.S writes.
pub const VECTOR_ENTRY_OFFSET: usize = Stage::VectorEntry as usize * 8;
pub const VECTOR_EXIT_OFFSET: usize = Stage::VectorExit as usize * 8;
const _: () = assert!(VECTOR_ENTRY_OFFSET == 0 && VECTOR_EXIT_OFFSET == 48);

/// One core's stamps (0 = not reached since the last [`take`]); a cache line of its own.
#[repr(C, align(128))]
pub struct Stamps([AtomicU64; 16]);

static STAMPS: [Stamps; crate::MAX_CORES] =
    [const { Stamps([const { AtomicU64::new(0) }; 16]) }; crate::MAX_CORES];

/// Whether any core stamps; vectors.S reads it by name.
#[unsafe(no_mangle)]
pub static PROBE_ON: AtomicBool = AtomicBool::new(false);

/// Turns stamps on or off: on the calling core, and the global switch with it (runs stamp on
/// one core).
pub fn set_enabled(on: bool) {
    set_core_stamps(on);
    PROBE_ON.store(on, Ordering::Relaxed);
}

/// Points this core's `TPIDR_EL0` at its stamps (`on`) or at nothing (0). Every core's boot
/// clears it: its reset value is UNKNOWN.
pub fn set_core_stamps(on: bool) {
    let base = if on {
        STAMPS[crate::arch::cpu::core_id()].0.as_ptr() as u64
    } else {
        0
    };
    // SAFETY: 0, or this core's `Stamps`, which live for the whole run and have an entry for
    // every stage: what vectors.S and `stamp` take a non-zero TPIDR_EL0 for.
    unsafe { crate::arch::cpu::set_core_word(base) };
}

#[inline(always)]
fn stamps_base() -> *const AtomicU64 {
    crate::arch::cpu::core_word() as *const AtomicU64
}

/// Records that this core reached `stage` now, if stamps are on.
#[inline(always)]
pub fn stamp(stage: Stage) {
    if !PROBE_ON.load(Ordering::Relaxed) {
        return;
    }
    let base = stamps_base();
    if !base.is_null() {
        let now = crate::arch::pmu::cycles();
        // SAFETY: a non-zero TPIDR_EL0 points at this core's `Stamps` (see `set_enabled`),
        // which has an entry for every stage.
        unsafe { (*base.add(stage as usize)).store(now, Ordering::Relaxed) };
    }
}

/// This core's stamps since the last call, indexed by [`Stage`]; clears them.
pub fn take() -> [u64; STAGES] {
    let stamps = &STAMPS[crate::arch::cpu::core_id()].0;
    core::array::from_fn(|i| stamps[i].swap(0, Ordering::Relaxed))
}

/// The cycles one stamp adds: two stamps back to back, minimum of a few tries (the first ones
/// warm the caches). Needs stamps on.
pub fn calibrate() -> u64 {
    (0..8)
        .map(|_| {
            take();
            stamp(Stage::HandlerEntry);
            stamp(Stage::GicAcked);
            let s = take();
            s[Stage::GicAcked as usize].wrapping_sub(s[Stage::HandlerEntry as usize])
        })
        .min()
        .unwrap_or(0)
}
