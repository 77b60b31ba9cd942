//! The service app's `@result` record (`"bench": "service"`, docs/services.md "What the app
//! reports"): the fields E4 and E5 use, and the checks every run must pass.

use anyhow::{Context, Result, ensure};
use serde::Deserialize;

use crate::experiments::wake::guest::bench_record;
use crate::results::{Num, RunResult};

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ServiceRecord {
    pub policy: Option<String>,
    pub path: Option<String>,
    pub received: Option<Num>,
    pub completed: Option<Num>,
    /// Cycles of service work of the measured requests.
    pub work_cycles: Option<Num>,
    /// Cycles from the NIC's start to the last completion.
    pub window_cycles: Option<Num>,
    /// Quantum yields taken.
    pub yields: Option<Num>,
    /// The executor's forced yields (budget).
    pub forced_yields: Option<Num>,
    pub preemptions: Option<Num>,
    pub greedy_items: Option<Num>,
    pub nic_errors: Option<Num>,
    pub coro_errors: Option<Num>,
    /// The policy's costs, measured at the start on the worker core (null where the policy
    /// has none).
    pub yield_point_cycles: Option<Num>,
    pub forced_yield_cycles: Option<Num>,
    pub quantum_start_cycles: Option<Num>,
    pub preemption_cycles: Option<Num>,
    /// How completions reached the NIC (`direct`, `svc`, `fwd:B`; absent before the modes).
    pub complete: Option<String>,
    /// Doorbells the kernel's NIC driver rang for `nic_send`, and the completions it moved.
    pub kernel_doorbells: Option<Num>,
    pub kernel_tx_moved: Option<Num>,
    /// The fwd path's kernel side: batches, those started by the timeout, calls, its cycles.
    pub fwd_batches: Option<Num>,
    pub fwd_timeout_batches: Option<Num>,
    pub fwd_calls: Option<Num>,
    pub fwd_kernel_cycles: Option<Num>,
}

/// CoroSched error bits that do not invalidate a service run: `SPURIOUS_RESUME`, a latency
/// stamp (`RESUME`) written by the receive path with no device wake outstanding, which the
/// `poll` path does when it finds a descriptor without having slept (the device records no
/// sample; the requests are served as on the other paths). The bits are kept in the metrics.
pub const TOLERATED_CORO_ERRORS: u64 = 1 << coro_sched_regs::error_code::SPURIOUS_RESUME;

fn get(v: Option<Num>, field: &str) -> Result<f64> {
    v.map(|n| n.0)
        .with_context(|| format!("the service record has no \"{field}\""))
}

/// The numbers of one service record, checked: no NIC or CoroSched error bit.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub received: f64,
    pub completed: f64,
    pub work_cycles: f64,
    pub window_cycles: f64,
    pub yields: f64,
    pub forced_yields: f64,
    pub preemptions: f64,
    pub greedy_items: f64,
    /// The CoroSched error bits (only tolerated ones: [`TOLERATED_CORO_ERRORS`]).
    pub coro_errors: u64,
    pub costs: PolicyCosts,
    pub completion: CompletionCounters,
}

/// How the completions went through the kernel (all zero for `direct`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, Deserialize)]
pub struct CompletionCounters {
    pub complete: String,
    pub kernel_doorbells: f64,
    pub kernel_tx_moved: f64,
    pub fwd_batches: f64,
    pub fwd_timeout_batches: f64,
    pub fwd_calls: f64,
    pub fwd_kernel_cycles: f64,
}

/// The policy's measured costs, cycles (docs/services.md "Measured costs").
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, Deserialize)]
pub struct PolicyCosts {
    pub yield_point: Option<f64>,
    pub forced_yield: Option<f64>,
    pub quantum_start: Option<f64>,
    pub preemption: Option<f64>,
}

impl Service {
    pub fn of(result: &RunResult) -> Result<Service> {
        let r: ServiceRecord = bench_record(&result.results, "service")?;
        let nic_errors = get(r.nic_errors, "nic_errors")? as u64;
        let coro_errors = get(r.coro_errors, "coro_errors")? as u64;
        ensure!(
            nic_errors == 0 && coro_errors & !TOLERATED_CORO_ERRORS == 0,
            "the run raised error bits: NIC {nic_errors:#x}, CoroSched {coro_errors:#x} (see the \
             run's console log and docs/coro-sched-device.md's error codes)"
        );
        // Through the system call, every completion went through the kernel's TX queue.
        if let (Some(c), Some(moved), Some(done)) =
            (r.complete.as_deref(), r.kernel_tx_moved, r.completed)
        {
            ensure!(
                c == "direct" || moved.0 == done.0,
                "complete = {c}: the kernel's NIC driver transmitted {} completions of {}",
                moved.0,
                done.0
            );
        }
        Ok(Service {
            received: get(r.received, "received")?,
            completed: get(r.completed, "completed")?,
            work_cycles: get(r.work_cycles, "work_cycles")?,
            window_cycles: get(r.window_cycles, "window_cycles")?,
            yields: get(r.yields, "yields")?,
            forced_yields: get(r.forced_yields, "forced_yields")?,
            preemptions: get(r.preemptions, "preemptions")?,
            greedy_items: get(r.greedy_items, "greedy_items")?,
            coro_errors,
            costs: PolicyCosts {
                yield_point: r.yield_point_cycles.map(|n| n.0),
                forced_yield: r.forced_yield_cycles.map(|n| n.0),
                quantum_start: r.quantum_start_cycles.map(|n| n.0),
                preemption: r.preemption_cycles.map(|n| n.0),
            },
            completion: CompletionCounters {
                complete: r.complete.clone().unwrap_or_else(|| "direct".into()),
                kernel_doorbells: r.kernel_doorbells.map_or(0.0, |n| n.0),
                kernel_tx_moved: r.kernel_tx_moved.map_or(0.0, |n| n.0),
                fwd_batches: r.fwd_batches.map_or(0.0, |n| n.0),
                fwd_timeout_batches: r.fwd_timeout_batches.map_or(0.0, |n| n.0),
                fwd_calls: r.fwd_calls.map_or(0.0, |n| n.0),
                fwd_kernel_cycles: r.fwd_kernel_cycles.map_or(0.0, |n| n.0),
            },
        })
    }
}
