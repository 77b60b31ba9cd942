//! The numbers of one wake run ([`WakeMetrics`]), measured from the run's result: the guest's
//! record, the device's samples kept in `result.json` and the measured stats dumps.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};

use super::device::{DeviceCounts, DeviceStats, device_counts, device_stats};
use super::guest::{GuestExtras, e2_agrees, guest_record, lost_cycles_per_wake};
use super::selection::{BY_DUMP_WINDOW, NOT_REPORTED, Selection, select_samples};
use crate::coro_sched::recorded::RecordedSamples;
use crate::coro_sched::samples::WakePath;
use crate::coro_sched::{self, Latency, Placement};
use crate::results::{Num, RunResult};
use crate::summary::Summary;
use crate::sweep::Point;

/// Significant digits of the HdrHistogram summary recorded beside the exact one.
pub const HDR_SIGFIG: u8 = 3;

/// What E1/E2 (and the latency sweep) record for one run: `metrics` of a record in
/// `results/wake.json` and `results/wake-latency.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WakeMetrics {
    /// The run's wake path.
    pub path: String,
    /// The app parameter `busy`.
    pub busy: u64,
    /// Measured wakes (the guest's count; the samples agree).
    pub wakes: u64,
    pub timeouts: u64,
    /// The guest's other numbers.
    pub guest: GuestExtras,
    /// The device the run had.
    pub coro_sched: DeviceConfig,
    /// Which samples were measured.
    pub samples: SamplesUsed,
    /// E1: the exact summary of every measured sample (plotted); `None` when the run did not
    /// report RESUME (app parameter `resume` = 0: an E2-only run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Summary>,
    /// The same from an HdrHistogram of [`HDR_SIGFIG`] significant digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_hdr: Option<Summary>,
    /// E1 by the path the device recorded (the run's path, and `fallback`).
    pub latency_by_path: BTreeMap<WakePath, PathLatency>,
    /// E2 (busy runs): background cycles lost per wake, as the driver computes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_cycles_per_wake: Option<Num>,
    /// E2's inputs and intermediate numbers (busy runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e2: Option<E2>,
    /// The device's counts summed over the measured windows.
    pub device: DeviceCounts,
    /// The device's stats of each measured dump, by dump.
    pub device_stats: DeviceStats,
}

/// The device of a run, as recorded with its numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceConfig {
    pub placement: Placement,
    /// The MMIO base, in hex.
    pub base: String,
    pub pio_latency: Latency,
    pub pio_latency_ns: Num,
    pub queue_depth: u64,
}

/// Which of the device's samples a run's numbers come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplesUsed {
    /// The samples file of the run.
    pub file: PathBuf,
    /// `stats-dump-window` or `last-wakes` ([`super::selection`]).
    pub selection: String,
    /// The stats dumps whose windows hold them.
    pub dumps: Vec<usize>,
    /// Why the fallback selection was used.
    pub note: Option<String>,
    pub count: usize,
    pub by_path: BTreeMap<WakePath, usize>,
}

/// The exact and the HdrHistogram summary of one path's samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathLatency {
    pub exact: Summary,
    pub hdr: Summary,
}

/// E2 of a busy run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct E2 {
    pub bg_units_without: Num,
    pub bg_cycles_without: Num,
    pub bg_units_with: Num,
    pub bg_cycles_with: Num,
    pub cycles_per_unit_without: Num,
    pub lost_cycles: Num,
    pub lost_cycles_per_wake: Num,
    pub lost_cycles_per_wake_guest: Num,
}

/// The exact and the HdrHistogram summary of some cycles.
fn summaries(cycles: &[u64]) -> Result<PathLatency> {
    let exact = Summary::from_samples(cycles)?;
    let hdr = Summary::from_histogram(&Summary::histogram_with_precision(cycles, HDR_SIGFIG)?)?;
    Ok(PathLatency { exact, hdr })
}

/// Whether the run's woken task reported RESUME (app parameter `resume`, default 1), i.e.
/// whether it has E1 samples.
pub fn reports_resume(spec: &crate::spec::RunSpec) -> bool {
    spec.params.get("resume").copied().unwrap_or(1) != 0
}

/// The selection of a run that did not report RESUME: no samples, and the measured windows
/// must hold none (a sample there would mean the guest reported after all).
fn not_reported(recorded: &RecordedSamples, measured: &[usize]) -> Result<Selection> {
    let windows = &recorded.dump_windows;
    let stray: usize = measured
        .iter()
        .filter_map(|&d| windows.get(d))
        .map(|w| w.len())
        .sum();
    ensure!(
        stray == 0,
        "the run has resume=0 (no RESUME reports), but {} holds {stray} samples in the \
         measured stats dump(s) {measured:?}",
        recorded.file.display()
    );
    Ok(Selection {
        samples: Vec::new(),
        method: NOT_REPORTED,
        dumps: measured.to_vec(),
        note: Some("resume=0: the woken task did not report RESUME; E2 only".into()),
    })
}

/// The numbers of one wake run (see the module docs of [`super`]); shared with the latency
/// sweep and the breakdown.
pub fn measure(point: &Point, result: &RunResult) -> Result<WakeMetrics> {
    let spec = &point.spec;
    let device = spec
        .sim
        .coro_sched()
        .context("the run has no CoroSched device; the wake app needs it")?;
    let guest = guest_record(spec, &result.results)?;

    let recorded = result.device_samples.as_ref().with_context(|| {
        format!(
            "the run's result.json has no device samples ({} in {})",
            coro_sched::SAMPLES_FILE,
            result.run_dir.display()
        )
    })?;
    let measured: Vec<usize> = result.measured().map(|d| d.index).collect();
    let sel = if reports_resume(spec) {
        select_samples(recorded, &measured, guest.wakes).with_context(|| {
            format!(
                "selecting the measured samples of {}",
                recorded.file.display()
            )
        })?
    } else {
        not_reported(recorded, &measured)?
    };

    let allowed = [
        WakePath::from_name(&spec.mechanism),
        Some(WakePath::Fallback),
    ];
    if let Some(s) = sel
        .samples
        .iter()
        .find(|s| !allowed.contains(&Some(s.path)))
    {
        bail!(
            "{}: sample {} is of path {} in a {} run (only {} and fallback belong to it)",
            recorded.file.display(),
            s.index,
            s.path,
            spec.mechanism,
            spec.mechanism
        );
    }
    let all: Vec<u64> = sel.samples.iter().map(|s| s.cycles).collect();
    let overall = if all.is_empty() {
        None
    } else {
        Some(summaries(&all)?)
    };
    let mut by_path: BTreeMap<WakePath, Vec<u64>> = BTreeMap::new();
    for s in &sel.samples {
        by_path.entry(s.path).or_default().push(s.cycles);
    }
    let latency_by_path = by_path
        .iter()
        .map(|(path, cycles)| Ok((*path, summaries(cycles)?)))
        .collect::<Result<BTreeMap<_, _>>>()?;

    // The device's stats of the windows that hold the samples (all measured dumps otherwise).
    let stat_dumps = if sel.method == BY_DUMP_WINDOW {
        &sel.dumps
    } else {
        &measured
    };
    let per_dump = device_stats(result, stat_dumps);
    ensure!(
        per_dump.values().any(|s| !s.is_empty()),
        "the measured stats dump(s) {stat_dumps:?} have no CoroSched stats (looked for {})",
        coro_sched::STATS_PATTERN
    );
    let counts = device_counts(&per_dump);
    if sel.method == BY_DUMP_WINDOW {
        for (path, cycles) in &by_path {
            if let Some(Num(n)) = counts.resumes_by_path.get(path) {
                ensure!(
                    *n == cycles.len() as f64,
                    "the device's stats count {n} resumes of path {path} in the measured dump(s) \
                     {:?}, {} has {} samples of it there",
                    sel.dumps,
                    coro_sched::SAMPLES_FILE,
                    cycles.len()
                );
            }
        }
    }

    let (lost_cycles_per_wake, e2) = match &guest.background {
        None => (None, None),
        Some(bg) => {
            let lost = lost_cycles_per_wake(bg, guest.wakes)?;
            ensure!(
                e2_agrees(bg.lost_per_wake, lost),
                "the guest reports {} background cycles lost per wake, the driver computes \
                 {lost:.3} from (bg_cycles_with {} - bg_units_with {} × bg_cycles_without {} / \
                 bg_units_without {}) / {} wakes",
                bg.lost_per_wake,
                bg.cycles_with,
                bg.units_with,
                bg.cycles_without,
                bg.units_without,
                guest.wakes
            );
            let e2 = E2 {
                bg_units_without: Num(bg.units_without),
                bg_cycles_without: Num(bg.cycles_without),
                bg_units_with: Num(bg.units_with),
                bg_cycles_with: Num(bg.cycles_with),
                cycles_per_unit_without: Num(bg.cycles_without / bg.units_without),
                lost_cycles: Num(lost * guest.wakes as f64),
                lost_cycles_per_wake: Num(lost),
                lost_cycles_per_wake_guest: Num(bg.lost_per_wake),
            };
            (Some(Num(lost)), Some(e2))
        }
    };
    Ok(WakeMetrics {
        path: spec.mechanism.clone(),
        busy: spec.params.get("busy").copied().unwrap_or(0),
        wakes: guest.wakes,
        timeouts: guest.timeouts,
        guest: guest.extras,
        coro_sched: DeviceConfig {
            placement: device.placement,
            base: format!("{:#x}", device.base()),
            pio_latency: device.pio_latency,
            pio_latency_ns: Num(device.pio_latency.ns()),
            queue_depth: device.queue_depth,
        },
        samples: SamplesUsed {
            file: recorded.file.clone(),
            selection: sel.method.into(),
            dumps: sel.dumps,
            note: sel.note,
            count: all.len(),
            by_path: by_path.iter().map(|(p, c)| (*p, c.len())).collect(),
        },
        latency: overall.as_ref().map(|o| o.exact),
        latency_hdr: overall.map(|o| o.hdr),
        latency_by_path,
        lost_cycles_per_wake,
        e2,
        device: counts,
        device_stats: per_dump,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Experiment;
    use crate::experiments::wake::Wake;
    use crate::experiments::wake::tests::{quick_point as point, recorded, result};
    use crate::spec::Cpu;
    use runconfig::Mechanism;
    use serde_json::json;

    #[test]
    fn one_run_measured_from_samples_record_and_stats() {
        let dir = tempfile::tempdir().unwrap();
        // 100 hwq samples 100..=1 and one fallback of 1000: exact p50 51, p99 100, max 1000.
        let mut samples: Vec<(&str, u64)> = (1..=100).rev().map(|c| ("hwq", c)).collect();
        samples.insert(40, ("fallback", 1000));
        let rec = recorded(&samples);
        let p = point(Cpu::Minor, Mechanism::Hwq, 1);
        let n = samples.len() as f64;
        // Background: 1000 units in 10,000 cycles alone (10 cycles a unit); 900 units took
        // 15,050 cycles with events, 6,050 more than their 9,000: 6,050 / 101 per wake.
        let lost = (15_050.0 - 9_000.0) / n;
        let record = json!({"bench":"wake","path":"hwq","busy":1,"wakes":101,"timeouts":0,
            "bg_units_without":1000,"bg_cycles_without":10000,"bg_units_with":900,
            "bg_cycles_with":15050,"lost_cycles_per_wake":lost.round()});
        let stats = [
            ("events", 101.0),
            ("wakes::hwq", 100.0),
            ("wakes::fallback", 1.0),
            ("fallbacks", 1.0),
            ("resumesByPath::hwq", 100.0),
            ("resumesByPath::fallback", 1.0),
            ("queueDepth::samples", 100.0),
            ("queueDepth::1", 90.0),
            ("queueDepth::2", 10.0),
            ("queueDepth::max_value", 2.0),
        ];
        let run = |record: &serde_json::Value, samples: Option<&_>, stats: &[(&str, f64)]| {
            let r = result(
                dir.path(),
                &p,
                vec![record.clone()],
                samples.cloned(),
                stats,
            );
            measure(&p, &r).map_err(|e| format!("{e:#}"))
        };
        let m = run(&record, Some(&rec), &stats).unwrap();
        let l = m.latency.unwrap();
        assert_eq!(
            (l.count, l.p50, l.p99, l.max, l.min),
            (101, 51, 100, 1000, 1)
        );
        assert_eq!(m.latency_hdr.unwrap().p50, 51);
        let hwq = m.latency_by_path[&WakePath::Hwq].exact;
        assert_eq!((hwq.p50, hwq.p90, hwq.p99, hwq.mean), (50, 90, 99, 50.5));
        assert_eq!(m.latency_by_path[&WakePath::Fallback].exact.count, 1);
        assert_eq!(m.samples.selection, BY_DUMP_WINDOW);
        assert_eq!(m.samples.file, rec.file);
        assert_eq!(
            m.samples.by_path,
            BTreeMap::from([(WakePath::Hwq, 100), (WakePath::Fallback, 1)])
        );
        assert_eq!(m.lost_cycles_per_wake, Some(Num(lost)));
        assert_eq!(m.e2.as_ref().unwrap().cycles_per_unit_without, Num(10.0));
        assert_eq!(m.device.counters["events"], Num(101.0));
        assert_eq!(
            m.device.wakes,
            BTreeMap::from([(WakePath::Hwq, Num(100.0)), (WakePath::Fallback, Num(1.0))])
        );
        let depth = m.device.queue_depth.as_ref().unwrap();
        assert_eq!((depth.mean, depth.max), (Some(Num(1.1)), Some(Num(2.0))));
        assert_eq!(m.device_stats[&1]["fallbacks"], Num(1.0));
        assert_eq!(m.coro_sched.base, "0x2d000000");
        assert_eq!(m.coro_sched.pio_latency.to_string(), "2ns");

        // As the results file holds it, and back.
        let r = result(
            dir.path(),
            &p,
            vec![record.clone()],
            Some(rec.clone()),
            &stats,
        );
        let v = Wake.measure(&p, &r).unwrap();
        assert_eq!(v["latency"]["p50"], json!(51));
        assert_eq!(v["device"]["queue_depth"]["mean"], json!(1.1));
        assert_eq!(v["device"]["events"], json!(101));
        assert_eq!(v["device_stats"]["1"]["fallbacks"], json!(1));
        assert_eq!(serde_json::from_value::<WakeMetrics>(v).unwrap(), m);

        // The guest's E2 number off by more than 1 %: the record fails.
        let mut off = record.clone();
        off["lost_cycles_per_wake"] = json!(lost * 1.05);
        let e = run(&off, Some(&rec), &stats).unwrap_err();
        assert!(e.contains("the driver computes"), "{e}");
        // Stats that disagree with the samples.
        let mut bad = stats.to_vec();
        bad[4] = ("resumesByPath::hwq", 99.0);
        let e = run(&record, Some(&rec), &bad).unwrap_err();
        assert!(e.contains("count 99 resumes of path hwq"), "{e}");
        // No device stats at all.
        let e = run(&record, Some(&rec), &[]).unwrap_err();
        assert!(e.contains("no CoroSched stats"), "{e}");
        // No samples in the result.
        let e = run(&record, None, &stats).unwrap_err();
        assert!(e.contains("has no device samples"), "{e}");
        // A sample of another path.
        let mut other = samples.clone();
        other[40].0 = "irq";
        let e = run(&record, Some(&recorded(&other)), &stats).unwrap_err();
        assert!(e.contains("sample 43 is of path irq in a hwq run"), "{e}");
    }
}
