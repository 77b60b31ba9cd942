//! EL0: what user code may use there, and running a function at EL0 until it returns.
//!
//! [`enable_user_access`] opens to EL0 exactly what the apps' runtime reads without a system
//! call: the generic counter (`CNTPCT_EL0`/`CNTVCT_EL0`, `CNTFRQ_EL0`) and the physical timer
//! (`CNTP_*_EL0`), the PMU cycle counter (`PMCCNTR_EL0`, the probes' clock), WFE/WFI (the idle
//! wait) and `CTR_EL0`, and the interrupt mask (`DAIF`): E3's probe masks IRQs around each
//! stamp, and the thread set's stop request takes its IRQ-masking cell, both from the threads
//! themselves, which may run at EL0. It also publishes the core's number in `TPIDRRO_EL0`, readable at EL0
//! where `MPIDR_EL1` is not.
//!
//! [`run`] enters EL0 at a function and comes back when it returns (through the exit call,
//! `syscall::SYS_EL0_EXIT`) or faults: a system call from EL0 is a real privilege crossing, and
//! a fault ends the run with what happened instead of stopping the kernel.

use core::arch::{asm, global_asm};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

global_asm!(
    include_str!("el0.S"),
    SYS_EL0_EXIT = const crate::syscall::SYS_EL0_EXIT,
);

/// CNTKCTL_EL1: EL0PCTEN (0) and EL0VCTEN (1), the counters; EL0PTEN (9), the physical timer.
const CNTKCTL_EL0_ACCESS: u64 = (1 << 0) | (1 << 1) | (1 << 9);
/// PMUSERENR_EL0: EN (0), PMU access; CR (2), cycle-counter reads.
const PMUSERENR_EL0_ACCESS: u64 = (1 << 0) | (1 << 2);
/// SCTLR_EL1: UMA (9), DAIF access; UCT (15), CTR_EL0 reads; nTWI (16) and nTWE (18), WFI and
/// WFE do not trap.
const SCTLR_EL1_EL0_BITS: u64 = (1 << 9) | (1 << 15) | (1 << 16) | (1 << 18);

/// Every core, at EL1: opens the registers above to EL0.
pub fn enable_user_access(core: usize) {
    // SAFETY: configuration of this core's EL0 access controls; no memory effects.
    unsafe {
        asm!(
            "msr cntkctl_el1, {cntk}",
            "msr pmuserenr_el0, {pmu}",
            "mrs {t}, sctlr_el1",
            "orr {t}, {t}, {sctlr}",
            "msr sctlr_el1, {t}",
            "msr tpidrro_el0, {core}",
            "isb",
            cntk = in(reg) CNTKCTL_EL0_ACCESS,
            pmu = in(reg) PMUSERENR_EL0_ACCESS,
            sctlr = in(reg) SCTLR_EL1_EL0_BITS,
            core = in(reg) core as u64,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// The core's number as EL0 can read it (`TPIDRRO_EL0`, set by [`enable_user_access`]).
#[inline(always)]
pub fn core_id_el0() -> usize {
    let c: u64;
    // SAFETY: reading a read-only (at EL0) register.
    unsafe { asm!("mrs {0}, tpidrro_el0", out(reg) c, options(nomem, nostack)) };
    c as usize
}

/// A synchronous exception EL0 code took (other than a system call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub esr: u64,
    /// The faulting address for an abort, else 0.
    pub far: u64,
    pub elr: u64,
}

impl Fault {
    /// The exception class (ESR_EL1.EC).
    pub fn class(&self) -> u64 {
        self.esr >> 26
    }
}

/// How a [`run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The function returned this value.
    Returned(u64),
    Faulted(Fault),
}

/// The kernel caller's context while its core runs EL0 code (layout in el0.S).
#[repr(C, align(16))]
struct KernelContext {
    regs: [u64; 22],
}
const _: () = assert!(core::mem::size_of::<KernelContext>() == 176);

/// One run's state on one core: touched only by that core.
struct Session {
    context: UnsafeCell<KernelContext>,
    fault: UnsafeCell<Option<Fault>>,
    active: AtomicBool,
}

// SAFETY: each core uses only its own entry (indexed by its core number), with no concurrency.
unsafe impl Sync for Session {}

/// Kernel memory: EL0 code cannot see the kernel's saved registers.
#[unsafe(link_section = ".kernel.bss")]
static SESSIONS: [Session; crate::MAX_CORES] = [const {
    Session {
        context: UnsafeCell::new(KernelContext { regs: [0; 22] }),
        fault: UnsafeCell::new(None),
        active: AtomicBool::new(false),
    }
}; crate::MAX_CORES];

unsafe extern "C" {
    fn el0_enter(entry: usize, arg: u64, user_sp: usize, save: *mut KernelContext) -> u64;
    fn el0_leave(save: *mut KernelContext, result: u64) -> !;
    static __user_stacks_start: u8;
    static __user_stacks_end: u8;
}

/// Top of `core`'s EL0 stack (`.user_stacks` in link.ld, user memory).
pub fn user_stack_top(core: usize) -> usize {
    let start = core::ptr::addr_of!(__user_stacks_start) as usize;
    let end = core::ptr::addr_of!(__user_stacks_end) as usize;
    let size = (end - start) / crate::MAX_CORES;
    start + (core + 1) * size
}

/// Runs `entry(arg)` at EL0 on this core's user stack, with interrupts unmasked, until it
/// returns or faults. Interrupts that arrive meanwhile are taken through the lower-EL vectors
/// and return to EL0. Not reentrant: EL0 code cannot start another run.
pub fn run(entry: extern "C" fn(u64) -> u64, arg: u64) -> Exit {
    let core = crate::arch::cpu::core_id();
    let session = &SESSIONS[core];
    assert!(
        !session.active.swap(true, Ordering::Relaxed),
        "el0::run on core {core} while a run is active there"
    );
    // SAFETY: this core's session, not active until now; el0_enter saves the kernel context
    // there and returns only through el0_leave with it (the exit call or a fault).
    let value = unsafe {
        *session.fault.get() = None;
        el0_enter(
            entry as usize,
            arg,
            user_stack_top(core),
            session.context.get(),
        )
    };
    session.active.store(false, Ordering::Relaxed);
    // SAFETY: written (if at all) by `end_with_fault` on this core before el0_leave.
    match unsafe { *session.fault.get() } {
        Some(fault) => Exit::Faulted(fault),
        None => Exit::Returned(value),
    }
}

/// Whether this core runs EL0 code started by [`run`] (so the exit call is valid).
pub fn session_active() -> bool {
    SESSIONS[crate::arch::cpu::core_id()]
        .active
        .load(Ordering::Relaxed)
}

/// The exit call's kernel side: ends this core's run with `value`. Only with
/// [`session_active`], from the handler of a system call EL0 code made.
pub fn end_with_value(value: u64) -> ! {
    let session = &SESSIONS[crate::arch::cpu::core_id()];
    assert!(session.active.load(Ordering::Relaxed));
    // SAFETY: the session is active, so its context holds the caller of el0_enter, whose stack
    // lies above this handler's frames.
    unsafe { el0_leave(session.context.get(), value) }
}

/// A fault from EL0: ends this core's run with it, or stops the kernel when no run is active.
pub fn end_with_fault(fault: Fault) -> ! {
    let core = crate::arch::cpu::core_id();
    let session = &SESSIONS[core];
    if !session.active.load(Ordering::Relaxed) {
        panic!(
            "exception from EL0 on core {core} with no EL0 run active: ESR {:#x} (EC {:#x}) at \
             ELR {:#x}, FAR {:#x}",
            fault.esr,
            fault.class(),
            fault.elr,
            fault.far
        );
    }
    // SAFETY: this core's active session; `run` reads the fault after el0_leave returns to it.
    unsafe {
        *session.fault.get() = Some(fault);
        el0_leave(session.context.get(), 0)
    }
}
