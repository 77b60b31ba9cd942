//! The four scheduling policies and what a yield point does under each.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kernel::quantum::Quantum;
use runconfig::{Choice, Mechanism};

/// The policy of a run (`docs/services.md`).
#[derive(Clone, Copy)]
pub enum Policy {
    /// Run to completion; yield points do nothing.
    Fcfs,
    /// The executor's budget of this many operations per poll; yield points spend it.
    Budget(u32),
    /// The device's quantum, restarted whenever a request's task is polled; yield points check
    /// its DMA-written flag and yield when it is set.
    Quantum(Quantum),
    /// Stackful request threads preempted by the timer every this many counter ticks; yield
    /// points do nothing (the timer preempts).
    Preempt { ticks: u64 },
}

/// Yield points that gave the core away under `quantum` (an expired quantum; `budget`'s are the
/// executor's forced yields).
pub static YIELDS: AtomicU64 = AtomicU64::new(0);

impl Policy {
    pub fn from_run(mech: Mechanism, arg: u64, ns_to_cycles: impl Fn(u64) -> u64) -> Policy {
        let ns_to_ticks = |ns: u64| {
            (u128::from(ns) * u128::from(kernel::timer::frequency()) / 1_000_000_000).max(1) as u64
        };
        let arg = runconfig::services::effective_arg(mech, arg);
        match mech {
            Mechanism::Fcfs => Policy::Fcfs,
            Mechanism::Budget => Policy::Budget(u32::try_from(arg).unwrap_or(u32::MAX - 1)),
            Mechanism::Quantum => {
                Policy::Quantum(Quantum::setup(ns_to_cycles(arg), ns_to_ticks(arg)))
            }
            Mechanism::Preempt => Policy::Preempt {
                ticks: ns_to_ticks(arg),
            },
            m => panic!(
                "{} is not a service policy (fcfs, budget, quantum, preempt)",
                m.name()
            ),
        }
    }

    /// The executor's budget under this policy (only `budget` has one).
    pub fn executor_budget(&self) -> Option<u32> {
        match self {
            Policy::Budget(n) => Some(*n),
            _ => None,
        }
    }

    /// A yield point of a cooperative request.
    #[inline(always)]
    pub async fn yield_point(&self) {
        match self {
            Policy::Fcfs | Policy::Preempt { .. } => {}
            // Its forced yields are the executor's count (reading it here would cost two
            // core-id reads per point, which serialise gem5's O3).
            Policy::Budget(_) => executor::consume_budget().await,
            Policy::Quantum(q) => {
                if q.expired() {
                    YIELDS.fetch_add(1, Relaxed);
                    executor::yield_now().await;
                }
            }
        }
    }
}
