//! `driver test-tier qemu|gem5`: the system tests `just test` runs after the unit tests.
//!
//! - **qemu**: build the guest, boot the self-test on QEMU with 1 and 4 cores, and check its
//!   `@result` records: every record with a `test` field must have `"ok": true`, and each of
//!   [`SELFTEST_CHECKS`] must be there (`cores_up` with `"cores": N` when it reports a count).
//! - **gem5**: the same self-test on the `atomic` and `minor` CPUs, and a tiny E3 (a few
//!   switches per mechanism on `minor`) whose runs must yield cycles per switch. Without `GEM5`
//!   the tier is skipped (gem5 is an hour's build the user makes).
//!
//! Runs go to `runs/test-tier/<tier>/` and are always fresh.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use runconfig::{App, Choice};
use serde_json::Value;

use crate::experiments::context_switch::ContextSwitch;
use crate::experiments::{Experiment, Profile, number};
use crate::results::RunResult;
use crate::run::{ImageId, Simulator};
use crate::spec::{Cpu, RunSpec, Sim, SimSpec, SpecRequest};
use crate::sweep::{self, Point, SweepConfig};

/// Self-test records that must be present and ok (`{"test": NAME, "ok": true, …}`).
pub const SELFTEST_CHECKS: &[&str] = &["cores_up", "timer_fires", "sleep", "budget"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Tier {
    Qemu,
    Gem5,
}

/// What a tier needs from the command line.
pub struct TierOptions<'a> {
    pub root: &'a Path,
    /// Use this image instead of building one.
    pub elf: Option<&'a Path>,
    pub jobs: usize,
    pub timeout: Option<Duration>,
}

fn selftest(sim: SimSpec, cores: u64) -> RunSpec {
    RunSpec::new(SpecRequest {
        app: App::SelfTest,
        mechanism: None,
        cores,
        iterations: runconfig::RunConfig::DEFAULT.iterations,
        seed: 1,
        params: &[],
        sim,
    })
    .expect("the self-test spec is valid")
}

fn point(id: String, spec: RunSpec) -> Point {
    Point {
        id,
        spec,
        labels: BTreeMap::new(),
    }
}

/// Checks the self-test's records for a run on `cores` cores; the error lists every problem.
pub fn check_selftest(results: &[Value], cores: u64) -> Result<(), String> {
    let mut problems = Vec::new();
    for r in results.iter().filter(|r| r.get("test").is_some()) {
        if r.get("ok") != Some(&Value::Bool(true)) {
            problems.push(format!("failed: {r}"));
        }
    }
    for name in SELFTEST_CHECKS {
        let Some(r) = results
            .iter()
            .find(|r| r.get("test").and_then(Value::as_str) == Some(name))
        else {
            problems.push(format!(
                "missing: no @result record with \"test\":\"{name}\""
            ));
            continue;
        };
        if *name == "cores_up"
            && let Some(n) = r.get("cores").and_then(number)
            && n != cores as f64
        {
            problems.push(format!(
                "cores_up reports {n} cores, the run has {cores}: {r}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// Runs a tier; `Ok` means every check passed (or the gem5 tier was skipped).
pub fn run(tier: Tier, opts: &TierOptions<'_>) -> Result<()> {
    if tier == Tier::Gem5 && std::env::var_os(crate::gem5::ENV).is_none_or(|v| v.is_empty()) {
        println!("gem5 tier skipped: GEM5 not set");
        return Ok(());
    }
    let image = match opts.elf {
        Some(p) => p.to_path_buf(),
        None => crate::guest_image::build(opts.root, true)?,
    };
    let (sim, name, points, timeout) = match tier {
        Tier::Qemu => {
            let points =
                [1, 4].map(|n| point(format!("selftest-{n}core"), selftest(SimSpec::Qemu, n)));
            (Sim::Qemu, "qemu", points.to_vec(), Duration::from_secs(300))
        }
        Tier::Gem5 => {
            let max_ticks = crate::experiments::context_switch::MAX_TICKS;
            let mut points = vec![
                point(
                    "selftest-atomic".into(),
                    selftest(SimSpec::gem5(Cpu::Atomic, max_ticks), 2),
                ),
                point(
                    "selftest-minor".into(),
                    selftest(SimSpec::gem5(Cpu::Minor, max_ticks), 2),
                ),
            ];
            let e3 = ContextSwitch.points(Profile::Smoke);
            points.extend(
                e3.into_iter()
                    .filter(|p| p.labels.get("cpu").map(String::as_str) == Some("minor")),
            );
            (Sim::Gem5, "gem5", points, Duration::from_secs(3600))
        }
    };
    let simulator = Simulator::find(sim, opts.root)?;
    let image_id = ImageId::of(opts.root, &image)?;
    let cfg = SweepConfig {
        dir: crate::workspace::runs_dir(opts.root)
            .join("test-tier")
            .join(name),
        jobs: opts.jobs,
        resume: false,
        timeout: opts.timeout.unwrap_or(timeout),
        image: &image,
        image_id: &image_id,
        simulator: &simulator,
        root: opts.root,
    };
    let outcomes = sweep::run_sweep(&cfg, &points);
    println!("\n{}", sweep::table(&outcomes));

    let mut passed = 0;
    let mut failed = Vec::new();
    for o in &outcomes {
        let verdict = match &o.result {
            None => Err("the run failed (above)".to_string()),
            Some(r) => check_point(&o.point, r),
        };
        match verdict {
            Ok(()) => passed += 1,
            Err(e) => failed.push(format!(
                "{}: {e}\n  run dir: {}",
                o.point.id,
                o.dir.display()
            )),
        }
    }
    for f in &failed {
        println!("FAILED {f}");
    }
    println!("{name} tier: {passed} passed, {} failed", failed.len());
    anyhow::ensure!(
        failed.is_empty(),
        "{name} tier: {} of {} checks failed",
        failed.len(),
        outcomes.len()
    );
    Ok(())
}

fn check_point(point: &Point, result: &RunResult) -> Result<(), String> {
    if point.spec.app == App::SelfTest.name() {
        check_selftest(&result.results, point.spec.cores)
    } else {
        ContextSwitch
            .measure(point, result)
            .and_then(|m| {
                let mean = m.get("mean").and_then(number).context("no mean")?;
                anyhow::ensure!(
                    mean.is_finite() && mean > 0.0,
                    "mean cycles per switch is {mean}"
                );
                println!("{}: {mean:.1} cycles per switch (mean)", point.id);
                Ok(())
            })
            .map_err(|e| format!("{e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all_ok(cores: u64) -> Vec<Value> {
        vec![
            json!({"test":"cores_up","ok":true,"cores":cores}),
            json!({"test":"timer_fires","ok":true}),
            json!({"test":"sleep","ok":true}),
            json!({"test":"budget","ok":true}),
        ]
    }

    #[test]
    fn selftest_passes_when_every_check_is_ok() {
        assert_eq!(check_selftest(&all_ok(4), 4), Ok(()));
    }

    #[test]
    fn selftest_reports_failed_missing_and_wrong_core_count() {
        let mut r = all_ok(1);
        r[1] = json!({"test":"timer_fires","ok":false,"detail":"no tick"});
        r.pop();
        let err = check_selftest(&r, 4).unwrap_err();
        assert!(
            err.contains("failed: {\"detail\":\"no tick\",\"ok\":false,\"test\":\"timer_fires\"}"),
            "{err}"
        );
        assert!(
            err.contains("missing: no @result record with \"test\":\"budget\""),
            "{err}"
        );
        assert!(
            err.contains("cores_up reports 1 cores, the run has 4"),
            "{err}"
        );
    }

    #[test]
    fn gem5_tier_is_skipped_without_gem5() {
        // Only meaningful where GEM5 is unset; no test of this crate sets it in-process.
        if std::env::var_os("GEM5").is_some() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let opts = TierOptions {
            root: dir.path(),
            elf: None,
            jobs: 1,
            timeout: None,
        };
        run(Tier::Gem5, &opts).unwrap();
    }
}
