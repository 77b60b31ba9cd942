//! Runs the `executor` crate on each core: the platform seam (core id, pend, clock) and the
//! idle loop.
//!
//! Idle cores wait in WFE. Every way work can arrive ends that wait without extra code: a wake
//! from another core pends this one with SEV; a wake from an interrupt handler on this core is
//! followed by the exception return, which sets the event register; an expired timer raises its
//! interrupt. So the check "nothing ready" and the WFE need no interrupt masking between them.

use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};

use alloc::sync::Arc;
use executor::{Executor, Next, PlatformFns, TaskRef};

use crate::{arch::cpu, timer};

static PLATFORM: PlatformFns = PlatformFns {
    core_id: cpu::core_id,
    pend,
    now: timer::now,
};

/// One executor per core.
pub static EXECUTORS: [Executor; crate::MAX_CORES] = Executor::per_core(&PLATFORM);

fn pend(core: usize) {
    if core != cpu::core_id() {
        cpu::sev();
    }
}

pub(crate) fn init_core(_core: usize) {}

/// The calling core's executor.
pub fn executor() -> &'static Executor {
    &EXECUTORS[cpu::core_id()]
}

/// Spawns `future` on the calling core's executor.
pub fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) -> TaskRef {
    executor().spawn(future)
}

/// Spawns `future` on `core`'s executor.
pub fn spawn_on<F: Future<Output = ()> + Send + 'static>(core: usize, future: F) -> TaskRef {
    EXECUTORS[core].spawn(future)
}

/// Runs this core's executor until `done()` holds, waiting in WFE when there is nothing to do.
pub fn run_until(done: impl Fn() -> bool) {
    let ex = executor();
    while !done() {
        match ex.run_once() {
            Next::Run => {}
            Next::WaitUntil(deadline) => {
                timer::set_deadline(Some(deadline));
                if !ex.has_ready() && !done() {
                    cpu::wfe();
                }
            }
            Next::Wait => {
                if !ex.has_ready() && !done() {
                    cpu::wfe();
                }
            }
        }
    }
}

/// Runs `future` to completion on this core's executor (other tasks run too) and returns its
/// output.
pub fn block_on<T: Send + 'static>(future: impl Future<Output = T> + Send + 'static) -> T {
    let slot: Arc<spin::mutex::SpinMutex<Option<T>>> = Arc::new(spin::mutex::SpinMutex::new(None));
    let finished = Arc::new(AtomicBool::new(false));
    {
        let slot = slot.clone();
        let finished = finished.clone();
        spawn(async move {
            let out = future.await;
            *slot.lock() = Some(out);
            finished.store(true, Ordering::Release);
        });
    }
    run_until(|| finished.load(Ordering::Acquire));
    slot.lock().take().expect("block_on: task finished without output")
}
