//! Guard: every committed `results/<experiment>.json` is what today's `measure` makes of the
//! same inputs. The inputs are in the committed files themselves (each record's spec, guest
//! records and measured stats dumps) and in `results/raw/` (the device's samples), so the test
//! needs no simulator and no `runs/`. The samples are read the way a run reads them into its
//! `result.json` ([`RecordedSamples`]). A change to how a run is measured that would change a
//! committed number fails here.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::coro_sched::SAMPLES_FILE;
use crate::coro_sched::recorded::RecordedSamples;
use crate::coro_sched::samples::Samples;

use serde_json::Value;

use super::{ALL, Record, ResultsFile};
use crate::results::{self, RunResult};
use crate::sweep::Point;

/// Experiments whose numbers need files of `runs/` besides the gathered records.
pub(super) const NOT_REPRODUCIBLE_FROM_RESULTS: &[&str] = &["load", "budget"];

pub(super) fn results_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../results")
}

/// The samples the device wrote for `record`, from the committed archive, if it has any.
fn raw_samples(experiment: &str, record: &Record) -> Option<String> {
    let path = crate::raw_samples::dir(&results_dir(), experiment).join(format!(
        "{}{}",
        record.id,
        crate::raw_samples::SUFFIX
    ));
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    Some(text)
}

/// The run result a record was gathered from, as far as `measure` reads it.
pub(super) fn run_result(experiment: &str, record: &Record) -> RunResult {
    let device_samples = raw_samples(experiment, record).map(|csv| {
        let file = record.run_dir.join(SAMPLES_FILE);
        RecordedSamples::of(&file, &Samples::parse(&csv).unwrap())
    });
    RunResult {
        results: record.guest_results.clone(),
        stats: Some(record.windows.clone()),
        device_samples,
        ..crate::results::tests::sample_result(&record.run_dir, record.spec.clone())
    }
}

#[test]
fn committed_metrics_are_reproduced_from_their_inputs() {
    let mut checked = 0;
    for exp in ALL {
        // E4 and E5 measure from the NIC's per-request records in the run directories, which
        // the results do not archive (yet): the guard cannot re-measure them without `runs/`.
        if NOT_REPRODUCIBLE_FROM_RESULTS.contains(&exp.name()) {
            continue;
        }
        let path = ResultsFile::path(&results_dir(), exp.name());
        let file: ResultsFile = results::read_json(&path).unwrap();
        for record in &file.records {
            let point = Point {
                id: record.id.clone(),
                spec: record.spec.clone(),
                labels: record.labels.clone(),
            };
            let metrics = exp
                .measure(&point, &run_result(exp.name(), record))
                .unwrap_or_else(|e| panic!("{} {}: {e:#}", exp.name(), record.id));
            // Through text and back, as the committed value went: serde_json's float parser may
            // land one unit in the last place off the number it wrote.
            let metrics: Value = serde_json::from_str(&metrics.to_string()).unwrap();
            let diff = first_difference("", &metrics, &record.metrics);
            assert_eq!(diff, None, "{} {}", exp.name(), record.id);
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} records checked");
}

/// The JSON pointer and both values of the first place where `a` and `b` differ.
fn first_difference(at: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if let Some(d) = first_difference(&format!("{at}/{k}"), va, vb) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: keys {:?} vs {:?}", x.keys(), y.keys()))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(&format!("{at}/{i}"), va, vb)),
        _ => (a != b).then(|| format!("{at}: made {a}, committed {b}")),
    }
}

/// The stage tables the docs point at are the committed breakdown's, drawn by today's code: a
/// new `wake-breakdown.json` (or `wake.json`, whose means the tables show) committed without
/// `driver figures` fails here.
#[test]
fn committed_stage_tables_are_drawn_from_the_committed_results() {
    use super::wake_breakdown::tables;
    let read = |name: &str| -> ResultsFile {
        results::read_json(&ResultsFile::path(&results_dir(), name)).unwrap()
    };
    let made = tables::markdown(&read("wake-breakdown"), Some(&read("wake"))).unwrap();
    let path = results_dir().join("wake-breakdown.md");
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (draw it with `driver figures`)", path.display()));
    assert!(
        made == committed,
        "{} is not what today's code draws from the committed results: redraw it with \
         `driver figures`",
        path.display()
    );
}
