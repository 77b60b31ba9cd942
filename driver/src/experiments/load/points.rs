//! E4's runs: policy × offered load × workload on one worker core (wake path `hwq`), plus a
//! wake-path comparison at one load, sized per profile.

use std::collections::BTreeMap;

use runconfig::services::{parse_completion, parse_policy};
use runconfig::{App, Choice, WakePath};

use super::grid::{self, WORKLOADS};
use crate::coro_sched::CoroSchedSpec;
use crate::experiments::Profile;
use crate::loadgen::LoadGenSpec;
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::sweep::Point;

/// The four policies at the brief's parameters: Tokio's budget, a 5 µs quantum (Concord's and
/// Shinjuku's order of magnitude), the same quantum preemptive.
pub const POLICIES: &[&str] = &["fcfs", "budget:128", "quantum:5us", "preempt:5us"];
/// The sweep's wake path.
pub const DEFAULT_PATH: WakePath = WakePath::Hwq;
/// The wake-path comparison: every path, at [`Sizes::path_load`] of [`PATH_WORKLOAD`] under
/// [`PATH_POLICY`].
pub const COMPARED_PATHS: &[WakePath] =
    &[WakePath::Irq, WakePath::Poll, WakePath::Hwq, WakePath::Ring];
pub const PATH_WORKLOAD: &str = "exp:1us";
pub const PATH_POLICY: &str = "fcfs";
/// The completion comparison (issue 11, item 5): how a completion reaches the NIC, at
/// [`Sizes::path_load`] of [`COMPLETION_WORKLOAD`] under [`COMPLETION_POLICY`]. `direct` is the
/// sweep's own point. The key-value mix because its GETs are short (about 1 µs with the
/// NIC path), so a per-completion cost is a large share of a request; `fcfs` because a request
/// then runs to its completion call without yields or preemption in between, so the latency
/// difference is the completion path's alone.
pub const COMPLETIONS: &[&str] = &[DIRECT, "svc", "fwd:16"];
pub const COMPLETION_WORKLOAD: &str = "kv:0.995:100:25000:zipf:0.99";
pub const COMPLETION_POLICY: &str = "fcfs";
/// The completion mode of every point outside the comparison.
pub const DIRECT: &str = "direct";
/// Seed of every run (the NIC's arrivals and draws follow it).
pub const SEED: u64 = 1;

/// The key-value mix's nominal cost per request, ns: the reference for its offered loads. A
/// GET is a map lookup of about 0.1–0.2 µs and a SCAN of 100 items about 10 µs (0.5 % of the
/// requests), but the NIC-to-completion path adds about 0.6 µs per request on the in-order
/// core (`idle_overhead_ns`), so that the store saturates one core near 1 M requests/s; the
/// measured service time is in each point's numbers, and loads above 1 are legal.
pub const KV_NOMINAL_SERVICE_NS: f64 = 1000.0;

/// The size of the sweep per profile: the one table to change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    pub cpu: Cpu,
    /// Offered loads as fractions of one core's capacity.
    pub loads: &'static [f64],
    /// Measured requests per point of the `exp` and key-value workloads.
    pub requests: u64,
    /// Measured requests per point of the bimodal workload (0.5 % of them 500 µs long: the
    /// expensive one to simulate).
    pub bimodal_requests: u64,
    /// Warm-up requests before the measured ones.
    pub warmup: u64,
    /// The load of the wake-path comparison (one of `loads`).
    pub path_load: f64,
    /// The loads of the analytic check (fcfs, `exp:1us`), each one of `loads`.
    pub analytic_loads: &'static [f64],
}

pub fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            cpu: Cpu::Minor,
            loads: &[0.2, 0.4],
            requests: 100,
            bimodal_requests: 100,
            warmup: 10,
            path_load: 0.4,
            analytic_loads: &[0.2, 0.4],
        },
        // Sized for `experiment all` in minutes: 1000 measured requests (600 of the bimodal
        // workload, whose 500 µs requests dominate the simulated busy time), four loads, the
        // in-order core (about 0.3 ms of busy guest time per wall second).
        Profile::Quick => Sizes {
            cpu: Cpu::Minor,
            loads: &[0.2, 0.4, 1.1],
            requests: 600,
            bimodal_requests: 400,
            warmup: 100,
            path_load: 0.4,
            analytic_loads: &[0.2, 0.4],
        },
        Profile::Full => Sizes {
            cpu: Cpu::O3,
            loads: grid::LOAD_FRACTIONS,
            requests: 20_000,
            bimodal_requests: 10_000,
            warmup: 1_000,
            path_load: 0.5,
            analytic_loads: &[0.3, 0.5],
        },
    }
}

/// Simulated time after which a run counts as hung: 2 s, far beyond 20,000 requests at the
/// lightest load of the slowest workload (20,000 × 3 µs / 0.1 = 0.6 s).
pub const MAX_TICKS: u64 = 2_000_000_000_000;

/// The mean service time (ns) a workload's loads refer to.
pub fn reference_service_ns(workload: &str) -> f64 {
    crate::loadgen::Workload::parse(workload)
        .ok()
        .and_then(|w| w.mean_service_ns())
        .unwrap_or(KV_NOMINAL_SERVICE_NS)
}

/// Requests per second offering `fraction` of one core to `workload`.
pub fn rate(workload: &str, fraction: f64) -> u64 {
    grid::rate_for(workload, fraction)
        .unwrap_or_else(|| (fraction * 1e9 / KV_NOMINAL_SERVICE_NS).round() as u64)
        .max(1)
}

/// A short name of a workload for ids and labels: `bimodal`, `exp`, `kv`.
pub fn workload_name(workload: &str) -> &str {
    workload.split(':').next().unwrap_or(workload)
}

/// One service run on one worker core.
#[derive(Clone, Debug)]
pub struct ServiceRun<'a> {
    pub cpu: Cpu,
    /// A policy in the app's form, e.g. `quantum:5us`.
    pub policy: &'a str,
    /// How the NIC's arrivals wake the server.
    pub path: WakePath,
    /// What the NIC offers (with `greedy`, flow 1 saturating too).
    pub nic: LoadGenSpec,
    pub max_ticks: u64,
    /// How completions reach the NIC: `direct`, `svc` or `fwd:B`.
    pub complete: &'a str,
}

/// The cores of a run completing by `complete`: the worker, plus the kernel core that collects
/// the forwarded calls (the software collector; the SyscallFwd device takes its place once its
/// driver exists, a choice of the fwd path's `fwd_side` parameter).
pub fn cores_for(complete: &str) -> u64 {
    if complete.starts_with("fwd") { 2 } else { 1 }
}

/// The spec of one service run.
pub fn spec(r: &ServiceRun<'_>) -> RunSpec {
    let (mechanism, arg) = parse_policy(r.policy).expect("the policies are the app's own forms");
    let (complete, batch) =
        parse_completion(r.complete).expect("the completion modes are the app's own forms");
    let mut params = vec![
        ("wake_path".to_string(), r.path.code() as u64),
        ("policy_arg".to_string(), arg),
        ("greedy".to_string(), u64::from(r.nic.greedy)),
        ("complete".to_string(), complete),
    ];
    if batch > 0 {
        params.push(("fwd_batch".to_string(), batch));
    }
    RunSpec::new(SpecRequest {
        app: App::Service,
        mechanism: Some(mechanism.name()),
        cores: cores_for(r.complete),
        iterations: r.nic.requests,
        seed: SEED,
        params: &params,
        sim: SimSpec::Gem5 {
            cpu: r.cpu,
            max_ticks: r.max_ticks,
            coro_sched: Some(CoroSchedSpec::default()),
            loadgen: Some(r.nic.clone()),
        },
    })
    .expect("the service app has these parameters")
}

/// The label of an offered load, e.g. `0.80`.
pub fn load_label(fraction: f64) -> String {
    format!("{fraction:.2}")
}

/// Labels a point of the sweep or of the wake-path comparison.
pub const SWEEP: &str = "sweep";
pub const PATHS: &str = "paths";
pub const COMPLETION: &str = "completion";

fn point(s: &Sizes, set: &str, policy: &str, path: WakePath, workload: &str, load: f64) -> Point {
    completion_point(s, set, policy, path, workload, load, DIRECT)
}

/// A point completing by `complete`; the id names the mode unless it is `direct` (so the
/// sweep's ids stay as they were).
fn completion_point(
    s: &Sizes,
    set: &str,
    policy: &str,
    path: WakePath,
    workload: &str,
    load: f64,
    complete: &str,
) -> Point {
    let requests = if workload_name(workload) == "bimodal" {
        s.bimodal_requests
    } else {
        s.requests
    };
    let mut id = format!(
        "{}-{}-{}-{}-{}",
        s.cpu.name(),
        workload_name(workload),
        policy.replace(':', ""),
        path.name(),
        load_label(load)
    );
    if complete != DIRECT {
        id.push('-');
        id.push_str(&complete.replace(':', ""));
    }
    Point {
        id,
        spec: spec(&ServiceRun {
            cpu: s.cpu,
            policy,
            path,
            nic: grid::nic(workload, rate(workload, load), s.warmup, requests),
            max_ticks: MAX_TICKS,
            complete,
        }),
        labels: BTreeMap::from([
            ("set".to_string(), set.to_string()),
            ("cpu".to_string(), s.cpu.name().to_string()),
            ("policy".to_string(), policy.to_string()),
            ("path".to_string(), path.name().to_string()),
            ("workload".to_string(), workload.to_string()),
            ("load".to_string(), load_label(load)),
            ("complete".to_string(), complete.to_string()),
        ]),
    }
}

/// Every E4 point: the sweep (workload × policy × load, `hwq`), then the wake-path comparison
/// (its `hwq` point is the sweep's, so it is not run twice), then the completion comparison
/// (its `direct` point is the sweep's).
pub fn points(profile: Profile) -> Vec<Point> {
    let s = sizes(profile);
    let mut out = Vec::new();
    for workload in WORKLOADS {
        for policy in POLICIES {
            for &load in s.loads {
                out.push(point(&s, SWEEP, policy, DEFAULT_PATH, workload, load));
            }
        }
    }
    for &path in COMPARED_PATHS {
        if path != DEFAULT_PATH {
            out.push(point(
                &s,
                PATHS,
                PATH_POLICY,
                path,
                PATH_WORKLOAD,
                s.path_load,
            ));
        }
    }
    for &complete in COMPLETIONS {
        if complete != DIRECT {
            out.push(completion_point(
                &s,
                COMPLETION,
                COMPLETION_POLICY,
                DEFAULT_PATH,
                COMPLETION_WORKLOAD,
                s.path_load,
                complete,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_covers_policies_loads_and_workloads_once() {
        for profile in [Profile::Smoke, Profile::Quick, Profile::Full] {
            let s = sizes(profile);
            let pts = points(profile);
            let sweep = pts.iter().filter(|p| p.labels["set"] == SWEEP).count();
            assert_eq!(sweep, WORKLOADS.len() * POLICIES.len() * s.loads.len());
            let completion = pts.iter().filter(|p| p.labels["set"] == COMPLETION).count();
            assert_eq!(completion, COMPLETIONS.len() - 1, "{profile:?}");
            assert_eq!(
                pts.len() - sweep - completion,
                COMPARED_PATHS.len() - 1,
                "{profile:?}"
            );
            assert!(WORKLOADS.contains(&COMPLETION_WORKLOAD) && POLICIES.contains(&"fcfs"));
            assert!(s.loads.contains(&s.path_load));
            assert!(s.analytic_loads.iter().all(|l| s.loads.contains(l)));
            assert!(pts.iter().all(|p| p.spec.seed == SEED));
            assert!(
                pts.iter()
                    .filter(|p| p.labels["set"] != COMPLETION)
                    .all(|p| p.spec.cores == 1 && p.labels["complete"] == DIRECT)
            );
        }
        // Light to beyond saturation.
        let q = sizes(Profile::Quick);
        assert!(q.loads.first().unwrap() <= &0.2 && q.loads.last().unwrap() > &1.0);
        assert_eq!(sizes(Profile::Full).cpu, Cpu::O3);
        assert!(sizes(Profile::Full).bimodal_requests >= 10_000);
    }

    #[test]
    fn a_point_asks_the_nic_and_the_guest_for_the_same_run() {
        let pts = points(Profile::Quick);
        let p = pts
            .iter()
            .find(|p| p.id == "minor-bimodal-quantum5us-hwq-0.40")
            .unwrap();
        let nic = p.spec.sim.loadgen().unwrap();
        assert_eq!(nic.workload, "bimodal:0.005:0.5us:500us");
        // 0.4 of 1 / 2.9975 µs.
        assert_eq!(nic.rate, 133_445);
        assert_eq!((nic.requests, nic.warmup, nic.greedy), (400, 100, false));
        assert_eq!(p.spec.iterations, 400);
        assert_eq!(p.spec.mechanism, "quantum");
        assert_eq!(p.spec.params["policy_arg"], 5_000);
        assert_eq!(p.spec.params["wake_path"], WakePath::Hwq.code() as u64);
        assert_eq!(p.spec.params["nic"], loadgen_nic_regs::system::BASE);
        assert!(p.spec.sim.coro_sched().is_some());
        p.spec.check_runnable(1).unwrap();
        // The key-value loads refer to the nominal service time.
        assert_eq!(rate("kv:0.995:100:25000:zipf:0.99", 0.5), 500_000);
        let irq = pts.iter().find(|p| p.labels["set"] == PATHS).unwrap();
        assert_eq!(irq.labels["path"], "irq");
        assert_eq!(irq.labels["load"], "0.40");
    }

    #[test]
    fn the_completion_comparison_runs_svc_and_fwd16_beside_the_sweeps_direct_point() {
        let pts = points(Profile::Quick);
        let direct = pts
            .iter()
            .find(|p| p.id == "minor-kv-fcfs-hwq-0.40")
            .unwrap();
        assert_eq!(direct.spec.params["complete"], 0);
        let svc = pts
            .iter()
            .find(|p| p.id == "minor-kv-fcfs-hwq-0.40-svc")
            .unwrap();
        assert_eq!((svc.spec.cores, svc.spec.params["complete"]), (1, 1));
        assert_eq!(svc.labels["set"], COMPLETION);
        let fwd = pts
            .iter()
            .find(|p| p.id == "minor-kv-fcfs-hwq-0.40-fwd16")
            .unwrap();
        // The worker and the kernel core that collects.
        assert_eq!(fwd.spec.cores, 2);
        assert_eq!(fwd.spec.params["complete"], 2);
        assert_eq!(fwd.spec.params["fwd_batch"], 16);
        assert_eq!(fwd.labels["complete"], "fwd:16");
        assert_eq!(
            fwd.spec.sim.loadgen().unwrap().rate,
            direct.spec.sim.loadgen().unwrap().rate
        );
        fwd.spec.check_runnable(2).unwrap();
    }
}
