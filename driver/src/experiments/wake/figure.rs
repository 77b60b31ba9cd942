//! E1's and E2's figures and the table printed after a sweep, from the gathered file.

use anyhow::Result;
use runconfig::Choice;

use super::metrics::WakeMetrics;
use super::{PATHS, Protocol};
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

    /// The metrics for (cpu, series, load) with RESUME reported or not, if the file has them.
    /// A series is a path, `<path> fast` for the fast protocol ([`series_name`]).
    fn find(&self, cpu: &str, series: &str, load: &str, reported: bool) -> Option<&WakeMetrics> {
        fn label<'r>(r: &'r Record, key: &str) -> Option<&'r str> {
            r.labels.get(key).map(String::as_str)
        }
        self.runs
            .iter()
            .find(|(r, _)| {
                label(r, "cpu") == Some(cpu)
                    && series_of(r) == series
                    && label(r, "load") == Some(load)
                    && reported_of(r) == reported
            })
            .map(|(_, m)| m)
    }

    /// Series present in the file: the paths in [`PATHS`] order, then their fast-protocol
    /// variants.
    fn series(&self) -> Vec<String> {
        let present: Vec<String> = self.runs.iter().map(|(r, _)| series_of(r)).collect();
        let mut every: Vec<u32> = self.runs.iter().map(|(r, _)| check_every_of(r)).collect();
        every.sort_unstable();
        every.dedup();
        let protocols = [
            Protocol::Mmio,
            Protocol::LeanIrq,
            Protocol::Fast,
            Protocol::FastL1,
        ];
        let mut out = Vec::new();
        for protocol in protocols {
            for &k in &every {
                for p in PATHS {
                    let s = series_name(p.name(), protocol, k);
                    if present.contains(&s) && !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    /// Whether the file has busy runs with RESUME reported (`true`) or not.
    fn has_busy(&self, reported: bool) -> bool {
        self.runs.iter().any(|(r, _)| {
            r.labels.get("load").map(String::as_str) == Some("busy") && reported_of(r) == reported
        })
    }

    /// E2 of (cpu, series)'s busy run, RESUME reported or not.
    fn lost_per_wake(&self, cpu: &str, series: &str, reported: bool) -> Option<f64> {
        Some(
            self.find(cpu, series, "busy", reported)?
                .lost_cycles_per_wake?
                .0,
        )
    }
}

/// A record's series: its path, `<path> fast` when it ran the fast protocol (see
/// [`series_name`]).
pub fn series_of(r: &Record) -> String {
    let path = r.labels.get("path").map_or("", String::as_str);
    let protocol = match r.labels.get("protocol").map(String::as_str) {
        Some(p) if p == Protocol::Fast.name() => Protocol::Fast,
        Some(p) if p == Protocol::FastL1.name() => Protocol::FastL1,
        Some(p) if p == Protocol::LeanIrq.name() => Protocol::LeanIrq,
        _ => Protocol::Mmio,
    };
    series_name(path, protocol, check_every_of(r))
}

/// A record's ready-source check interval (label `check_every`, 1 when absent).
fn check_every_of(r: &Record) -> u32 {
    r.labels
        .get("check_every")
        .and_then(|k| k.parse().ok())
        .unwrap_or(1)
}

/// Whether a record's woken task reported RESUME (label `report`, `on` when absent).
fn reported_of(r: &Record) -> bool {
    r.labels.get("report").map(String::as_str) != Some("off")
}

/// `<path>`, `<path> fast`, `<path> fast-l1 k8` (a check every 8 steps), ...
pub fn series_name(path: &str, protocol: Protocol, check_every: u32) -> String {
    let mut name = match protocol {
        Protocol::Mmio => path.to_string(),
        other => format!("{path} {}", other.name()),
    };
    if check_every != 1 {
        name.push_str(&format!(" k{check_every}"));
    }
    name
}

/// E1: grouped bars, groups "<cpu> idle" / "<cpu> busy", one bar per series (path, and the
/// fast protocol's hwq and ring; mean), whiskers p50..p99. Runs that reported RESUME only.
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
    for path in runs.series() {
        let latency = |(cpu, load): &(String, &str)| {
            runs.find(cpu, &path, load, true).and_then(|m| m.latency)
        };
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
        chart = chart.series_with_whiskers(&path, values, whiskers);
    }
    chart
}

/// E2: bars of background cycles lost per wake, busy runs only; groups = CPU × whether the
/// woken task reported RESUME (the E1 probe, one MMIO write per wake, charged to the path) or
/// not, series = paths and fast-protocol variants; `None` if the file has no busy run.
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
    let wakes = busy[0].spec.iterations;
    let groups = cost_groups(runs);
    // A file with only reported runs (from before the `resume` parameter) keeps its old
    // labels: one group per CPU.
    let both = runs.has_busy(false);
    let mut chart = BarChart::new(
        format!(
            "E2: background cycles lost per wake ({wakes} wakes/point, gem5 {})",
            file.simulator.version
        ),
        "background cycles lost per wake",
        groups
            .iter()
            .map(|(cpu, reported)| {
                if both {
                    format!("{cpu}, {}", report_name(*reported))
                } else {
                    cpu.clone()
                }
            })
            .collect(),
    );
    chart.x_label = if both {
        "gem5 CPU model (waiting core busy); RESUME: the E1 probe's MMIO write per wake, \
         charged to the path (reported) or left out (not reported)"
            .into()
    } else {
        "gem5 CPU model (waiting core busy with background work)".into()
    };
    for series in runs.series() {
        let values = groups
            .iter()
            .map(|(cpu, reported)| {
                runs.lost_per_wake(cpu, &series, *reported)
                    .unwrap_or(f64::NAN)
            })
            .collect();
        chart = chart.series(&series, values);
    }
    Some(chart)
}

/// The E2 chart's and table's columns: (cpu, RESUME reported), those the file has.
fn cost_groups(runs: &WakeRuns<'_>) -> Vec<(String, bool)> {
    let mut groups = Vec::new();
    for cpu in label_values(runs.file, "cpu") {
        for reported in [true, false] {
            if runs.has_busy(reported) {
                groups.push((cpu.clone(), reported));
            }
        }
    }
    groups
}

fn report_name(reported: bool) -> &'static str {
    if reported {
        "RESUME reported"
    } else {
        "not reported"
    }
}

/// The table printed after a sweep: E1 mean (p50, p99) and E2 by series, CPU and load.
pub fn summary(runs: &WakeRuns<'_>) -> String {
    let cpus = label_values(runs.file, "cpu");
    let paths = runs.series();
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
            let cell = runs
                .find(cpu, path, load, true)
                .and_then(|m| m.latency)
                .map_or_else(
                    || "-".into(),
                    |l| format!("{:.1} ({}, {})", l.mean, l.p50, l.p99),
                );
            out.push_str(&format!("{cell:>28}"));
        }
        out.push('\n');
    }
    let groups = cost_groups(runs);
    out.push_str(&format!("\n{:<10}", "E2 lost"));
    for (cpu, reported) in &groups {
        out.push_str(&format!(
            "{:>28}",
            format!("{cpu} {}", report_name(*reported))
        ));
    }
    out.push('\n');
    for path in &paths {
        out.push_str(&format!("{path:<10}"));
        for (cpu, reported) in &groups {
            let cell = runs
                .lost_per_wake(cpu, path, *reported)
                .map_or_else(|| "-".into(), |v| format!("{v:.1}"));
            out.push_str(&format!("{cell:>28}"));
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
