//! The committed copies of a full-profile sweep's finished points, so that they survive a fresh
//! machine: `results/full/points/<experiment>/<point id>.json` (the run's `result.json`) and,
//! beside it, `<point id>.<file>.gz` for each file of the run directory that gathering reads
//! besides `result.json`.
//!
//! The full profile takes hours and runs in parts across sessions, and a session may start on a
//! machine without `runs/` (git-ignored). So each point is copied here as soon as it finishes,
//! and before a sweep decides what to run, a point whose run directory has no `result.json` gets
//! its stored copy back ([`PointStore::restore`]); the ordinary resume rule
//! ([`crate::results::resume_decision`]) then judges the restored result like any other, and
//! gathering reads the run directory as it always does.
//!
//! The files kept beside the result are the device's samples (the raw-sample archive,
//! [`crate::raw_samples`], copies them from the run directory after every sweep) and those an
//! experiment's `measure` reads ([`crate::experiments::Experiment::run_files`]). They are
//! gzipped as the raw archive is (no name, mtime 0), so the same run gives the same bytes; a
//! stored samples file is therefore byte for byte the raw archive's copy of it, one blob in
//! git. (The store needs its own copy all the same: the raw archive is written only when an
//! experiment gathers, after a whole sweep succeeded, and a full sweep runs in parts.)
//!
//! The result is written as compact JSON, trimmed to what gathering reads ([`stored_form`]):
//! without the device's samples, which the samples file stored beside it holds and
//! [`PointStore::restore`] parses again, and without the stats dumps of the boot and exit
//! windows, which no experiment's `measure` reads (it reads [`RunResult::measured`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::coro_sched::SAMPLES_FILE;
use crate::coro_sched::recorded::RecordedSamples;
use crate::results::{self, RESULT_JSON, RunResult};
use crate::sweep::Point;

/// The store's directory under a profile's results directory.
pub const DIR: &str = "points";

/// The files of a point's run directory that gathering reads besides `result.json`.
pub type RunFiles<'a> = dyn Fn(&Point) -> Vec<&'static str> + Sync + 'a;

/// One experiment's stored points.
pub struct PointStore<'a> {
    dir: PathBuf,
    run_files: &'a RunFiles<'a>,
}

impl<'a> PointStore<'a> {
    /// The store of `experiment` under `results_dir` (the profile's, e.g. `results/full`).
    pub fn new(results_dir: &Path, experiment: &str, run_files: &'a RunFiles<'a>) -> Self {
        PointStore {
            dir: results_dir.join(DIR).join(experiment),
            run_files,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the stored result of point `id` is.
    pub fn result_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Where the stored copy of run-directory file `name` of point `id` is.
    pub fn file_path(&self, id: &str, name: &str) -> PathBuf {
        self.dir.join(format!("{id}.{name}.gz"))
    }

    /// The run-directory files kept for `point`: the samples, then the experiment's.
    fn names(&self, point: &Point) -> Vec<&'static str> {
        let mut names = vec![SAMPLES_FILE];
        for name in (self.run_files)(point) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Copies the finished `point` from `run_dir` into the store: the files first, the result
    /// last (a stored result always has its files). A file the run did not write (a run
    /// without the device has no samples) is not kept, and an older copy of it is removed.
    pub fn save(&self, point: &Point, run_dir: &Path, result: &RunResult) -> Result<()> {
        for name in self.names(point) {
            let target = self.file_path(&point.id, name);
            match std::fs::read(run_dir.join(name)) {
                Ok(bytes) => write(&target, &crate::raw_samples::gzip(&bytes)?)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => remove(&target)?,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("reading {} to store it", run_dir.join(name).display())
                    });
                }
            }
        }
        let mut json =
            serde_json::to_string(&stored_form(result)).context("serialising a run result")?;
        json.push('\n');
        write(&self.result_path(&point.id), json.as_bytes())
    }

    /// [`PointStore::save`] unless the store already has a result of `point`: for a point that
    /// finished before it was stored (made before the store existed, or by a Slurm job whose
    /// submitting driver was interrupted).
    pub fn save_if_missing(&self, point: &Point, run_dir: &Path, result: &RunResult) -> Result<()> {
        if self.result_path(&point.id).exists() {
            return Ok(());
        }
        self.save(point, run_dir, result)
    }

    /// Restores the stored copy of `point` into `run_dir` if that has no `result.json` and the
    /// store has one: the files first (unzipped), then `result.json`, whose `run_dir` now names
    /// `run_dir`, where the files are, and whose device samples are parsed from the restored
    /// samples file as the run parsed them ([`RecordedSamples::of_run`]). Returns whether it did.
    pub fn restore(&self, point: &Point, run_dir: &Path) -> Result<bool> {
        let stored = self.result_path(&point.id);
        if run_dir.join(RESULT_JSON).exists() || !stored.exists() {
            return Ok(false);
        }
        let mut result: RunResult = results::read_json(&stored)?;
        for name in self.names(point) {
            let from = self.file_path(&point.id, name);
            let bytes = match std::fs::read(&from) {
                Ok(bytes) => {
                    gunzip(&bytes).with_context(|| format!("unzipping {}", from.display()))?
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", from.display())),
            };
            write(&run_dir.join(name), &bytes)?;
        }
        result.run_dir = run_dir.to_path_buf();
        result.device_samples = RecordedSamples::of_run(run_dir)
            .with_context(|| format!("parsing the restored samples of point {}", point.id))?;
        results::write_json_atomic(&run_dir.join(RESULT_JSON), &result)?;
        Ok(true)
    }

    /// Removes stored files that belong to none of `points` (a renamed or dropped point would
    /// otherwise be committed forever); other files (not `*.json` or `*.gz`) stay. Called after
    /// a sweep of every point succeeded, as the raw archive does its own.
    pub fn remove_others(&self, points: &[Point]) -> Result<()> {
        let mut keep = std::collections::BTreeSet::new();
        for p in points {
            keep.insert(self.result_path(&p.id));
            for name in self.names(p) {
                keep.insert(self.file_path(&p.id, name));
            }
        }
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", self.dir.display())),
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("listing {}", self.dir.display()))?
                .path();
            let stored = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".json") || n.ends_with(".gz"));
            if stored && !keep.contains(&path) {
                remove(&path)?;
            }
        }
        Ok(())
    }
}

/// What the store keeps of `result`: all of it but the device's samples (the stored samples
/// file holds them, and [`PointStore::restore`] parses it again) and the stats dumps outside the
/// measured windows (boot and exit: every experiment's `measure` reads the measured ones alone,
/// through [`RunResult::measured`]; `experiments::trimmed_measure` tests that).
pub fn stored_form(result: &RunResult) -> RunResult {
    // Field by field rather than `..result.clone()`: the samples are not copied only to be
    // dropped, and a field added to `RunResult` must be decided on here.
    RunResult {
        schema: result.schema,
        run_dir: result.run_dir.clone(),
        spec: result.spec.clone(),
        provenance: result.provenance.clone(),
        exit: result.exit.clone(),
        app_started: result.app_started,
        console_lines: result.console_lines,
        results: result.results.clone(),
        stats: result
            .stats
            .as_ref()
            .map(|_| result.measured().cloned().collect()),
        device_samples: None,
        requests: result.requests.clone(),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic_file::write(path, bytes).map_err(|(path, e)| {
        anyhow::anyhow!(
            "writing {}: {e}; is the directory writable?",
            path.display()
        )
    })
}

/// Removes `path`; a missing one is fine.
fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod sizes;
#[cfg(test)]
mod tests;
