//! The device's wake samples as `result.json` keeps them (`device_samples`).
//!
//! The samples file (`<run dir>/coro_sched_wakes.csv`, [`super::samples`]) is parsed once, when
//! the run is made, and what the experiments measure from it is kept with the run's result:
//! every sample's wake path and cycles, in file (resume) order, and the samples of each stats
//! dump's window. That is all E1 needs (exact percentiles are computed from the cycles), so an
//! experiment gathers from `result.json` alone and `runs/` may be gone by then. The other
//! columns (core, source, ticks) stay in the samples file, which the experiment archives whole
//! into `results/raw/` ([`crate::raw_samples`]).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SAMPLES_FILE;
use super::samples::{Samples, SamplesError, WakePath};

/// The wake samples of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedSamples {
    /// The file they were read from.
    pub file: PathBuf,
    /// Ticks per cycle, from the file's first comment line, when it says.
    pub period_ticks: Option<u64>,
    /// The path of every sample, in file order.
    pub paths: Vec<WakePath>,
    /// The cycles of every sample, in file order (`cycles[i]` is the sample of `paths[i]`).
    pub cycles: Vec<u64>,
    /// For each stats dump, in dump order, the indices of the samples of its window
    /// ([`Samples::dump_windows`]).
    pub dump_windows: Vec<Range<usize>>,
}

/// One sample as the experiments see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wake {
    /// Its position in the file's samples (0-based).
    pub index: usize,
    pub path: WakePath,
    pub cycles: u64,
}

impl RecordedSamples {
    /// What to keep of a parsed samples file read from `file`.
    pub fn of(file: &Path, samples: &Samples) -> RecordedSamples {
        RecordedSamples {
            file: file.to_path_buf(),
            period_ticks: samples.period_ticks,
            paths: samples.samples.iter().map(|s| s.path).collect(),
            cycles: samples.samples.iter().map(|s| s.cycles).collect(),
            dump_windows: samples.dump_windows(),
        }
    }

    /// Reads and parses the samples file of a run directory; `None` when the run has none (no
    /// device).
    pub fn of_run(run_dir: &Path) -> Result<Option<RecordedSamples>, SamplesError> {
        let file = run_dir.join(SAMPLES_FILE);
        match Samples::read(&file) {
            Ok(samples) => Ok(Some(RecordedSamples::of(&file, &samples))),
            Err(e) if e.not_found => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.cycles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty()
    }

    /// The sample at `index`.
    pub fn get(&self, index: usize) -> Wake {
        Wake {
            index,
            path: self.paths[index],
            cycles: self.cycles[index],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_paths_cycles_and_windows_and_round_trips() {
        let text = "# x: cycles = (resume_tick - fire_tick) / 250 ticks\n\
                    seq,path,core,source,fire_tick,resume_tick,cycles\n\
                    0,irq,0,0,0,2500,10\n# dump tick=5\n# reset tick=5\n\
                    1,hwq,0,0,0,500,2\n2,fallback,0,0,0,750,3\n# dump tick=9\n";
        let r = RecordedSamples::of(Path::new("/r/c.csv"), &Samples::parse(text).unwrap());
        assert_eq!(r.period_ticks, Some(250));
        assert_eq!(r.paths, [WakePath::Irq, WakePath::Hwq, WakePath::Fallback]);
        assert_eq!(r.cycles, [10, 2, 3]);
        assert_eq!(r.dump_windows, vec![0..1, 1..3]);
        assert_eq!(
            r.get(2),
            Wake {
                index: 2,
                path: WakePath::Fallback,
                cycles: 3
            }
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<RecordedSamples>(&json).unwrap(), r);
    }

    #[test]
    fn a_run_without_samples_has_none_and_a_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(RecordedSamples::of_run(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(SAMPLES_FILE), "seq,path\n").unwrap();
        let e = RecordedSamples::of_run(dir.path()).unwrap_err().to_string();
        assert!(e.contains(SAMPLES_FILE) && e.contains("header"), "{e}");
    }
}
