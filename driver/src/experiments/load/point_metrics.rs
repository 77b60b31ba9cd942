//! What E4 records for one run: the request summary's numbers ([`LoadMetrics`]), the guest's
//! counters, the per-request overhead from gem5's stats and, on the points that carry it, the
//! analytic check against M/G/1.

use anyhow::{Context, Result, ensure};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::metrics::LoadMetrics;
use super::service_record::{CompletionCounters, PolicyCosts, Service};
use crate::requests::{AnalyticCheck, check_mg1, idle_overhead_ns, read_records};
use crate::results::RunResult;

/// The analytic check's tolerance (issue 10: within 10 %).
pub const ANALYTIC_TOLERANCE: f64 = 0.10;
/// The worker core's cycles when the system has several CPUs.
const WORKER_CYCLES: &str = "system.cpu_cluster.cpus0.numCycles";
/// gem5 ticks per ns (1 ps ticks).
pub const TICKS_PER_NS: f64 = 1000.0;
/// The cores' cycles per ns.
pub const CYCLES_PER_NS: f64 = crate::loadgen::CPU_HZ as f64 / 1e9;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointMetrics {
    #[serde(flatten)]
    pub load: LoadMetrics,
    /// Measured requests still outstanding at the end, and the first of their ids.
    pub outstanding: u64,
    pub outstanding_ids: Vec<u64>,
    /// Mean drawn (SYNTH) or worked (GET/SCAN) service time of the measured requests, ns.
    pub mean_service_ns: Option<f64>,
    /// The guest's work cycles ÷ the drawn ones (SYNTH): the service loop's calibration.
    pub work_to_drawn: Option<f64>,
    /// Cycles of the measured window (gem5's `numCycles` of the worker core between the NIC's
    /// start and the last completion) outside service work, per request received.
    pub overhead_cycles_per_request: f64,
    /// The same from the guest's own cycle counter (`window_cycles`), for comparison.
    pub guest_overhead_cycles_per_request: f64,
    /// Cycles of the run's other cores (the kernel core that collects forwarded calls) in the
    /// measured window, per request received; 0 on one core.
    #[serde(default)]
    pub other_core_cycles_per_request: f64,
    /// How completions went through the kernel (`complete` and its counters).
    #[serde(default)]
    pub completion: CompletionCounters,
    /// NIC-to-completion time beyond the service time of the requests that found the server
    /// idle (no waiting), ns: descriptor DMA, wake, dispatch, completion doorbell.
    pub idle_overhead_ns: Option<f64>,
    pub yields: f64,
    pub forced_yields: f64,
    pub preemptions: f64,
    /// The policy's costs measured by the guest at the start of the run.
    pub costs: PolicyCosts,
    /// Tolerated CoroSched error bits the run raised (`SPURIOUS_RESUME` on the poll path).
    pub coro_errors: u64,
    /// The M/G/1 check (fcfs, `exp:MEAN`, the analytic loads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytic: Option<AnalyticCheck>,
}

/// Cycles outside service work per request, from the cycles of a window that served
/// `received` requests (warm-up ones included) of which `measured` completed with
/// `measured_work_cycles` of work: the warm-up requests' work is counted at the measured mean.
pub fn overhead_per_request(
    window_cycles: f64,
    received: f64,
    measured: f64,
    measured_work_cycles: f64,
) -> Option<f64> {
    (received > 0.0 && measured > 0.0)
        .then(|| (window_cycles - measured_work_cycles * received / measured) / received)
}

/// The worker core's (core 0's) cycles in the measured window(s) of a run, and those of the
/// other cores.
pub fn measured_cycles(result: &RunResult) -> Result<(f64, f64)> {
    let mut sum = (0.0, 0.0);
    let mut any = false;
    for w in result.measured() {
        let all = w.cycles.with_context(|| {
            format!(
                "measured dump {} has no {} stat",
                w.index,
                crate::run::CYCLES
            )
        })?;
        // One CPU is `cpus`, several are `cpus0`, `cpus1`, …
        let worker = w
            .stats
            .get(WORKER_CYCLES)
            .and_then(Value::as_f64)
            .unwrap_or(all);
        sum.0 += worker;
        sum.1 += all - worker;
        any = true;
    }
    ensure!(
        any,
        "stats.txt has no measured dump (the service app resets the stats when the NIC starts \
         and dumps them after the last completion)"
    );
    Ok(sum)
}

/// The numbers of one E4 run; with `analytic`, also the M/G/1 check (λ and the service times
/// from the NIC's records, the per-request overhead from gem5's cycles). The per-request
/// records are read from the run's directory, which the sweep has just made or resumed.
pub fn measure(result: &RunResult, analytic: bool) -> Result<PointMetrics> {
    let summary = result
        .requests
        .as_ref()
        .context("the run has no request summary (was the LoadGenNic attached?)")?;
    let load = LoadMetrics::of(summary)?;
    let service = Service::of(result)?;
    let (cycles, other_cycles) = measured_cycles(result)?;
    let completed = summary.completed as f64;
    let overhead = |window| {
        overhead_per_request(window, service.received, completed, service.work_cycles)
            .context("no measured request completed")
    };
    let overhead_cycles = overhead(cycles)?;
    let records = read_records(&result.run_dir.join(crate::requests::RECORDS_FILE))?;
    // M/G/1's service time is the time the core is busy per request: the drawn service time
    // plus the cycles outside service work that gem5 counted in the window. (The records' idle
    // overhead is a latency, which also holds the wake from the idle state; it is kept for
    // comparison.)
    let analytic = if analytic {
        let o = overhead_cycles / CYCLES_PER_NS;
        Some(
            check_mg1(&records, TICKS_PER_NS, o, ANALYTIC_TOLERANCE)
                .map_err(|e| anyhow::anyhow!("the analytic check is impossible: {e}"))?,
        )
    } else {
        None
    };
    Ok(PointMetrics {
        load,
        outstanding: summary.outstanding,
        outstanding_ids: summary.outstanding_ids.clone(),
        mean_service_ns: summary.service_ns.as_ref().map(|p| p.mean),
        work_to_drawn: summary.work_to_drawn,
        overhead_cycles_per_request: overhead_cycles,
        guest_overhead_cycles_per_request: overhead(service.window_cycles)?,
        other_core_cycles_per_request: if service.received > 0.0 {
            other_cycles / service.received
        } else {
            0.0
        },
        completion: service.completion.clone(),
        idle_overhead_ns: idle_overhead_ns(&records, TICKS_PER_NS),
        yields: service.yields,
        forced_yields: service.forced_yields,
        preemptions: service.preemptions,
        costs: service.costs.clone(),
        coro_errors: service.coro_errors,
        analytic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overhead_counts_the_warmup_work_at_the_measured_mean() {
        // 110 requests received, 100 measured with 1000 work cycles each; the window has
        // 110 × 1000 of work and 110 × 300 of overhead.
        let o = overhead_per_request(110.0 * 1300.0, 110.0, 100.0, 100_000.0).unwrap();
        assert!((o - 300.0).abs() < 1e-9, "{o}");
        assert_eq!(overhead_per_request(1.0, 0.0, 0.0, 0.0), None);
    }
}
