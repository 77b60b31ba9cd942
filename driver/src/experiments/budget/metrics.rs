//! One E5 run's numbers: the latency-sensitive flow's percentiles from the NIC's records, the
//! greedy task's throughput from the NIC's stats, and, for a starved run, what was outstanding.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::experiments::load::budget::{BudgetPoint, greedy_rate};
use crate::experiments::load::service_record::Service;
use crate::requests::RequestSummary;
use crate::results::{ExitInfo, RUN_JSON, RunManifest, RunResult};
use crate::stats::StatsFile;

/// The guest's RX ring (`kernel::nic::RX_SLOTS`): the greedy flow's initial fill, which the
/// task never consumes for certain.
pub const RX_SLOTS: u64 = 256;
/// The NIC's count of greedy descriptors written.
pub const GREEDY_DELIVERED: &str = "system.**loadgen_nic.greedyDelivered";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetMetrics {
    /// None: no budget (`fcfs`).
    pub budget: Option<u64>,
    /// Flow 0 never got the core: the run ended at its limit with requests outstanding.
    pub starved: bool,
    pub completed: u64,
    pub outstanding: u64,
    pub outstanding_ids: Vec<u64>,
    pub dropped: u64,
    /// The latency-sensitive requests' percentiles, ns (None when none completed).
    pub p50_ns: Option<f64>,
    pub p99_ns: Option<f64>,
    pub mean_ns: Option<f64>,
    /// Greedy items consumed per second: the NIC's greedy deliveries less the ring's initial
    /// fill, over the window's simulated seconds.
    pub greedy_rps: Option<f64>,
    /// The guest's own count (items per second of its window), for comparison; None when
    /// starved (the guest never reported).
    pub guest_greedy_rps: Option<f64>,
    pub forced_yields: f64,
    /// Simulated seconds of the window the throughput is over.
    pub window_seconds: f64,
}

impl BudgetMetrics {
    /// The point for [`crate::experiments::load::budget::targets`], if it has both numbers.
    pub fn point(&self) -> Option<BudgetPoint> {
        Some(BudgetPoint {
            budget: self.budget,
            p99_ns: self.p99_ns?,
            greedy_rps: self.greedy_rps?,
        })
    }
}

/// Greedy deliveries and simulated seconds of a stats dump (or the sum of several).
fn greedy_of(dumps: &[&crate::stats::Dump]) -> Result<(f64, f64)> {
    let mut delivered = 0.0;
    let mut seconds = 0.0;
    for d in dumps {
        delivered += d
            .sum(GREEDY_DELIVERED)
            .context("stats.txt has no LoadGenNic greedyDelivered stat")?;
        seconds += d.value("simTicks")? / d.value("simFreq")?;
    }
    Ok((delivered, seconds))
}

fn from_summary(budget: Option<u64>, s: &RequestSummary, starved: bool) -> BudgetMetrics {
    BudgetMetrics {
        budget,
        starved,
        completed: s.completed,
        outstanding: s.outstanding,
        outstanding_ids: s.outstanding_ids.clone(),
        dropped: s.dropped,
        p50_ns: s.latency_ns.as_ref().map(|p| p.p50),
        p99_ns: s.latency_ns.as_ref().map(|p| p.p99),
        mean_ns: s.latency_ns.as_ref().map(|p| p.mean),
        greedy_rps: None,
        guest_greedy_rps: None,
        forced_yields: 0.0,
        window_seconds: 0.0,
    }
}

/// The numbers of one E5 run: a finished one (the guest's record and its measured stats
/// window) or a starved one (made by [`starved_result`]: no guest record; the stats of the
/// exit dump, from the guest's reset at the NIC's start to the tick limit).
pub fn measure(budget: Option<u64>, result: &RunResult) -> Result<BudgetMetrics> {
    let summary = result
        .requests
        .as_ref()
        .context("the run has no request summary (was the LoadGenNic attached?)")?;
    let stats = StatsFile::from_path(result.run_dir.join(crate::sim::gem5::STATS))
        .with_context(|| format!("reading the stats of {}", result.run_dir.display()))?;
    let service = Service::of(result).ok();
    let starved = service.is_none();
    let mut m = from_summary(budget, summary, starved);
    let dumps: Vec<&crate::stats::Dump> = if starved {
        stats.last().into_iter().collect()
    } else {
        let indices: Vec<usize> = result.measured().map(|w| w.index).collect();
        anyhow::ensure!(!indices.is_empty(), "stats.txt has no measured dump");
        indices
            .iter()
            .map(|&i| stats.dump(i))
            .collect::<Result<_, _>>()?
    };
    let (delivered, seconds) = greedy_of(&dumps)?;
    m.window_seconds = seconds;
    m.greedy_rps = greedy_rate(delivered, RX_SLOTS, seconds);
    if let Some(s) = service {
        m.forced_yields = s.forced_yields;
        let secs = s.window_cycles / crate::loadgen::CPU_HZ as f64;
        m.guest_greedy_rps = (secs > 0.0).then(|| s.greedy_items / secs);
    }
    Ok(m)
}

/// The stand-in result of a no-budget run that starved flow 0 (a hang at the tick limit, or
/// the guest's own stall panic), if its records say so: measured requests outstanding.
pub fn starved_result(dir: &Path, error: &str) -> Option<RunResult> {
    let hung = error.contains("--max-ticks") || error.contains("stopped serving");
    if !hung {
        return None;
    }
    let manifest: RunManifest = crate::results::read_json(&dir.join(RUN_JSON)).ok()?;
    let summary = crate::loadgen::request_summary(dir).ok()?;
    if summary.outstanding == 0 {
        return None;
    }
    Some(RunResult {
        schema: manifest.schema,
        run_dir: dir.to_path_buf(),
        spec: manifest.spec,
        provenance: manifest.provenance,
        exit: ExitInfo {
            status: None,
            signal: None,
            gem5: None,
            wall_secs: 0.0,
        },
        app_started: true,
        console_lines: 0,
        results: Vec::new(),
        stats: None,
        device_samples: None,
        requests: Some(summary),
    })
}
