//! `experiment load` (E4): tail latency against offered load, per policy and workload, on one
//! worker core; the wake-path comparison at one load; the analytic check; the throughput at
//! the SLO and the targets in `analysis`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::figure::{self, Y};
use super::point_metrics::{self, PointMetrics};
use super::points::{self, COMPLETION, PATHS, SWEEP};
use super::slo::{DEFAULT_SLO_P999_SLOWDOWN, throughput_at_slo};
use crate::experiments::{Experiment, Profile, ResultsFile, typed_records};
use crate::results::RunResult;
use crate::sweep::Point;

pub struct Load;

/// The label that marks the points carrying the analytic check.
pub const ANALYTIC_LABEL: &str = "analytic";
/// The SLO of the summary (`analysis.slo`): p99.9 slowdown at most this.
pub const SLO_P999_SLOWDOWN: f64 = DEFAULT_SLO_P999_SLOWDOWN;
/// The load at which the issue compares `quantum`'s p99.9 slowdown with `preempt`'s.
pub const TARGET_LOAD: &str = "0.80";
/// The workload of the targets (Shinjuku's).
pub const TARGET_WORKLOAD: &str = "bimodal:0.005:0.5us:500us";

/// One gathered run with its labels parsed.
#[derive(Clone, Debug)]
pub struct LoadRun {
    pub set: String,
    pub cpu: String,
    pub policy: String,
    pub path: String,
    pub workload: String,
    pub load: f64,
    pub load_label: String,
    /// How completions reached the NIC (`direct` for results from before the modes).
    pub complete: String,
    pub m: PointMetrics,
}

/// The file's runs.
pub fn runs_of(file: &ResultsFile) -> Result<Vec<LoadRun>> {
    typed_records::<PointMetrics>(file)?
        .into_iter()
        .map(|(r, m)| {
            let label = |k: &str| {
                r.labels
                    .get(k)
                    .cloned()
                    .with_context(|| format!("record {} has no label {k}", r.id))
            };
            let load_label = label("load")?;
            Ok(LoadRun {
                set: label("set")?,
                cpu: label("cpu")?,
                policy: label("policy")?,
                path: label("path")?,
                workload: label("workload")?,
                load: load_label
                    .parse()
                    .with_context(|| format!("record {}: load {load_label}", r.id))?,
                load_label,
                complete: r
                    .labels
                    .get("complete")
                    .cloned()
                    .unwrap_or_else(|| points::DIRECT.to_string()),
                m,
            })
        })
        .collect()
}

/// E4's points, with the analytic check's points labelled.
pub fn points(profile: Profile) -> Vec<Point> {
    let s = points::sizes(profile);
    let analytic: Vec<String> = s
        .analytic_loads
        .iter()
        .map(|&l| points::load_label(l))
        .collect();
    points::points(profile)
        .into_iter()
        .map(|mut p| {
            let carries = p.labels["set"] == SWEEP
                && p.labels["policy"] == "fcfs"
                && p.labels["workload"].starts_with("exp:")
                && analytic.contains(&p.labels["load"]);
            if carries {
                p.labels.insert(ANALYTIC_LABEL.into(), "yes".into());
            }
            p
        })
        .collect()
}

/// The analytic checks of the file; Err (the experiment fails) if there is none or one
/// misses the tolerance.
pub fn analytic_checks(runs: &[LoadRun]) -> Result<Vec<Value>> {
    let checks: Vec<(&LoadRun, &crate::requests::AnalyticCheck)> = runs
        .iter()
        .filter_map(|r| Some((r, r.m.analytic.as_ref()?)))
        .collect();
    anyhow::ensure!(
        !checks.is_empty(),
        "the analytic check found no fcfs exp:MEAN point at its loads"
    );
    let failed: Vec<String> = checks
        .iter()
        .filter(|(_, c)| !c.passes)
        .map(|(r, c)| {
            format!(
                "{} at load {}: measured mean {:.1} ns, M/G/1 {:.1} ns (ρ {:.3}), off by {:.1} % \
                 (tolerance {:.0} %)",
                r.workload,
                r.load_label,
                c.measured_ns,
                c.predicted_ns,
                c.rho,
                100.0 * c.relative_error,
                100.0 * c.tolerance
            )
        })
        .collect();
    anyhow::ensure!(
        failed.is_empty(),
        "the analytic check failed: {}. The NIC, the server or the accounting disagrees with \
         queueing theory; the records are in the runs' directories",
        failed.join("; ")
    );
    Ok(checks
        .iter()
        .map(|(r, c)| json!({"workload": r.workload, "load": r.load_label, "check": c}))
        .collect())
}

/// Per workload, per policy: the throughput at the SLO.
pub fn slo_table(
    runs: &[LoadRun],
    slo: f64,
) -> BTreeMap<String, BTreeMap<String, super::slo::SloThroughput>> {
    let mut out = BTreeMap::new();
    let mut workloads: Vec<&str> = runs.iter().map(|r| r.workload.as_str()).collect();
    workloads.dedup();
    for w in workloads {
        let pts = runs
            .iter()
            .filter(|r| r.set == SWEEP && r.workload == w)
            .map(|r| (r.policy.as_str(), &r.m.load));
        out.insert(w.to_string(), throughput_at_slo(pts, slo));
    }
    out
}

fn find<'a>(runs: &'a [LoadRun], workload: &str, policy: &str, load: &str) -> Option<&'a LoadRun> {
    runs.iter().find(|r| {
        r.set == SWEEP && r.workload == workload && r.policy == policy && r.load_label == load
    })
}

/// The E4 targets on the bimodal workload, and the policies' measured costs.
pub fn targets(
    runs: &[LoadRun],
    slo: &BTreeMap<String, BTreeMap<String, super::slo::SloThroughput>>,
) -> Value {
    let at_slo = |p: &str| {
        slo.get(TARGET_WORKLOAD)
            .and_then(|m| m.get(p))
            .and_then(|s| s.throughput_rps)
    };
    let (q, pr) = (at_slo("quantum:5us"), at_slo("preempt:5us"));
    let sd = |p: &str| find(runs, TARGET_WORKLOAD, p, TARGET_LOAD).map(|r| r.m.load.p999_slowdown);
    let ratio = sd("quantum:5us").zip(sd("preempt:5us")).map(|(a, b)| a / b);
    let cost = |p: &str, f: fn(&super::service_record::PolicyCosts) -> Option<f64>| {
        runs.iter()
            .find(|r| r.policy == p)
            .and_then(|r| f(&r.m.costs))
    };
    json!({
        "workload": TARGET_WORKLOAD,
        "quantum_throughput_at_slo_rps": q,
        "preempt_throughput_at_slo_rps": pr,
        "quantum_sustains_preempt_at_slo": match (q, pr) {
            (Some(a), Some(b)) => Some(a >= b),
            (Some(_), None) => Some(true),
            _ => None,
        },
        "load": TARGET_LOAD,
        "p999_slowdown_quantum_over_preempt": ratio,
        "slowdown_target_met": ratio.map(|r| r <= 1.2),
        "cycles_per_preemption": cost("preempt:5us", |c| c.preemption),
        "cycles_per_forced_yield_quantum": cost("quantum:5us", |c| c.forced_yield),
        "cycles_quantum_start": cost("quantum:5us", |c| c.quantum_start),
        "calibration_note": "gem5's exceptions are cheap (47 cycles for a bare svc on O3 against \
                             138 on a Cortex-A76), which favours preempt",
    })
}

/// The wake-path comparison: per path, the per-request overhead and the latencies.
pub fn paths(runs: &[LoadRun]) -> Value {
    let mut out = Vec::new();
    for &path in points::COMPARED_PATHS {
        let r = runs.iter().find(|r| {
            r.path == path.name()
                && r.workload == points::PATH_WORKLOAD
                && r.policy == points::PATH_POLICY
                && (r.set == PATHS || r.set == SWEEP)
                && runs
                    .iter()
                    .any(|p| p.set == PATHS && p.load_label == r.load_label)
        });
        if let Some(r) = r {
            out.push(json!({
                "path": path.name(),
                "load": r.load_label,
                "overhead_cycles_per_request": r.m.overhead_cycles_per_request,
                "idle_overhead_ns": r.m.idle_overhead_ns,
                "p50_ns": r.m.load.p50_ns,
                "p99_ns": r.m.load.p99_ns,
            }));
        }
    }
    Value::Array(out)
}

/// The completion comparison: per mode, the latencies, the throughput and what the kernel did
/// per request (the `direct` point is the sweep's at the comparison's load).
pub fn completions(runs: &[LoadRun]) -> Value {
    let Some(load) = runs
        .iter()
        .find(|r| r.set == COMPLETION)
        .map(|r| r.load_label.clone())
    else {
        return Value::Array(Vec::new());
    };
    let mut out = Vec::new();
    for &mode in points::COMPLETIONS {
        let r = runs.iter().find(|r| {
            r.complete == mode
                && r.workload == points::COMPLETION_WORKLOAD
                && r.policy == points::COMPLETION_POLICY
                && r.path == points::DEFAULT_PATH.name()
                && r.load_label == load
                && (r.set == COMPLETION || r.set == SWEEP)
        });
        if let Some(r) = r {
            let c = &r.m.completion;
            out.push(json!({
                "complete": mode,
                "load": r.load_label,
                "cores": if r.m.other_core_cycles_per_request > 0.0 { 2 } else { 1 },
                "throughput_rps": r.m.load.throughput_rps,
                "p50_ns": r.m.load.p50_ns,
                "p99_ns": r.m.load.p99_ns,
                "p999_ns": r.m.load.p999_ns,
                "mean_ns": r.m.load.mean_ns,
                "worker_overhead_cycles_per_request": r.m.overhead_cycles_per_request,
                "other_core_cycles_per_request": r.m.other_core_cycles_per_request,
                "kernel_doorbells": c.kernel_doorbells,
                "fwd_batches": c.fwd_batches,
                "fwd_timeout_batches": c.fwd_timeout_batches,
                "mean_batch": (c.fwd_batches > 0.0).then(|| c.fwd_calls / c.fwd_batches),
                "fwd_kernel_cycles_per_call": (c.fwd_calls > 0.0).then(|| c.fwd_kernel_cycles / c.fwd_calls),
                // The kernel's counters include the warm-up requests.
                "doorbells_per_completion": (c.kernel_tx_moved > 0.0)
                    .then(|| c.kernel_doorbells / c.kernel_tx_moved),
            }));
        }
    }
    Value::Array(out)
}

impl Experiment for Load {
    fn name(&self) -> &'static str {
        "load"
    }

    fn about(&self) -> &'static str {
        "E4: tail latency and slowdown vs offered load, per policy and workload, one worker core"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        points(profile)
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        let analytic = point.labels.contains_key(ANALYTIC_LABEL);
        Ok(serde_json::to_value(point_metrics::measure(
            result, analytic,
        )?)?)
    }

    /// `measure` reads the NIC's per-request records (the idle overhead, the analytic check).
    fn run_files(&self, _point: &Point) -> Vec<&'static str> {
        vec![crate::requests::RECORDS_FILE]
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        let runs = runs_of(file)?;
        Ok(figure::curve_chart(&runs, TARGET_WORKLOAD, Y::P999Slowdown).write_svg(svg)?)
    }

    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)?;
        let mut out = vec![svg];
        out.extend(figure::write_curves(file, results_dir)?);
        let runs = runs_of(file)?;
        let slo_svg = results_dir.join("load-slo.svg");
        figure::slo_chart(&slo_table(&runs, SLO_P999_SLOWDOWN), SLO_P999_SLOWDOWN)
            .write_svg(&slo_svg)?;
        out.push(slo_svg);
        Ok(out)
    }

    fn analyse(&self, file: &ResultsFile) -> Result<Value> {
        let runs = runs_of(file)?;
        let analytic = analytic_checks(&runs)?;
        let slo = slo_table(&runs, SLO_P999_SLOWDOWN);
        Ok(json!({
            "analytic_check": analytic,
            "slo_p999_slowdown": SLO_P999_SLOWDOWN,
            "throughput_at_slo": slo,
            "targets": targets(&runs, &slo),
            "wake_paths": paths(&runs),
            "completion": completions(&runs),
            "scaled": scaled_note(file.profile),
        }))
    }

    fn summary(&self, file: &ResultsFile) -> String {
        let runs = match runs_of(file) {
            Ok(r) => r,
            Err(e) => return format!("no table: {e:#}\n"),
        };
        let mut out = format!(
            "{:<10} {:<12} {:<5} {:>5} {:>9} {:>9} {:>9} {:>10} {:>9} {:>9} {:>6} {:>9}\n",
            "workload",
            "policy",
            "path",
            "load",
            "tput k/s",
            "p50 µs",
            "p99 µs",
            "p99.9 µs",
            "p99 sd",
            "p99.9 sd",
            "drops",
            "ovh cyc"
        );
        for r in &runs {
            out.push_str(&format!(
                "{:<10} {:<12} {:<5} {:>5} {:>9.1} {:>9.2} {:>9.2} {:>10.2} {:>9.2} {:>9.2} {:>6} {:>9.0}{}\n",
                points::workload_name(&r.workload),
                r.policy,
                r.path,
                r.load_label,
                r.m.load.throughput_rps / 1e3,
                r.m.load.p50_ns / 1e3,
                r.m.load.p99_ns / 1e3,
                r.m.load.p999_ns / 1e3,
                r.m.load.p99_slowdown,
                r.m.load.p999_slowdown,
                r.m.load.dropped,
                r.m.overhead_cycles_per_request,
                if r.m.load.overloaded { "  overloaded" } else { "" }
            ));
            if r.complete != points::DIRECT {
                out.pop();
                out.push_str(&format!("  complete={}\n", r.complete));
            }
        }
        for r in &runs {
            if let Some(c) = &r.m.analytic {
                out.push_str(&format!(
                    "analytic check {} load {}: measured {:.1} ns, M/G/1 {:.1} ns, error {:.1} % ({})\n",
                    r.workload,
                    r.load_label,
                    c.measured_ns,
                    c.predicted_ns,
                    100.0 * c.relative_error,
                    if c.passes { "pass" } else { "FAIL" }
                ));
            }
        }
        out
    }
}

/// What the profile scaled, for `analysis.scaled` (the docs say the same).
pub fn scaled_note(profile: Profile) -> String {
    let s = points::sizes(profile);
    format!(
        "{} CPU; {} measured requests per point ({} for the bimodal workload, whose 500 µs \
         long mode is kept), {} warm-up; loads {:?} of one core's capacity; the key-value loads \
         refer to a nominal {} ns per request",
        s.cpu.name(),
        s.requests,
        s.bimodal_requests,
        s.warmup,
        s.loads,
        points::KV_NOMINAL_SERVICE_NS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(set: &str, complete: &str, p99_ns: f64, doorbells: f64, batches: f64) -> LoadRun {
        let m: PointMetrics = serde_json::from_value(json!({
            "offered_rps": 400000.0, "throughput_rps": 399000.0, "measured": 600, "dropped": 0,
            "p50_ns": 600.0, "p99_ns": p99_ns, "p999_ns": 2.0 * p99_ns, "mean_ns": 700.0,
            "p50_slowdown": 1.0, "p99_slowdown": 2.0, "p999_slowdown": 3.0, "overloaded": false,
            "outstanding": 0, "outstanding_ids": [], "mean_service_ns": null,
            "work_to_drawn": null, "overhead_cycles_per_request": 2000.0,
            "guest_overhead_cycles_per_request": 2100.0,
            "other_core_cycles_per_request": if batches > 0.0 { 9000.0 } else { 0.0 },
            "completion": {"complete": complete, "kernel_doorbells": doorbells,
                           "kernel_tx_moved": 700.0, "fwd_batches": batches,
                           "fwd_timeout_batches": batches, "fwd_calls": if batches > 0.0 { 700.0 } else { 0.0 },
                           "fwd_kernel_cycles": 0.0},
            "idle_overhead_ns": null, "yields": 0.0, "forced_yields": 0.0, "preemptions": 0.0,
            "costs": {"yield_point": null, "forced_yield": null, "quantum_start": null,
                      "preemption": null},
            "coro_errors": 0
        }))
        .unwrap();
        LoadRun {
            set: set.into(),
            cpu: "minor".into(),
            policy: points::COMPLETION_POLICY.into(),
            path: points::DEFAULT_PATH.name().into(),
            workload: points::COMPLETION_WORKLOAD.into(),
            load: 0.4,
            load_label: "0.40".into(),
            complete: complete.into(),
            m,
        }
    }

    #[test]
    fn the_completion_table_has_one_row_per_mode_with_the_kernels_work() {
        let runs = vec![
            run(SWEEP, "direct", 1700.0, 0.0, 0.0),
            run(COMPLETION, "svc", 2300.0, 700.0, 0.0),
            run(COMPLETION, "fwd:16", 3100.0, 500.0, 500.0),
        ];
        let t = completions(&runs);
        let rows = t.as_array().unwrap();
        let modes: Vec<&str> = rows
            .iter()
            .map(|r| r["complete"].as_str().unwrap())
            .collect();
        assert_eq!(modes, ["direct", "svc", "fwd:16"]);
        assert_eq!(rows[0]["doorbells_per_completion"], json!(0.0));
        assert_eq!(rows[1]["doorbells_per_completion"], json!(1.0));
        assert_eq!(rows[2]["mean_batch"], json!(1.4));
        assert_eq!(rows[2]["cores"], json!(2));
        assert_eq!(rows[1]["p99_ns"], json!(2300.0));
        // Without the comparison's points there is no table (old results files).
        assert_eq!(completions(&runs[..1]), json!([]));
    }

    #[test]
    fn the_analytic_points_are_fcfs_exp_at_a_low_and_a_medium_load() {
        for profile in [Profile::Quick, Profile::Full] {
            let pts = points(profile);
            let a: Vec<&Point> = pts
                .iter()
                .filter(|p| p.labels.contains_key(ANALYTIC_LABEL))
                .collect();
            assert_eq!(a.len(), 2, "{profile:?}");
            assert!(a.iter().all(|p| p.spec.mechanism == "fcfs"
                && p.spec.sim.loadgen().unwrap().workload == "exp:1us"));
            let loads: Vec<f64> = a
                .iter()
                .map(|p| p.labels["load"].parse().unwrap())
                .collect();
            assert!(loads[0] <= 0.3 && loads[1] >= 0.4, "{loads:?}");
        }
    }
}
