//! E1's sensitivity to the device's access latency: where does the hardware queue stop paying?
//!
//! Sweep: the device's `pio_latency` (`--coro-pio-latency`) over [`Sizes::latencies_ns`] ×
//! wake path (irq, hwq, and ring in the full profile) × CPU, idle core, app `wake`, the device
//! on-chip otherwise at its defaults. 225 ns is about the measured ≈ 900-cycle MMIO read of an
//! off-chip I/O-bus device at 4 GHz (docs/coro-sched-device.md), so the sweep spans on-chip to
//! off-chip costs. Each run is measured exactly as in E1 ([`super::wake::measure`]).
//!
//! **The fixed irq reference.** The irq path does not wake through the scheduler device: the
//! interrupt comes from the event source through the GIC, and the handler's device access is
//! to the event source, reading (and acknowledging) its pending-event register `EVT_PENDING`.
//! In the simulated system the event source and the scheduler are one CoroSched device with one
//! `pio_latency`, so the swept irq runs pay the swept latency on that status read: they move
//! the event source along with the scheduler, and hwq's and irq's curves need not cross. But
//! the sweep asks how far the *scheduler* device may move while the event source stays at its
//! default on-chip placement. So each CPU also has a fixed reference point: irq at the
//! device's default latency ([`REFERENCE_LATENCY`] = [`DEFAULT_PIO_LATENCY`], 2 ns), point
//! `<cpu>-irq-2ns`. That is the id a swept irq point at 2 ns has, so a profile that sweeps 2 ns
//! reuses that run (no second run), and the sweep resumes it from the same run directory either
//! way; a profile that does not (quick) runs it besides, and it shows as one more point of the
//! irq curve.
//!
//! The results, in `analysis` of `results/wake-latency.json`, per CPU and challenger path (hwq;
//! ring too when it was swept): with d(L) = mean(challenger at L) − baseline(L) at the swept
//! latencies in increasing order, the first L where d ≥ 0 after a d < 0, linearly interpolated
//! between that point and the one before ([`crossover`]); "none in range" when the challenger
//! wins at every latency or already loses at the smallest. Two baselines:
//! - `crossover`, the result: the fixed irq reference's mean at every L ([`crossovers`]; the
//!   entries carry `reference_latency_ns` and `reference_mean`);
//! - `crossover_same_latency`: irq at the same L, i.e. the event source moved together with the
//!   scheduler device ([`crossovers_same_latency`]).
//!
//! **Placement.** Besides the on-chip latencies, every path also runs with the device off-chip
//! (`--coro-placement off-chip`: on the I/O bus behind the 50 ns bridge, its DMA through the
//! I/O cache), point `<cpu>-<path>-off-chip`. The event source is the same device, so it moves
//! off-chip too: irq's status read and acknowledge cross the I/O bus as hwq's pop does.
//! `analysis.placement` gives each path's mean there and its ratio to irq's
//! ([`placements`]).

mod crossover;
mod figure;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use runconfig::{Choice, Mechanism};
use serde_json::{Value, json};

use super::wake::{self, WakeMetrics};
use super::{Experiment, Profile, Record, ResultsFile, label_values};
use crate::coro_sched::{CoroSchedSpec, DEFAULT_PIO_LATENCY, Latency, Placement};
use crate::figures::format_value;
use crate::results::RunResult;
use crate::spec::Cpu;
use crate::sweep::Point;
use crossover::ns;
pub use crossover::{Crossover, crossover, crossover_against};
pub use figure::chart;
use figure::reference_line;

pub struct WakeLatency;

/// The path every other path is compared with.
pub const BASELINE: Mechanism = Mechanism::Irq;

/// The device latency of the fixed irq reference: the event source at its default placement.
pub const REFERENCE_LATENCY: Latency = DEFAULT_PIO_LATENCY;

/// The size of the sweep per profile: the one table to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Measured wakes per run.
    pub wakes: u64,
    pub cpus: &'static [Cpu],
    /// The baseline (irq) first.
    pub paths: &'static [Mechanism],
    /// Device access latencies (`pio_latency`) in ns, increasing. The irq reference (at
    /// [`REFERENCE_LATENCY`]) is run besides when it is not among them.
    pub latencies_ns: &'static [u64],
    /// Mean cycles between events (app parameter `interval`).
    pub interval: u64,
}

pub fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            wakes: 50,
            cpus: &[Cpu::O3],
            paths: &[Mechanism::Irq, Mechanism::Hwq],
            latencies_ns: &[2, 225],
            interval: 20_000,
        },
        Profile::Quick => Sizes {
            wakes: 1_000,
            cpus: &[Cpu::O3],
            paths: &[Mechanism::Irq, Mechanism::Hwq, Mechanism::Ring],
            latencies_ns: &[1, 10, 50, 225],
            interval: 10_000,
        },
        Profile::Full => Sizes {
            wakes: 10_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            paths: &[Mechanism::Irq, Mechanism::Hwq, Mechanism::Ring],
            latencies_ns: &[1, 2, 5, 10, 20, 50, 100, 225],
            interval: 20_000,
        },
    }
}

/// The latency (ns) label of a record.
fn latency_of(r: &Record) -> Option<f64> {
    r.labels.get("pio_latency_ns")?.parse().ok()
}

/// The mean event-to-resume cycles of a record ([`WakeMetrics::latency`]).
fn mean_of(r: &Record) -> Option<f64> {
    r.metrics_as::<WakeMetrics>()
        .ok()
        .and_then(|m| m.latency)
        .map(|l| l.mean)
}

/// Whether a record is a run of `path` on `cpu`.
fn is_run_of(r: &Record, cpu: &str, path: &str) -> bool {
    r.labels.get("cpu").map(String::as_str) == Some(cpu)
        && r.labels.get("path").map(String::as_str) == Some(path)
}

/// (latency, mean) of `path` on `cpu`, by latency.
fn series(file: &ResultsFile, cpu: &str, path: &str) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = file
        .records
        .iter()
        .filter(|r| is_run_of(r, cpu, path))
        .filter_map(|r| Some((latency_of(r)?, mean_of(r)?)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

/// The fixed irq reference run of `cpu` (irq at [`REFERENCE_LATENCY`]), if the file has it; a
/// file gathered before the reference existed may not.
pub fn reference<'a>(file: &'a ResultsFile, cpu: &str) -> Option<&'a Record> {
    file.records.iter().find(|r| {
        is_run_of(r, cpu, BASELINE.name()) && latency_of(r) == Some(REFERENCE_LATENCY.ns())
    })
}

/// The mean event-to-resume cycles of `cpu`'s irq reference.
fn reference_mean(file: &ResultsFile, cpu: &str) -> Option<f64> {
    mean_of(reference(file, cpu)?)
}

/// The fixed reference in words, e.g. `irq (event source at 2 ns)`: a figure's legend and the
/// baseline in [`Crossover::describe`].
pub fn reference_name() -> String {
    format!(
        "{} (event source at {})",
        BASELINE.name(),
        ns(REFERENCE_LATENCY.ns())
    )
}

/// The same-latency baseline in words: `irq (same latency)`.
pub fn same_latency_name() -> String {
    format!("{} (same latency)", BASELINE.name())
}

/// Paths in the file other than the baseline, in [`wake::PATHS`] order.
fn challengers(file: &ResultsFile) -> Vec<&'static str> {
    let present = label_values(file, "path");
    wake::PATHS
        .iter()
        .map(|p| p.name())
        .filter(|p| *p != BASELINE.name() && present.iter().any(|q| q == p))
        .collect()
}

/// Every (cpu, challenger, crossover against the fixed irq reference): the sweep's result,
/// where the scheduler device stops paying with the event source left at its default.
pub fn crossovers(file: &ResultsFile) -> Vec<(String, &'static str, Crossover)> {
    let mut out = Vec::new();
    for cpu in label_values(file, "cpu") {
        let base = reference_mean(file, &cpu);
        for path in challengers(file) {
            let c = crossover_against(&series(file, &cpu, path), base);
            out.push((cpu.clone(), path, c));
        }
    }
    out
}

/// Every (cpu, challenger, crossover against irq at the same swept latency): the event source
/// moved together with the scheduler device, so irq pays the swept latency on its status read
/// too.
pub fn crossovers_same_latency(file: &ResultsFile) -> Vec<(String, &'static str, Crossover)> {
    let mut out = Vec::new();
    for cpu in label_values(file, "cpu") {
        let base: BTreeMap<u64, f64> = series(file, &cpu, BASELINE.name())
            .into_iter()
            .map(|(l, m)| (l.to_bits(), m))
            .collect();
        for path in challengers(file) {
            let pts: Vec<(f64, f64, f64)> = series(file, &cpu, path)
                .into_iter()
                .map(|(l, m)| (l, m, base.get(&l.to_bits()).copied().unwrap_or(f64::NAN)))
                .collect();
            out.push((cpu.clone(), path, crossover(&pts)));
        }
    }
    out
}

/// One run: `path` on `cpu`, the device at `latency`. The id `<cpu>-<path>-<latency>` (e.g.
/// `o3-irq-2ns`) names the run directory, so equal ids are the same run.
fn point(s: &Sizes, cpu: Cpu, path: Mechanism, latency: Latency) -> Point {
    let device = CoroSchedSpec {
        pio_latency: latency,
        ..CoroSchedSpec::default()
    };
    Point {
        id: format!("{}-{}-{latency}", cpu.name(), path.name()),
        spec: wake::spec(cpu, path, 0, s.wakes, s.interval, device),
        labels: BTreeMap::from([
            ("cpu".to_string(), cpu.name().to_string()),
            ("path".to_string(), path.name().to_string()),
            ("load".to_string(), wake::load_name(0).to_string()),
            ("pio_latency_ns".to_string(), latency.ns().to_string()),
        ]),
    }
}

/// One run with the device off-chip (at the default access latency): id
/// `<cpu>-<path>-off-chip`, label `placement`; no `pio_latency_ns` label, so it is not a point
/// of the on-chip latency curves.
fn off_chip_point(s: &Sizes, cpu: Cpu, path: Mechanism) -> Point {
    let device = CoroSchedSpec {
        placement: Placement::OffChip,
        ..CoroSchedSpec::default()
    };
    Point {
        id: format!(
            "{}-{}-{}",
            cpu.name(),
            path.name(),
            Placement::OffChip.name()
        ),
        spec: wake::spec(cpu, path, 0, s.wakes, s.interval, device),
        labels: BTreeMap::from([
            ("cpu".to_string(), cpu.name().to_string()),
            ("path".to_string(), path.name().to_string()),
            ("load".to_string(), wake::load_name(0).to_string()),
            (
                "placement".to_string(),
                Placement::OffChip.name().to_string(),
            ),
        ]),
    }
}

/// Per CPU and path, the off-chip run's mean and its ratio to irq's off-chip mean (the event
/// source moved with the device), beside the path's on-chip mean at the reference latency.
pub fn placements(file: &ResultsFile) -> Vec<Value> {
    let off_chip = |cpu: &str, path: &str| {
        file.records
            .iter()
            .find(|r| {
                is_run_of(r, cpu, path)
                    && r.labels.get("placement").map(String::as_str)
                        == Some(Placement::OffChip.name())
            })
            .and_then(mean_of)
    };
    let on_chip = |cpu: &str, path: &str| {
        series(file, cpu, path)
            .into_iter()
            .find(|(l, _)| *l == REFERENCE_LATENCY.ns())
            .map(|(_, m)| m)
    };
    let mut out = Vec::new();
    for cpu in label_values(file, "cpu") {
        let irq = off_chip(&cpu, BASELINE.name());
        let mut paths = vec![BASELINE.name()];
        paths.extend(challengers(file));
        for path in paths {
            let Some(mean) = off_chip(&cpu, path) else {
                continue;
            };
            out.push(json!({
                "cpu": cpu,
                "path": path,
                "off_chip_mean": mean,
                "off_chip_vs_irq": irq.map(|i| mean / i),
                "on_chip_mean": on_chip(&cpu, path),
                "on_chip_latency_ns": REFERENCE_LATENCY.ns(),
            }));
        }
    }
    out
}

/// One crossover in `analysis`: who against whom, in words, and the [`Crossover`]'s fields.
fn crossover_json(cpu: &str, path: &str, versus: &str, c: &Crossover) -> Value {
    let mut v = json!({
        "cpu": cpu,
        "path": path,
        "versus": BASELINE.name(),
        "text": c.describe(path, versus),
    });
    if let (Value::Object(o), Ok(Value::Object(c))) = (&mut v, serde_json::to_value(c)) {
        o.extend(c);
    }
    v
}

/// The reference's fields of a `crossover` entry; a null mean and id when it did not run.
fn reference_json(file: &ResultsFile, cpu: &str) -> Value {
    let r = reference(file, cpu);
    json!({
        "reference_latency_ns": REFERENCE_LATENCY.ns(),
        "reference_mean": r.and_then(mean_of),
        "reference_id": r.map(|r| r.id.as_str()),
    })
}

impl Experiment for WakeLatency {
    fn name(&self) -> &'static str {
        "wake-latency"
    }

    fn about(&self) -> &'static str {
        "E1 sensitivity: wake latency against the device's access latency; hwq/irq crossover"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        let s = sizes(profile);
        let mut points = Vec::new();
        for &cpu in s.cpus {
            for &path in s.paths {
                for &lat in s.latencies_ns {
                    points.push(point(&s, cpu, path, Latency::from_ns(lat)));
                }
            }
            // The fixed irq reference: when the profile sweeps its latency, the swept irq run
            // (same id) already is it.
            let reference = point(&s, cpu, BASELINE, REFERENCE_LATENCY);
            if !points.iter().any(|p| p.id == reference.id) {
                points.push(reference);
            }
            for &path in s.paths {
                points.push(off_chip_point(&s, cpu, path));
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        Ok(serde_json::to_value(wake::measure(point, result)?)?)
    }

    fn analyse(&self, file: &ResultsFile) -> Result<Value> {
        let against_reference: Vec<Value> = crossovers(file)
            .into_iter()
            .map(|(cpu, path, c)| {
                let mut v = crossover_json(&cpu, path, &reference_name(), &c);
                if let (Value::Object(o), Value::Object(r)) = (&mut v, reference_json(file, &cpu)) {
                    o.extend(r);
                }
                v
            })
            .collect();
        let same_latency: Vec<Value> = crossovers_same_latency(file)
            .into_iter()
            .map(|(cpu, path, c)| crossover_json(&cpu, path, &same_latency_name(), &c))
            .collect();
        Ok(json!({
            "crossover": against_reference,
            "crossover_same_latency": same_latency,
            "placement": placements(file),
            "definition_placement": "per CPU and path: mean event-to-resume cycles with the \
                                     device off-chip on the I/O bus (the event source with it) \
                                     at the default access latency, and its ratio to irq's \
                                     off-chip mean; on_chip_mean is the same path on-chip at \
                                     on_chip_latency_ns",
            "definition": "per CPU and path: the scheduler-device access latency (pio_latency, \
                           ns) at which the path's mean event-to-resume cycles stop being smaller \
                           than the fixed irq reference's (irq with the event source at its \
                           default latency, reference_latency_ns; its mean is reference_mean); \
                           linear interpolation of mean(path) - reference_mean between the two \
                           swept latencies that bracket the first sign change; 'none in range' \
                           if there is none",
            "definition_same_latency": "as crossover, but against irq at the same swept \
                                        latency (the event source moved with the scheduler \
                                        device, so irq's status read pays the swept latency \
                                        too): mean(path) - mean(irq) at each swept latency",
        }))
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        Ok(chart(file).write_svg(svg)?)
    }

    fn summary(&self, file: &ResultsFile) -> String {
        let cpus = label_values(file, "cpu");
        let mut paths = vec![BASELINE.name()];
        paths.extend(challengers(file));
        let mut cols = Vec::new();
        let mut out = format!("{:<14}", "latency [ns]");
        for cpu in &cpus {
            for p in &paths {
                cols.push(series(file, cpu, p));
                out.push_str(&format!("{:>14}", format!("{cpu} {p}")));
            }
        }
        out.push('\n');
        let mut lats: Vec<f64> = file.records.iter().filter_map(latency_of).collect();
        lats.sort_by(f64::total_cmp);
        lats.dedup();
        for l in lats {
            out.push_str(&format!("{:<14}", format_value(l, None)));
            for col in &cols {
                let cell = col
                    .iter()
                    .find(|(x, _)| *x == l)
                    .map_or_else(|| "-".into(), |(_, m)| format!("{m:.1}"));
                out.push_str(&format!("{cell:>14}"));
            }
            out.push('\n');
        }
        out.push_str("(mean event-to-resume cycles, idle core)\n");
        for cpu in &cpus {
            out.push_str(&reference_line(file, cpu));
        }
        for (cpu, path, c) in crossovers(file) {
            out.push_str(&format!("{cpu}: {}\n", c.describe(path, &reference_name())));
        }
        for (cpu, path, c) in crossovers_same_latency(file) {
            out.push_str(&format!(
                "{cpu}: {}\n",
                c.describe(path, &same_latency_name())
            ));
        }
        for p in placements(file) {
            out.push_str(&format!(
                "{} {} off-chip (event source too): {:.1} cycles, {} × irq off-chip\n",
                p["cpu"].as_str().unwrap_or("?"),
                p["path"].as_str().unwrap_or("?"),
                p["off_chip_mean"].as_f64().unwrap_or(f64::NAN),
                p["off_chip_vs_irq"]
                    .as_f64()
                    .map_or_else(|| "-".into(), |r| format!("{r:.2}"))
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Record;
    use crate::experiments::wake::tests::metrics_with_mean;

    #[test]
    fn crossing_between_two_points_is_interpolated() {
        // d = hwq − irq: −40 at 10 ns, +20 at 50 ns → crosses at 10 + 40·40/60 = 36.67 ns.
        let c = crossover(&[
            (50.0, 220.0, 200.0),
            (1.0, 100.0, 190.0),
            (10.0, 150.0, 190.0),
            (225.0, 900.0, 250.0),
        ]);
        let Crossover::Crossed {
            latency_ns,
            bracket_ns,
        } = c
        else {
            panic!("{c:?}")
        };
        assert!(
            (latency_ns - (10.0 + 40.0 * 40.0 / 60.0)).abs() < 1e-9,
            "{latency_ns}"
        );
        assert_eq!(bracket_ns, [10.0, 50.0]);
        assert_eq!(
            c.describe("hwq", "irq"),
            "hwq stops beating irq at ≈ 36.7 ns (between 10 ns and 50 ns)"
        );
    }

    #[test]
    fn crossing_exactly_at_a_point() {
        let c = crossover(&[
            (1.0, 100.0, 190.0),
            (10.0, 190.0, 190.0),
            (50.0, 300.0, 200.0),
        ]);
        assert_eq!(
            c,
            Crossover::Crossed {
                latency_ns: 10.0,
                bracket_ns: [1.0, 10.0]
            }
        );
    }

    #[test]
    fn no_crossing_in_range() {
        let always = crossover(&[(1.0, 100.0, 190.0), (225.0, 180.0, 190.0)]);
        assert_eq!(always, Crossover::AlwaysBeats { up_to_ns: 225.0 });
        assert!(
            always
                .describe("hwq", "irq")
                .starts_with("none in range: hwq beats irq")
        );
        let never = crossover(&[(1.0, 200.0, 190.0), (10.0, 150.0, 190.0)]);
        assert_eq!(never, Crossover::NeverBeats { from_ns: 1.0 });
        assert_eq!(never.short(), "none in range");
        // Missing points are left out; nothing left is no data.
        assert_eq!(crossover(&[(1.0, f64::NAN, 3.0)]), Crossover::NoData);
        assert_eq!(
            crossover(&[(1.0, 1.0, 3.0), (5.0, f64::NAN, 3.0), (9.0, 4.0, 3.0)]),
            Crossover::Crossed {
                latency_ns: 1.0 + 8.0 * 2.0 / 3.0,
                bracket_ns: [1.0, 9.0]
            }
        );
    }

    #[test]
    fn crossover_against_a_constant_reference() {
        // d = hwq − 190: −40 at 10 ns, +20 at 50 ns → crosses at 10 + 40·40/60 ns.
        let hwq = [(1.0, 100.0), (10.0, 150.0), (50.0, 210.0), (225.0, 900.0)];
        assert_eq!(
            crossover_against(&hwq, Some(190.0)),
            Crossover::Crossed {
                latency_ns: 10.0 + 40.0 * 40.0 / 60.0,
                bracket_ns: [10.0, 50.0]
            }
        );
        // Never crossing: below the reference everywhere.
        assert_eq!(
            crossover_against(&hwq, Some(1000.0)),
            Crossover::AlwaysBeats { up_to_ns: 225.0 }
        );
        // Already losing at the smallest latency (equal is not beating).
        assert_eq!(
            crossover_against(&hwq, Some(100.0)),
            Crossover::NeverBeats { from_ns: 1.0 }
        );
        // No reference, or no challenger points: nothing to compare.
        assert_eq!(crossover_against(&hwq, None), Crossover::NoData);
        assert_eq!(crossover_against(&[], Some(1.0)), Crossover::NoData);
    }

    #[test]
    fn every_profile_has_the_irq_reference_once_per_cpu() {
        for profile in [Profile::Smoke, Profile::Quick, Profile::Full] {
            let points = WakeLatency.points(profile);
            for cpu in sizes(profile).cpus {
                let id = format!("{}-irq-2ns", cpu.name());
                let refs: Vec<_> = points.iter().filter(|p| p.id == id).collect();
                assert_eq!(refs.len(), 1, "{profile:?} {id}");
                let r = refs[0];
                assert_eq!(
                    r.spec.sim.coro_sched().unwrap().pio_latency,
                    DEFAULT_PIO_LATENCY
                );
                assert_eq!(r.spec.mechanism, "irq");
                assert_eq!(r.labels["pio_latency_ns"], "2");
                assert_eq!(r.labels["cpu"], cpu.name());
            }
        }
    }

    #[test]
    fn points_and_sizes() {
        let quick = WakeLatency.points(Profile::Quick);
        // 4 latencies × 3 paths, the irq reference at 2 ns that quick does not sweep, and
        // each path off-chip.
        assert_eq!(quick.len(), 4 * 3 + 1 + 3);
        assert_eq!(quick[0].id, "o3-irq-1ns");
        assert_eq!(quick[12].id, "o3-irq-2ns");
        assert_eq!(quick[13].id, "o3-irq-off-chip");
        let off = quick.iter().find(|p| p.id == "o3-ring-off-chip").unwrap();
        let d = off.spec.sim.coro_sched().unwrap();
        assert_eq!(
            (d.placement, d.pio_latency),
            (Placement::OffChip, DEFAULT_PIO_LATENCY)
        );
        assert_eq!(off.spec.run_config().unwrap().device_base, 0x1003_0000);
        assert!(!off.labels.contains_key("pio_latency_ns"));
        let p = quick.iter().find(|p| p.id == "o3-hwq-225ns").unwrap();
        let d = p.spec.sim.coro_sched().unwrap();
        assert_eq!(d.pio_latency.to_string(), "225ns");
        assert_eq!(p.spec.params["busy"], 0);
        assert_eq!(p.spec.run_config().unwrap().device_base, 0x2D00_0000);
        // Full sweeps 2 ns: its irq runs at 2 ns are the references, not extra runs.
        assert_eq!(WakeLatency.points(Profile::Full).len(), 2 * (3 * 8 + 3));
        assert_eq!(WakeLatency.points(Profile::Smoke).len(), 2 * 2 + 2);
    }

    fn file(points: &[(&str, &str, u64, f64)]) -> ResultsFile {
        let records = points
            .iter()
            .map(|&(cpu, path, lat, mean)| {
                let p = WakeLatency
                    .points(Profile::Full)
                    .into_iter()
                    .find(|p| p.id == format!("{cpu}-{path}-{lat}ns"))
                    .unwrap();
                Record {
                    id: p.id.clone(),
                    labels: p.labels.clone(),
                    run_dir: "/r".into(),
                    spec: p.spec.clone(),
                    seed: 1,
                    command_line: String::new(),
                    simulator_version: "24.0.0.1".into(),
                    guest_git_describe: String::new(),
                    guest_sha256: String::new(),
                    guest_results: vec![],
                    windows: vec![],
                    metrics: serde_json::to_value(metrics_with_mean(mean)).unwrap(),
                }
            })
            .collect();
        crate::experiments::sample_file("wake-latency", Profile::Full, "", records)
    }

    #[test]
    fn analysis_and_chart_from_the_records() {
        // o3 has its irq reference at 2 ns (180); minor's file predates the reference.
        let f = file(&[
            ("o3", "irq", 1, 190.0),
            ("o3", "irq", 2, 180.0),
            ("o3", "irq", 10, 190.0),
            ("o3", "irq", 50, 200.0),
            ("o3", "hwq", 1, 100.0),
            ("o3", "hwq", 10, 150.0),
            ("o3", "hwq", 50, 220.0),
            ("minor", "irq", 1, 100.0),
            ("minor", "hwq", 1, 90.0),
        ]);
        let a = WakeLatency.analyse(&f).unwrap();

        // Against the reference: d = hwq − 180 is −30 at 10 ns, +40 at 50 ns.
        let list = a["crossover"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        let o3 = list.iter().find(|c| c["cpu"] == "o3").unwrap();
        assert_eq!(o3["status"], "crossed");
        assert_eq!(o3["path"], "hwq");
        assert_eq!(o3["versus"], "irq");
        assert_eq!(o3["reference_latency_ns"], json!(2.0));
        assert_eq!(o3["reference_mean"], json!(180.0));
        assert_eq!(o3["reference_id"], "o3-irq-2ns");
        assert_eq!(o3["bracket_ns"], json!([10.0, 50.0]));
        assert!((o3["latency_ns"].as_f64().unwrap() - (10.0 + 40.0 * 30.0 / 70.0)).abs() < 1e-9);
        assert_eq!(
            o3["text"],
            "hwq stops beating irq (event source at 2 ns) at ≈ 27.1 ns (between 10 ns and 50 ns)"
        );
        let minor = list.iter().find(|c| c["cpu"] == "minor").unwrap();
        assert_eq!(minor["status"], "no-data");
        assert_eq!(minor["reference_mean"], Value::Null);

        // Against irq at the same latency: d is −40 at 10 ns, +20 at 50 ns; 2 ns has no hwq.
        let same = a["crossover_same_latency"].as_array().unwrap();
        assert_eq!(same.len(), 2);
        let o3 = same.iter().find(|c| c["cpu"] == "o3").unwrap();
        assert_eq!(o3["status"], "crossed");
        assert_eq!(o3["bracket_ns"], json!([10.0, 50.0]));
        assert!((o3["latency_ns"].as_f64().unwrap() - (10.0 + 40.0 * 40.0 / 60.0)).abs() < 1e-9);
        assert!(o3.get("reference_mean").is_none());
        let minor = same.iter().find(|c| c["cpu"] == "minor").unwrap();
        assert_eq!(minor["status"], "always-beats");
        assert_eq!(
            minor["text"],
            "none in range: hwq beats irq (same latency) at every latency up to 1 ns"
        );

        let c = chart(&f);
        assert!(c.log_x);
        assert!(
            c.title
                .contains("hwq = irq (event source at 2 ns) at o3 ≈ 27.1 ns")
                && c.title.contains("minor no data"),
            "{}",
            c.title
        );
        let labels: Vec<_> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert!(
            labels.contains(&"o3 hwq") && labels.contains(&"minor irq"),
            "{labels:?}"
        );
        let reference = c
            .series
            .iter()
            .find(|s| s.label == "o3 irq (event source at 2 ns)")
            .unwrap_or_else(|| panic!("{labels:?}"));
        assert_eq!(reference.points, vec![(1.0, 180.0), (50.0, 180.0)]);
        assert!(
            !labels.contains(&"minor irq (event source at 2 ns)"),
            "no reference, no line: {labels:?}"
        );
        for marker in [
            "o3 hwq = irq (event source at 2 ns): 27.1 ns",
            "o3 hwq = irq (same latency): 36.7 ns",
        ] {
            assert!(labels.contains(&marker), "{marker}: {labels:?}");
        }
        c.to_svg().unwrap();

        let table = WakeLatency.summary(&f);
        for line in [
            "o3: reference irq (event source at 2 ns): 180.0 cycles (o3-irq-2ns)",
            "minor: no reference irq (event source at 2 ns) in the file",
            "o3: hwq stops beating irq (event source at 2 ns) at ≈ 27.1 ns",
            "o3: hwq stops beating irq (same latency) at ≈ 36.7 ns",
        ] {
            assert!(table.contains(line), "{line}\n{table}");
        }
    }
}
