//! E1's sensitivity to the device's access latency: where does the hardware queue stop paying?
//!
//! Sweep: the device's `pio_latency` (`--coro-pio-latency`) over [`Sizes::latencies_ns`] ×
//! wake path (irq, hwq, and ring in the full profile) × CPU, idle core, app `wake`, the device
//! on-chip otherwise at its defaults. 225 ns is about the measured ≈ 900-cycle MMIO read of an
//! off-chip I/O-bus device at 4 GHz (docs/coro-sched-device.md), so the sweep spans on-chip to
//! off-chip costs. Each run is measured exactly as in E1 ([`super::wake::measure`]).
//!
//! The result is the **crossover**: per CPU, the device latency at which hwq's mean
//! event-to-resume cycles stop beating irq's (`analysis.crossover` in
//! `results/wake-latency.json`; ring against irq too when it was swept). With d(L) = mean(hwq) −
//! mean(irq) at the swept latencies in increasing order, it is the first L where d ≥ 0 after a
//! d < 0, linearly interpolated between that point and the one before ([`crossover`]); "none in
//! range" when hwq wins at every latency or already loses at the smallest.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use runconfig::{Choice, Mechanism};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wake::{self, label_values, metric};
use super::{Experiment, Profile, ResultsFile};
use crate::coro_sched::{CoroSchedSpec, Latency};
use crate::figures::{LineChart, format_value};
use crate::results::RunResult;
use crate::spec::Cpu;
use crate::sweep::Point;

pub struct WakeLatency;

/// The path every other path is compared with.
pub const BASELINE: Mechanism = Mechanism::Irq;

/// The size of the sweep per profile: the one table to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Measured wakes per run.
    pub wakes: u64,
    pub cpus: &'static [Cpu],
    /// The baseline (irq) first.
    pub paths: &'static [Mechanism],
    /// Device access latencies (`pio_latency`) in ns, increasing.
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
            paths: &[Mechanism::Irq, Mechanism::Hwq],
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

/// Where a challenger path's mean stops beating the baseline's, along the latency axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Crossover {
    /// It beats the baseline below `latency_ns` and not from there on: linear interpolation
    /// of the difference between the bracketing swept latencies (`latency_ns` is the upper one
    /// when the means are equal there).
    Crossed {
        latency_ns: f64,
        bracket_ns: [f64; 2],
    },
    /// None in range: it beats the baseline at every swept latency, up to `up_to_ns`.
    AlwaysBeats { up_to_ns: f64 },
    /// None in range: it does not beat the baseline even at the smallest latency, `from_ns`.
    NeverBeats { from_ns: f64 },
    /// No latency has a mean for both paths.
    NoData,
}

/// The crossover of `points` = (latency, challenger mean, baseline mean), in any order; points
/// with a missing (NaN) mean are left out. "Beats" means a strictly smaller mean.
pub fn crossover(points: &[(f64, f64, f64)]) -> Crossover {
    let mut pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(l, c, b)| l.is_finite() && c.is_finite() && b.is_finite())
        .map(|&(l, c, b)| (l, c - b))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(l0, d0)) = pts.first() else {
        return Crossover::NoData;
    };
    if d0 >= 0.0 {
        return Crossover::NeverBeats { from_ns: l0 };
    }
    for w in pts.windows(2) {
        let ((la, da), (lb, db)) = (w[0], w[1]);
        if db >= 0.0 {
            let latency_ns = if db == 0.0 {
                lb
            } else {
                la + (lb - la) * (-da) / (db - da)
            };
            return Crossover::Crossed {
                latency_ns,
                bracket_ns: [la, lb],
            };
        }
    }
    Crossover::AlwaysBeats {
        up_to_ns: pts[pts.len() - 1].0,
    }
}

fn ns(v: f64) -> String {
    format!("{} ns", format_value(v, None))
}

impl Crossover {
    /// One sentence, e.g. `hwq stops beating irq at ≈ 37.5 ns (between 10 ns and 50 ns)`.
    pub fn describe(&self, path: &str, baseline: &str) -> String {
        match self {
            Crossover::Crossed {
                latency_ns,
                bracket_ns: [a, b],
            } => format!(
                "{path} stops beating {baseline} at ≈ {} (between {} and {})",
                ns(*latency_ns),
                ns(*a),
                ns(*b)
            ),
            Crossover::AlwaysBeats { up_to_ns } => format!(
                "none in range: {path} beats {baseline} at every latency up to {}",
                ns(*up_to_ns)
            ),
            Crossover::NeverBeats { from_ns } => format!(
                "none in range: {path} does not beat {baseline} even at {}",
                ns(*from_ns)
            ),
            Crossover::NoData => format!("none: no latency has both {path} and {baseline}"),
        }
    }

    /// Short, for a figure title: `≈ 37.5 ns` or `none in range`.
    pub fn short(&self) -> String {
        match self {
            Crossover::Crossed { latency_ns, .. } => format!("≈ {}", ns(*latency_ns)),
            Crossover::NoData => "no data".into(),
            _ => "none in range".into(),
        }
    }
}

/// The latency (ns) label of a record.
fn latency_of(r: &super::Record) -> Option<f64> {
    r.labels.get("pio_latency_ns")?.parse().ok()
}

/// (latency, mean) of `path` on `cpu`, by latency.
fn series(file: &ResultsFile, cpu: &str, path: &str) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = file
        .records
        .iter()
        .filter(|r| {
            r.labels.get("cpu").map(String::as_str) == Some(cpu)
                && r.labels.get("path").map(String::as_str) == Some(path)
        })
        .filter_map(|r| Some((latency_of(r)?, metric(r, "/latency/mean")?)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
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

/// Every (cpu, challenger, crossover against the baseline) of a results file.
pub fn crossovers(file: &ResultsFile) -> Vec<(String, &'static str, Crossover)> {
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
                    let device = CoroSchedSpec {
                        pio_latency: Latency::from_ns(lat),
                        ..CoroSchedSpec::default()
                    };
                    points.push(Point {
                        id: format!("{}-{}-{lat}ns", cpu.name(), path.name()),
                        spec: wake::spec(cpu, path, 0, s.wakes, s.interval, device),
                        labels: BTreeMap::from([
                            ("cpu".to_string(), cpu.name().to_string()),
                            ("path".to_string(), path.name().to_string()),
                            ("load".to_string(), wake::load_name(0).to_string()),
                            ("pio_latency_ns".to_string(), lat.to_string()),
                        ]),
                    });
                }
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        wake::measure(point, result)
    }

    fn analyse(&self, file: &ResultsFile) -> Result<Value> {
        let list: Vec<Value> = crossovers(file)
            .into_iter()
            .map(|(cpu, path, c)| {
                let mut v = json!({
                    "cpu": cpu,
                    "path": path,
                    "versus": BASELINE.name(),
                    "text": c.describe(path, BASELINE.name()),
                });
                if let (Value::Object(o), Ok(Value::Object(c))) = (&mut v, serde_json::to_value(&c))
                {
                    o.extend(c);
                }
                v
            })
            .collect();
        Ok(json!({
            "crossover": list,
            "definition": "per CPU: the device access latency (pio_latency, ns) at which the path's \
                           mean event-to-resume cycles stop being smaller than irq's; linear \
                           interpolation of mean(path) - mean(irq) between the two swept latencies \
                           that bracket the first sign change; 'none in range' if there is none",
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
        for (cpu, path, c) in crossovers(file) {
            out.push_str(&format!("{cpu}: {}\n", c.describe(path, BASELINE.name())));
        }
        out
    }
}

/// Mean cycles against device latency (log x), one line per (CPU, path), and a vertical line
/// at each crossover with irq.
pub fn chart(file: &ResultsFile) -> LineChart {
    let cpus = label_values(file, "cpu");
    let mut paths = vec![BASELINE.name()];
    paths.extend(challengers(file));
    let wakes = file.records.first().map_or(0, |r| r.spec.iterations);
    let found = crossovers(file);
    let notes: Vec<String> = found
        .iter()
        .filter(|(_, p, _)| *p == Mechanism::Hwq.name())
        .map(|(cpu, _, c)| format!("{cpu} {}", c.short()))
        .collect();
    let title = format!(
        "E1 vs device latency (idle, {wakes} wakes/point): hwq = irq at {}",
        if notes.is_empty() {
            "-".to_string()
        } else {
            notes.join(", ")
        }
    );
    let mut chart = LineChart::new(
        title,
        "device access latency pio_latency [ns] (log)",
        "mean cycles from event to resume",
    )
    .log_x(true);
    let mut top = 0f64;
    for cpu in &cpus {
        for p in &paths {
            let pts = series(file, cpu, p);
            top = pts.iter().fold(top, |t, &(_, m)| t.max(m));
            if !pts.is_empty() {
                chart = chart.series(format!("{cpu} {p}"), pts);
            }
        }
    }
    for (cpu, path, c) in found {
        if let Crossover::Crossed { latency_ns, .. } = c {
            chart = chart.series(
                format!("{cpu} {path} = irq: {}", ns(latency_ns)),
                vec![(latency_ns, 0.0), (latency_ns, top)],
            );
        }
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Record;

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
    fn points_and_sizes() {
        let quick = WakeLatency.points(Profile::Quick);
        assert_eq!(quick.len(), 8);
        assert_eq!(quick[0].id, "o3-irq-1ns");
        let p = quick.iter().find(|p| p.id == "o3-hwq-225ns").unwrap();
        let d = p.spec.sim.coro_sched().unwrap();
        assert_eq!(d.pio_latency.to_string(), "225ns");
        assert_eq!(p.spec.params["busy"], 0);
        assert_eq!(p.spec.run_config().unwrap().device_base, 0x2D00_0000);
        assert_eq!(WakeLatency.points(Profile::Full).len(), 2 * 3 * 8);
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
                    metrics: json!({"latency": {"mean": mean, "p50": mean, "p99": mean}}),
                }
            })
            .collect();
        ResultsFile {
            schema: 1,
            experiment: "wake-latency".into(),
            profile: Profile::Full,
            command: vec![],
            generated_unix: 0,
            simulator: crate::results::SimulatorInfo {
                name: "gem5".into(),
                binary: "g".into(),
                version: "24.0.0.1".into(),
                build: "b".into(),
            },
            guest_sha256: String::new(),
            guest_git_describe: String::new(),
            records,
            analysis: Value::Null,
        }
    }

    #[test]
    fn analysis_and_chart_from_the_records() {
        let f = file(&[
            ("o3", "irq", 1, 190.0),
            ("o3", "irq", 10, 190.0),
            ("o3", "irq", 50, 200.0),
            ("o3", "hwq", 1, 100.0),
            ("o3", "hwq", 10, 150.0),
            ("o3", "hwq", 50, 220.0),
            ("minor", "irq", 1, 100.0),
            ("minor", "hwq", 1, 90.0),
        ]);
        let a = WakeLatency.analyse(&f).unwrap();
        let list = a["crossover"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        let o3 = list.iter().find(|c| c["cpu"] == "o3").unwrap();
        assert_eq!(o3["status"], "crossed");
        assert_eq!(o3["path"], "hwq");
        assert_eq!(o3["versus"], "irq");
        assert_eq!(o3["bracket_ns"], json!([10.0, 50.0]));
        assert!((o3["latency_ns"].as_f64().unwrap() - (10.0 + 40.0 * 40.0 / 60.0)).abs() < 1e-9);
        let minor = list.iter().find(|c| c["cpu"] == "minor").unwrap();
        assert_eq!(minor["status"], "always-beats");
        assert_eq!(
            minor["text"],
            "none in range: hwq beats irq at every latency up to 1 ns"
        );

        let c = chart(&f);
        assert!(c.log_x);
        assert!(
            c.title.contains("o3 ≈ 36.7 ns") && c.title.contains("minor none in range"),
            "{}",
            c.title
        );
        let labels: Vec<_> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert!(
            labels.contains(&"o3 hwq") && labels.contains(&"minor irq"),
            "{labels:?}"
        );
        assert!(
            labels
                .iter()
                .any(|l| l.starts_with("o3 hwq = irq: 36.7 ns")),
            "{labels:?}"
        );
        c.to_svg().unwrap();
        let table = WakeLatency.summary(&f);
        assert!(
            table.contains("o3: hwq stops beating irq at ≈ 36.7 ns"),
            "{table}"
        );
    }
}
