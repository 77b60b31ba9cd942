//! Guard for the full profile's point store ([`crate::point_store::stored_form`]): it keeps a
//! run's measured stats dumps only, so every experiment's `measure` must give the same numbers
//! without the boot and exit dumps. Each committed record (its measured dumps, the archived
//! samples) is given a boot and an exit dump whose numbers differ from every measured one; the
//! metrics measured from that run must be those measured from its stored form. E4 and E5,
//! which also read files of the run directory, are checked end to end instead
//! (`tests/experiment_command.rs`: a fresh machine gathers its restored points).

use serde_json::Value;

use super::committed::{NOT_REPRODUCIBLE_FROM_RESULTS, results_dir, run_result};
use super::{ALL, ResultsFile};
use crate::point_store::stored_form;
use crate::results::{self, DumpStats, RunResult, Window};
use crate::sweep::Point;

/// `dump` as the `window` dump `index`, every number in it changed.
fn unmeasured(dump: &DumpStats, index: usize, window: Window) -> DumpStats {
    let change = |v: f64| v * 3.0 + 7.0;
    DumpStats {
        index,
        window,
        cycles: dump.cycles.map(change),
        insts: dump.insts.map(change),
        stats: dump
            .stats
            .iter()
            .map(|(k, v)| {
                let v = v.as_f64().map_or_else(|| v.clone(), |n| change(n).into());
                (k.clone(), v)
            })
            .collect(),
    }
}

/// `result` with a boot dump before its measured ones and an exit dump after them, as gem5
/// writes them (ARCHITECTURE.md, contract 3).
fn with_boot_and_exit(mut result: RunResult) -> RunResult {
    let measured: Vec<DumpStats> = result.measured().cloned().collect();
    let (Some(first), Some(last)) = (measured.first(), measured.last()) else {
        return result;
    };
    let mut dumps = vec![unmeasured(first, 0, Window::Boot)];
    dumps.extend(measured.iter().cloned());
    dumps.push(unmeasured(last, last.index + 1, Window::Exit));
    result.stats = Some(dumps);
    result
}

#[test]
fn every_measure_gives_the_same_numbers_without_the_boot_and_exit_dumps() {
    let mut checked = 0;
    for exp in ALL {
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
            let run = with_boot_and_exit(run_result(exp.name(), record));
            assert!(
                run.stats
                    .as_ref()
                    .is_some_and(|s| s.len() > record.windows.len()),
                "{} {}: no measured dump to surround",
                exp.name(),
                record.id
            );
            let stored = RunResult {
                device_samples: run.device_samples.clone(),
                ..stored_form(&run)
            };
            let measure = |r: &RunResult| -> Value {
                exp.measure(&point, r)
                    .unwrap_or_else(|e| panic!("{} {}: {e:#}", exp.name(), record.id))
            };
            assert_eq!(
                measure(&stored),
                measure(&run),
                "{} {}",
                exp.name(),
                record.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} records checked");
}
