//! `driver test-tier qemu|gem5`: the system tests `just test` runs after the unit tests.
//!
//! - **qemu**: build the guest, boot the self-test on QEMU with 1 and 4 cores, and check its
//!   `@result` records: every record with a `test` field must have `"ok": true`, and each of
//!   [`SELFTEST_CHECKS`] must be there (`cores_up` with `"cores": N` when it reports a count).
//!   Then the software wake paths (`irq`, `poll`; QEMU has no CoroSched device), idle and busy,
//!   must deliver every wake, and each E3 mechanism must make its switches (QEMU's cycle
//!   counts mean nothing; only that the mechanisms work is checked).
//! - **gem5**: the same self-test on the `atomic` CPU without the CoroSched device and on
//!   `minor` with it (a 4-entry queue), where it adds the device check ([`check_device`]); a
//!   tiny E3 (a few switches per mechanism on `minor`) whose runs must yield cycles per switch;
//!   and the device's `hwq` and `ring` paths (a few wakes each on `minor`), checked as the wake
//!   experiment checks them. Without `GEM5` the tier is skipped (gem5 is an hour's build the
//!   user makes).
//!
//! Both tiers also run the wake stage probe (`stamps = 1`): the stamps must come out in the
//! path's stage order, and on gem5 an idle core must sleep between wakes (about two idle waits
//! per wake, [`check_breakdown`]).
//!
//! Runs go to `runs/test-tier/<tier>/` and are always fresh.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use runconfig::{App, Choice};
use serde_json::Value;

use crate::coro_sched::CoroSchedSpec;
use crate::experiments::context_switch::ContextSwitch;
use crate::experiments::wake::Wake;
use crate::experiments::wake_breakdown::{STAMPS_PARAM, WakeBreakdown, guest_breakdown};
use crate::experiments::{Experiment, Profile, number};
use crate::results::RunResult;
use crate::run::{ImageId, Simulator};
use crate::spec::{Cpu, RunSpec, Sim, SimSpec, SpecRequest};
use crate::sweep::{self, Point, SweepConfig};

/// Self-test records that must be present and ok (`{"test": NAME, "ok": true, …}`).
pub const SELFTEST_CHECKS: &[&str] = &[
    "cores_up",
    "timer_fires",
    "sleep",
    "budget",
    "preempt",
    "svc",
];

/// The device's queue depth in the gem5 self-test: its device check fills the queue.
const SELFTEST_QUEUE_DEPTH: u64 = 4;

/// Wakes per QEMU wake-path run (the events come from core 1, one every 500 µs).
const QEMU_WAKES: u64 = 40;
/// Switches per QEMU E3 run; the preemptive one gets a 1 ms quantum (QEMU's counter runs at
/// 62.5 MHz and its vCPUs in host time).
const QEMU_SWITCHES: u64 = 200;
const QEMU_QUANTUM_TICKS: u64 = 62_500;

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

fn qemu_app(
    app: App,
    mechanism: &str,
    cores: u64,
    iterations: u64,
    params: &[(String, u64)],
) -> RunSpec {
    RunSpec::new(SpecRequest {
        app,
        mechanism: Some(mechanism),
        cores,
        iterations,
        seed: 1,
        params,
        sim: SimSpec::Qemu,
    })
    .expect("the QEMU tier's specs are valid")
}

/// The QEMU tier's runs.
fn qemu_points() -> Vec<Point> {
    let mut points: Vec<Point> = [1, 4]
        .map(|n| point(format!("selftest-{n}core"), selftest(SimSpec::Qemu, n)))
        .to_vec();
    for path in ["irq", "poll"] {
        for busy in [0, 1] {
            let params = [("busy".to_string(), busy)];
            let spec = qemu_app(App::Wake, path, 2, QEMU_WAKES, &params);
            let kind = if busy == 1 { "busy" } else { "idle" };
            points.push(point(format!("wake-{path}-{kind}"), spec));
        }
    }
    // The stage probe: its stamps must come out in the irq path's order.
    let params = [("stamps".to_string(), 1)];
    let spec = qemu_app(App::Wake, "irq", 2, QEMU_WAKES, &params);
    points.push(point("wake-irq-idle-stamps".into(), spec));
    for mechanism in App::ContextSwitch.mechanisms() {
        let params = [("quantum_ticks".to_string(), QEMU_QUANTUM_TICKS)];
        let spec = qemu_app(
            App::ContextSwitch,
            mechanism.name(),
            1,
            QEMU_SWITCHES,
            &params,
        );
        points.push(point(format!("ctxswitch-{}", mechanism.name()), spec));
    }
    points
}

/// A wake-path run on QEMU delivered every wake through its own path.
pub fn check_wake(results: &[Value], path: &str, wakes: u64) -> Result<(), String> {
    let r = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some("wake"))
        .ok_or("no @result record with \"bench\":\"wake\"")?;
    let field = |name: &str| r.get(name).and_then(number).unwrap_or(f64::NAN);
    let mut problems = Vec::new();
    if r.get("path").and_then(Value::as_str) != Some(path) {
        problems.push(format!("path is not {path}"));
    }
    if field("wakes") != wakes as f64 {
        problems.push(format!("wakes is not {wakes}"));
    }
    if field("timeouts") != 0.0 {
        problems.push("timeouts is not 0".to_string());
    }
    // Every wake, warm-up included, must have come through the run's own path.
    let by_path = field(if path == "irq" {
        "irq_wakes"
    } else {
        "poll_wakes"
    });
    if by_path != wakes as f64 + field("warmup") {
        problems.push(format!(
            "{path} made {by_path} wakes, expected wakes + warmup"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {r}", problems.join(", ")))
    }
}

/// The stages every wake of `path` passes, in order (the idle exit can come anywhere).
fn required_stages(path: &str) -> &'static [&'static str] {
    match path {
        "irq" => &[
            "vector_entry",
            "handler_entry",
            "gic_acked",
            "event_taken",
            "task_woken",
            "eoi",
            "vector_exit",
            "task_resumed",
        ],
        "poll" => &["event_taken", "task_woken", "task_resumed"],
        _ => &["source_check", "source_popped", "task_resumed"],
    }
}

/// A stamped wake run: its most common pattern passes the path's stages in order, and (on
/// gem5, where WFE sleeps) an idle core waited about twice per wake: once on the event the
/// exception return leaves, then asleep. Many more waits mean the idle loop spins.
pub fn check_breakdown(
    metrics: &Value,
    path: &str,
    wakes: u64,
    check_sleep: bool,
) -> Result<(), String> {
    let patterns = metrics
        .get("patterns")
        .and_then(Value::as_array)
        .ok_or("no breakdown patterns")?;
    let main = patterns
        .iter()
        .max_by_key(|p| p.get("wakes").and_then(Value::as_u64).unwrap_or(0))
        .ok_or("no breakdown patterns")?;
    let stages: Vec<&str> = main
        .get("stages")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let in_order: Vec<&str> = stages
        .iter()
        .copied()
        .filter(|s| required_stages(path).contains(s))
        .collect();
    if in_order != required_stages(path) {
        return Err(format!(
            "the {path} wakes' stamps came as {stages:?}; expected {:?} in that order",
            required_stages(path)
        ));
    }
    let waits = metrics.pointer("/idle_waits").and_then(number);
    if check_sleep
        && path != "poll"
        && let Some(waits) = waits
        && waits > 3.0 * wakes as f64
    {
        return Err(format!(
            "the idle core waited {waits} times for {wakes} wakes: its WFE does not sleep"
        ));
    }
    Ok(())
}

/// An E3 run on QEMU made its switches (no gem5 stats there, and no meaningful cycles).
pub fn check_ctxswitch_functional(
    results: &[Value],
    mechanism: &str,
    switches: u64,
) -> Result<(), String> {
    let r = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some("ctxswitch"))
        .ok_or("no @result record with \"bench\":\"ctxswitch\"")?;
    let made = r.get("switches").and_then(number).unwrap_or(f64::NAN);
    if r.get("mechanism").and_then(Value::as_str) != Some(mechanism) || made < switches as f64 {
        return Err(format!("expected {switches} switches of {mechanism}: {r}"));
    }
    Ok(())
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

/// Checks the self-test's device record (present only with the CoroSched device): bad task
/// pointers refused, the queue the configured depth, and exactly one wake past a full queue
/// that fell back to the interrupt, with every waiter woken.
pub fn check_device(results: &[Value], queue_depth: u64) -> Result<(), String> {
    let r = results
        .iter()
        .find(|r| r.get("test").and_then(Value::as_str) == Some("device"))
        .ok_or("missing: no @result record with \"test\":\"device\" in a run with the device")?;
    let num = |k: &str| r.get(k).and_then(number);
    let mut problems = Vec::new();
    for flag in ["null_task_refused", "misaligned_task_refused"] {
        if r.get(flag) != Some(&Value::Bool(true)) {
            problems.push(format!("{flag} is not true"));
        }
    }
    if num("queue_depth") != Some(queue_depth as f64) {
        problems.push(format!(
            "the device reports queue depth {:?}, the run configured {queue_depth}",
            num("queue_depth")
        ));
    }
    if num("woken").is_none() || num("woken") != num("waiters") {
        problems.push("not every waiter woke".into());
    }
    if num("fallbacks") != Some(1.0) || num("irq_wakes") != Some(1.0) {
        problems.push("want exactly one fallback, served by the interrupt handler".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {r}", problems.join("; ")))
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
        Tier::Qemu => (Sim::Qemu, "qemu", qemu_points(), Duration::from_secs(300)),
        Tier::Gem5 => {
            let max_ticks = crate::experiments::context_switch::MAX_TICKS;
            let mut points = vec![
                point(
                    "selftest-atomic".into(),
                    selftest(SimSpec::gem5(Cpu::Atomic, max_ticks), 2),
                ),
                // With the device (a small queue, so that its fallback is cheap to reach): the
                // self-test adds its device check.
                point(
                    "selftest-minor-device".into(),
                    selftest(
                        SimSpec::Gem5 {
                            cpu: Cpu::Minor,
                            max_ticks,
                            coro_sched: Some(CoroSchedSpec {
                                queue_depth: SELFTEST_QUEUE_DEPTH,
                                ..CoroSchedSpec::default()
                            }),
                        },
                        2,
                    ),
                ),
            ];
            let e3 = ContextSwitch.points(Profile::Smoke);
            points.extend(
                e3.into_iter()
                    .filter(|p| p.labels.get("cpu").map(String::as_str) == Some("minor")),
            );
            // The device's own wake paths, idle, on minor (checked like the wake experiment's
            // runs: samples file against stats and guest record).
            points.extend(Wake.points(Profile::Smoke).into_iter().filter(|p| {
                matches!(
                    p.labels.get("path").map(String::as_str),
                    Some("hwq" | "ring")
                ) && p.labels.get("load").map(String::as_str) == Some("idle")
            }));
            // The stage probe on the device's default placement (checked like the breakdown
            // experiment's runs, plus the stages each path must pass and a sleeping idle core).
            points.extend(WakeBreakdown.points(Profile::Smoke));
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
    let stamped = point.spec.params.get(STAMPS_PARAM).copied().unwrap_or(0) != 0;
    if point.spec.app == App::SelfTest.name() {
        check_selftest(&result.results, point.spec.cores)?;
        match point.spec.sim.coro_sched() {
            Some(device) => check_device(&result.results, device.queue_depth),
            None => Ok(()),
        }
    } else if stamped && matches!(point.spec.sim, SimSpec::Gem5 { .. }) {
        let m = WakeBreakdown
            .measure(point, result)
            .map_err(|e| format!("{e:#}"))?;
        check_breakdown(&m, &point.spec.mechanism, point.spec.iterations, true)
    } else if stamped {
        check_wake(
            &result.results,
            &point.spec.mechanism,
            point.spec.iterations,
        )?;
        let (b, _) = guest_breakdown(&result.results).map_err(|e| format!("{e:#}"))?;
        check_breakdown(
            &serde_json::json!({ "patterns": b.patterns }),
            &point.spec.mechanism,
            point.spec.iterations,
            false,
        )
    } else if point.spec.app == App::Wake.name() && matches!(point.spec.sim, SimSpec::Gem5 { .. }) {
        Wake.measure(point, result)
            .map(|m| {
                let mean = m
                    .get("latency")
                    .and_then(|l| l.get("mean"))
                    .and_then(number)
                    .unwrap_or(f64::NAN);
                println!("{}: {mean:.1} cycles from event to resume (mean)", point.id);
            })
            .map_err(|e| format!("{e:#}"))
    } else if point.spec.app == App::Wake.name() {
        check_wake(
            &result.results,
            &point.spec.mechanism,
            point.spec.iterations,
        )
    } else if matches!(point.spec.sim, SimSpec::Qemu) {
        check_ctxswitch_functional(
            &result.results,
            &point.spec.mechanism,
            point.spec.iterations,
        )
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
            json!({"test":"preempt","ok":true}),
            json!({"test":"svc","ok":true}),
        ]
    }

    #[test]
    fn breakdown_check_wants_the_path_stages_in_order_and_a_sleeping_core() {
        let irq = [
            "idle_exit",
            "vector_entry",
            "handler_entry",
            "gic_acked",
            "event_taken",
            "task_woken",
            "eoi",
            "vector_exit",
            "task_resumed",
        ];
        let m = |stages: &[&str], waits: u64| {
            serde_json::json!({
                "patterns": [{"stages": stages, "wakes": 90}, {"stages": ["task_resumed"], "wakes": 10}],
                "idle_waits": waits,
            })
        };
        assert_eq!(check_breakdown(&m(&irq, 200), "irq", 100, true), Ok(()));
        let mut swapped = irq;
        swapped.swap(3, 4);
        let e = check_breakdown(&m(&swapped, 200), "irq", 100, true).unwrap_err();
        assert!(e.contains("in that order"), "{e}");
        let e = check_breakdown(&m(&irq, 4000), "irq", 100, true).unwrap_err();
        assert!(e.contains("does not sleep"), "{e}");
        // QEMU's WFE does not sleep: not checked there.
        assert_eq!(check_breakdown(&m(&irq, 4000), "irq", 100, false), Ok(()));
        let ring = ["idle_exit", "source_check", "source_popped", "task_resumed"];
        assert_eq!(check_breakdown(&m(&ring, 200), "ring", 100, true), Ok(()));
        assert!(check_breakdown(&m(&irq, 200), "ring", 100, true).is_err());
    }

    #[test]
    fn wake_check_accepts_a_complete_run_and_names_each_problem() {
        let good = json!({"bench":"wake","path":"irq","wakes":40,"warmup":10,"timeouts":0,"irq_wakes":50,"poll_wakes":0});
        assert_eq!(check_wake(&[good], "irq", 40), Ok(()));
        let bad = json!({"bench":"wake","path":"poll","wakes":39,"warmup":10,"timeouts":1,"irq_wakes":0,"poll_wakes":12});
        let err = check_wake(&[bad], "irq", 40).unwrap_err();
        for want in [
            "path is not irq",
            "wakes is not 40",
            "timeouts is not 0",
            "irq made 0 wakes",
        ] {
            assert!(err.contains(want), "{want} missing in {err}");
        }
        assert!(
            check_wake(&[], "irq", 40)
                .unwrap_err()
                .contains("no @result record")
        );
    }

    #[test]
    fn device_check_wants_refusals_the_depth_and_one_fallback() {
        let ok = json!({"test":"device","ok":true,"null_task_refused":true,
            "misaligned_task_refused":true,"queue_depth":4,"waiters":5,"woken":5,
            "fallbacks":1,"irq_wakes":1});
        assert_eq!(check_device(std::slice::from_ref(&ok), 4), Ok(()));
        let e = check_device(std::slice::from_ref(&ok), 16).unwrap_err();
        assert!(e.contains("queue depth"), "{e}");
        let mut bad = ok.clone();
        bad["woken"] = json!(4);
        bad["fallbacks"] = json!(0);
        bad["null_task_refused"] = json!(false);
        let e = check_device(&[bad], 4).unwrap_err();
        assert!(e.contains("not every waiter woke"), "{e}");
        assert!(e.contains("exactly one fallback"), "{e}");
        assert!(e.contains("null_task_refused"), "{e}");
        assert!(check_device(&all_ok(2), 4).unwrap_err().contains("missing"));
    }

    #[test]
    fn selftest_passes_when_every_check_is_ok() {
        assert_eq!(check_selftest(&all_ok(4), 4), Ok(()));
    }

    #[test]
    fn selftest_reports_failed_missing_and_wrong_core_count() {
        let mut r = all_ok(1);
        r[1] = json!({"test":"timer_fires","ok":false,"detail":"no tick"});
        r.retain(|x| x["test"] != "budget");
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
