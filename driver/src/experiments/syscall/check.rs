//! The functional check of a `syscall` run (the QEMU tier): the error checks passed on the
//! run's path, and every measured call completed (for `fwd`, through the kernel side).

use runconfig::App;
use serde_json::Value;

use super::{Choice, Collector};
use crate::coro_sched::CoroSchedSpec;
use crate::experiments::number;
use crate::results::RunResult;
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::sweep::Point;

/// What the guest's panic says when the kernel side never answers.
pub const NEVER_ANSWERS: &str = "the kernel side never answered";

/// A QEMU run of `fwd` whose kernel side runs nowhere (`side = 2`): it must fail.
pub fn never_answers_spec() -> RunSpec {
    let params = [("side".to_string(), 2)];
    RunSpec::new(SpecRequest {
        app: App::Syscall,
        mechanism: Some("fwd"),
        cores: 1,
        iterations: 16,
        seed: 1,
        params: &params,
        sim: SimSpec::Qemu,
    })
    .expect("the syscall app's names and parameters")
}

/// The gem5 tier's device point: `fwd:4` of 64 `write` calls on minor, collected and woken
/// by the SyscallFwd device; the app checks every call's result, [`check_syscall`] that every
/// call was run by the kernel side and that the device collected them.
pub fn device_tier_point() -> Point {
    let c = Choice {
        cpu: Cpu::Minor,
        batch: Some(4),
        same_core: false,
        call: 2,
        collector: Collector::Device,
    };
    Point {
        id: "syscall-fwd4-device".into(),
        ..super::point(c, 64)
    }
}

/// A gem5 run of `fwd` collected by the device whose kernel side runs nowhere (`side = 2`):
/// it must fail with the guest's timeout. The device polls every microsecond here, which
/// keeps the 100 ms of simulated waiting cheap to simulate.
pub fn device_never_answers_spec() -> RunSpec {
    let params = [
        ("side".to_string(), 2),
        ("collector".to_string(), 1),
        ("poll_ns".to_string(), 1000),
    ];
    RunSpec::new(SpecRequest {
        app: App::Syscall,
        mechanism: Some("fwd"),
        cores: 1,
        iterations: 16,
        seed: 1,
        params: &params,
        sim: SimSpec::Gem5 {
            cpu: Cpu::Minor,
            max_ticks: super::MAX_TICKS,
            coro_sched: Some(CoroSchedSpec::default()),
            loadgen: None,
        },
    })
    .expect("the syscall app's names and parameters")
}

/// `Ok` if the run of [`never_answers_spec`] failed with the guest's timeout message.
pub fn check_never_answers(outcome: anyhow::Result<RunResult>) -> Result<(), String> {
    match outcome {
        Ok(_) => Err("the run succeeded, but nothing answers its calls".into()),
        Err(e) => {
            let msg = format!("{e:#}");
            if msg.contains(NEVER_ANSWERS) {
                Ok(())
            } else {
                Err(format!(
                    "the run failed, but not with the guest's timeout: {msg}"
                ))
            }
        }
    }
}

/// The `collector` the guest reports for the app parameter `collector`.
pub fn collector_reported(param: u64) -> &'static str {
    match param {
        1 => "device-hwq",
        2 => "device-ring",
        _ => "software",
    }
}

/// `Ok` if the run's records show the error checks passed on `path` and `calls` calls made
/// (for `fwd`, by the collector `collector`, as the guest names it; see
/// [`collector_reported`]).
pub fn check_syscall(
    results: &[Value],
    path: &str,
    calls: u64,
    collector: &str,
) -> Result<(), String> {
    let errors = results
        .iter()
        .find(|r| r.get("test").and_then(Value::as_str) == Some("syscall_errors"))
        .ok_or("no @result record with \"test\":\"syscall_errors\"")?;
    if errors.get("ok") != Some(&Value::Bool(true))
        || errors.get("path").and_then(Value::as_str) != Some(path)
    {
        return Err(format!(
            "the error checks failed on the {path} path: {errors}"
        ));
    }
    let bench = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some("syscall"))
        .ok_or("no @result record with \"bench\":\"syscall\"")?;
    let field = |k: &str| bench.get(k).and_then(number).unwrap_or(f64::NAN);
    let made = field("calls");
    if made.is_nan() || made < calls as f64 {
        return Err(format!("expected {calls} calls on {path}: {bench}"));
    }
    if path == "fwd" && field("kernel_calls") != made {
        return Err(format!(
            "the kernel side ran {} of the {made} forwarded calls: {bench}",
            field("kernel_calls")
        ));
    }
    let reported = bench
        .get("collector")
        .and_then(Value::as_str)
        .unwrap_or("software");
    if path == "fwd" && reported != collector {
        return Err(format!(
            "the calls were collected by {reported}, the run asked for {collector}: {bench}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records(ok: bool, kernel_calls: u64) -> Vec<Value> {
        vec![
            json!({"test":"syscall_errors","path":"fwd","ok":ok,"unknown_call":-38}),
            json!({"bench":"syscall","path":"fwd","calls":64,"kernel_calls":kernel_calls}),
        ]
    }

    #[test]
    fn a_kernel_side_that_never_answers_must_fail_the_run_with_the_timeout() {
        let timeout = anyhow::anyhow!("guest panicked: core 0: syscall: {NEVER_ANSWERS} (x)");
        assert_eq!(check_never_answers(Err(timeout)), Ok(()));
        let other = anyhow::anyhow!("guest panicked: something else");
        assert!(
            check_never_answers(Err(other))
                .unwrap_err()
                .contains("not with")
        );
        let spec = never_answers_spec();
        assert_eq!(spec.mechanism, "fwd");
        assert_eq!(spec.params.get("side"), Some(&2));
    }

    #[test]
    fn the_device_points_ask_for_the_device() {
        let p = device_tier_point();
        assert_eq!(p.spec.params.get("collector"), Some(&2));
        assert_eq!(p.spec.params.get("batch"), Some(&4));
        assert!(p.spec.sim.coro_sched().is_some());
        let n = device_never_answers_spec();
        assert_eq!(n.params.get("side"), Some(&2));
        assert_eq!(n.params.get("collector"), Some(&1));
        assert!(n.sim.coro_sched().is_some());
    }

    #[test]
    fn passes_a_complete_run_and_names_each_problem() {
        let check = |r: &[Value], path: &str, calls: u64| check_syscall(r, path, calls, "software");
        assert_eq!(check(&records(true, 64), "fwd", 64), Ok(()));
        assert!(
            check_syscall(&records(true, 64), "fwd", 64, "device-hwq")
                .unwrap_err()
                .contains("collected by software")
        );
        let mut device = records(true, 64);
        device[1]["collector"] = "device-hwq".into();
        assert_eq!(
            check_syscall(&device, "fwd", 64, collector_reported(1)),
            Ok(())
        );
        assert!(
            check(&records(false, 64), "fwd", 64)
                .unwrap_err()
                .contains("error checks failed")
        );
        assert!(
            check(&records(true, 60), "fwd", 64)
                .unwrap_err()
                .contains("ran 60 of")
        );
        assert!(
            check(&records(true, 64), "fwd", 100)
                .unwrap_err()
                .contains("expected 100 calls")
        );
        assert!(
            check(&records(true, 64), "svc", 64)
                .unwrap_err()
                .contains("svc path")
        );
        assert!(check(&[], "svc", 1).unwrap_err().contains("syscall_errors"));
    }
}
