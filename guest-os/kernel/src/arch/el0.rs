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
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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

/// Runs a core can have at once: the app's (entered at boot, never ending), and one that the
/// app asks for with a system call ([`run`] from user code: the self-test's EL0 checks).
const DEPTH: usize = 2;

// SAFETY: each core uses only its own entry (indexed by its core number), with no concurrency.
unsafe impl Sync for Session {}

/// Kernel memory: EL0 code cannot see the kernel's saved registers.
#[unsafe(link_section = ".kernel.bss")]
static SESSIONS: [[Session; DEPTH]; crate::MAX_CORES] = [const {
    [const {
        Session {
            context: UnsafeCell::new(KernelContext { regs: [0; 22] }),
            fault: UnsafeCell::new(None),
            active: AtomicBool::new(false),
        }
    }; DEPTH]
}; crate::MAX_CORES];
/// Runs active per core: the innermost is `SESSIONS[core][ACTIVE[core] - 1]`.
#[unsafe(link_section = ".kernel.bss")]
static ACTIVE: [AtomicUsize; crate::MAX_CORES] = [const { AtomicUsize::new(0) }; crate::MAX_CORES];

/// The innermost active run of this core, if any.
fn innermost(core: usize) -> Option<&'static Session> {
    let n = ACTIVE[core].load(Ordering::Relaxed);
    (n > 0).then(|| &SESSIONS[core][n - 1])
}

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
///
/// From user code (which already runs at EL0) this is a system call (`kernel_call`): the
/// kernel runs `entry` in a nested run on the user stack below the caller's, and writes how it
/// ended into user memory.
pub fn run(entry: extern "C" fn(u64) -> u64, arg: u64) -> Exit {
    if !crate::arch::cpu::on_kernel_stack() {
        return run_from_user(entry, arg);
    }
    run_here(entry, arg, user_stack_top(crate::arch::cpu::core_id()))
}

/// How a nested run ended, as the kernel writes it for user code: kind (0 returned, 1
/// faulted), then the value or ESR, FAR, ELR.
#[repr(C, align(64))]
struct ExitWords([u64; 4]);

fn run_from_user(entry: extern "C" fn(u64) -> u64, arg: u64) -> Exit {
    let mut out = ExitWords([0; 4]);
    crate::kernel_call::call_checked(
        crate::kernel_call::Op::RunAtEl0,
        entry as usize as u64,
        arg,
        out.0.as_mut_ptr() as u64,
    );
    // SAFETY: the kernel wrote the words during the call; read them as such.
    let w = unsafe { core::ptr::read_volatile(&out.0) };
    match w[0] {
        0 => Exit::Returned(w[1]),
        _ => Exit::Faulted(Fault {
            esr: w[1],
            far: w[2],
            elr: w[3],
        }),
    }
}

/// The nested run's kernel side: `entry` (in the text) with `arg`, on the user stack below
/// `caller_sp` (the caller's SP_EL0), the outcome written to `out` (checked user memory).
pub fn run_for_user(
    entry: u64,
    arg: u64,
    caller_sp: u64,
    out: u64,
) -> Result<(), crate::syscalls::table::Errno> {
    use crate::syscalls::table::Errno;
    let range = crate::syscalls::user::check(out, 32)?;
    let sp = (caller_sp & !15).checked_sub(256).ok_or(Errno::Fault)?;
    crate::syscalls::user::check(sp - 4096, 4096)?;
    if !crate::kernel_call::in_text(entry)
        || ACTIVE[crate::arch::cpu::core_id()].load(Ordering::Relaxed) >= DEPTH
    {
        return Err(Errno::Inval);
    }
    // SAFETY: an address in the text, checked above; EL0 runs it without privilege.
    let entry: extern "C" fn(u64) -> u64 =
        unsafe { core::mem::transmute::<usize, extern "C" fn(u64) -> u64>(entry as usize) };
    let words = match run_here(entry, arg, sp as usize) {
        Exit::Returned(v) => [0, v, 0, 0],
        Exit::Faulted(f) => [1, f.esr, f.far, f.elr],
    };
    // SAFETY: `range` is 32 bytes of user memory, checked above.
    unsafe { core::ptr::write_volatile(range.as_ptr().cast_mut().cast::<[u64; 4]>(), words) };
    Ok(())
}

fn run_here(entry: extern "C" fn(u64) -> u64, arg: u64, user_sp: usize) -> Exit {
    let core = crate::arch::cpu::core_id();
    let depth = ACTIVE[core].load(Ordering::Relaxed);
    assert!(
        depth < DEPTH,
        "el0::run on core {core}: {depth} runs active there already"
    );
    let session = &SESSIONS[core][depth];
    session.active.store(true, Ordering::Relaxed);
    ACTIVE[core].store(depth + 1, Ordering::Relaxed);
    // SAFETY: this core's session, not active until now; el0_enter saves the kernel context
    // there and returns only through el0_leave with it (the exit call or a fault).
    let value = unsafe {
        *session.fault.get() = None;
        el0_enter(entry as usize, arg, user_sp, session.context.get())
    };
    session.active.store(false, Ordering::Relaxed);
    ACTIVE[core].store(depth, Ordering::Relaxed);
    // SAFETY: written (if at all) by `end_with_fault` on this core before el0_leave.
    match unsafe { *session.fault.get() } {
        Some(fault) => Exit::Faulted(fault),
        None => Exit::Returned(value),
    }
}

/// Whether this core runs EL0 code started by [`run`] (so the exit call is valid).
pub fn session_active() -> bool {
    innermost(crate::arch::cpu::core_id()).is_some()
}

/// The exit call's kernel side: ends this core's run with `value`. Only with
/// [`session_active`], from the handler of a system call EL0 code made.
pub fn end_with_value(value: u64) -> ! {
    let session = innermost(crate::arch::cpu::core_id()).expect("EL0 exit with no run active");
    assert!(session.active.load(Ordering::Relaxed));
    // SAFETY: the session is active, so its context holds the caller of el0_enter, whose stack
    // lies above this handler's frames.
    unsafe { el0_leave(session.context.get(), value) }
}

/// A fault from EL0: ends this core's run with it, or stops the kernel when no run is active.
pub fn end_with_fault(fault: Fault) -> ! {
    let core = crate::arch::cpu::core_id();
    let Some(session) = innermost(core) else {
        panic!(
            "exception from EL0 on core {core} with no EL0 run active: ESR {:#x} (EC {:#x}) at \
             ELR {:#x}, FAR {:#x}",
            fault.esr,
            fault.class(),
            fault.elr,
            fault.far
        );
    };
    // SAFETY: this core's active session; `run` reads the fault after el0_leave returns to it.
    unsafe {
        *session.fault.get() = Some(fault);
        el0_leave(session.context.get(), 0)
    }
}
