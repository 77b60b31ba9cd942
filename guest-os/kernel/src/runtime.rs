//! Runs the `executor` crate on each core: the platform seam (core id, pend, clock) and the
//! idle loop.
//!
//! Idle cores wait in WFE. Every way work can arrive ends that wait without extra code: a wake
//! from another core pends this one with SEV; a wake from an interrupt handler on this core is
//! followed by the exception return, which sets the event register; an expired timer raises its
//! interrupt. So the check "nothing ready" and the WFE need no interrupt masking between them.

use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};

use executor::{Executor, JoinHandle, Next, PlatformFns};

use crate::{arch::cpu, timer};

// SAFETY: `cpu::core_id` reads MPIDR_EL1's affinity: every core reports its own index, and
// each core runs one thread of execution (its executor; threads of `thread` never poll tasks).
static PLATFORM: PlatformFns = unsafe { PlatformFns::new(cpu::core_id, pend, timer::now) };

/// One executor per core.
pub static EXECUTORS: [Executor; crate::MAX_CORES] = Executor::per_core(&PLATFORM);

fn pend(core: usize) {
    if core != cpu::core_id() {
        cpu::sev();
    }
}

pub(crate) fn init_core(_core: usize) {
    // SAFETY: as for PLATFORM: `cpu::core_id` is true on every core, from any context.
    unsafe { executor::set_core_id_source(cpu::core_id) };
}

/// How each core waits when its executor has nothing to do (WFE unless a wake path installs
/// its own, see `wake`).
static IDLE: [AtomicUsize; crate::MAX_CORES] = [const { AtomicUsize::new(0) }; crate::MAX_CORES];

/// Installs `core`'s idle wait (`cpu::wfe` restores the default).
pub fn set_idle(core: usize, idle: fn()) {
    IDLE[core].store(idle as usize, Ordering::Release);
}

/// Idle waits per core: how often the core ran out of work and waited (WFE returns early on
/// any event, so a core that truly sleeps between wakes shows about one wait per wake).
pub static IDLE_WAITS: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(0) }; crate::MAX_CORES];

#[inline(always)]
fn idle(core: usize) {
    // One writer (this core): a plain load and store, no exclusive-monitor sequence.
    let waits = &IDLE_WAITS[core];
    waits.store(waits.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    match IDLE[core].load(Ordering::Acquire) {
        0 => cpu::wfe(),
        // SAFETY: only `set_idle` stores here, always a valid `fn()`.
        f => unsafe { core::mem::transmute::<usize, fn()>(f)() },
    }
    crate::probe::stamp(crate::probe::Stage::IdleExit);
}

/// The calling core's executor.
pub fn executor() -> &'static Executor {
    &EXECUTORS[cpu::core_id()]
}

/// Spawns `future` on the calling core's executor; drop the handle to detach the task.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    executor().spawn(future)
}

/// Spawns `future` on `core`'s executor.
pub fn spawn_on<F>(core: usize, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    EXECUTORS[core].spawn(future)
}

/// Runs this core's executor until `done()` holds, waiting when there is nothing to do.
/// `done` is asked several times per step (between polls and before waiting): once it has
/// returned true it must keep returning true.
pub fn run_until(done: impl Fn() -> bool) {
    let ex = executor();
    let core = ex.core();
    // Checks the core once, not every step (the core-id read serialises gem5's O3).
    let mut runner = ex.runner();
    while !done() {
        // Busy steps in a loop of their own (the step inlined); back here only to wait.
        match runner.run_while(&mut || !done()) {
            Next::Run => {}
            Next::WaitUntil(deadline) => {
                timer::set_deadline(Some(deadline));
                if !ex.has_ready() && !done() {
                    idle(core);
                }
            }
            Next::Wait => {
                if !ex.has_ready() && !done() {
                    idle(core);
                }
            }
        }
    }
}

/// The run stalled: `progress` did not change for the allowed time.
#[derive(Debug, Clone, Copy)]
pub struct Stalled {
    pub progress: u64,
    pub idle_ticks: u64,
}

/// Like [`run_until`], but gives up when `progress` has not changed for `timeout_ticks` of the
/// system counter (a lost wake, for instance). An idle core arms its timer for the give-up
/// time, so a core that would wait forever is woken.
///
/// The clock is read only before an idle wait and every [`STALL_CHECK_STEPS`] busy steps, not
/// every step: a counter read is an `isb` plus a system-register read, and on a busy core it
/// would be charged to the work the run measures (E2's background cycles lost per wake).
pub fn run_until_or_stall(
    done: impl Fn() -> bool,
    progress: &AtomicU64,
    timeout_ticks: u64,
) -> Result<(), Stalled> {
    let ex = executor();
    let core = ex.core();
    let mut seen = progress.load(Ordering::Relaxed);
    let mut since = timer::now();
    let mut busy_steps = 0u32;
    let mut runner = ex.runner();
    while !done() {
        let next = runner.run_once();
        if matches!(next, Next::Run) {
            busy_steps += 1;
            if busy_steps < STALL_CHECK_STEPS {
                continue;
            }
        }
        busy_steps = 0;
        let now = timer::now();
        let p = progress.load(Ordering::Relaxed);
        if p != seen {
            seen = p;
            since = now;
        } else if now - since > timeout_ticks {
            return Err(Stalled {
                progress: p,
                idle_ticks: now - since,
            });
        }
        let give_up = since + timeout_ticks + 1;
        match next {
            Next::Run => {}
            Next::WaitUntil(deadline) => {
                timer::set_deadline(Some(deadline.min(give_up)));
                if !ex.has_ready() && !done() {
                    idle(core);
                }
            }
            Next::Wait => {
                timer::set_deadline(Some(give_up));
                if !ex.has_ready() && !done() {
                    idle(core);
                }
            }
        }
    }
    Ok(())
}

/// Busy executor steps between two stall checks of [`run_until_or_stall`].
pub const STALL_CHECK_STEPS: u32 = 256;

/// Runs `future` to completion on this core's executor (other tasks run too) and returns its
/// output.
pub fn block_on<T: Send + 'static>(future: impl Future<Output = T> + Send + 'static) -> T {
    let mut handle = pin!(spawn(future));
    run_until(|| handle.is_finished());
    match handle
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(Ok(output)) => output,
        // The guest aborts on panic, and nothing aborts this task.
        Poll::Ready(Err(error)) => panic!("block_on: {error}"),
        Poll::Pending => unreachable!("block_on: a finished task's handle is ready"),
    }
}
