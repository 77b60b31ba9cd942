//! The guest's `wake` record and E2 (background cycles lost per wake).
//!
//! The record (one per run; extra fields are ignored, numbers may be integers, floats or
//! numeric strings): `{"bench":"wake","path":P,"busy":B,"wakes":N,"timeouts":T,…}` plus, when
//! B = 1, `bg_units_without`, `bg_cycles_without`, `bg_units_with`, `bg_cycles_with`,
//! `lost_cycles_per_wake`. `path` and `busy`, when present, must match the run; `wakes` (> 0)
//! and `timeouts` are required; T > 0 is a failed run (a lost wake).
//!
//! E2: background work units and cycles without events (U0 in C0) and with them (U1 in C1).
//! The cycles lost per wake are C1 − U1·C0/U0 (the cycles the same work took beyond its pace
//! without events) over the measured wakes; the driver recomputes it from the four numbers and
//! the sample count and fails the record if the guest's `lost_cycles_per_wake` differs by more
//! than 1 % and more than 1 cycle (the guest may compute in integers).

use anyhow::{Context, Result, ensure};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::results::Num;
use crate::spec::RunSpec;

/// Tolerance of E2's cross-check: relative, and absolute in cycles.
pub const E2_TOLERANCE: (f64, f64) = (0.01, 1.0);

/// The guest's `wake` record, as printed; [`guest_record`] checks it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct WakeRecord {
    pub path: Option<String>,
    pub busy: Option<Num>,
    pub wakes: Option<Num>,
    pub timeouts: Option<Num>,
    /// Whether the guest found the CoroSched device.
    pub device: Option<bool>,
    pub bg_units_without: Option<Num>,
    pub bg_cycles_without: Option<Num>,
    pub bg_units_with: Option<Num>,
    pub bg_cycles_with: Option<Num>,
    pub lost_cycles_per_wake: Option<Num>,
    #[serde(flatten)]
    pub extras: GuestExtras,
}

/// Optional numbers of the guest's record copied into the metrics (`guest`): warm-up wakes,
/// generator interval and background chunk, the measured window's cycles (PMU), how often the
/// core waited idle in it (about 2 per wake when it truly sleeps: the exception return's event,
/// then the sleep), the wakes its software saw by the irq and poll paths, and the device's
/// FALLBACKS register.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GuestExtras {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_cycles: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_waits: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub irq_wakes: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_wakes: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallbacks: Option<Num>,
}

/// What the guest reports about the background work of a busy run (E2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Background {
    pub units_without: f64,
    pub cycles_without: f64,
    pub units_with: f64,
    pub cycles_with: f64,
    /// The guest's own lost cycles per wake.
    pub lost_per_wake: f64,
}

/// The checked parts of the guest's record the driver uses.
#[derive(Clone, Debug, PartialEq)]
pub struct GuestWake {
    pub wakes: u64,
    pub timeouts: u64,
    /// Present for busy runs.
    pub background: Option<Background>,
    /// The guest's other numbers, kept for the record when present.
    pub extras: GuestExtras,
}

/// The first record of `bench` among a run's `@result` records, parsed as `T`.
pub fn bench_record<T: serde::de::DeserializeOwned>(results: &[Value], bench: &str) -> Result<T> {
    let record = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some(bench))
        .with_context(|| {
            format!("the guest printed no @result record with \"bench\":\"{bench}\"")
        })?;
    serde_json::from_value(record.clone())
        .with_context(|| format!("the guest's {bench} record is malformed: {record}"))
}

fn required(v: Option<Num>, field: &str) -> Result<f64> {
    v.map(|n| n.0)
        .with_context(|| format!("the guest's wake record has no number \"{field}\""))
}

fn count(v: Option<Num>, field: &str) -> Result<u64> {
    let v = required(v, field)?;
    ensure!(
        v >= 0.0 && v.fract() == 0.0,
        "the guest's \"{field}\" is {v}, not a count"
    );
    Ok(v as u64)
}

/// Finds and checks the `wake` record of a run.
pub fn guest_record(spec: &RunSpec, results: &[Value]) -> Result<GuestWake> {
    let record: WakeRecord = bench_record(results, "wake")?;
    if let Some(p) = &record.path {
        ensure!(
            *p == spec.mechanism,
            "the guest ran path {p}, the run asked for {}",
            spec.mechanism
        );
    }
    let busy = spec.params.get("busy").copied().unwrap_or(0);
    if let Some(Num(b)) = record.busy {
        ensure!(
            b == busy as f64,
            "the guest ran with busy={b}, the run asked for busy={busy}"
        );
    }
    let wakes = count(record.wakes, "wakes")?;
    let timeouts = count(record.timeouts, "timeouts")?;
    ensure!(
        timeouts == 0,
        "the guest lost {timeouts} of its wakes (\"timeouts\": {timeouts}): a failed run"
    );
    ensure!(wakes > 0, "the guest measured no wakes (\"wakes\": 0)");
    if spec.sim.coro_sched().is_some() {
        ensure!(
            record.device != Some(false),
            "the guest found no CoroSched device (\"device\": false) although the run has one"
        );
    }
    let background = if busy != 0 {
        Some(Background {
            units_without: required(record.bg_units_without, "bg_units_without")?,
            cycles_without: required(record.bg_cycles_without, "bg_cycles_without")?,
            units_with: required(record.bg_units_with, "bg_units_with")?,
            cycles_with: required(record.bg_cycles_with, "bg_cycles_with")?,
            lost_per_wake: required(record.lost_cycles_per_wake, "lost_cycles_per_wake")?,
        })
    } else {
        None
    };
    Ok(GuestWake {
        wakes,
        timeouts,
        background,
        extras: record.extras,
    })
}

/// E2: cycles of background work lost per wake, C1 − U1·C0/U0 over `wakes`.
pub fn lost_cycles_per_wake(bg: &Background, wakes: u64) -> Result<f64> {
    ensure!(
        bg.units_without > 0.0 && bg.cycles_without > 0.0,
        "the background did no work without events (bg_units_without {}, bg_cycles_without {}): \
         no pace to compare with",
        bg.units_without,
        bg.cycles_without
    );
    ensure!(wakes > 0, "no wakes to divide by");
    let pace = bg.cycles_without / bg.units_without;
    Ok((bg.cycles_with - bg.units_with * pace) / wakes as f64)
}

/// Whether the guest's and the driver's E2 numbers agree ([`E2_TOLERANCE`]).
pub fn e2_agrees(guest: f64, driver: f64) -> bool {
    let (rel, abs) = E2_TOLERANCE;
    (guest - driver).abs() <= (rel * driver.abs()).max(abs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::wake::tests::quick_point as point;
    use crate::spec::Cpu;
    use runconfig::Mechanism;
    use serde_json::json;

    #[test]
    fn the_guest_record_is_checked() {
        let p = point(Cpu::O3, Mechanism::Hwq, 1);
        let ok = json!({"bench":"wake","path":"hwq","busy":1,"wakes":"10","timeouts":0,
            "bg_units_without":100,"bg_cycles_without":1000.0,"bg_units_with":90,
            "bg_cycles_with":1000,"lost_cycles_per_wake":10,"extra":[1]});
        let g = guest_record(&p.spec, &[json!({"bench":"other"}), ok.clone()]).unwrap();
        assert_eq!((g.wakes, g.timeouts), (10, 0));
        assert_eq!(g.extras, GuestExtras::default());
        let bg = g.background.unwrap();
        assert_eq!(lost_cycles_per_wake(&bg, 10).unwrap(), 10.0);

        let err = |patch: Value| {
            let mut r = ok.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    r.as_object_mut().unwrap().remove(k);
                } else {
                    r[k] = v.clone();
                }
            }
            format!("{:#}", guest_record(&p.spec, &[r]).unwrap_err())
        };
        assert!(err(json!({"timeouts": 2})).contains("lost 2 of its wakes"));
        assert!(err(json!({"path": "irq"})).contains("the guest ran path irq"));
        assert!(err(json!({"busy": 0})).contains("busy=0"));
        assert!(err(json!({"wakes": null})).contains("no number \"wakes\""));
        assert!(err(json!({"timeouts": null})).contains("no number \"timeouts\""));
        assert!(err(json!({"bg_cycles_with": null})).contains("bg_cycles_with"));
        assert!(err(json!({"wakes": 1.5})).contains("not a count"));
        assert!(err(json!({"wakes": "many"})).contains("'many' is not a number"));
        assert!(err(json!({"device": false})).contains("found no CoroSched device"));
        assert!(
            format!("{:#}", guest_record(&p.spec, &[]).unwrap_err())
                .contains("no @result record with \"bench\":\"wake\"")
        );
        // An idle run needs no background fields.
        let idle = point(Cpu::O3, Mechanism::Hwq, 0);
        let g = guest_record(
            &idle.spec,
            &[json!({"bench":"wake","wakes":5,"timeouts":0,"warmup":10,"fallbacks":"2","device":true})],
        )
        .unwrap();
        assert_eq!(g.background, None);
        assert_eq!(
            serde_json::to_value(&g.extras).unwrap(),
            json!({"warmup": 10, "fallbacks": 2})
        );
    }

    #[test]
    fn e2_tolerance() {
        assert!(e2_agrees(100.0, 100.9));
        assert!(e2_agrees(1000.0, 1009.0));
        assert!(!e2_agrees(1000.0, 1011.0));
        assert!(e2_agrees(0.0, 0.9), "within a cycle");
        assert!(!e2_agrees(0.0, 1.5));
        let bg = Background {
            units_without: 0.0,
            cycles_without: 0.0,
            units_with: 1.0,
            cycles_with: 1.0,
            lost_per_wake: 0.0,
        };
        assert!(
            lost_cycles_per_wake(&bg, 1)
                .unwrap_err()
                .to_string()
                .contains("no pace")
        );
    }
}
