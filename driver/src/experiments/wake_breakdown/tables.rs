//! The breakdown's stage tables in Markdown (`results/wake-breakdown.md`), written with the
//! figure from the same results file, so that the docs point at them instead of copying numbers
//! that go stale with every guest build.
//!
//! Per load, one table per path: a column per (cpu, protocol) point, a row per step of the
//! points' dominant patterns (net of one probe, as [`super::measure`] nets them), the net total,
//! and the unstamped E1 mean of the same point when `wake.json` of the same guest is at hand.
//!
//! A record without stamped steps is an error, not a skipped column: every record of this file
//! comes from a stamped run ([`super::measure`] refuses others), so one without steps means the
//! file is not what it claims, and a missing column would read as a point that was not run.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail, ensure};
use runconfig::stages::Stage;

use super::{BEFORE_FIRST, BreakdownMetrics, step_label};
use crate::experiments::wake::metrics::WakeMetrics;
use crate::experiments::{Record, ResultsFile, typed_records};

/// Column, table and section order: known values first in this order, others after them in
/// name order.
const CPUS: &[&str] = &["o3", "minor"];
const PROTOCOLS: &[&str] = &["mmio", "lean", "fast", "fast-l1"];
const PATHS: &[&str] = &["irq", "poll", "hwq", "ring"];
const LOADS: &[&str] = &["idle", "busy"];

/// The protocol of a record without the label (files made before it existed).
const DEFAULT_PROTOCOL: &str = "mmio";

/// The stage tables of a wake-breakdown results file; `e1` is the wake experiment's file, whose
/// points' means are the unstamped E1 row when it comes from the same guest and device build.
pub fn markdown(file: &ResultsFile, e1: Option<&ResultsFile>) -> Result<String> {
    let runs = typed_records::<BreakdownMetrics>(file)?;
    let mut cols: Vec<Column> = Vec::new();
    for (r, m) in runs {
        cols.push(Column::of(r, m)?);
    }
    let (unstamped, e1_note) = unstamped_means(file, e1)?;
    let mut out = header(file, &e1_note);
    for load in ordered(cols.iter().map(|c| c.load.as_str()), LOADS) {
        out.push_str(&format!("\n## {}\n", load_title(&load)));
        let in_load: Vec<&Column> = cols.iter().filter(|c| c.load == load).collect();
        for path in ordered(in_load.iter().map(|c| c.path.as_str()), PATHS) {
            let mut table: Vec<&Column> =
                in_load.iter().copied().filter(|c| c.path == path).collect();
            table.sort_by(|a, b| {
                (rank(&a.cpu, CPUS), rank(&a.protocol, PROTOCOLS))
                    .cmp(&(rank(&b.cpu, CPUS), rank(&b.protocol, PROTOCOLS)))
            });
            if let Some(w) = table.windows(2).find(|w| w[0].name() == w[1].name()) {
                bail!(
                    "records {} and {} are both '{}' in the {load} {path} table",
                    w[0].id,
                    w[1].id,
                    w[0].name()
                );
            }
            out.push_str(&format!("\n### {path}\n\n"));
            out.push_str(&table_of(&table, &unstamped));
        }
    }
    Ok(out)
}

/// One point: where it goes and its numbers.
struct Column {
    id: String,
    cpu: String,
    load: String,
    path: String,
    protocol: String,
    /// Net cycles per step by the stage it ends at (steps ending at one stage added up).
    steps: Vec<(Stage, f64)>,
    metrics: BreakdownMetrics,
}

impl Column {
    fn of(r: &Record, metrics: BreakdownMetrics) -> Result<Column> {
        let label = |key: &str| {
            r.labels
                .get(key)
                .cloned()
                .with_context(|| format!("record {} has no '{key}' label", r.id))
        };
        ensure!(
            !metrics.steps.is_empty(),
            "record {} has no stamped steps: every record of a breakdown must come from a \
             stamped run",
            r.id
        );
        let mut steps: Vec<(Stage, f64)> = Vec::new();
        for s in &metrics.steps {
            let stage = Stage::from_name(&s.to)
                .with_context(|| format!("record {}: unknown stage '{}'", r.id, s.to))?;
            match steps.iter_mut().find(|(t, _)| *t == stage) {
                Some(e) => e.1 += s.net.0,
                None => steps.push((stage, s.net.0)),
            }
        }
        Ok(Column {
            id: r.id.clone(),
            cpu: label("cpu")?,
            load: label("load")?,
            path: label("path")?,
            protocol: r
                .labels
                .get("protocol")
                .cloned()
                .unwrap_or_else(|| DEFAULT_PROTOCOL.into()),
            steps,
            metrics,
        })
    }

    /// The net cycles of the step that ends at `stage`, if the pattern has one.
    fn step(&self, stage: Stage) -> Option<f64> {
        self.steps.iter().find(|(t, _)| *t == stage).map(|s| s.1)
    }

    fn name(&self) -> String {
        format!("{} {}", self.cpu, self.protocol)
    }
}

/// The Markdown table of one (load, path).
fn table_of(cols: &[&Column], unstamped: &BTreeMap<String, f64>) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let cells = |f: &dyn Fn(&Column) -> Option<String>| -> Vec<String> {
        cols.iter()
            .map(|c| f(c).unwrap_or_else(|| "–".into()))
            .collect()
    };
    rows.push((
        "first stamp".into(),
        cells(&|c| Some(format!("`{}`", c.metrics.first_stage))),
    ));
    rows.push((
        BEFORE_FIRST.into(),
        cells(&|c| Some(cycles(c.metrics.before_first_stamp.0))),
    ));
    for stage in Stage::ALL {
        if cols.iter().any(|c| c.step(stage).is_some()) {
            rows.push((
                step_label(stage).into(),
                cells(&|c| c.step(stage).map(cycles)),
            ));
        }
    }
    rows.push((
        "**net total**".into(),
        cells(&|c| Some(format!("**{}**", cycles(c.metrics.net_total.0)))),
    ));
    if cols.iter().any(|c| unstamped.contains_key(&c.id)) {
        rows.push((
            "unstamped E1 mean (`wake.json`)".into(),
            cells(&|c| unstamped.get(&c.id).map(|&v| cycles(v))),
        ));
    }
    rows.push((
        "stamped E1 mean".into(),
        cells(&|c| Some(cycles(c.metrics.stamped_total.0))),
    ));
    rows.push((
        "probe (one stamp)".into(),
        cells(&|c| Some(cycles(c.metrics.probe_cycles.0))),
    ));
    rows.push((
        "dominant pattern's share of the stamped wakes".into(),
        cells(&|c| Some(format!("{:.2}", c.metrics.dominant_share.0))),
    ));
    let names: Vec<String> = cols.iter().map(|c| c.name()).collect();
    let mut out = format!("| step | {} |\n", names.join(" | "));
    out.push_str(&format!("|---|{}\n", "---|".repeat(cols.len())));
    for (label, values) in rows {
        out.push_str(&format!("| {label} | {} |\n", values.join(" | ")));
    }
    out
}

/// The unstamped E1 mean per point id from the wake experiment's file, and what the header says
/// about it. Only from the same guest and device build: a mean of another build is not the
/// check of these stamps.
fn unstamped_means(
    file: &ResultsFile,
    e1: Option<&ResultsFile>,
) -> Result<(BTreeMap<String, f64>, String)> {
    let Some(e1) = e1 else {
        return Ok((
            BTreeMap::new(),
            "No `wake.json` beside this file: no unstamped E1 means.".into(),
        ));
    };
    if e1.guest_sha256 != file.guest_sha256
        || e1.simulator.device_sources != file.simulator.device_sources
    {
        return Ok((
            BTreeMap::new(),
            format!(
                "No unstamped E1 means: `wake.json` is from guest `{}` and device sources `{}`, \
                 not this file's.",
                e1.guest_git_describe,
                device_sources(e1)
            ),
        ));
    }
    let mut means = BTreeMap::new();
    for (r, m) in typed_records::<WakeMetrics>(e1)? {
        if r.guest_sha256 == file.guest_sha256
            && let Some(l) = m.latency
        {
            means.insert(r.id.clone(), l.mean);
        }
    }
    Ok((
        means,
        "Unstamped E1 mean: `latency.mean` of the same point id in `wake.json` (same guest and \
         device build), which the net total estimates."
            .into(),
    ))
}

fn header(file: &ResultsFile, e1_note: &str) -> String {
    let other_guest: Vec<&str> = file
        .records
        .iter()
        .filter(|r| r.guest_sha256 != file.guest_sha256)
        .map(|r| r.id.as_str())
        .collect();
    let mut out = format!(
        "# {experiment}: cycles per stage\n\n\
         Generated by the driver from `{experiment}.json` with its figure (`driver figures`, or at \
         the end of `driver experiment {experiment}`): do not edit by hand.\n\n\
         Guest `{describe}` (sha256 `{sha}`), {sim} {version} (build {build}, device sources \
         `{dev}`), {profile} profile.\n",
        experiment = file.experiment,
        describe = file.guest_git_describe,
        sha = file.guest_sha256,
        sim = file.simulator.name,
        version = file.simulator.version,
        build = file.simulator.build,
        dev = device_sources(file),
        profile = format!("{:?}", file.profile).to_lowercase(),
    );
    if !other_guest.is_empty() {
        out.push_str(&format!(
            "\nRecords from another guest: {}.\n",
            other_guest.join(", ")
        ));
    }
    out.push_str(&format!(
        "\nEach cell is the mean cycles of one step of the point's dominant pattern (the stages \
         most of its wakes passed, in stamp order), net of one probe (`steps[].net`). The step \
         before the first stamp is the device's event→resume mean less the raw steps and the \
         first stamp (`before_first_stamp`); the net total adds the net steps up (`net_total`). \
         \"–\": the point's pattern has no such step. Columns are the cpu and the protocol \
         label (`mmio`, for irq with the full frame; `lean`, irq with the lean frame; `fast` and \
         `fast-l1`, the fast protocol with the stash into the cluster or the core's L1). \
         {e1_note}\n"
    ));
    out
}

/// The device-sources hash of a file's gem5 binary, shortened; `none` without one.
fn device_sources(file: &ResultsFile) -> String {
    file.simulator
        .device_sources
        .as_ref()
        .map_or_else(|| "none".into(), |d| d.binary.chars().take(12).collect())
}

fn load_title(load: &str) -> String {
    match load {
        "idle" => "Idle core".into(),
        "busy" => "Busy core".into(),
        other => format!("Load {other}"),
    }
}

/// Cycles as the tables print them: whole cycles.
fn cycles(v: f64) -> String {
    format!("{v:.0}")
}

/// The position of `v` in `order`, unknown values after the known ones by name.
fn rank<'a>(v: &'a str, order: &[&str]) -> (usize, &'a str) {
    (order.iter().position(|o| *o == v).unwrap_or(order.len()), v)
}

/// The distinct `values`, ordered by [`rank`].
fn ordered<'a>(values: impl Iterator<Item = &'a str>, order: &[&str]) -> Vec<String> {
    let mut out: Vec<&str> = values.collect();
    out.sort_by_key(|v| rank(v, order));
    out.dedup();
    out.into_iter().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::experiments::wake::tests::metrics_with_mean;
    use crate::experiments::wake_breakdown::{Bracketed, Calibration, Step, WakeBreakdown};
    use crate::experiments::{Experiment, Profile};
    use crate::results::Num;
    use crate::summary::Summary;

    const PROBE: f64 = 10.0;

    /// A breakdown whose dominant pattern starts at `first` and has the net `steps`, `before`
    /// cycles before the first stamp.
    fn metrics(first: &str, before: f64, steps: &[(&str, f64)]) -> BreakdownMetrics {
        let net: f64 = steps.iter().map(|s| s.1).sum();
        let stamped = before + net + PROBE * (steps.len() + 1) as f64;
        let none = Bracketed {
            bracketed: None,
            net: None,
        };
        BreakdownMetrics {
            latency: Summary {
                count: 4,
                mean: stamped,
                min: 0,
                max: 0,
                p50: 0,
                p90: 0,
                p99: 0,
                p999: 0,
            },
            stamped_total: Num(stamped),
            probe_cycles: Num(PROBE),
            stamps_per_wake: steps.len() + 1,
            idle_waits: None,
            wakes: 4,
            skipped: 0,
            other_patterns: 0,
            patterns: vec![],
            dominant: 0,
            dominant_share: Num(0.75),
            before_first_stamp: Num(before),
            first_stage: first.into(),
            steps: steps
                .iter()
                .map(|&(to, net)| Step {
                    to: to.into(),
                    label: step_label(Stage::from_name(to).unwrap()).into(),
                    raw: Num(net + PROBE),
                    net: Num(net),
                })
                .collect(),
            net_total: Num(before + net),
            calibration: Calibration {
                empty_bracket: None,
                svc_round_trip: none.clone(),
                mmio_read: none.clone(),
                mmio_write: none,
            },
        }
    }

    fn record(id: &str, metrics: Value, guest: &str) -> Record {
        let p = WakeBreakdown
            .points(Profile::Quick)
            .into_iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no point {id}"));
        Record {
            id: p.id.clone(),
            labels: p.labels.clone(),
            run_dir: "/r".into(),
            spec: p.spec.clone(),
            seed: 1,
            command_line: String::new(),
            simulator_version: "24.0.0.1".into(),
            guest_git_describe: guest.into(),
            guest_sha256: guest.into(),
            guest_results: vec![],
            windows: vec![],
            metrics,
        }
    }

    fn file(experiment: &str, guest: &str, records: Vec<Record>) -> ResultsFile {
        crate::experiments::sample_file(experiment, Profile::Quick, guest, records)
    }

    fn irq(before: f64, save: f64) -> Value {
        let m = metrics(
            "vector_entry",
            before,
            &[
                ("handler_entry", save),
                ("vector_exit", 100.0),
                ("task_resumed", 50.0),
            ],
        );
        serde_json::to_value(m).unwrap()
    }

    /// Four irq points and two ring points, idle and busy, in an order the tables must not keep.
    fn breakdown(guest: &str) -> ResultsFile {
        let ring = |before| {
            let m = metrics(
                "idle_exit",
                before,
                &[("source_popped", 30.4), ("task_resumed", 40.0)],
            );
            serde_json::to_value(m).unwrap()
        };
        let busy_ring = serde_json::to_value(metrics(
            "source_check",
            400.0,
            &[("source_popped", 30.0), ("task_resumed", 40.0)],
        ))
        .unwrap();
        file(
            "wake-breakdown",
            guest,
            vec![
                record("minor-irq-idle-lean", irq(60.0, 50.0), guest),
                record("o3-ring-busy", busy_ring, guest),
                record("minor-irq-idle", irq(60.0, 180.0), guest),
                record("o3-irq-idle-lean", irq(100.0, 60.0), guest),
                record("o3-ring-idle-fast", ring(70.0), guest),
                record("o3-irq-idle", irq(100.0, 150.0), guest),
                record("o3-ring-idle", ring(100.6), guest),
            ],
        )
    }

    /// The lines of `text` from the one equal to `from` up to the next blank line.
    fn block<'a>(text: &'a str, from: &str) -> Vec<&'a str> {
        text.lines()
            .skip_while(|l| *l != from)
            .skip(2)
            .take_while(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn a_table_per_load_and_path_with_a_column_per_cpu_and_protocol() {
        let text = markdown(&breakdown("g1"), None).unwrap();
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("##")).collect();
        assert_eq!(
            headings,
            [
                "## Idle core",
                "### irq",
                "### ring",
                "## Busy core",
                "### ring"
            ]
        );
        assert_eq!(
            block(&text, "### irq"),
            [
                "| step | o3 mmio | o3 lean | minor mmio | minor lean |",
                "|---|---|---|---|---|",
                "| first stamp | `vector_entry` | `vector_entry` | `vector_entry` | `vector_entry` |",
                &format!("| {BEFORE_FIRST} | 100 | 100 | 60 | 60 |"),
                "| context save | 150 | 60 | 180 | 50 |",
                "| context restore | 100 | 100 | 100 | 100 |",
                "| executor runs the task | 50 | 50 | 50 | 50 |",
                "| **net total** | **400** | **310** | **390** | **260** |",
                "| stamped E1 mean | 440 | 350 | 430 | 300 |",
                "| probe (one stamp) | 10 | 10 | 10 | 10 |",
                "| dominant pattern's share of the stamped wakes | 0.75 | 0.75 | 0.75 | 0.75 |",
            ]
        );
        // Whole cycles, rounded; the busy ring table has its own point only.
        let ring = block(&text, "### ring");
        assert_eq!(ring[0], "| step | o3 mmio | o3 fast |");
        assert!(ring.contains(&"| ready-source pop | 30 | 30 |"), "{ring:?}");
        assert!(
            ring.contains(&"| **net total** | **171** | **140** |"),
            "{ring:?}"
        );
        assert!(text.contains("do not edit by hand"));
        assert!(text.contains("Guest `g1` (sha256 `g1`), gem5 24.0.0.1"));
        assert!(text.contains("No `wake.json` beside this file"));
        assert!(!text.contains("unstamped E1 mean ("));
    }

    #[test]
    fn the_unstamped_means_come_only_from_the_same_guest() {
        let b = breakdown("g1");
        let e1 = |guest: &str| {
            let m = serde_json::to_value(metrics_with_mean(437.0)).unwrap();
            file("wake", guest, vec![record("o3-irq-idle", m, guest)])
        };
        let text = markdown(&b, Some(&e1("g1"))).unwrap();
        let irq = block(&text, "### irq");
        assert!(
            irq.contains(&"| unstamped E1 mean (`wake.json`) | 437 | – | – | – |"),
            "{irq:?}"
        );
        // Only the tables with a point in wake.json have the row.
        assert!(
            !block(&text, "### ring")
                .iter()
                .any(|l| l.contains("unstamped"))
        );
        let text = markdown(&b, Some(&e1("g0"))).unwrap();
        assert!(!text.contains("unstamped E1 mean ("));
        assert!(text.contains("`wake.json` is from guest `g0`"), "{text}");
    }

    #[test]
    fn a_point_without_stamped_steps_is_an_error() {
        let mut b = breakdown("g1");
        b.records[2].metrics["steps"] = serde_json::json!([]);
        let e = markdown(&b, None).unwrap_err().to_string();
        assert!(e.contains("minor-irq-idle has no stamped steps"), "{e}");
        // A record measured by another experiment (E1's metrics, no steps at all).
        let mut b = breakdown("g1");
        b.records[2].metrics = serde_json::to_value(metrics_with_mean(1.0)).unwrap();
        let e = format!("{:#}", markdown(&b, None).unwrap_err());
        assert!(e.contains("minor-irq-idle"), "{e}");
    }

    #[test]
    fn two_points_in_one_column_are_an_error() {
        let mut b = breakdown("g1");
        b.records[3].labels.insert("protocol".into(), "mmio".into());
        let e = markdown(&b, None).unwrap_err().to_string();
        assert!(e.contains("both 'o3 mmio' in the idle irq table"), "{e}");
    }
}
