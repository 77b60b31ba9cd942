//! The functional check of a `syscall` run (the QEMU tier): the error checks passed on the
//! run's path, and every measured call completed (for `fwd`, through the kernel side).

use runconfig::App;
use serde_json::Value;

use crate::experiments::number;
use crate::results::RunResult;
use crate::spec::{RunSpec, SimSpec, SpecRequest};

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

/// `Ok` if the run's records show the error checks passed on `path` and `calls` calls made.
pub fn check_syscall(results: &[Value], path: &str, calls: u64) -> Result<(), String> {
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
    fn passes_a_complete_run_and_names_each_problem() {
        assert_eq!(check_syscall(&records(true, 64), "fwd", 64), Ok(()));
        assert!(
            check_syscall(&records(false, 64), "fwd", 64)
                .unwrap_err()
                .contains("error checks failed")
        );
        assert!(
            check_syscall(&records(true, 60), "fwd", 64)
                .unwrap_err()
                .contains("ran 60 of")
        );
        assert!(
            check_syscall(&records(true, 64), "fwd", 100)
                .unwrap_err()
                .contains("expected 100 calls")
        );
        assert!(
            check_syscall(&records(true, 64), "svc", 64)
                .unwrap_err()
                .contains("svc path")
        );
        assert!(
            check_syscall(&[], "svc", 1)
                .unwrap_err()
                .contains("syscall_errors")
        );
    }
}
