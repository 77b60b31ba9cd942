//! E4's figures: p99.9 latency and slowdown against offered load, one curve per policy, per
//! workload (as in Shinjuku's and Concord's papers), and the throughput each policy sustains at
//! the SLO. Overloaded points (drops, outstanding requests or throughput under the offered
//! load) are drawn as a second series per policy, `<policy> (overloaded)`, which continues the
//! curve from its last sound point: they are marked, never silently plotted.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::experiment::{LoadRun, runs_of};
use super::points::{POLICIES, SWEEP};
use super::slo::SloThroughput;
use crate::experiments::ResultsFile;
use crate::figures::{BarChart, LineChart};

/// Which number a curve plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Y {
    P999LatencyUs,
    P999Slowdown,
}

impl Y {
    fn of(self, r: &LoadRun) -> f64 {
        match self {
            Y::P999LatencyUs => r.m.load.p999_ns / 1000.0,
            Y::P999Slowdown => r.m.load.p999_slowdown,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Y::P999LatencyUs => "p99.9 latency (µs, log)",
            Y::P999Slowdown => "p99.9 slowdown (latency ÷ service time, log)",
        }
    }
    fn file_part(self) -> &'static str {
        match self {
            Y::P999LatencyUs => "p999-latency",
            Y::P999Slowdown => "p999-slowdown",
        }
    }
}

/// Points of a curve, (x, y).
pub type Curve = Vec<(f64, f64)>;

/// One policy's curve split into its sound points and its overloaded tail (which starts at the
/// last sound point, so the two join).
pub fn split_curve(points: &[(f64, f64, bool)]) -> (Curve, Curve) {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let sound: Vec<(f64, f64)> = sorted.iter().filter(|p| !p.2).map(|p| (p.0, p.1)).collect();
    let first_over = sorted.iter().position(|p| p.2);
    let over = match first_over {
        None => Vec::new(),
        Some(i) => {
            let mut v: Vec<(f64, f64)> = Vec::new();
            if let Some(last_sound) = sorted[..i].iter().rev().find(|p| !p.2) {
                v.push((last_sound.0, last_sound.1));
            }
            v.extend(sorted[i..].iter().filter(|p| p.2).map(|p| (p.0, p.1)));
            v
        }
    };
    (sound, over)
}

/// The curves of one workload and one number.
pub fn curve_chart(runs: &[LoadRun], workload: &str, y: Y) -> LineChart {
    let title = format!(
        "E4: {} vs offered load, {workload} (1 worker core, {}, {} measured requests/point)",
        match y {
            Y::P999LatencyUs => "p99.9 latency",
            Y::P999Slowdown => "p99.9 slowdown",
        },
        runs.first().map_or("", |r| r.cpu.as_str()),
        runs.iter()
            .find(|r| r.workload == workload)
            .map_or(0, |r| r.m.load.measured)
    );
    let mut chart = LineChart::new(
        title,
        "offered load (fraction of one core's capacity)",
        y.label(),
    )
    .log_y(true);
    for policy in POLICIES {
        let pts: Vec<(f64, f64, bool)> = runs
            .iter()
            .filter(|r| r.set == SWEEP && r.workload == workload && r.policy == *policy)
            .map(|r| (r.load, y.of(r), r.m.load.overloaded))
            .filter(|p| p.1.is_finite() && p.1 > 0.0)
            .collect();
        let (sound, over) = split_curve(&pts);
        if !sound.is_empty() {
            chart = chart.series(*policy, sound);
        }
        if !over.is_empty() {
            chart = chart.series(format!("{policy} (overloaded)"), over);
        }
    }
    chart
}

/// The throughput at the SLO per workload (groups) and policy (bars), in M requests/s.
pub fn slo_chart(
    slo: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, SloThroughput>>,
    slo_p999_slowdown: f64,
) -> BarChart {
    let workloads: Vec<String> = slo.keys().cloned().collect();
    let mut chart = BarChart::new(
        format!("E4: throughput at the SLO (p99.9 slowdown ≤ {slo_p999_slowdown}), 1 core"),
        "throughput meeting the SLO (M requests/s; none: 0)",
        workloads.clone(),
    );
    chart.x_label = "workload".into();
    for policy in POLICIES {
        let values = workloads
            .iter()
            .map(|w| {
                slo[w]
                    .get(*policy)
                    .and_then(|s| s.throughput_rps)
                    .map_or(0.0, |t| t / 1e6)
            })
            .collect();
        chart = chart.series(*policy, values);
    }
    chart
}

/// `load-<workload>-<number>.svg`.
pub fn curve_path(dir: &Path, workload: &str, y: Y) -> PathBuf {
    dir.join(format!(
        "load-{}-{}.svg",
        super::points::workload_name(workload),
        y.file_part()
    ))
}

/// Every curve figure of the file, written into `dir`.
pub fn write_curves(file: &ResultsFile, dir: &Path) -> Result<Vec<PathBuf>> {
    let runs = runs_of(file)?;
    let mut out = Vec::new();
    for workload in crate::experiments::label_values(file, "workload") {
        for y in [Y::P999LatencyUs, Y::P999Slowdown] {
            let path = curve_path(dir, &workload, y);
            curve_chart(&runs, &workload, y).write_svg(&path)?;
            out.push(path);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overloaded_points_continue_the_curve_as_their_own_series() {
        let (sound, over) = split_curve(&[
            (0.8, 3.0, false),
            (0.2, 1.0, false),
            (1.2, 90.0, true),
            (0.95, 9.0, true),
        ]);
        assert_eq!(sound, vec![(0.2, 1.0), (0.8, 3.0)]);
        assert_eq!(over, vec![(0.8, 3.0), (0.95, 9.0), (1.2, 90.0)]);
        let (sound, over) = split_curve(&[(0.2, 1.0, false)]);
        assert_eq!((sound.len(), over.len()), (1, 0));
        let (sound, over) = split_curve(&[(0.2, 1.0, true)]);
        assert_eq!((sound.len(), over), (0, vec![(0.2, 1.0)]));
    }
}
