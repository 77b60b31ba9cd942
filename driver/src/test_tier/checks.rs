//! The checks of the test tiers: what each kind of run must have reported. Each returns every
//! problem it found in one message.

use serde_json::Value;

use crate::experiments::number;

/// Self-test records that must be present and ok (`{"test": NAME, "ok": true, …}`).
pub const SELFTEST_CHECKS: &[&str] = &[
    "cores_up",
    "timer_fires",
    "sleep",
    "budget",
    "preempt",
    "fp_state",
    "svc",
    "task_memory",
    "el0",
];

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
            json!({"test":"fp_state","ok":true}),
            json!({"test":"svc","ok":true}),
            json!({"test":"task_memory","ok":true}),
            json!({"test":"el0","ok":true}),
        ]
    }

    #[test]
    fn breakdown_check_wants_the_path_stages_in_order_and_a_sleeping_core() {
        // The idle exit first (it may come anywhere), then the irq path's stages in order.
        let irq: Vec<&str> = std::iter::once("idle_exit")
            .chain(required_stages("irq").iter().copied())
            .collect();
        let m = |stages: &[&str], waits: u64| {
            serde_json::json!({
                "patterns": [{"stages": stages, "wakes": 90}, {"stages": ["task_resumed"], "wakes": 10}],
                "idle_waits": waits,
            })
        };
        assert_eq!(check_breakdown(&m(&irq, 200), "irq", 100, true), Ok(()));
        let mut swapped = irq.clone();
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
}
