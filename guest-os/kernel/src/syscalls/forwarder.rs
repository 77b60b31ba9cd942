//! The software stand-in for the device's collector, for machines without the device (QEMU)
//! and as the software baseline: it learns of submissions by reading each user core's producer
//! line (the device DMA-reads the same line on its timer), collects up to B requests or what is
//! pending when the timeout expires, has the kernel side run them ([`batch::run_batch`]) and
//! wakes each task by its task pointer, in completion order (the device pushes the same pointer
//! into CoroSched's `hwq` or ready ring).
//!
//! Where the kernel side runs:
//! * [`serve_dedicated`]: a kernel core of its own polls the user cores (FlexSC's syscall core);
//! * [`install_same_core`]: the user core runs the kernel side at its idle point, when every
//!   task is waiting (a batch is then whatever was submitted since the last one, up to B per
//!   run).

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{batch, ring};

/// How the collector batches.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Requests per batch (B); a batch is started once this many are pending.
    pub batch: u64,
    /// Generic-timer ticks a pending request waits for company before a partial batch starts.
    pub timeout_ticks: u64,
}

/// Kernel-side counters, per user core.
pub struct SideStats {
    pub batches: AtomicU64,
    pub calls: AtomicU64,
    /// Batches started by the timeout with fewer than B requests.
    pub timeout_batches: AtomicU64,
    /// Cycles the kernel side spent running batches and waking (on whichever core ran them).
    pub cycles: AtomicU64,
}

pub static STATS: [SideStats; crate::MAX_CORES] = [const {
    SideStats {
        batches: AtomicU64::new(0),
        calls: AtomicU64::new(0),
        timeout_batches: AtomicU64::new(0),
        cycles: AtomicU64::new(0),
    }
}; crate::MAX_CORES];

static SAME_CORE_BATCH: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(1) }; crate::MAX_CORES];

/// Runs one batch of `user_core`'s requests (at most `max`), waking each task; returns how many.
fn run_and_wake(user_core: usize, max: u64) -> u64 {
    let t0 = crate::cycles();
    let n = batch::run_batch(ring::of(user_core), max, |task| {
        // SAFETY: the only writer of a request's task word is `fwd::call`, which stores
        // `TaskRef::as_ptr` of the awaiting task of this program run (the rings are not
        // reachable by other code while the user side runs at EL1; the device, not this
        // stand-in, is the path once user code runs at EL0).
        unsafe { executor::wake_task_ptr(task as *const ()) };
    });
    let s = &STATS[user_core];
    s.cycles.fetch_add(crate::cycles() - t0, Ordering::Relaxed);
    s.batches.fetch_add(1, Ordering::Relaxed);
    s.calls.fetch_add(n, Ordering::Relaxed);
    n
}

/// Polls the rings of `user_cores` and serves them until `stop` is set: a kernel core of its
/// own. A core's first pending request starts its timeout; B pending requests, or the
/// timeout, start a batch.
///
/// From user code, one system call that runs the loop in the kernel (`kernel_call`), as
/// FlexSC's syscall thread runs in the kernel.
pub fn serve_dedicated(user_cores: core::ops::Range<usize>, policy: Policy, stop: &AtomicBool) {
    if crate::arch::cpu::on_kernel_stack() {
        return serve_dedicated_here(user_cores, policy, stop);
    }
    use crate::kernel_call::{Op, call5};
    let r = call5(
        Op::ForwarderServe,
        [
            user_cores.start as u64,
            user_cores.end as u64,
            policy.batch,
            policy.timeout_ticks,
            stop as *const AtomicBool as u64,
        ],
    );
    assert!(
        r == 0,
        "the kernel refused to serve cores {user_cores:?}: {r:#x}"
    );
}

/// [`serve_dedicated`]'s kernel side.
pub fn serve_dedicated_here(
    user_cores: core::ops::Range<usize>,
    policy: Policy,
    stop: &AtomicBool,
) {
    let mut first_seen = [None::<u64>; crate::MAX_CORES];
    while !stop.load(Ordering::Acquire) {
        for core in user_cores.clone() {
            let pending = ring::of(core).pending();
            if pending == 0 {
                first_seen[core] = None;
                continue;
            }
            let now = crate::timer::now();
            let since = *first_seen[core].get_or_insert(now);
            let timed_out = now - since >= policy.timeout_ticks;
            if pending >= policy.batch || timed_out {
                if pending < policy.batch {
                    STATS[core].timeout_batches.fetch_add(1, Ordering::Relaxed);
                }
                run_and_wake(core, policy.batch);
                first_seen[core] = None;
            }
        }
    }
}

/// Makes `core` (the calling core) run its own requests at its idle point, up to `batch` per
/// batch; `crate::runtime::set_idle(core, cpu::wfe)` undoes it.
pub fn install_same_core(core: usize, batch: u64) {
    SAME_CORE_BATCH[core].store(batch.max(1), Ordering::Relaxed);
    crate::runtime::set_idle(core, same_core_idle);
}

/// The idle point: waits (at the caller's level) while nothing is pending; otherwise enters
/// the kernel, from user code with a system call (`kernel_call`), to run what is.
fn same_core_idle() {
    let core = crate::arch::cpu::core_id();
    let batch = SAME_CORE_BATCH[core].load(Ordering::Relaxed);
    if ring::of(core).pending() == 0 {
        crate::arch::cpu::wfe();
        return;
    }
    if crate::arch::cpu::on_kernel_stack() {
        serve_pending_here(core, batch);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(Op::ForwarderIdle, core as u64, batch, 0);
    }
}

/// The same-core side's kernel half: runs `core`'s pending requests, `batch` at a time.
pub fn serve_pending_here(core: usize, batch: u64) {
    while ring::of(core).pending() > 0 {
        run_and_wake(core, batch.max(1));
    }
}
