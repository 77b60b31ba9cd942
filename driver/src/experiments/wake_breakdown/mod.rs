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
//! The figure is drawn with its stage tables beside it (`results/wake-breakdown.md`,
//! [`tables`]), which the docs quote instead of copying the numbers.
//!
//! On a busy core the step that ends at `task_resumed` also holds the rest of the interrupted
//! background chunk (the executor runs the woken task when that task yields); E2's cycles lost
//! per wake (`results/wake.json`) less the handler's steps measured here is what the
//! interruption costs the background work beyond the handler: the refill of its pipeline and
//! caches.

mod figure;
pub mod tables;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use runconfig::Mechanism;
use runconfig::stages::Stage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wake;
use super::wake::guest::bench_record;
use super::{Experiment, Profile, ResultsFile};
use crate::coro_sched::CoroSchedSpec;
use crate::results::{self, Num, RunResult};
use crate::spec::Cpu;
use crate::summary::Summary;
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

/// Every path, idle and busy (the device paths with the MMIO protocol and the fast one).
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

/// The parts of the guest's wake record a stamped run adds.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct StampedRecord {
    /// The cost of one stamp: the gap between two back-to-back stamps.
    pub probe_cycles: Option<Num>,
    pub breakdown: Option<GuestBreakdown>,
    /// The empty counter bracket of the calibration points.
    pub bracket_cycles: Option<Num>,
    pub svc_cycles: Option<Num>,
    pub mmio_read_cycles: Option<Num>,
    pub mmio_write_cycles: Option<Num>,
}

/// The breakdown and probe cost from the guest's wake record.
pub fn guest_breakdown(results: &[Value]) -> Result<(GuestBreakdown, f64)> {
    let (b, probe, _) = stamped_record(results)?;
    Ok((b, probe))
}

/// The checked breakdown, the probe cost and the whole stamped record.
fn stamped_record(results: &[Value]) -> Result<(GuestBreakdown, f64, StampedRecord)> {
    let record: StampedRecord = bench_record(results, "wake")?;
    let probe = record
        .probe_cycles
        .context("the wake record has no probe_cycles: was the run made with stamps=1?")?
        .0;
    let b = record
        .breakdown
        .clone()
        .context("the wake record has no breakdown: was the run made with stamps=1?")?;
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
    Ok((b, probe, record))
}

/// What the breakdown records for one run: `metrics` of a record in
/// `results/wake-breakdown.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownMetrics {
    /// E1 of the stamped run ([`wake::WakeMetrics::latency`]).
    pub latency: Summary,
    /// Its mean: the device's event→resume total with the stamps.
    pub stamped_total: Num,
    pub probe_cycles: Num,
    pub stamps_per_wake: usize,
    /// How often the core waited idle ([`wake::guest::GuestExtras::idle_waits`]).
    pub idle_waits: Option<Num>,
    /// Stamped wakes, wakes whose stamps were skipped, wakes of patterns not reported.
    pub wakes: u64,
    pub skipped: u64,
    pub other_patterns: u64,
    pub patterns: Vec<GuestPattern>,
    /// The index of the dominant pattern, and its share of the stamped wakes.
    pub dominant: usize,
    pub dominant_share: Num,
    pub before_first_stamp: Num,
    pub first_stage: String,
    pub steps: Vec<Step>,
    /// The net steps and the step before the first stamp, added up.
    pub net_total: Num,
    pub calibration: Calibration,
}

/// The mean cycles of one step of the dominant pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The stage the step ends at.
    pub to: String,
    /// [`step_label`].
    pub label: String,
    pub raw: Num,
    /// Net of one probe.
    pub net: Num,
}

/// The calibration points, each the median of 32 (docs/wake-breakdown.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub empty_bracket: Option<Num>,
    pub svc_round_trip: Bracketed,
    pub mmio_read: Bracketed,
    pub mmio_write: Bracketed,
}

/// A calibration point as bracketed by the counter reads, and net of the empty bracket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bracketed {
    pub bracketed: Option<Num>,
    pub net: Option<Num>,
}

impl Bracketed {
    fn of(v: Option<Num>, bracket: Option<Num>) -> Bracketed {
        Bracketed {
            bracketed: v,
            net: v.zip(bracket).map(|(v, b)| Num(v.0 - b.0)),
        }
    }
}

/// The breakdown of one stamped run.
pub fn measure(point: &Point, result: &RunResult) -> Result<BreakdownMetrics> {
    let e1 = wake::measure(point, result)?;
    let latency = e1
        .latency
        .context("a stamped run must report RESUME (app parameter resume = 1): no E1 samples")?;
    let total = latency.mean;
    let (b, probe, record) = stamped_record(&result.results)?;
    let dominant = b
        .patterns
        .iter()
        .enumerate()
        .max_by_key(|(_, p)| p.wakes)
        .map(|(i, _)| i)
        .expect("stamped_record checked there is a pattern");
    let p = &b.patterns[dominant];
    let steps = steps(p, probe);
    let raw_sum: f64 = steps.iter().map(|s| s.1).sum();
    let before_first = (total - raw_sum - probe).max(0.0);
    let net_total = before_first + steps.iter().map(|s| s.2).sum::<f64>();
    let bracket = record.bracket_cycles;
    Ok(BreakdownMetrics {
        latency,
        stamped_total: Num(total),
        probe_cycles: Num(probe),
        stamps_per_wake: p.stages.len(),
        idle_waits: e1.guest.idle_waits,
        wakes: b.wakes,
        skipped: b.skipped,
        other_patterns: b.other,
        dominant,
        dominant_share: Num(p.wakes as f64 / b.wakes as f64),
        before_first_stamp: Num(before_first),
        first_stage: p.stages[0].clone(),
        steps: steps
            .iter()
            .map(|&(to, raw, net)| Step {
                to: to.name().into(),
                label: step_label(to).into(),
                raw: Num(raw),
                net: Num(net),
            })
            .collect(),
        net_total: Num(net_total),
        calibration: Calibration {
            empty_bracket: bracket,
            svc_round_trip: Bracketed::of(record.svc_cycles, bracket),
            mmio_read: Bracketed::of(record.mmio_read_cycles, bracket),
            mmio_write: Bracketed::of(record.mmio_write_cycles, bracket),
        },
        patterns: b.patterns,
    })
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
                // The stamped runs report RESUME: their total is E1's. The busy core's check
                // interval is a rate trade for E2, not a stage of a wake: left out.
                for variant in wake::Variant::of(path, busy)
                    .into_iter()
                    .filter(|v| v.report && v.check_every == 1)
                {
                    let mut spec = wake::spec_of(
                        cpu,
                        path,
                        busy,
                        s.wakes,
                        s.interval,
                        CoroSchedSpec::default(),
                        variant,
                    );
                    spec.params.insert(STAMPS_PARAM.into(), 1);
                    points.push(wake::point_of(cpu, path, busy, spec, variant));
                }
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        Ok(serde_json::to_value(measure(point, result)?)?)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        Ok(figure::chart(&figure::bars(file)?).write_svg(svg)?)
    }

    /// The figure and, beside it, the stage tables (`<name>.md`, [`tables`]) with the unstamped
    /// E1 means of `wake.json` in the same directory when it is there.
    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)
            .with_context(|| format!("drawing {}", svg.display()))?;
        let e1_json = ResultsFile::path(results_dir, wake::Wake.name());
        let e1: Option<ResultsFile> = if e1_json.exists() {
            Some(results::read_json(&e1_json)?)
        } else {
            None
        };
        let md = results_dir.join(format!("{}.md", self.name()));
        let text = tables::markdown(file, e1.as_ref())
            .with_context(|| format!("writing the stage tables of {}", md.display()))?;
        std::fs::write(&md, text).with_context(|| format!("writing {}", md.display()))?;
        Ok(vec![svg, md])
    }

    fn summary(&self, file: &ResultsFile) -> String {
        match figure::bars(file) {
            Ok(bars) => figure::summary(&file.experiment, &bars),
            Err(e) => format!("no table: {e:#}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
