//! The files of one submission, under `<sweep dir>/slurm/`:
//!
//! | path | what |
//! |---|---|
//! | `slurm/<n>/driver`, `slurm/<n>/guest.elf` | snapshots of the driver and the guest image the tasks run, so that a rebuild while tasks wait cannot change what they run |
//! | `slurm/<n>/job.sh` | the array's script ([`super::script`]) |
//! | `slurm/<n>/sbatch.txt` | the `sbatch` command line as submitted |
//! | `slurm/<n>/task-<i>.out` | task `i`'s stdout and stderr (the driver's report of its point) |
//! | `slurm/job.json` | the job still to wait for ([`ActiveJob`]): a sweep run again while its job is queued waits for that job instead of submitting its points twice |
//!
//! Each point to run gets its `point.json` ([`crate::point_job`]) and loses any old
//! `result.json` before submission, so a `result.json` afterwards was written by this job.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::results;

/// The directory of the Slurm backend's files inside a sweep directory.
pub const DIR: &str = "slurm";
/// The record of the job in flight.
pub const ACTIVE_JOB: &str = "job.json";

/// A prepared submission directory.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub dir: PathBuf,
    pub driver: PathBuf,
    pub image: PathBuf,
    pub script: PathBuf,
}

impl Submission {
    /// Makes `<sweep dir>/slurm/<n>/` (`n`: the first unused number) with snapshots of the
    /// driver and the image.
    pub fn prepare(sweep_dir: &Path, driver: &Path, image: &Path) -> Result<Submission> {
        let base = sweep_dir.join(DIR);
        fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
        let dir = (1..)
            .map(|n| base.join(n.to_string()))
            .find(|d| fs::create_dir(d).is_ok())
            .expect("some number is free");
        let copy = |from: &Path, name: &str| -> Result<PathBuf> {
            let to = dir.join(name);
            fs::copy(from, &to)
                .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
            Ok(to)
        };
        Ok(Submission {
            driver: copy(driver, "driver")?,
            image: copy(image, "guest.elf")?,
            script: dir.join("job.sh"),
            dir,
        })
    }
}

/// `slurm/job.json`: the job a sweep submitted and has not seen end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActiveJob {
    pub job_id: String,
    pub submission_dir: PathBuf,
    /// Point ids in task order.
    pub points: Vec<String>,
}

impl ActiveJob {
    fn path(sweep_dir: &Path) -> PathBuf {
        sweep_dir.join(DIR).join(ACTIVE_JOB)
    }

    pub fn read(sweep_dir: &Path) -> Result<Option<ActiveJob>> {
        let path = Self::path(sweep_dir);
        if !path.exists() {
            return Ok(None);
        }
        results::read_json(&path).map(Some)
    }

    pub fn write(&self, sweep_dir: &Path) -> Result<()> {
        results::write_json_atomic(&Self::path(sweep_dir), self)
    }

    pub fn clear(sweep_dir: &Path) -> Result<()> {
        super::remove_if_present(&Self::path(sweep_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_are_numbered_and_hold_snapshots() {
        let tmp = tempfile::tempdir().unwrap();
        let (driver, image) = (tmp.path().join("d"), tmp.path().join("i"));
        fs::write(&driver, "driver bytes").unwrap();
        fs::write(&image, "image bytes").unwrap();
        let sweep = tmp.path().join("sweep");
        let a = Submission::prepare(&sweep, &driver, &image).unwrap();
        let b = Submission::prepare(&sweep, &driver, &image).unwrap();
        assert_eq!(a.dir, sweep.join("slurm/1"));
        assert_eq!(b.dir, sweep.join("slurm/2"));
        assert_eq!(fs::read_to_string(&b.image).unwrap(), "image bytes");
        assert_eq!(fs::read_to_string(&b.driver).unwrap(), "driver bytes");
        assert_eq!(b.script, sweep.join("slurm/2/job.sh"));
        let e = Submission::prepare(&sweep, &tmp.path().join("none"), &image).unwrap_err();
        assert!(format!("{e:#}").contains("copying"), "{e:#}");
    }

    #[test]
    fn the_active_job_record_comes_and_goes() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(ActiveJob::read(tmp.path()).unwrap(), None);
        ActiveJob::clear(tmp.path()).unwrap();
        fs::create_dir_all(tmp.path().join(DIR)).unwrap();
        let job = ActiveJob {
            job_id: "12".into(),
            submission_dir: tmp.path().join("slurm/1"),
            points: vec!["a".into(), "b".into()],
        };
        job.write(tmp.path()).unwrap();
        assert_eq!(ActiveJob::read(tmp.path()).unwrap(), Some(job));
        ActiveJob::clear(tmp.path()).unwrap();
        assert_eq!(ActiveJob::read(tmp.path()).unwrap(), None);
    }
}
