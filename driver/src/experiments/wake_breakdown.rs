//! Where the cycles of one wake go, stage by stage: the `irq` path's exception entry, context
//! save, GIC acknowledge, device event read, executor wake, EOI, context restore and return,
//! and the same points on the other paths (idle exit, ready-source check and pop, resume).
//!
//! Sweep: the E1 runs ([`super::wake::spec`], same seed, interval and device) with the app
//! parameter `stamps = 1`: the guest's probe (kernel `probe`, `runconfig::stages`) stamps the
//! cycle counter at each stage of every wake and reports, per *pattern* (the stages a wake
//! passed, in the order of their stamps), the summed cycles of each step. The device's samples
//! give the event→resume total of the same wakes, as in E1 ([`super::wake::measure`]).
//!
//! Per run, for the dominant pattern (the one most wakes took):
//!
//! - `steps`: mean cycles of each step, raw (as stamped) and net of one probe (`probe_cycles`,
//!   which the guest measured as the gap between two back-to-back stamps: each raw step ends
//!   with one stamp's cost).
//! - the step before the first stamp, which no stamp can see: the device's mean event→resume
//!   total minus the raw steps minus the first stamp's own cost. It holds the event's delivery
//!   (SPI to the core, or the device's push and event wire), the core's wake from WFE when it
//!   slept, and the transit of the final `RESUME` write to the device.
//!
//! The net steps add up to the stamped total minus every stamp's cost: an estimate of the
//! unstamped E1 mean (`results/wake.json`), which `net_total` can be checked against.
//!
//! Each run also measures calibration points beside the breakdown (`calibration`; each the
//! median of 32, net of the empty counter bracket): this kernel's null `svc` round trip (the
//! same vectors and full frame as the interrupt), to set against the published hardware figures
//! for a system call, and one MMIO read and one MMIO write of the device, the unit cost of an
//! `hwq` pop, the irq handler's status read, and each bind and resume report
//! (docs/wake-breakdown.md).
//!
//! On a busy core the step that ends at `task_resumed` also holds the rest of the interrupted
//! background chunk (the executor runs the woken task when that task yields); E2's cycles lost
//! per wake (`results/wake.json`) less the handler's steps measured here is what the
//! interruption costs the background work beyond the handler: the refill of its pipeline and
//! caches.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use runconfig::stages::Stage;
use runconfig::{Choice, Mechanism};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wake::{self, label_values, load_name, metric};
use super::{Experiment, Profile, ResultsFile, number};
use crate::coro_sched::CoroSchedSpec;
use crate::figures::StackedBarChart;
use crate::figures::format_value;
use crate::results::{RunResult, json_number};
use crate::spec::Cpu;
use crate::sweep::Point;

pub struct WakeBreakdown;

/// The app parameter that turns the probe on.
pub const STAMPS_PARAM: &str = "stamps";

/// The size of the sweep per profile: the one table to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub wakes: u64,
    pub cpus: &'static [Cpu],
    /// (path, busy) pairs.
    pub runs: &'static [(Mechanism, u64)],
    pub interval: u64,
}

/// Every path, idle and busy.
const EVERY_PATH: &[(Mechanism, u64)] = &[
    (Mechanism::Irq, 0),
    (Mechanism::Poll, 0),
    (Mechanism::Hwq, 0),
    (Mechanism::Ring, 0),
    (Mechanism::Irq, 1),
    (Mechanism::Poll, 1),
    (Mechanism::Hwq, 1),
    (Mechanism::Ring, 1),
];

pub fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            wakes: 50,
            cpus: &[Cpu::O3],
            runs: &[(Mechanism::Irq, 0), (Mechanism::Ring, 0)],
            interval: 20_000,
        },
        // The E1 quick runs' seed and interval, so the stamped runs see the same events.
        Profile::Quick => Sizes {
            wakes: 1_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            runs: EVERY_PATH,
            interval: wake::sizes(Profile::Quick).interval,
        },
        Profile::Full => Sizes {
            wakes: 10_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            runs: EVERY_PATH,
            interval: wake::sizes(Profile::Full).interval,
        },
    }
}

/// What the step that ends at `to` is, in the figure and tables.
pub fn step_label(to: Stage) -> &'static str {
    match to {
        Stage::VectorEntry => "exception entry",
        Stage::HandlerEntry => "context save",
        Stage::GicAcked => "GIC acknowledge",
        Stage::EventTaken => "device event read + ack",
        Stage::TaskWoken => "executor wake",
        Stage::Eoi => "GIC EOI",
        Stage::VectorExit => "context restore",
        Stage::IdleExit => "WFE exit",
        Stage::SourceCheck => "executor to ready source",
        Stage::SourcePopped => "ready-source pop",
        Stage::TaskResumed => "executor runs the task",
    }
}

/// The segment before the first stamp.
pub const BEFORE_FIRST: &str =
    "before the first stamp: event delivery, wake from WFE (busy: the running chunk)";

/// One pattern as the guest reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestPattern {
    pub stages: Vec<String>,
    pub wakes: u64,
    /// `sums[k]`: cycles from `stages[k-1]` to `stages[k]` over the wakes; `sums[0]` = 0.
    pub sums: Vec<u64>,
}

/// The guest's `breakdown` object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestBreakdown {
    pub wakes: u64,
    pub skipped: u64,
    pub other: u64,
    pub patterns: Vec<GuestPattern>,
}

/// The breakdown and probe cost from the guest's wake record.
pub fn guest_breakdown(results: &[Value]) -> Result<(GuestBreakdown, f64)> {
    let record = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some("wake"))
        .context("the guest printed no wake record")?;
    let probe = record
        .get("probe_cycles")
        .and_then(number)
        .context("the wake record has no probe_cycles: was the run made with stamps=1?")?;
    let b: GuestBreakdown = serde_json::from_value(
        record
            .get("breakdown")
            .cloned()
            .context("the wake record has no breakdown: was the run made with stamps=1?")?,
    )
    .context("the wake record's breakdown is malformed")?;
    for p in &b.patterns {
        ensure!(
            !p.stages.is_empty() && p.stages.len() == p.sums.len() && p.wakes > 0,
            "a breakdown pattern has {} stages, {} sums and {} wakes",
            p.stages.len(),
            p.sums.len(),
            p.wakes
        );
        for s in &p.stages {
            ensure!(
                Stage::from_name(s).is_some(),
                "unknown stage '{s}' in the breakdown"
            );
        }
    }
    ensure!(
        b.wakes > 0 && !b.patterns.is_empty(),
        "the breakdown has no stamped wakes ({} skipped)",
        b.skipped
    );
    Ok((b, probe))
}

/// Mean steps of `pattern`, net of one probe each: `(to-stage, raw mean, net mean)`.
pub fn steps(pattern: &GuestPattern, probe: f64) -> Vec<(Stage, f64, f64)> {
    pattern
        .stages
        .iter()
        .zip(&pattern.sums)
        .skip(1)
        .map(|(s, &sum)| {
            let raw = sum as f64 / pattern.wakes as f64;
            let stage = Stage::from_name(s).expect("checked by guest_breakdown");
            (stage, raw, (raw - probe).max(0.0))
        })
        .collect()
}

impl Experiment for WakeBreakdown {
    fn name(&self) -> &'static str {
        "wake-breakdown"
    }

    fn about(&self) -> &'static str {
        "E1 by stage: where the cycles of a wake go on each path (stamped runs)"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        let s = sizes(profile);
        let mut points = Vec::new();
        for &cpu in s.cpus {
            for &(path, busy) in s.runs {
                let mut spec = wake::spec(
                    cpu,
                    path,
                    busy,
                    s.wakes,
                    s.interval,
                    CoroSchedSpec::default(),
                );
                spec.params.insert(STAMPS_PARAM.into(), 1);
                points.push(Point {
                    id: format!("{}-{}-{}", cpu.name(), path.name(), load_name(busy)),
                    spec,
                    labels: BTreeMap::from([
                        ("cpu".to_string(), cpu.name().to_string()),
                        ("path".to_string(), path.name().to_string()),
                        ("load".to_string(), load_name(busy).to_string()),
                    ]),
                });
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        let e1 = wake::measure(point, result)?;
        let total = e1
            .pointer("/latency/mean")
            .and_then(number)
            .context("no mean event-to-resume latency")?;
        let (b, probe) = guest_breakdown(&result.results)?;
        let dominant = b
            .patterns
            .iter()
            .enumerate()
            .max_by_key(|(_, p)| p.wakes)
            .map(|(i, _)| i)
            .expect("guest_breakdown checked there is a pattern");
        let p = &b.patterns[dominant];
        let steps = steps(p, probe);
        let raw_sum: f64 = steps.iter().map(|s| s.1).sum();
        let before_first = (total - raw_sum - probe).max(0.0);
        let net_total = before_first + steps.iter().map(|s| s.2).sum::<f64>();
        let guest_field = |name: &str| {
            result
                .results
                .iter()
                .find(|r| r.get("bench").and_then(Value::as_str) == Some("wake"))
                .and_then(|r| r.get(name))
                .and_then(number)
        };
        let bracket = guest_field("bracket_cycles");
        let net_of_bracket = |name: &str| {
            let v = guest_field(name);
            json!({
                "bracketed": v.map(json_number),
                "net": v.zip(bracket).map(|(v, b)| json_number(v - b)),
            })
        };
        Ok(json!({
            "latency": e1.get("latency"),
            "stamped_total": json_number(total),
            "probe_cycles": json_number(probe),
            "stamps_per_wake": p.stages.len(),
            "idle_waits": e1.pointer("/guest/idle_waits").cloned().unwrap_or(Value::Null),
            "wakes": b.wakes,
            "skipped": b.skipped,
            "other_patterns": b.other,
            "patterns": b.patterns,
            "dominant": dominant,
            "dominant_share": json_number(p.wakes as f64 / b.wakes as f64),
            "before_first_stamp": json_number(before_first),
            "first_stage": p.stages[0],
            "steps": steps.iter().map(|(to, raw, net)| json!({
                "to": to.name(),
                "label": step_label(*to),
                "raw": json_number(*raw),
                "net": json_number(*net),
            })).collect::<Vec<_>>(),
            "net_total": json_number(net_total),
            "calibration": {
                "empty_bracket": bracket.map(json_number),
                "svc_round_trip": net_of_bracket("svc_cycles"),
                "mmio_read": net_of_bracket("mmio_read_cycles"),
                "mmio_write": net_of_bracket("mmio_write_cycles"),
            },
        }))
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        Ok(chart(file).write_svg(svg)?)
    }

    fn summary(&self, file: &ResultsFile) -> String {
        summary(file)
    }
}

/// The bars' names and the records behind them, in cpu, load, path order.
fn bars(file: &ResultsFile) -> Vec<(String, &super::Record)> {
    let mut out = Vec::new();
    for cpu in label_values(file, "cpu") {
        for load in ["idle", "busy"] {
            for path in label_values(file, "path") {
                if let Some(r) = file.records.iter().find(|r| {
                    r.labels.get("cpu") == Some(&cpu)
                        && r.labels.get("path") == Some(&path)
                        && r.labels.get("load").map(String::as_str) == Some(load)
                }) {
                    out.push((format!("{cpu} {path} {load}"), r));
                }
            }
        }
    }
    out
}

/// The net steps of a record by label.
fn net_steps(r: &super::Record) -> Vec<(String, f64)> {
    let mut out = vec![(
        BEFORE_FIRST.to_string(),
        metric(r, "/before_first_stamp").unwrap_or(f64::NAN),
    )];
    if let Some(steps) = r.metrics.get("steps").and_then(Value::as_array) {
        for s in steps {
            let label = s.get("label").and_then(Value::as_str).unwrap_or("?");
            let net = s.get("net").and_then(number).unwrap_or(f64::NAN);
            match out.iter_mut().find(|(l, _)| l == label) {
                Some(e) => e.1 += net,
                None => out.push((label.to_string(), net)),
            }
        }
    }
    out
}

/// Stacked bars: one per run, one segment per step (net of the probe), in stage order.
pub fn chart(file: &ResultsFile) -> StackedBarChart {
    let bars = bars(file);
    let mut labels: Vec<&'static str> = vec![BEFORE_FIRST];
    labels.extend(Stage::ALL.iter().map(|&s| step_label(s)));
    let per_bar: Vec<Vec<(String, f64)>> = bars.iter().map(|(_, r)| net_steps(r)).collect();
    let mut chart = StackedBarChart::new(
        "Where a wake's cycles go (event to resume, net of the probe)",
        "cycles (mean)",
        bars.iter().map(|(n, _)| n.clone()).collect(),
    );
    // Wide enough that each bar's "cpu path load" label fits on its three lines.
    chart.size = (1500, 680);
    for label in labels {
        let values: Vec<f64> = per_bar
            .iter()
            .map(|steps| steps.iter().find(|(l, _)| l == label).map_or(0.0, |s| s.1))
            .collect();
        if values.iter().any(|&v| v > 0.0) {
            chart = chart.segment(label, values);
        }
    }
    chart
}

fn summary(file: &ResultsFile) -> String {
    let mut out = format!(
        "{}: mean cycles per step of the dominant pattern, net of one probe each\n",
        file.experiment
    );
    for (name, r) in bars(file) {
        out.push_str(&format!(
            "\n{name}: stamped total {}, net total {}, probe {} per stamp, pattern share {}\n",
            fmt(metric(r, "/stamped_total")),
            fmt(metric(r, "/net_total")),
            fmt(metric(r, "/probe_cycles")),
            fmt(metric(r, "/dominant_share")),
        ));
        for (label, v) in net_steps(r) {
            out.push_str(&format!("  {label:<48} {:>8}\n", format_value(v, Some(0))));
        }
    }
    out
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format_value(v, Some(2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        json!({
            "bench": "wake", "path": "irq", "probe_cycles": 26,
            "breakdown": {"wakes": 3, "skipped": 0, "other": 0, "patterns": [
                {"stages": ["idle_exit", "vector_entry", "task_resumed"], "wakes": 2,
                 "sums": [0, 100, 600]},
                {"stages": ["vector_entry", "idle_exit", "task_resumed"], "wakes": 1,
                 "sums": [0, 40, 200]}
            ]}
        })
    }

    #[test]
    fn reads_the_guest_breakdown_and_nets_the_probe() {
        let (b, probe) = guest_breakdown(&[record()]).unwrap();
        assert_eq!(probe, 26.0);
        assert_eq!(b.patterns.len(), 2);
        let s = steps(&b.patterns[0], probe);
        assert_eq!(
            s,
            vec![
                (Stage::VectorEntry, 50.0, 24.0),
                (Stage::TaskResumed, 300.0, 274.0)
            ]
        );
    }

    #[test]
    fn a_run_without_stamps_or_with_bad_stages_is_an_error() {
        let mut r = record();
        r.as_object_mut().unwrap().remove("probe_cycles");
        let e = guest_breakdown(&[r]).unwrap_err().to_string();
        assert!(e.contains("stamps=1"), "{e}");
        let mut r = record();
        r["breakdown"]["patterns"][0]["stages"][0] = json!("warp_drive");
        let e = guest_breakdown(&[r]).unwrap_err().to_string();
        assert!(e.contains("warp_drive"), "{e}");
        let mut r = record();
        r["breakdown"]["patterns"][0]["sums"] = json!([0, 1]);
        assert!(guest_breakdown(&[r]).is_err());
    }

    #[test]
    fn every_point_is_stamped_and_labelled() {
        for profile in [Profile::Smoke, Profile::Quick, Profile::Full] {
            for p in WakeBreakdown.points(profile) {
                assert_eq!(p.spec.params.get(STAMPS_PARAM), Some(&1), "{}", p.id);
                assert!(p.labels.contains_key("cpu") && p.labels.contains_key("load"));
            }
        }
    }

    #[test]
    fn every_stage_has_a_distinct_label() {
        let mut labels: Vec<_> = Stage::ALL.iter().map(|&s| step_label(s)).collect();
        labels.push(BEFORE_FIRST);
        let n = labels.len();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), n);
    }
}
