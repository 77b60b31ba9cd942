//! Requests on stackful threads, preempted by the timer: Shinjuku's scheme on one core (the
//! `preempt:Q` policy of the services).
//!
//! A dispatcher (any code on the core, typically an executor task) [`submit`]s requests and
//! calls [`run_one`], which switches to the thread at the head of the run queue through a
//! system call (`SYS_THREAD_SWITCH`) and arms the core's timer for one quantum. The thread runs
//! the request's work function until it finishes (another system call switches back: the
//! request completed) or the quantum's timer interrupt switches back (the request was
//! preempted). A preempted request goes to the tail of the queue at the next `run_one`, after
//! the requests the dispatcher submitted meanwhile: it waits behind everything that arrived
//! while it ran, as in Shinjuku.
//!
//! Every switch is an exception return to a full saved [`Frame`] (all general and FP/SIMD
//! registers), the cost a preemptive scheme pays. Stacks are reused; a thread is created per
//! request only in the sense that a fresh frame is written at the top of a free stack.
//!
//! [`submit`]: RequestThreads::submit
//! [`run_one`]: RequestThreads::run_one

use alloc::{boxed::Box, collections::VecDeque, vec, vec::Vec};
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use crate::arch::exceptions::{FRAME_SIZE, Frame, SPSR_EL0T_IRQS_ON, SPSR_EL1H_IRQS_ON};
use crate::irq_cell::IrqCell;
use crate::syscall::{self, SYS_THREAD_SWITCH};

/// `SYS_THREAD_SWITCH`'s argument (x0) from a finished thread; from the dispatcher it is the
/// frame to run (never null).
const DONE: u64 = 0;

/// What the switch handlers share with the dispatcher on this core.
struct Shared {
    /// The dispatcher's frame while a thread runs.
    dispatcher: *mut Frame,
    /// The preempted thread's frame (set by the tick handler).
    thread: *mut Frame,
    running: bool,
    outcome: Outcome,
    quantum_ticks: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Preempted,
}

static SHARED: [AtomicPtr<IrqCell<Shared>>; crate::MAX_CORES] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; crate::MAX_CORES];

/// Cycles the request running on each core spent off the CPU (preempted) so far: from the
/// timer handler that preempted it to the switch handler that resumes it, so the switches
/// themselves are not charged to the request.
static OFF_CPU: [AtomicU64; crate::MAX_CORES] = [const { AtomicU64::new(0) }; crate::MAX_CORES];
/// Per core: the cycle count at the last preemption (set by the timer handler), and the one the
/// request about to resume was preempted at (0: a fresh request), for the switch handler.
static PREEMPTED_AT: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(0) }; crate::MAX_CORES];
static RESUME_FROM: [AtomicU64; crate::MAX_CORES] = [const { AtomicU64::new(0) }; crate::MAX_CORES];

/// From a request thread: the cycles its request has spent preempted so far (the cycle
/// counter's time minus this is the request's own CPU time).
pub fn off_cpu_cycles() -> u64 {
    OFF_CPU[crate::arch::cpu::core_id()].load(Ordering::Relaxed)
}

/// The longest quantum: the timer's 32-bit signed down-counter (`CNTP_TVAL`).
pub const MAX_QUANTUM_TICKS: u64 = (1 << 31) - 1;

/// One request on its thread.
struct Ctx<T> {
    item: T,
    work: fn(&T) -> u64,
    result: u64,
    /// Cycles spent preempted, and the cycle count when it was last preempted (0: not
    /// preempted yet).
    off_cpu: u64,
    left_at: u64,
    /// Where the thread resumes (null: not started).
    frame: *mut Frame,
    stack: Box<[u128]>,
}

/// How a [`RequestThreads::run_one`] ended.
pub enum Ran<T> {
    /// The request finished; its work function returned the value.
    Completed(T, u64),
    /// The quantum expired; the request goes to the tail of the queue at the next `run_one`.
    Preempted,
    /// Nothing to run.
    Idle,
}

/// The preemptive request threads of one core (create it on that core; one at a time).
pub struct RequestThreads<T: Send + 'static> {
    queue: VecDeque<Box<Ctx<T>>>,
    preempted: Option<Box<Ctx<T>>>,
    free: Vec<Box<[u128]>>,
    shared: Box<IrqCell<Shared>>,
    core: usize,
    stack_size: usize,
    work: fn(&T) -> u64,
    preemptions: u64,
}

impl<T: Send + 'static> RequestThreads<T> {
    /// Threads that run `work` on each request, preempted every `quantum_ticks` of the system
    /// counter, on stacks of `stack_size` bytes. Installs the switch and timer handlers of
    /// this core until dropped.
    pub fn new(work: fn(&T) -> u64, quantum_ticks: u64, stack_size: usize) -> Self {
        assert!(
            (1..=MAX_QUANTUM_TICKS).contains(&quantum_ticks),
            "a preemption quantum of {quantum_ticks} counter ticks: it must be 1 to \
             {MAX_QUANTUM_TICKS} (the timer's down-counter)"
        );
        let core = crate::arch::cpu::core_id();
        let shared = Box::new(IrqCell::new(Shared {
            dispatcher: core::ptr::null_mut(),
            thread: core::ptr::null_mut(),
            running: false,
            outcome: Outcome::Done,
            quantum_ticks,
        }));
        let previous = SHARED[core].swap(
            (&*shared as *const IrqCell<Shared>).cast_mut(),
            Ordering::AcqRel,
        );
        assert!(previous.is_null(), "two RequestThreads on core {core}");
        syscall::set_thread_switch(Some(on_switch));
        crate::timer::set_hook(core, Some(on_tick));
        RequestThreads {
            queue: VecDeque::new(),
            preempted: None,
            free: Vec::new(),
            shared,
            core,
            stack_size,
            work,
            preemptions: 0,
        }
    }

    /// Appends a request to the run queue (its stack is taken when it first runs, so only
    /// started requests hold one).
    pub fn submit(&mut self, item: T) {
        self.queue.push_back(Box::new(Ctx {
            item,
            work: self.work,
            result: 0,
            off_cpu: 0,
            left_at: 0,
            frame: core::ptr::null_mut(),
            stack: Box::new([]),
        }));
    }

    /// Requests waiting or preempted.
    pub fn pending(&self) -> usize {
        self.queue.len() + usize::from(self.preempted.is_some())
    }

    /// Preemptions so far.
    pub fn preemptions(&self) -> u64 {
        self.preemptions
    }

    /// Runs the request at the head of the queue for at most one quantum (see the module docs).
    pub fn run_one(&mut self) -> Ran<T> {
        if let Some(p) = self.preempted.take() {
            self.queue.push_back(p);
        }
        let Some(mut ctx) = self.queue.pop_front() else {
            return Ran::Idle;
        };
        if ctx.frame.is_null() {
            let bytes = self.stack_size + EL0_KERNEL_STACK;
            ctx.stack = self
                .free
                .pop()
                .unwrap_or_else(|| vec![0u128; bytes / 16].into_boxed_slice());
            ctx.frame = fresh_frame(&mut ctx);
        }
        OFF_CPU[self.core].store(ctx.off_cpu, Ordering::Relaxed);
        RESUME_FROM[self.core].store(ctx.left_at, Ordering::Relaxed);
        syscall::call(SYS_THREAD_SWITCH, ctx.frame as u64);
        let (outcome, frame) = self.shared.with(|s| (s.outcome, s.thread));
        match outcome {
            Outcome::Done => {
                let Ctx {
                    item,
                    result,
                    stack,
                    ..
                } = *ctx;
                self.free.push(stack);
                Ran::Completed(item, result)
            }
            Outcome::Preempted => {
                ctx.frame = frame;
                ctx.off_cpu = OFF_CPU[self.core].load(Ordering::Relaxed);
                ctx.left_at = PREEMPTED_AT[self.core].load(Ordering::Relaxed);
                self.preemptions += 1;
                self.preempted = Some(ctx);
                Ran::Preempted
            }
        }
    }
}

impl<T: Send + 'static> Drop for RequestThreads<T> {
    fn drop(&mut self) {
        crate::timer::set_hook(self.core, None);
        crate::timer::set_deadline(None);
        syscall::set_thread_switch(None);
        crate::arch::cpu::without_irqs(|| {
            SHARED[self.core].store(core::ptr::null_mut(), Ordering::Release)
        });
    }
}

/// The top of each request's stack that its exceptions use when the thread runs at EL0
/// (SP_EL1: its frame, and the handlers' calls below it); the rest is its own stack (SP_EL0).
/// Part of the heap, which is user memory: a thread could write its own saved frame (see
/// docs/el0-split.md, "What is left").
const EL0_KERNEL_STACK: usize = 16 * 1024;

/// Writes the frame that starts `ctx`'s thread at the top of its stack: an EL0 thread when the
/// dispatcher is user code (the apps run at EL0), an EL1 thread for kernel code.
fn fresh_frame<T: Send + 'static>(ctx: &mut Ctx<T>) -> *mut Frame {
    let top = ctx.stack.as_mut_ptr() as usize + ctx.stack.len() * 16;
    let frame = (top - FRAME_SIZE) as *mut Frame;
    let (spsr, sp_el0) = if crate::arch::cpu::on_kernel_stack() {
        (SPSR_EL1H_IRQS_ON, 0)
    } else {
        (SPSR_EL0T_IRQS_ON, (top - EL0_KERNEL_STACK) as u64)
    };
    let mut x = [0u64; 31];
    x[0] = ctx as *mut Ctx<T> as u64;
    // SAFETY: the frame lies at the top of the context's own stack, which no thread uses (the
    // request has not started); restoring it starts `worker` with the context at EL1 with IRQs
    // on and sp = top. The context is boxed, so its address stays valid while it waits.
    unsafe {
        frame.write(Frame {
            x,
            elr: worker::<T> as *const () as u64,
            spsr,
            sp_el0,
            fpcr: 0,
            fpsr: 0,
            q: [0; 32],
        })
    };
    frame
}

/// A request thread: runs the work, then switches back for good.
extern "C" fn worker<T: Send + 'static>(arg: usize) -> ! {
    // SAFETY: `fresh_frame` passes the boxed context, which the dispatcher keeps alive (and
    // does not touch) until this thread reports completion.
    let ctx = unsafe { &mut *(arg as *mut Ctx<T>) };
    ctx.result = (ctx.work)(&ctx.item);
    syscall::call(SYS_THREAD_SWITCH, DONE);
    unreachable!("a finished request thread was resumed");
}

fn shared_in_irq() -> Option<&'static mut Shared> {
    let p = SHARED[crate::arch::cpu::core_id()].load(Ordering::Acquire);
    // SAFETY: called from this core's exception handlers only (IRQs masked); the cell is
    // registered by `RequestThreads::new` and unregistered (with IRQs masked) before it is
    // freed; the reference does not outlive the handler.
    (!p.is_null()).then(|| unsafe { (*p).in_irq() })
}

/// `SYS_THREAD_SWITCH`: from the dispatcher with the thread's frame (run it for a quantum), or
/// from a finished thread with [`DONE`].
fn on_switch(_imm: u16, frame: *mut Frame) -> *mut Frame {
    let s = shared_in_irq().expect("thread switch outside RequestThreads");
    // SAFETY: the exception dispatch passes the frame it just saved.
    let arg = unsafe { (*frame).x[0] };
    if arg == DONE {
        crate::timer::set_deadline(None);
        s.running = false;
        s.outcome = Outcome::Done;
        return s.dispatcher;
    }
    let core = crate::arch::cpu::core_id();
    let from = RESUME_FROM[core].load(Ordering::Relaxed);
    if from != 0 {
        OFF_CPU[core].fetch_add(crate::cycles() - from, Ordering::Relaxed);
    }
    s.dispatcher = frame;
    s.running = true;
    crate::timer::set_relative(s.quantum_ticks);
    arg as *mut Frame
}

/// The timer interrupt: preempts the running thread; otherwise behaves as the default hook.
fn on_tick(_intid: u32, frame: *mut Frame) -> *mut Frame {
    crate::timer::set_deadline(None);
    match shared_in_irq() {
        Some(s) if s.running => {
            PREEMPTED_AT[crate::arch::cpu::core_id()].store(crate::cycles(), Ordering::Relaxed);
            s.running = false;
            s.thread = frame;
            s.outcome = Outcome::Preempted;
            s.dispatcher
        }
        _ => frame,
    }
}
