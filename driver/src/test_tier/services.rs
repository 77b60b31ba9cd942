//! The QEMU tier's service points: each policy end to end on the software NIC (core 1 plays the
//! NIC), a synthetic and a key-value workload on the two software wake paths, and the greedy
//! pair; and the check that every request completed exactly once.

use runconfig::services::{SOFT_EXP, SOFT_KV};
use runconfig::{App, Choice, WakePath};
use serde_json::Value;

use super::{Point, point, qemu_app};
use crate::coro_sched::CoroSchedSpec;
use crate::experiments::number;
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};

/// Measured requests per QEMU service run (after a tenth as many warm-up ones).
const QEMU_REQUESTS: u64 = 300;

/// The service points of the QEMU tier.
pub(super) fn qemu_service_points() -> Vec<Point> {
    let mut points = Vec::new();
    for mech in App::Service.mechanisms() {
        for (path, workload, name) in [
            (WakePath::Irq, SOFT_EXP, "synth"),
            (WakePath::Poll, SOFT_KV, "kv"),
        ] {
            let params = [
                ("wake_path".to_string(), u64::from(path.code())),
                ("soft_workload".to_string(), workload),
            ];
            let spec = qemu_app(App::Service, mech.name(), 2, QEMU_REQUESTS, &params);
            points.push(point(
                format!("service-{name}-{}-{}", mech.name(), path.name()),
                spec,
            ));
        }
    }
    let params = [
        ("wake_path".to_string(), u64::from(WakePath::Irq.code())),
        ("greedy".to_string(), 1),
    ];
    let spec = qemu_app(App::Service, "budget", 2, QEMU_REQUESTS, &params);
    points.push(point("service-greedy-budget-irq".into(), spec));
    points.extend(qemu_completion_points());
    points
}

/// The completion modes through the `nic_send` system call, key-value under `fcfs` on `irq`:
/// `svc`, and `fwd:16` collected on a kernel core (core 2: core 1 plays the NIC) and at the
/// worker's idle point.
fn qemu_completion_points() -> Vec<Point> {
    use runconfig::services::{FWD_SIDE_KERNEL_CORE, FWD_SIDE_SAME_CORE, parse_completion};
    [
        ("svc", FWD_SIDE_KERNEL_CORE, 2, "svc"),
        ("fwd:16", FWD_SIDE_KERNEL_CORE, 3, "fwd16-kernel-core"),
        ("fwd:16", FWD_SIDE_SAME_CORE, 2, "fwd16-same-core"),
    ]
    .into_iter()
    .map(|(mode, side, cores, name)| {
        let (complete, batch) = parse_completion(mode).expect("the tier's modes parse");
        let mut params = vec![
            ("wake_path".to_string(), u64::from(WakePath::Irq.code())),
            ("soft_workload".to_string(), SOFT_KV),
            ("complete".to_string(), complete),
            ("fwd_side".to_string(), side),
        ];
        if batch > 0 {
            params.push(("fwd_batch".to_string(), batch));
        }
        let spec = qemu_app(App::Service, "fcfs", cores, QEMU_REQUESTS, &params);
        point(format!("service-kv-fcfs-irq-{name}"), spec)
    })
    .collect()
}

/// Requests of the gem5 tier's service point.
const GEM5_REQUESTS: u64 = 50;

/// The gem5 tier's service point: `quantum` on the `ring` path with the CoroSched device (its
/// quantum timer, DMA-written yield flag and ring), the software NIC on core 1, on `minor`.
pub(super) fn gem5_service_points() -> Vec<Point> {
    let params = [("wake_path".to_string(), u64::from(WakePath::Ring.code()))];
    let spec = RunSpec::new(SpecRequest {
        app: App::Service,
        mechanism: Some("quantum"),
        cores: 2,
        iterations: GEM5_REQUESTS,
        seed: 1,
        params: &params,
        sim: SimSpec::Gem5 {
            cpu: Cpu::Minor,
            max_ticks: crate::experiments::context_switch::MAX_TICKS,
            coro_sched: Some(CoroSchedSpec::default()),
            loadgen: None,
        },
    })
    .expect("the gem5 tier's service spec is valid");
    vec![point("service-quantum-ring-minor".into(), spec)]
}

fn record<'a>(results: &'a [Value], bench: &str) -> Result<&'a Value, String> {
    results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some(bench))
        .ok_or_else(|| format!("no @result record with \"bench\":\"{bench}\""))
}

fn field(r: &Value, name: &str) -> f64 {
    r.get(name).and_then(number).unwrap_or(f64::NAN)
}

/// A service run on the software NIC: every request that arrived was either dropped (a full
/// ring, which host load on QEMU can cause) or completed exactly once; the server answered
/// everything it received; the NIC saw no protocol error; a greedy run's task made progress.
pub fn check_service(results: &[Value], requests: u64, greedy: bool) -> Result<(), String> {
    let nic = record(results, "soft-nic")?;
    let srv = record(results, "service")?;
    let mut problems = Vec::new();
    let arrivals = field(nic, "arrivals");
    let warmup = field(nic, "warmup");
    if arrivals != requests as f64 + warmup {
        problems.push(format!(
            "{arrivals} arrivals, expected {requests} requests + {warmup} warm-up"
        ));
    }
    let (completed, drops) = (field(nic, "completed"), field(nic, "drops"));
    if completed + drops != arrivals {
        problems.push(format!(
            "{completed} completed + {drops} dropped != {arrivals} arrivals"
        ));
    }
    for bad in ["duplicates", "unknown", "missing"] {
        if field(nic, bad) != 0.0 {
            problems.push(format!("{bad}: {}", field(nic, bad)));
        }
    }
    if field(srv, "completed") != field(srv, "received") || field(srv, "completed") != completed {
        problems.push(format!(
            "the server completed {} of {} received; the NIC saw {completed}",
            field(srv, "completed"),
            field(srv, "received")
        ));
    }
    // Through the system call, every completion went through the kernel's TX queue.
    let complete = srv
        .get("complete")
        .and_then(Value::as_str)
        .unwrap_or("direct");
    if complete != "direct" && field(srv, "kernel_tx_moved") != completed {
        problems.push(format!(
            "complete = {complete}: the kernel transmitted {} completions, the NIC saw {completed}",
            field(srv, "kernel_tx_moved")
        ));
    }
    for bits in ["nic_errors", "coro_errors"] {
        if field(srv, bits) != 0.0 {
            problems.push(format!("{bits}: {}", field(srv, bits)));
        }
    }
    // NaN (no field) fails too.
    if greedy && field(srv, "greedy_items").partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        problems.push("the greedy task consumed nothing".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {nic} {srv}", problems.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(completed: u64, drops: u64, duplicates: u64, served: u64) -> Vec<Value> {
        vec![
            json!({"bench":"soft-nic","arrivals":110,"warmup":10,"completed":completed,
                   "drops":drops,"duplicates":duplicates,"unknown":0,"missing":0}),
            json!({"bench":"service","completed":served,"received":served,"nic_errors":0,
                   "coro_errors":0,"greedy_items":5}),
        ]
    }

    #[test]
    fn every_request_once_passes() {
        assert_eq!(check_service(&run(110, 0, 0, 110), 100, true), Ok(()));
        assert_eq!(check_service(&run(105, 5, 0, 105), 100, false), Ok(()));
    }

    #[test]
    fn lost_duplicated_or_unserved_requests_fail() {
        let lost = check_service(&run(109, 0, 0, 109), 100, false).unwrap_err();
        assert!(lost.contains("!= 110 arrivals"), "{lost}");
        let dup = check_service(&run(110, 0, 1, 110), 100, false).unwrap_err();
        assert!(dup.contains("duplicates"), "{dup}");
        let unserved = check_service(&run(110, 0, 0, 100), 100, false).unwrap_err();
        assert!(unserved.contains("the server completed 100"), "{unserved}");
        let mut short = run(110, 0, 0, 110);
        short[1]["complete"] = json!("fwd:16");
        short[1]["kernel_tx_moved"] = json!(100);
        let through_kernel = check_service(&short, 100, false).unwrap_err();
        assert!(
            through_kernel.contains("kernel transmitted 100"),
            "{through_kernel}"
        );
        short[1]["kernel_tx_moved"] = json!(110);
        assert_eq!(check_service(&short, 100, false), Ok(()));
        let missing = check_service(&run(110, 0, 0, 110)[..1], 100, false).unwrap_err();
        assert!(missing.contains("\"bench\":\"service\""), "{missing}");
    }
}
