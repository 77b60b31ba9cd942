//! The raw wake samples of an experiment's runs, archived beside its results:
//! `results/raw/<experiment>/<point id>.coro_sched_wakes.csv.gz`.
//!
//! The run directories (`runs/`) are not committed, but the E1 percentiles are computed from the
//! device's per-wake samples, so the samples travel with the results: anyone can recompute a
//! percentile, or a statistic we did not think of, from the committed files. The gzip stream
//! carries no file name and a zero mtime, so the same samples give the same bytes and a re-run
//! that changes nothing changes nothing in git.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::GzBuilder;

use crate::atomic_file;
use crate::coro_sched::SAMPLES_FILE;

/// What an archived file's name ends with, after the point id.
pub const SUFFIX: &str = ".coro_sched_wakes.csv.gz";

/// The directory of one experiment's archived samples.
pub fn dir(results_dir: &Path, experiment: &str) -> PathBuf {
    results_dir.join("raw").join(experiment)
}

/// Archives the samples file of every run that has one (`(point id, run dir)`), then removes
/// archived files of points that are no longer in the experiment (a renamed or dropped point
/// would otherwise leave samples that belong to no record). Files not named `*SUFFIX` are left
/// alone. Returns the files written, in the order of `runs`.
pub fn archive(
    results_dir: &Path,
    experiment: &str,
    runs: &[(&str, &Path)],
) -> Result<Vec<PathBuf>> {
    let out_dir = dir(results_dir, experiment);
    let mut written = Vec::new();
    for (id, run_dir) in runs {
        let samples = run_dir.join(SAMPLES_FILE);
        let csv = match std::fs::read(&samples) {
            Ok(csv) => csv,
            // A run without the device has no samples.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("reading the raw samples {}", samples.display()));
            }
        };
        let target = out_dir.join(format!("{id}{SUFFIX}"));
        atomic_file::write(&target, &gzip(&csv)?).map_err(|(path, e)| {
            anyhow::anyhow!(
                "writing {}: {e}; is the results directory writable?",
                path.display()
            )
        })?;
        written.push(target);
    }
    remove_stale(&out_dir, &written)?;
    Ok(written)
}

/// A deterministic gzip of `bytes`: no file name, mtime 0, best compression.
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    enc.write_all(bytes).context("compressing raw samples")?;
    enc.finish().context("compressing raw samples")
}

/// Removes `*SUFFIX` files in `dir` that are not in `keep`; a missing `dir` is fine.
fn remove_stale(dir: &Path, keep: &[PathBuf]) -> Result<()> {
    let keep: BTreeSet<&Path> = keep.iter().map(PathBuf::as_path).collect();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", dir.display()))?
            .path();
        let archived = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(SUFFIX));
        if archived && !keep.contains(path.as_path()) {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing stale samples {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn gunzip(path: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn run_dir(root: &Path, name: &str, samples: Option<&str>) -> PathBuf {
        let d = root.join("runs").join(name);
        std::fs::create_dir_all(&d).unwrap();
        if let Some(s) = samples {
            std::fs::write(d.join(SAMPLES_FILE), s).unwrap();
        }
        d
    }

    #[test]
    fn archives_runs_with_samples_and_skips_runs_without() {
        let tmp = tempfile::tempdir().unwrap();
        let a = run_dir(tmp.path(), "a", Some("fire_tick,resume_tick\n1,2\n"));
        let b = run_dir(tmp.path(), "b", None);
        let results = tmp.path().join("results");
        let written = archive(
            &results,
            "wake",
            &[("o3-ring-idle", &a), ("o3-irq-idle", &b)],
        )
        .unwrap();
        let expected = results.join("raw/wake/o3-ring-idle.coro_sched_wakes.csv.gz");
        assert_eq!(written, vec![expected.clone()]);
        assert_eq!(gunzip(&expected), b"fire_tick,resume_tick\n1,2\n");
        assert!(
            !results
                .join("raw/wake/o3-irq-idle.coro_sched_wakes.csv.gz")
                .exists()
        );
    }

    #[test]
    fn same_samples_give_the_same_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let a = run_dir(tmp.path(), "a", Some("x\n1\n"));
        let results = tmp.path().join("results");
        let first = archive(&results, "wake", &[("p", &a)]).unwrap();
        let bytes = std::fs::read(&first[0]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        archive(&results, "wake", &[("p", &a)]).unwrap();
        assert_eq!(std::fs::read(&first[0]).unwrap(), bytes);
    }

    #[test]
    fn stale_archives_go_and_other_files_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let results = tmp.path().join("results");
        let out = dir(&results, "wake");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(format!("old-point{SUFFIX}")), b"stale").unwrap();
        std::fs::write(out.join("NOTES.md"), b"kept").unwrap();
        let a = run_dir(tmp.path(), "a", Some("x\n"));
        archive(&results, "wake", &[("new-point", &a)]).unwrap();
        assert!(!out.join(format!("old-point{SUFFIX}")).exists());
        assert!(out.join(format!("new-point{SUFFIX}")).exists());
        assert!(out.join("NOTES.md").exists());
    }

    #[test]
    fn no_samples_and_no_directory_is_not_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let b = run_dir(tmp.path(), "b", None);
        let results = tmp.path().join("results");
        assert!(
            archive(&results, "context-switch", &[("p", &b)])
                .unwrap()
                .is_empty()
        );
        assert!(!dir(&results, "context-switch").exists());
    }
}
