//! The device's stats of the measured dump(s) (`system.**coro_sched.*`): every one as the
//! device named it (`device_stats`), and the counts summed over the measured windows (`device`:
//! events, wakes by path, fallbacks, resumes by path, queue-depth distribution, …).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::coro_sched;
use crate::coro_sched::samples::WakePath;
use crate::results::{Num, RunResult};

/// Device stats (name as the device registers it → value) of each measured dump, by dump.
pub type DeviceStats = BTreeMap<usize, BTreeMap<String, Num>>;

/// Device stats of each of the given measured dumps.
pub fn device_stats(result: &RunResult, dumps: &[usize]) -> DeviceStats {
    result
        .measured()
        .filter(|d| dumps.contains(&d.index))
        .map(|d| {
            let stats = d
                .values()
                .filter_map(|(k, v)| Some((coro_sched::stat_name(k)?.to_string(), Num(v))))
                .collect();
            (d.index, stats)
        })
        .collect()
}

/// Counters summed over the windows.
const COUNTS: &[&str] = &[
    "events",
    "genFires",
    "fallbacks",
    "irqRaises",
    "overruns",
    "resumes",
    "spuriousResumes",
    "pops",
    "emptyPops",
    "ringWrites",
    "eventSignals",
    "latched",
    "coalesced",
    "bindings",
    "rebinds",
    "bindErrors",
    "unbinds",
    "errors",
];

/// The device's counts over the measured windows (`device` in the metrics).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceCounts {
    /// The scalars of [`COUNTS`] the dumps have, by the device's names.
    #[serde(flatten)]
    pub counters: BTreeMap<String, Num>,
    /// `wakes::<path>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub wakes: BTreeMap<WakePath, Num>,
    /// `resumesByPath::<path>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resumes_by_path: BTreeMap<WakePath, Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_depth: Option<QueueDepth>,
}

/// The distribution of the hardware queue's depth at each push.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueDepth {
    pub samples: Option<Num>,
    /// Depth → pushes that found it.
    pub buckets: BTreeMap<u64, Num>,
    pub overflows: Option<Num>,
    pub max: Option<Num>,
    /// Mean depth over the bucketed pushes; none without any.
    pub mean: Option<Num>,
}

/// Sums the device's counts over the windows of `per_dump`.
pub fn device_counts(per_dump: &DeviceStats) -> DeviceCounts {
    let sum = |name: &str| -> Option<Num> {
        let vals: Vec<f64> = per_dump
            .values()
            .filter_map(|s| s.get(name).map(|n| n.0))
            .collect();
        (!vals.is_empty()).then(|| Num(vals.iter().sum()))
    };
    let by_path = |stat: &str| -> BTreeMap<WakePath, Num> {
        WakePath::ALL
            .iter()
            .filter_map(|p| Some((*p, sum(&format!("{stat}::{p}"))?)))
            .collect()
    };
    DeviceCounts {
        counters: COUNTS
            .iter()
            .filter_map(|name| Some(((*name).to_string(), sum(name)?)))
            .collect(),
        wakes: by_path("wakes"),
        resumes_by_path: by_path("resumesByPath"),
        queue_depth: queue_depth(
            per_dump,
            sum("queueDepth::samples"),
            sum("queueDepth::overflows"),
        ),
    }
}

/// `queueDepth::<depth>` buckets (gem5 prints `::1`, `::2`, … for a bucket size of 1).
fn queue_depth(
    per_dump: &DeviceStats,
    samples: Option<Num>,
    overflows: Option<Num>,
) -> Option<QueueDepth> {
    let mut buckets: BTreeMap<u64, f64> = BTreeMap::new();
    for stats in per_dump.values() {
        for (name, v) in stats {
            if let Some(depth) = name
                .strip_prefix("queueDepth::")
                .and_then(|d| d.parse::<u64>().ok())
            {
                *buckets.entry(depth).or_default() += v.0;
            }
        }
    }
    if samples.is_none() && buckets.is_empty() {
        return None;
    }
    let counted: f64 = buckets.values().sum();
    let weighted: f64 = buckets.iter().map(|(d, c)| *d as f64 * c).sum();
    let max = per_dump
        .values()
        .filter_map(|s| s.get("queueDepth::max_value").map(|n| n.0))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    Some(QueueDepth {
        samples,
        buckets: buckets.into_iter().map(|(d, c)| (d, Num(c))).collect(),
        overflows,
        max: max.map(Num),
        mean: (counted > 0.0).then(|| Num(weighted / counted)),
    })
}
