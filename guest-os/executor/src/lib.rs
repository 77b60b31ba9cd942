//! The guest's async executor: tasks that are one pointer, per-core run queues, timers and a
//! cooperative budget, with the hardware left to the kernel.
//!
//! This crate is half of the project's research subject: the scheduling device replaces parts
//! of it (the wake path, the ready queue, the quantum check), and the experiments compare the
//! two. It is therefore small, explicit about every atomic, and host-tested.
//!
//! # Shape
//!
//! | module | what |
//! |---|---|
//! | [`platform`] | the seam to the kernel: the `unsafe` [`Platform`] (core id, pend, clock) and [`ReadySource`] (the device's ready queue) |
//! | [`task`] | task storage, [`TaskRef`], and how long a task lives (reference counted, slots reused) |
//! | `pool` | each executor's task slots, by size class: where a spawn's storage comes from and goes back to |
//! | [`state`] | the task's state word (flags and reference count) and its life cycle (with the state diagram) |
//! | [`join`] | [`JoinHandle`]: the output, `abort`, detach by drop; [`JoinError`] |
//! | [`waker`] | the waker is the task pointer: [`task_from_waker`], [`wake_task`], [`wake_task_ptr`] |
//! | [`context`] | which task this core is polling, for leaves under combinators that substitute the waker |
//! | [`run_queue`] | the per-core lock-free MPSC run queue, the core-local deferred list, and why batches are fair |
//! | [`timer`] | [`sleep`], [`sleep_until`] and the per-core timer list of pinned entries |
//! | [`coop`] | the operation budget: [`poll_proceed`], [`consume_budget`], [`unconstrained`], [`yield_now`] |
//! | [`executor`] | [`Executor`]: one per core, [`spawn`](Executor::spawn), [`spawn_local`](Executor::spawn_local), its [`run_once`](Executor::run_once) step and the [`Runner`] that checks the core once; panics caught on the host |
//!
//! # Use
//!
//! ```
//! use executor::{Executor, Next, Platform};
//!
//! struct Machine;
//! // SAFETY: a single-core machine: core 0 is the only core and the only thread.
//! unsafe impl Platform for Machine {
//!     fn core_id(&self) -> usize { 0 }
//!     fn pend(&self, _core: usize) {}
//!     fn now(&self) -> u64 { 0 }
//! }
//! static MACHINE: Machine = Machine;
//! static EXECUTORS: [Executor; 1] = Executor::per_core(&MACHINE);
//!
//! let answer = EXECUTORS[0].spawn(async {
//!     executor::yield_now().await;
//!     42
//! });
//! while EXECUTORS[0].run_once() == Next::Run {}
//! assert!(answer.is_finished());
//! ```
//!
//! Style anchors: embassy-executor's raw executor (static tasks, waker = task pointer,
//! `RUN_QUEUED` bit, take-all run queue, the `__pender` seam) and Tokio's `task::coop` (the
//! budget, `poll_proceed`, `RestoreOnPending`, deferred yields).
#![cfg_attr(not(test), no_std)]

extern crate alloc;
// Hosted targets have thread-locals (the per-core context) and unwinding (panic safety).
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod context;
pub mod coop;
pub mod executor;
pub mod join;
pub mod platform;
mod pool;
pub mod run_queue;
mod spin;
pub mod state;
pub mod task;
pub mod timer;
mod unwind;
pub mod waker;

#[cfg(test)]
mod tests;

pub use context::{current_task, set_core_id_source};
pub use coop::{
    ConsumeBudget, Cooperative, DEFAULT_BUDGET, RestoreOnPending, Unconstrained, YieldNow,
    consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, yield_now,
};
pub use executor::{Executor, MAX_EXTERNAL_PER_STEP, Next, Runner, Stats, WALK_CHECK_POLLS};
pub use join::{JoinError, JoinHandle};
pub use platform::{Platform, PlatformFns, ReadySource};
pub use task::TaskRef;
pub use timer::{Sleep, sleep, sleep_until};
pub use waker::{task_from_waker, wake_task, wake_task_ptr};
