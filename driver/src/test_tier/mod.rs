//! `driver test-tier qemu|gem5`: the system tests `just test` runs after the unit tests.
//!
//! - **qemu**: build the guest, boot the self-test on QEMU with 1 and 4 cores, and check its
//!   `@result` records: every record with a `test` field must have `"ok": true`, and each of
//!   [`SELFTEST_CHECKS`] must be there (`cores_up` with `"cores": N` when it reports a count).
//!   Then the software wake paths (`irq`, `poll`; QEMU has no CoroSched device), idle and busy,
//!   must deliver every wake, and each E3 mechanism must make its switches (QEMU's cycle
//!   counts mean nothing; only that the mechanisms work is checked).
//!   The service app runs under each policy on the software NIC (`services.rs`): every request
//!   must complete exactly once.
//! - **gem5**: the same self-test on the `atomic` CPU without the CoroSched device and on
//!   `minor` with it (a 4-entry queue), where it adds the device check ([`check_device`]); a
//!   tiny E3 (a few switches per mechanism on `minor`) whose runs must yield cycles per switch;
//!   and the device's `hwq` and `ring` paths (a few wakes each on `minor`), checked as the wake
//!   experiment checks them; and one device point twice, whose `stats.txt` (less host stats)
//!   and samples must be identical ([`determinism`]). The service app's `quantum` policy on the `ring`
//!   path (the device's quantum timer and yield flag) is checked like the QEMU service points. Without a gem5 (`GEM5`, or `gem5.fast`
//!   or `gem5.opt` on `PATH`, found as `driver run` finds it) the tier is skipped and says so
//!   (gem5 is an hour's build the user makes); a `GEM5` that names no file is an error.
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
use runconfig::{App, Choice, IrqFrame};

mod checks;
pub mod determinism;
mod services;

pub use checks::*;

use crate::coro_sched::CoroSchedSpec;
use crate::experiments::context_switch::ContextSwitch;
use crate::experiments::wake::Wake;
use crate::experiments::wake_breakdown::{STAMPS_PARAM, WakeBreakdown, guest_breakdown};
use crate::experiments::{Experiment, Profile, number};
use crate::results::RunResult;
use crate::run::{ImageId, Simulator};
use crate::spec::{Cpu, RunSpec, Sim, SimSpec, SpecRequest};
use crate::sweep::{self, Point, Status, SweepConfig};

/// The device's queue depth in the gem5 self-test: its device check fills the queue.
const SELFTEST_QUEUE_DEPTH: u64 = 4;

/// Wakes per QEMU wake-path run (the events come from core 1, one every 500 µs).
const QEMU_WAKES: u64 = 40;
/// Switches per QEMU E3 run; the preemptive one gets a 1 ms quantum (QEMU's counter runs at
/// 62.5 MHz and its vCPUs in host time).
const QEMU_SWITCHES: u64 = 200;
const QEMU_QUANTUM_TICKS: u64 = 62_500;
/// Calls per QEMU system-call run.
const QEMU_CALLS: u64 = 256;

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
    // System calls (E6): svc, and fwd with the kernel side on a kernel core and at the idle
    // point; each run first checks the error codes of an unknown call and of bad pointers.
    for (path, cores, side) in [("svc", 1, 0), ("fwd", 2, 0), ("fwd", 1, 1)] {
        let params = [("side".to_string(), side), ("batch".to_string(), 8)];
        let spec = qemu_app(App::Syscall, path, cores, QEMU_CALLS, &params);
        points.push(point(format!("syscall-{path}-side{side}"), spec));
    }
    points.extend(lean_irq_points());
    points.extend(services::qemu_service_points());
    points
}

/// The lean IRQ frame: the self-test (its `fp_state` check: FP/SIMD state survives an
/// interrupt and a preemptive switch) with `lean` and `lean-checked`, and every interrupt-driven
/// run with `lean-checked`, whose trap stops the run if the handler path touches FP/SIMD.
fn lean_irq_points() -> Vec<Point> {
    let lean = RunSpec::with_irq_frame;
    let mut points = vec![
        point(
            "selftest-1core-lean".into(),
            lean(selftest(SimSpec::Qemu, 1), IrqFrame::Lean),
        ),
        point(
            "selftest-4core-lean-checked".into(),
            lean(selftest(SimSpec::Qemu, 4), IrqFrame::LeanChecked),
        ),
    ];
    for busy in [0, 1] {
        let params = [("busy".to_string(), busy)];
        let spec = qemu_app(App::Wake, "irq", 2, QEMU_WAKES, &params);
        let kind = if busy == 1 { "busy" } else { "idle" };
        points.push(point(
            format!("wake-irq-{kind}-lean-checked"),
            lean(spec, IrqFrame::LeanChecked),
        ));
    }
    let params = [("stamps".to_string(), 1)];
    let spec = qemu_app(App::Wake, "irq", 2, QEMU_WAKES, &params);
    points.push(point(
        "wake-irq-idle-stamps-lean".into(),
        lean(spec, IrqFrame::Lean),
    ));
    let params = [("quantum_ticks".to_string(), QEMU_QUANTUM_TICKS)];
    let spec = qemu_app(
        App::ContextSwitch,
        "thread-preempt",
        1,
        QEMU_SWITCHES,
        &params,
    );
    points.push(point(
        "ctxswitch-thread-preempt-lean-checked".into(),
        lean(spec, IrqFrame::LeanChecked),
    ));
    points
}

fn point(id: String, spec: RunSpec) -> Point {
    Point {
        id,
        spec,
        labels: BTreeMap::new(),
    }
}

/// Runs a tier; `Ok` means every check passed, or the gem5 tier was skipped because no gem5
/// was found (it says so; nothing was checked).
pub fn run(tier: Tier, opts: &TierOptions<'_>) -> Result<()> {
    if tier == Tier::Gem5 {
        match crate::gem5::locate() {
            Err(crate::gem5::Gem5Error::NotFound { reason }) if !gem5_named() => {
                println!("gem5 tier SKIPPED: no gem5 ({reason}); nothing was checked");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
    }
    let image = match opts.elf {
        Some(p) => p.to_path_buf(),
        None => crate::guest_image::build(opts.root, true)?,
    };
    let (sim, points, timeout) = match tier {
        Tier::Qemu => (Sim::Qemu, qemu_points(), Duration::from_secs(300)),
        Tier::Gem5 => (Sim::Gem5, gem5_points(), Duration::from_secs(3600)),
    };
    let name = sim.name();
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
        store: None,
    };
    let outcomes = sweep::run_sweep_checked(&cfg, &points, &check_point);
    println!("\n{}", sweep::table(&outcomes));
    let mut failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o.status {
            // The table above has the whole message.
            Status::Failed(_) => Some(format!("{} (see above)", o.point.id)),
            _ => None,
        })
        .collect();
    let mut checks = outcomes.len();
    if points.iter().any(|p| p.id == determinism::SECOND) {
        checks += 1;
        let dir = |id: &str| cfg.dir.join(id);
        match determinism::compare_runs(&dir(determinism::FIRST), &dir(determinism::SECOND)) {
            Ok(()) => {
                println!("determinism: the same point run twice gave identical stats and samples")
            }
            Err(e) => failed.push(format!("determinism: {e}")),
        }
    }
    {
        // A fwd run whose kernel side never answers must fail with the guest's timeout (on
        // gem5, with the SyscallFwd device collecting).
        checks += 1;
        let (id, spec) = if tier == Tier::Qemu {
            (
                "syscall-fwd-never-answers",
                crate::experiments::syscall::never_answers_spec(),
            )
        } else {
            (
                "syscall-fwd-device-never-answers",
                crate::experiments::syscall::device_never_answers_spec(),
            )
        };
        let outcome = sweep::run_point(&cfg, &spec, &cfg.dir.join(id));
        match crate::experiments::syscall::check_never_answers(outcome) {
            Ok(()) => println!("{id}: failed with the guest's timeout, as it must"),
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    for f in &failed {
        println!("FAILED {f}");
    }
    println!(
        "{name} tier: {} passed, {} failed",
        checks - failed.len(),
        failed.len()
    );
    anyhow::ensure!(
        failed.is_empty(),
        "{name} tier: {} of {checks} checks failed",
        failed.len()
    );
    Ok(())
}

/// `GEM5` is set: the user named a gem5, so one that is not there is an error, not a skip.
fn gem5_named() -> bool {
    std::env::var_os(crate::gem5::ENV).is_some_and(|v| !v.is_empty())
}

/// With the device (a small queue, so that its fallback is cheap to reach): the self-test adds
/// its device check.
fn gem5_points_selftest_device() -> Point {
    point(
        "selftest-minor-device".into(),
        selftest(
            SimSpec::Gem5 {
                cpu: Cpu::Minor,
                max_ticks: crate::experiments::context_switch::MAX_TICKS,
                coro_sched: Some(CoroSchedSpec {
                    queue_depth: SELFTEST_QUEUE_DEPTH,
                    ..CoroSchedSpec::default()
                }),
                loadgen: None,
            },
            2,
        ),
    )
}

/// The gem5 tier's runs.
fn gem5_points() -> Vec<Point> {
    let max_ticks = crate::experiments::context_switch::MAX_TICKS;
    let mut points = vec![
        point(
            "selftest-atomic".into(),
            selftest(SimSpec::gem5(Cpu::Atomic, max_ticks), 2),
        ),
        gem5_points_selftest_device(),
    ];
    let e3 = ContextSwitch.points(Profile::Smoke);
    points.extend(
        e3.into_iter()
            .filter(|p| p.labels.get("cpu").map(String::as_str) == Some("minor")),
    );
    // The device's own wake paths, idle, on minor (checked like the wake experiment's
    // runs: samples file against stats and guest record).
    let device_paths: Vec<Point> = Wake
        .points(Profile::Smoke)
        .into_iter()
        .filter(|p| {
            matches!(
                p.labels.get("path").map(String::as_str),
                Some("hwq" | "ring")
            ) && p.labels.get("load").map(String::as_str) == Some("idle")
        })
        .collect();
    // Determinism: the first device path's point, twice more, must give the same stats and
    // samples byte for byte.
    if let Some(p) = device_paths.first() {
        for id in [determinism::FIRST, determinism::SECOND] {
            points.push(Point {
                id: id.into(),
                ..p.clone()
            });
        }
    }
    points.extend(device_paths);
    // The stage probe on the device's default placement (checked like the breakdown
    // experiment's runs, plus the stages each path must pass and a sleeping idle core).
    points.extend(WakeBreakdown.points(Profile::Smoke));
    points.extend(gem5_lean_checked_points());
    points.extend(services::gem5_service_points());
    // E6's fwd path collected by the SyscallFwd device: every call completes, with its result.
    points.push(crate::experiments::syscall::device_tier_point());
    points
}

/// The device's interrupt path (its SPI and pending-bit read, which QEMU has not) under the
/// lean IRQ frame with FP/SIMD trapped: the self-test with the device, and the `irq` wake path
/// idle and busy, on minor.
fn gem5_lean_checked_points() -> Vec<Point> {
    let checked = |p: Point| Point {
        id: format!("{}-lean-checked", p.id),
        spec: p.spec.with_irq_frame(IrqFrame::LeanChecked),
        ..p
    };
    let selftest = gem5_points_selftest_device();
    let irq = Wake.points(Profile::Smoke).into_iter().filter(|p| {
        p.labels.get("path").map(String::as_str) == Some("irq")
            && p.labels.get("cpu").map(String::as_str) == Some("minor")
    });
    std::iter::once(selftest).chain(irq).map(checked).collect()
}

fn check_point(point: &Point, result: &RunResult) -> Result<(), String> {
    let stamped = point.spec.params.get(STAMPS_PARAM).copied().unwrap_or(0) != 0;
    if point.spec.app == App::Service.name() {
        let greedy = point.spec.params.get("greedy").copied().unwrap_or(0) != 0;
        services::check_service(&result.results, point.spec.iterations, greedy)
    } else if point.spec.app == App::SelfTest.name() {
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
    } else if point.spec.app == App::Syscall.name() {
        crate::experiments::syscall::check_syscall(
            &result.results,
            &point.spec.mechanism,
            point.spec.iterations,
            crate::experiments::syscall::collector_reported(
                point.spec.params.get("collector").copied().unwrap_or(0),
            ),
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
    use crate::experiments::ALL;

    /// Every run the tiers and the experiments make passes the checks `driver run` makes before
    /// a simulator starts (cores, device, wake on two cores), on the simulator it is for.
    #[test]
    fn every_planned_run_is_runnable() {
        let max_cores = |sim: Sim| match sim {
            Sim::Gem5 => crate::sim::gem5::MAX_CORES,
            Sim::Qemu => crate::sim::qemu::MAX_CORES,
        };
        let mut points = qemu_points();
        points.extend(gem5_points());
        for exp in ALL {
            for profile in [Profile::Quick, Profile::Full, Profile::Smoke] {
                points.extend(exp.points(profile));
            }
        }
        for p in &points {
            p.spec
                .check_runnable(max_cores(p.spec.sim()))
                .unwrap_or_else(|e| panic!("{}: {e}", p.id));
        }
        let gem5 = gem5_points();
        let pair: Vec<&Point> = gem5
            .iter()
            .filter(|p| [determinism::FIRST, determinism::SECOND].contains(&p.id.as_str()))
            .collect();
        assert_eq!(pair.len(), 2, "the determinism pair");
        assert_eq!(pair[0].spec, pair[1].spec);
        assert!(pair[0].spec.sim.coro_sched().is_some(), "it has samples");
    }
}
