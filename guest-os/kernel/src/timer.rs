//! The EL1 physical generic timer (`CNTP_*`, PPI 30): one per core. Its interrupt goes to a
//! per-core hook, so the executor (deadline wake) and the preemptive thread scheduler (quantum)
//! can each own it while they run.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use arm_gic::Trigger;

use crate::arch::exceptions::{Frame, IrqHandler, set_irq_handler};

/// Timer interrupts taken per core.
pub static FIRED: [AtomicU64; crate::MAX_CORES] = [const { AtomicU64::new(0) }; crate::MAX_CORES];
/// Kernel memory: set through `kernel_call` from user code.
#[unsafe(link_section = ".kernel.bss")]
static HOOKS: [AtomicUsize; crate::MAX_CORES] = [const { AtomicUsize::new(0) }; crate::MAX_CORES];

const INTID: u32 = 16 + crate::platform::TIMER_PPI;

/// Counter frequency in Hz (gem5: 25,165,824; QEMU: 1 GHz on 7.2).
pub fn frequency() -> u64 {
    crate::arch::timer::frequency()
}

/// The system counter, in ticks.
#[inline(always)]
pub fn now() -> u64 {
    crate::arch::timer::counter()
}

/// Arms this core's timer to fire at `deadline` (absolute ticks), or disarms it (`None`).
pub fn set_deadline(deadline: Option<u64>) {
    match deadline {
        Some(t) => crate::arch::timer::arm_at(t),
        None => crate::arch::timer::disarm(),
    }
}

/// Arms this core's timer `ticks` from now.
pub fn set_relative(ticks: u64) {
    crate::arch::timer::arm_after(ticks);
}

/// Makes `hook` handle this core's timer interrupts (`None`: the default, which disarms the
/// timer so the level-triggered line drops, and returns to the interrupted code — an idle
/// executor then finds its expired timers when WFE returns).
/// From user code, a system call (`kernel_call`), made at set-up.
pub fn set_hook(core: usize, hook: Option<IrqHandler>) {
    if crate::arch::cpu::on_kernel_stack() {
        set_hook_here(core, hook);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(
            Op::TimerHook,
            core as u64,
            hook.map_or(0, |h| h as usize as u64),
            0,
        );
    }
}

/// [`set_hook`]'s kernel side.
pub fn set_hook_here(core: usize, hook: Option<IrqHandler>) {
    HOOKS[core].store(hook.map_or(0, |h| h as usize), Ordering::Release);
}

/// Every core: route this core's timer PPI to the dispatcher.
pub fn init_core(core: usize) {
    set_deadline(None);
    set_irq_handler(INTID, on_timer_irq);
    crate::gic::enable(INTID, core, Trigger::Level);
}

fn on_timer_irq(intid: u32, frame: *mut Frame) -> *mut Frame {
    let core = crate::arch::cpu::core_id();
    FIRED[core].fetch_add(1, Ordering::Relaxed);
    let h = HOOKS[core].load(Ordering::Acquire);
    if h == 0 {
        set_deadline(None);
        return frame;
    }
    // SAFETY: only `set_hook` stores into HOOKS, always a valid `IrqHandler`.
    let hook: IrqHandler = unsafe { core::mem::transmute::<usize, IrqHandler>(h) };
    hook(intid, frame)
}
