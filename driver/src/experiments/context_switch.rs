//! E3, context switch: cycles per switch for a coroutine yield through the executor, a
//! cooperative stackful-thread switch and a timer-driven preemptive thread switch, on an
//! in-order (`minor`) and an out-of-order (`o3`) core.
//!
//! The figure's number is the guest's: the `ctxswitch` app stamps the (simulated) cycle counter
//! in both workers and reports, over every measured switch, the cycles from the old worker's
//! last stamp to the new worker's first (`@result {"bench":"ctxswitch","switches":…,"mean":…,
//! "p50":…,"p99":…,…}`). The gem5 stats of the measured window are recorded beside it
//! (`window_cycles_per_switch` = the CPUs' `numCycles` in the measured dump / switches), but
//! they are not the switch cost: for `thread-preempt` the workers spin between switches, so
//! the window is dominated by the timer quantum.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use runconfig::{App, Choice};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wake::guest::bench_record;
use super::{Experiment, Profile, Record, ResultsFile, typed_records};
use crate::figures::{BarChart, Whisker};
use crate::results::{Num, RunResult};
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::sweep::Point;

pub struct ContextSwitch;

/// CPU models of the sweep, in figure order.
pub const CPUS: &[Cpu] = &[Cpu::Minor, Cpu::O3];
/// Seed of every run (recorded with each result).
pub const SEED: u64 = 1;
/// Simulated time after which a run counts as hung: 1 s, far beyond 100,000 switches.
pub const MAX_TICKS: u64 = 1_000_000_000_000;

fn iterations(profile: Profile) -> u64 {
    match profile {
        Profile::Smoke => 200,
        Profile::Quick => 10_000,
        Profile::Full => 100_000,
    }
}

/// The spec of one point, also used by the gem5 test tier.
pub fn spec(cpu: Cpu, mechanism: &str, iterations: u64) -> RunSpec {
    RunSpec::new(SpecRequest {
        app: App::ContextSwitch,
        mechanism: Some(mechanism),
        cores: 1,
        iterations,
        seed: SEED,
        params: &[],
        // E3 does not use the device: the machine has none (`--no-coro-sched`).
        sim: SimSpec::gem5(cpu, MAX_TICKS),
    })
    .expect("the mechanisms come from the app's own list")
}

/// The app's `@result` record (`"bench": "ctxswitch"`), the fields the driver uses: switch
/// cycles over every measured switch, and the cost of one stamp.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SwitchRecord {
    pub mechanism: Option<String>,
    pub switches: Option<Num>,
    pub mean: Option<Num>,
    pub min: Option<Num>,
    pub p50: Option<Num>,
    pub p90: Option<Num>,
    pub p99: Option<Num>,
    pub max: Option<Num>,
    pub probe_overhead: Option<Num>,
}

/// What E3 records for one run: `metrics` of a record in `results/context-switch.json`. The
/// guest's numbers, and the gem5 stats of the measured window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwitchMetrics {
    pub switches: f64,
    pub mean: f64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub probe_overhead: f64,
    pub measured_dumps: Vec<usize>,
    pub window_cycles: f64,
    pub window_insts: Option<f64>,
    pub window_cycles_per_switch: f64,
    pub window_insts_per_switch: Option<f64>,
}

fn required(v: Option<Num>, field: &str) -> Result<f64> {
    v.map(|n| n.0)
        .with_context(|| format!("the guest record has no \"{field}\""))
}

/// The numbers of one run.
pub fn measure(point: &Point, result: &RunResult) -> Result<SwitchMetrics> {
    let record: SwitchRecord = bench_record(&result.results, "ctxswitch")?;
    if let Some(m) = &record.mechanism {
        ensure!(
            *m == point.spec.mechanism,
            "the guest ran {m}, the run asked for {}",
            point.spec.mechanism
        );
    }
    let switches = required(record.switches, "switches")?;
    ensure!(switches > 0.0, "the guest measured {switches} switches");
    let windows: Vec<_> = result.measured().collect();
    ensure!(
        !windows.is_empty(),
        "stats.txt has no measured dump: the app must m5_reset_stats before and m5_dump_stats after its \
         switch loop (ARCHITECTURE.md, contract 3)"
    );
    let mut cycles = 0.0;
    let mut insts = Some(0.0);
    for w in &windows {
        cycles += w.cycles.with_context(|| {
            format!(
                "measured dump {} has no {} stat",
                w.index,
                crate::run::CYCLES
            )
        })?;
        insts = insts.zip(w.insts).map(|(a, b)| a + b);
    }
    Ok(SwitchMetrics {
        switches,
        mean: required(record.mean, "mean")?,
        min: required(record.min, "min")?,
        p50: required(record.p50, "p50")?,
        p90: required(record.p90, "p90")?,
        p99: required(record.p99, "p99")?,
        max: required(record.max, "max")?,
        probe_overhead: required(record.probe_overhead, "probe_overhead")?,
        measured_dumps: windows.iter().map(|w| w.index).collect(),
        window_cycles: cycles,
        window_insts: insts,
        window_cycles_per_switch: cycles / switches,
        window_insts_per_switch: insts.map(|i| i / switches),
    })
}

impl Experiment for ContextSwitch {
    fn name(&self) -> &'static str {
        "context-switch"
    }

    fn about(&self) -> &'static str {
        "E3: cycles per switch, coroutine yield vs cooperative vs preemptive thread switch"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        let mut points = Vec::new();
        for &cpu in CPUS {
            for mech in App::ContextSwitch.mechanisms() {
                points.push(Point {
                    id: format!("{}-{}", cpu.name(), mech.name()),
                    spec: spec(cpu, mech.name(), iterations(profile)),
                    labels: BTreeMap::from([
                        ("cpu".to_string(), cpu.name().to_string()),
                        ("mechanism".to_string(), mech.name().to_string()),
                    ]),
                });
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        Ok(serde_json::to_value(measure(point, result)?)?)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        let runs = typed_records::<SwitchMetrics>(file)?;
        let title = format!(
            "E3: cycles per context switch ({} switches/point, gem5 {})",
            file.records.first().map(|r| r.spec.iterations).unwrap_or(0),
            file.simulator.version
        );
        let groups = CPUS.iter().map(|c| c.name().to_string()).collect();
        let mut chart = BarChart::new(
            title,
            "cycles per switch (bar: mean, whisker: p50..p99)",
            groups,
        );
        chart.x_label = "gem5 CPU model".into();
        for m in App::ContextSwitch.mechanisms() {
            // A point missing from the file is drawn as no bar (NaN), not as zero.
            let get = |cpu: &Cpu, field: fn(&SwitchMetrics) -> f64| {
                find(&runs, cpu.name(), m.name()).map_or(f64::NAN, field)
            };
            let values = CPUS.iter().map(|c| get(c, |s| s.mean)).collect();
            let whiskers = CPUS
                .iter()
                .map(|c| Whisker {
                    low: get(c, |s| s.p50),
                    high: get(c, |s| s.p99),
                })
                .collect();
            chart = chart.series_with_whiskers(m.name(), values, whiskers);
        }
        Ok(chart.write_svg(svg)?)
    }

    fn summary(&self, file: &ResultsFile) -> String {
        let runs = match typed_records::<SwitchMetrics>(file) {
            Ok(runs) => runs,
            Err(e) => return format!("no table: {e:#}\n"),
        };
        let mut out = format!("{:<16}", "cycles/switch");
        for cpu in CPUS {
            out.push_str(&format!(
                "{:>26}",
                format!("{} mean (p50, p99)", cpu.name())
            ));
        }
        out.push('\n');
        for m in App::ContextSwitch.mechanisms() {
            out.push_str(&format!("{:<16}", m.name()));
            for cpu in CPUS {
                let cell = find(&runs, cpu.name(), m.name()).map_or_else(
                    || "-".into(),
                    |s| format!("{:.1} ({}, {})", s.mean, s.p50, s.p99),
                );
                out.push_str(&format!("{cell:>26}"));
            }
            out.push('\n');
        }
        out
    }
}

/// The metrics of the run of (`cpu`, `mechanism`).
fn find<'a>(
    runs: &'a [(&Record, SwitchMetrics)],
    cpu: &str,
    mechanism: &str,
) -> Option<&'a SwitchMetrics> {
    runs.iter()
        .find(|(r, _)| {
            r.labels.get("cpu").map(String::as_str) == Some(cpu)
                && r.labels.get("mechanism").map(String::as_str) == Some(mechanism)
        })
        .map(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{DumpStats, Window};
    use serde_json::json;

    fn result(point: &Point, windows: &[(Window, Option<f64>)], records: Vec<Value>) -> RunResult {
        RunResult {
            results: records,
            stats: Some(
                windows
                    .iter()
                    .enumerate()
                    .map(|(index, (window, cycles))| DumpStats {
                        index,
                        window: *window,
                        cycles: *cycles,
                        insts: cycles.map(|c| c / 2.0),
                        stats: Default::default(),
                    })
                    .collect(),
            ),
            ..crate::results::tests::sample_result(Path::new("/runs/x"), point.spec.clone())
        }
    }

    fn record(mechanism: &str) -> Value {
        json!({"bench":"ctxswitch","mechanism":mechanism,"switches":20000,"total_cycles":600000,
               "probe_overhead":3,"quantum_ticks":0,"count":20000,"mean":24.5,"min":20,"p50":24,
               "p90":27,"p99":31,"max":80})
    }

    const WINDOWS: &[(Window, Option<f64>)] = &[
        (Window::Boot, Some(9e9)),
        (Window::Measured, Some(500_000.0)),
        (Window::Exit, Some(1.0)),
    ];

    #[test]
    fn points_cover_cpus_times_mechanisms() {
        let points = ContextSwitch.points(Profile::Quick);
        let ids: Vec<_> = points.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "minor-coro-yield",
                "minor-thread-coop",
                "minor-thread-preempt",
                "o3-coro-yield",
                "o3-thread-coop",
                "o3-thread-preempt"
            ]
        );
        assert!(
            points
                .iter()
                .all(|p| p.spec.iterations == 10_000 && p.spec.seed == SEED)
        );
        assert!(
            ContextSwitch
                .points(Profile::Full)
                .iter()
                .all(|p| p.spec.iterations == 100_000)
        );
    }

    #[test]
    fn metrics_from_the_guest_record_and_the_measured_window() {
        let p = &ContextSwitch.points(Profile::Quick)[0];
        let r = result(p, WINDOWS, vec![json!({"other": 1}), record("coro-yield")]);
        let m = ContextSwitch.measure(p, &r).unwrap();
        assert_eq!(m["mean"], json!(24.5));
        assert_eq!(m["p99"], json!(31.0));
        assert_eq!(m["probe_overhead"], json!(3.0));
        assert_eq!(m["window_cycles_per_switch"], json!(25.0));
        assert_eq!(m["window_insts_per_switch"], json!(12.5));
        assert_eq!(m["measured_dumps"], json!([1]));
    }

    #[test]
    fn missing_pieces_are_errors() {
        let p = &ContextSwitch.points(Profile::Quick)[0];
        let err = |windows, records| {
            format!(
                "{:#}",
                ContextSwitch
                    .measure(p, &result(p, windows, records))
                    .unwrap_err()
            )
        };
        assert!(err(WINDOWS, vec![]).contains("no @result record with \"bench\":\"ctxswitch\""));
        assert!(err(WINDOWS, vec![record("thread-coop")]).contains("the guest ran thread-coop"));
        let mut no_p99 = record("coro-yield");
        no_p99.as_object_mut().unwrap().remove("p99");
        assert!(err(WINDOWS, vec![no_p99]).contains("no \"p99\""));
        let no_window = &[(Window::Boot, Some(1.0)), (Window::Exit, Some(1.0))];
        assert!(err(no_window, vec![record("coro-yield")]).contains("no measured dump"));
        let no_cycles = &[
            (Window::Boot, Some(1.0)),
            (Window::Measured, None),
            (Window::Exit, Some(1.0)),
        ];
        assert!(err(no_cycles, vec![record("coro-yield")]).contains("numCycles"));
    }
}
