//! The samples of the measured phase.
//!
//! Only the samples of the measured phase count: the guest warms up, then resets the stats
//! (`m5_reset_stats`) and measures, so the samples are those of the measured stats dumps'
//! windows (the `# reset`/`# dump` markers the device writes at every stats reset and dump). If
//! the file's markers do not match `stats.txt` (no markers, fewer dumps), the last `wakes`
//! samples are taken instead and the record says so (`samples.selection`). Either way the count
//! must equal the guest's `wakes`.

use std::collections::BTreeSet;

use anyhow::{Result, ensure};

use crate::coro_sched;
use crate::coro_sched::recorded::{RecordedSamples, Wake};

/// How the samples of the measured phase were picked.
pub const BY_DUMP_WINDOW: &str = "stats-dump-window";
pub const LAST_WAKES: &str = "last-wakes";
/// A run that did not report RESUME (app parameter `resume` = 0): no samples.
pub const NOT_REPORTED: &str = "not-reported";

/// The samples of the measured phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub samples: Vec<Wake>,
    /// [`BY_DUMP_WINDOW`] or [`LAST_WAKES`].
    pub method: &'static str,
    /// The stats dumps whose windows hold the samples (by-window selection only).
    pub dumps: Vec<usize>,
    /// Why the fallback was used.
    pub note: Option<String>,
}

/// Picks the measured-phase samples: the windows of the `measured` stats dumps when the file's
/// markers cover them, else the last `wakes` samples. The count must equal `wakes`.
pub fn select_samples(file: &RecordedSamples, measured: &[usize], wakes: u64) -> Result<Selection> {
    let windows = &file.dump_windows;
    let covered = !measured.is_empty() && measured.iter().all(|&d| d < windows.len());
    if covered {
        let mut indices = BTreeSet::new();
        let mut dumps = Vec::new();
        for &d in measured {
            if !windows[d].is_empty() {
                dumps.push(d);
            }
            indices.extend(windows[d].clone());
        }
        let samples: Vec<Wake> = indices.into_iter().map(|i| file.get(i)).collect();
        ensure!(
            samples.len() as u64 == wakes,
            "the measured stats dump(s) {measured:?} hold {} wake samples in {}, but the guest \
             reports {wakes} wakes",
            samples.len(),
            coro_sched::SAMPLES_FILE
        );
        return Ok(Selection {
            samples,
            method: BY_DUMP_WINDOW,
            dumps,
            note: None,
        });
    }
    let note = format!(
        "{} has {} '# dump' markers and stats.txt's measured dumps are {measured:?}: took the \
         last {wakes} samples",
        coro_sched::SAMPLES_FILE,
        windows.len()
    );
    let n = file.len();
    ensure!(
        n as u64 >= wakes,
        "{} has {n} wake samples, fewer than the {wakes} wakes the guest reports",
        coro_sched::SAMPLES_FILE
    );
    Ok(Selection {
        samples: (n - wakes as usize..n).map(|i| file.get(i)).collect(),
        method: LAST_WAKES,
        dumps: Vec::new(),
        note: Some(note),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::wake::tests::recorded;

    #[test]
    fn measured_samples_are_the_measured_dump_window() {
        let file = recorded(&[("hwq", 10), ("hwq", 20), ("hwq", 30)]);
        let sel = select_samples(&file, &[1], 3).unwrap();
        assert_eq!(sel.method, BY_DUMP_WINDOW);
        assert_eq!(sel.dumps, vec![1]);
        assert_eq!(
            sel.samples.iter().map(|s| s.cycles).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        let e = select_samples(&file, &[1], 4).unwrap_err().to_string();
        assert!(
            e.contains("hold 3 wake samples") && e.contains("reports 4 wakes"),
            "{e}"
        );
        // Markers that do not reach the measured dump: the last `wakes` samples.
        let sel = select_samples(&file, &[7], 2).unwrap();
        assert_eq!(sel.method, LAST_WAKES);
        assert_eq!(
            sel.samples.iter().map(|s| s.cycles).collect::<Vec<_>>(),
            [20, 30]
        );
        assert!(sel.note.unwrap().contains("took the last 2 samples"));
        assert!(select_samples(&file, &[7], 99).is_err());
    }
}
