//! Stackful threads, kept minimal: they exist to be compared with stackless coroutines (E3).
//!
//! * [`CoopThreads`]: cooperative switching. A switch saves only what the AAPCS64 says a callee
//!   must preserve (x19–x30, sp, d8–d15), because the caller of `switch` already treats every
//!   other register as clobbered.
//! * [`PreemptThreads`]: the timer interrupts a thread anywhere, so the full context (every
//!   general register and all 32 128-bit FP/SIMD registers) is saved by the exception vector;
//!   the switch is the IRQ handler returning another thread's saved [`Frame`]. Its threads run
//!   at EL1, or at EL0 ([`run_preemptive_el0`]), each then with a kernel stack for its frame
//!   (SP_EL1) besides its own stack (SP_EL0), as a kernel keeps for each user thread.

use alloc::{boxed::Box, vec, vec::Vec};

use crate::arch::coop;
use crate::arch::exceptions::{FRAME_SIZE, Frame, SPSR_EL0T_IRQS_ON, SPSR_EL1H_IRQS_ON};
use crate::irq_cell::IrqCell;

/// A thread entry point; it must never return.
pub type Entry = extern "C" fn(arg: usize) -> !;

fn new_stack(size: usize) -> Box<[u128]> {
    vec![0u128; size / 16].into_boxed_slice()
}

/// A set of cooperative threads on one core, plus slot 0 for the code that created it.
pub struct CoopThreads {
    sps: Vec<usize>,
    _stacks: Vec<Box<[u128]>>,
    current: usize,
}

impl CoopThreads {
    /// Threads `1..=entries.len()`; slot 0 is the caller.
    pub fn new(entries: &[(Entry, usize)], stack_size: usize) -> Self {
        let mut sps = vec![0usize];
        let mut stacks = Vec::new();
        for &(entry, arg) in entries {
            let mut stack = new_stack(stack_size);
            let top = stack.as_mut_ptr() as usize + stack.len() * 16;
            // SAFETY: `top` is the 16-byte-aligned end of the new stack, which is far larger
            // than the block the first switch pops.
            let sp = unsafe { coop::prepare_stack(top, entry, arg) };
            sps.push(sp);
            stacks.push(stack);
        }
        CoopThreads {
            sps,
            _stacks: stacks,
            current: 0,
        }
    }

    /// Switches from the current thread to thread `to`.
    ///
    /// # Safety
    /// Must be called by the thread this set believes is current, on its own stack, and the set
    /// must stay alive (and not move) while any of its threads runs.
    #[inline(always)]
    pub unsafe fn switch_to(&mut self, to: usize) {
        let from = self.current;
        self.current = to;
        let save = &raw mut self.sps[from];
        let load = self.sps[to];
        // SAFETY: `save` points into this set, `load` is a stack pointer saved by a previous
        // switch (or prepared by `new`); the caller guarantees the rest.
        unsafe { coop::switch(save, load) };
    }

    pub fn current(&self) -> usize {
        self.current
    }
}

/// Threads switched by this core's timer interrupt, round robin, plus the interrupted caller,
/// which gets the core back when [`PreemptThreads::stop`] is called from a thread.
pub struct PreemptThreads {
    state: IrqCell<PreemptState>,
}

struct PreemptState {
    frames: Vec<*mut Frame>,
    _stacks: Vec<Box<[u128]>>,
    /// Ends the run once this many switches were made (for threads that do not call
    /// [`PreemptThreads::stop`]; `u64::MAX`: never).
    stop_after: u64,
    current: Option<usize>,
    caller: *mut Frame,
    quantum_ticks: u64,
    stopping: bool,
    switches: u64,
}

/// Kernel stack of an EL0 thread: its frame, and the IRQ handler's calls below it.
const EL0_THREAD_KERNEL_STACK: usize = 16 * 1024;

impl PreemptThreads {
    /// Threads at the caller's level: EL0 when user code (the apps, at EL0) makes the set,
    /// EL1 for kernel code.
    pub fn new(entries: &[(Entry, usize)], stack_size: usize, quantum_ticks: u64) -> Self {
        let el0 = !crate::arch::cpu::on_kernel_stack();
        Self::with_level(entries, stack_size, quantum_ticks, el0, u64::MAX)
    }

    /// Threads at EL0, each on its own stack (SP_EL0) with its frame on a kernel stack of its
    /// own; the run ends after `stop_after` switches.
    pub fn new_el0(
        entries: &[(Entry, usize)],
        stack_size: usize,
        quantum_ticks: u64,
        stop_after: u64,
    ) -> Self {
        Self::with_level(entries, stack_size, quantum_ticks, true, stop_after)
    }

    fn with_level(
        entries: &[(Entry, usize)],
        stack_size: usize,
        quantum_ticks: u64,
        el0: bool,
        stop_after: u64,
    ) -> Self {
        let mut frames = Vec::new();
        let mut stacks = Vec::new();
        for &(entry, arg) in entries {
            let mut stack = new_stack(stack_size);
            let top = stack.as_mut_ptr() as usize + stack.len() * 16;
            let (frame_top, spsr, sp_el0) = if el0 {
                let mut kernel_stack = new_stack(EL0_THREAD_KERNEL_STACK);
                let kernel_top = kernel_stack.as_mut_ptr() as usize + kernel_stack.len() * 16;
                stacks.push(kernel_stack);
                (kernel_top, SPSR_EL0T_IRQS_ON, top as u64)
            } else {
                (top, SPSR_EL1H_IRQS_ON, 0)
            };
            let frame = (frame_top - FRAME_SIZE) as *mut Frame;
            // SAFETY: the frame lies at the top of a new stack; restoring it starts `entry`
            // with `arg` with IRQs on: at EL1 with sp = top, or at EL0 with SP_EL0 = top and
            // SP_EL1 = the kernel stack's top (where the thread's next exception saves its
            // frame).
            unsafe {
                frame.write(Frame {
                    x: [0; 31],
                    elr: entry as *const () as u64,
                    spsr,
                    sp_el0,
                    fpcr: 0,
                    fpsr: 0,
                    q: [0; 32],
                });
                (*frame).x[0] = arg as u64;
            }
            frames.push(frame);
            stacks.push(stack);
        }
        PreemptThreads {
            state: IrqCell::new(PreemptState {
                frames,
                _stacks: stacks,
                stop_after,
                current: None,
                caller: core::ptr::null_mut(),
                quantum_ticks,
                stopping: false,
                switches: 0,
            }),
        }
    }

    /// Called from the timer hook: re-arms the quantum and returns the next thread's frame.
    ///
    /// # Safety
    /// Only from this core's timer interrupt, with `frame` the interrupted context.
    pub unsafe fn on_tick(&self, frame: *mut Frame) -> *mut Frame {
        // SAFETY: this core's timer interrupt (the caller's contract), and `s` lives only until
        // this handler returns.
        let s = unsafe { self.state.in_irq() };
        match s.current {
            None => s.caller = frame,
            Some(i) => s.frames[i] = frame,
        }
        if s.stopping || s.switches >= s.stop_after {
            crate::timer::set_deadline(None);
            s.current = None;
            return s.caller;
        }
        let next = s.current.map_or(0, |i| (i + 1) % s.frames.len());
        s.current = Some(next);
        s.switches += 1;
        crate::timer::set_relative(s.quantum_ticks);
        s.frames[next]
    }

    /// Asks for the caller to be resumed at the next tick (called from a thread).
    pub fn stop(&self) {
        self.state.with(|s| s.stopping = true);
    }

    pub fn is_running(&self) -> bool {
        self.state.with(|s| s.current.is_some())
    }

    /// Ticks that switched to a thread so far (the tick that resumes the caller after
    /// [`stop`](Self::stop) is not one).
    pub fn switches(&self) -> u64 {
        self.state.with(|s| s.switches)
    }
}

/// The cooperative set running on each core, if any (see [`run_coop`]).
static COOP: [core::sync::atomic::AtomicPtr<CoopThreads>; crate::MAX_CORES] =
    [const { core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()) }; crate::MAX_CORES];

/// Runs cooperative threads `1..=entries.len()` on this core until one calls [`coop_finish`];
/// thread `i` switches to thread `j` with [`coop_yield_to`]`(j)`.
pub fn run_coop(entries: &[(Entry, usize)], stack_size: usize) {
    let core = crate::arch::cpu::core_id();
    let set = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(CoopThreads::new(
        entries, stack_size,
    )));
    COOP[core].store(set, core::sync::atomic::Ordering::Release);
    coop_yield_to(1);
    COOP[core].store(core::ptr::null_mut(), core::sync::atomic::Ordering::Release);
    // SAFETY: `set` came from `Box::into_raw` above and no thread of it runs any more (the
    // finishing thread switched back to slot 0, this code, and is never resumed).
    drop(unsafe { alloc::boxed::Box::from_raw(set) });
}

/// Switches from the calling cooperative thread (or the creator, slot 0) to thread `to`.
pub fn coop_yield_to(to: usize) {
    let set = COOP[crate::arch::cpu::core_id()].load(core::sync::atomic::Ordering::Acquire);
    assert!(!set.is_null(), "coop_yield_to outside run_coop");
    // SAFETY: the set stays alive until `run_coop` returns, which happens only after a thread
    // switched back to slot 0 for the last time; the caller is the set's current thread (each
    // thread only runs when switched to), on its own stack.
    unsafe { (*set).switch_to(to) }
}

/// Ends [`run_coop`]: switches back to its caller for good.
pub fn coop_finish() -> ! {
    coop_yield_to(0);
    unreachable!("a finished cooperative thread was resumed");
}

/// The preemptive set running on each core, if any (see [`run_preemptive`]).
static PREEMPT: [core::sync::atomic::AtomicPtr<PreemptThreads>; crate::MAX_CORES] =
    [const { core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()) }; crate::MAX_CORES];

fn preempt_tick(_intid: u32, frame: *mut Frame) -> *mut Frame {
    let set = PREEMPT[crate::arch::cpu::core_id()].load(core::sync::atomic::Ordering::Acquire);
    if set.is_null() {
        crate::timer::set_deadline(None);
        return frame;
    }
    // SAFETY: timer IRQ on the owning core; the set outlives its registration (see
    // `run_preemptive`).
    unsafe { (*set).on_tick(frame) }
}

/// Runs `entries` as threads preempted by this core's timer every `quantum_ticks`, round robin,
/// until one calls [`preempt_stop`]; returns the number of switches made.
pub fn run_preemptive(entries: &[(Entry, usize)], stack_size: usize, quantum_ticks: u64) -> u64 {
    run_set(
        PreemptThreads::new(entries, stack_size, quantum_ticks),
        quantum_ticks,
    )
}

/// Runs `entries` as EL0 threads preempted by this core's timer every `quantum_ticks`, round
/// robin, until one calls [`preempt_stop`] or `switches` switches were made (`u64::MAX`: only
/// the former); returns the number of switches made.
pub fn run_preemptive_el0(
    entries: &[(Entry, usize)],
    stack_size: usize,
    quantum_ticks: u64,
    switches: u64,
) -> u64 {
    run_set(
        PreemptThreads::new_el0(entries, stack_size, quantum_ticks, switches),
        quantum_ticks,
    )
}

fn run_set(threads: PreemptThreads, quantum_ticks: u64) -> u64 {
    let core = crate::arch::cpu::core_id();
    let set = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(threads));
    PREEMPT[core].store(set, core::sync::atomic::Ordering::Release);
    crate::timer::set_hook(core, Some(preempt_tick));
    // SAFETY: `set` is valid until it is freed below.
    let s = unsafe { &*set };
    // Arm the first quantum: its tick saves this context and switches to thread 0; the tick
    // after `preempt_stop` resumes here.
    crate::timer::set_relative(quantum_ticks);
    while s.switches() == 0 || s.is_running() {
        // WFE, not WFI: see `cpu::wfi`.
        crate::arch::cpu::wfe();
    }
    let switches = s.switches();
    crate::timer::set_hook(core, None);
    crate::arch::cpu::without_irqs(|| {
        PREEMPT[core].store(core::ptr::null_mut(), core::sync::atomic::Ordering::Release)
    });
    // SAFETY: the timer is disarmed, the hook removed and no thread of the set runs again.
    drop(unsafe { alloc::boxed::Box::from_raw(set) });
    switches
}

/// Switches the preemptive set on this core has made so far (call from one of its threads).
pub fn preempt_switches() -> u64 {
    // The core's number as EL0 threads can read it too (`MPIDR_EL1` is EL1-only).
    let set = PREEMPT[crate::arch::el0::core_id_el0()].load(core::sync::atomic::Ordering::Acquire);
    assert!(!set.is_null(), "preempt_switches outside run_preemptive");
    // SAFETY: the set is alive while its threads run.
    unsafe { (*set).switches() }
}

/// Ends [`run_preemptive`] at the next tick (call from one of its threads, then keep spinning).
pub fn preempt_stop() {
    // As in `preempt_switches`: callable from EL0 threads.
    let set = PREEMPT[crate::arch::el0::core_id_el0()].load(core::sync::atomic::Ordering::Acquire);
    assert!(!set.is_null(), "preempt_stop outside run_preemptive");
    // SAFETY: the set is alive while its threads run.
    unsafe { (*set).stop() }
}
