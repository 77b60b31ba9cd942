//! E1's and E2's figures and the table printed after a sweep, from the gathered file.

use anyhow::Result;
use runconfig::Choice;

use super::PATHS;
use super::metrics::WakeMetrics;
use crate::coro_sched::samples::WakePath;
use crate::experiments::{Record, ResultsFile, label_values, typed_records};
use crate::figures::{BarChart, Whisker};

/// The records of a wake results file with their metrics.
pub struct WakeRuns<'a> {
    pub file: &'a ResultsFile,
    pub runs: Vec<(&'a Record, WakeMetrics)>,
}

impl<'a> WakeRuns<'a> {
    pub fn of(file: &'a ResultsFile) -> Result<WakeRuns<'a>> {
        Ok(WakeRuns {
            file,
            runs: typed_records(file)?,
        })
    }

    /// The metrics for (cpu, path, load), if the file has them.
    fn find(&self, cpu: &str, path: &str, load: &str) -> Option<&WakeMetrics> {
        fn label<'r>(r: &'r Record, key: &str) -> Option<&'r str> {
            r.labels.get(key).map(String::as_str)
        }
        self.runs
            .iter()
            .find(|(r, _)| {
                label(r, "cpu") == Some(cpu)
                    && label(r, "path") == Some(path)
                    && label(r, "load") == Some(load)
            })
            .map(|(_, m)| m)
    }

    /// Paths present in the file, in [`PATHS`] order.
    fn paths(&self) -> Vec<&'static str> {
        let present = label_values(self.file, "path");
        PATHS
            .iter()
            .map(|p| p.name())
            .filter(|p| present.iter().any(|q| q == p))
            .collect()
    }

    /// E2 of (cpu, path)'s busy run.
    fn lost_per_wake(&self, cpu: &str, path: &str) -> Option<f64> {
        Some(self.find(cpu, path, "busy")?.lost_cycles_per_wake?.0)
    }
}

/// E1: grouped bars, groups "<cpu> idle" / "<cpu> busy", one bar per path (mean), whiskers
/// p50..p99.
pub fn latency_chart(runs: &WakeRuns<'_>) -> BarChart {
    let file = runs.file;
    let wakes = file.records.first().map_or(0, |r| r.spec.iterations);
    let mut groups = Vec::new();
    for cpu in label_values(file, "cpu") {
        for load in ["idle", "busy"] {
            if file.records.iter().any(|r| {
                r.labels.get("cpu") == Some(&cpu)
                    && r.labels.get("load").map(String::as_str) == Some(load)
            }) {
                groups.push((cpu.clone(), load));
            }
        }
    }
    let mut chart = BarChart::new(
        format!(
            "E1: event-to-resume latency by wake path ({wakes} wakes/point, gem5 {})",
            file.simulator.version
        ),
        "cycles from event to resume (bar: mean, whisker: p50..p99)",
        groups.iter().map(|(c, l)| format!("{c} {l}")).collect(),
    );
    chart.x_label = "gem5 CPU model, waiting core idle or busy with background work".into();
    for path in runs.paths() {
        let latency = |(cpu, load): &(String, &str)| runs.find(cpu, path, load).map(|m| m.latency);
        let values = groups
            .iter()
            .map(|g| latency(g).map_or(f64::NAN, |l| l.mean))
            .collect();
        let whiskers = groups
            .iter()
            .map(|g| Whisker {
                low: latency(g).map_or(f64::NAN, |l| l.p50 as f64),
                high: latency(g).map_or(f64::NAN, |l| l.p99 as f64),
            })
            .collect();
        chart = chart.series_with_whiskers(path, values, whiskers);
    }
    chart
}

/// E2: bars of background cycles lost per wake, busy runs only, groups = CPUs, series = paths;
/// `None` if the file has no busy run.
pub fn cost_chart(runs: &WakeRuns<'_>) -> Option<BarChart> {
    let file = runs.file;
    let busy: Vec<&Record> = file
        .records
        .iter()
        .filter(|r| r.labels.get("load").map(String::as_str) == Some("busy"))
        .collect();
    if busy.is_empty() {
        return None;
    }
    let cpus = label_values(file, "cpu");
    let wakes = busy[0].spec.iterations;
    let mut chart = BarChart::new(
        format!(
            "E2: background cycles lost per wake ({wakes} wakes/point, gem5 {})",
            file.simulator.version
        ),
        "background cycles lost per wake",
        cpus.clone(),
    );
    chart.x_label = "gem5 CPU model (waiting core busy with background work)".into();
    for path in runs.paths() {
        let values = cpus
            .iter()
            .map(|cpu| runs.lost_per_wake(cpu, path).unwrap_or(f64::NAN))
            .collect();
        chart = chart.series(path, values);
    }
    Some(chart)
}

/// The table printed after a sweep: E1 mean (p50, p99) and E2 by path, CPU and load.
pub fn summary(runs: &WakeRuns<'_>) -> String {
    let cpus = label_values(runs.file, "cpu");
    let paths = runs.paths();
    let mut out = format!("{:<10}", "E1 cycles");
    let mut cols = Vec::new();
    for cpu in &cpus {
        for load in ["idle", "busy"] {
            cols.push((cpu.clone(), load));
            out.push_str(&format!("{:>28}", format!("{cpu} {load} mean (p50, p99)")));
        }
    }
    out.push('\n');
    for path in &paths {
        out.push_str(&format!("{path:<10}"));
        for (cpu, load) in &cols {
            let cell = runs.find(cpu, path, load).map_or_else(
                || "-".into(),
                |m| {
                    let l = m.latency;
                    format!("{:.1} ({}, {})", l.mean, l.p50, l.p99)
                },
            );
            out.push_str(&format!("{cell:>28}"));
        }
        out.push('\n');
    }
    out.push_str(&format!("\n{:<10}", "E2 lost"));
    for cpu in &cpus {
        out.push_str(&format!("{:>22}", format!("{cpu} cycles/wake")));
    }
    out.push('\n');
    for path in &paths {
        out.push_str(&format!("{path:<10}"));
        for cpu in &cpus {
            let cell = runs
                .lost_per_wake(cpu, path)
                .map_or_else(|| "-".into(), |v| format!("{v:.1}"));
            out.push_str(&format!("{cell:>22}"));
        }
        out.push('\n');
    }
    let fell_back: Vec<String> = runs
        .runs
        .iter()
        .filter_map(|(r, m)| {
            let n = *m.samples.by_path.get(&WakePath::Fallback)?;
            (n > 0).then(|| format!("{} ({n})", r.id))
        })
        .collect();
    if !fell_back.is_empty() {
        out.push_str(&format!(
            "\nwakes that fell back to the interrupt: {}\n",
            fell_back.join(", ")
        ));
    }
    out
}
