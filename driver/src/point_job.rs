//! One sweep point prepared to run elsewhere: `<run dir>/point.json`, and `driver run-point
//! <run dir>`, which runs it.
//!
//! A batch system (Slurm, [`crate::slurm`]) runs each point as a separate process, possibly on
//! another machine that shares the filesystem. Everything that process needs is written into
//! the point's run directory before submission: the spec, the guest image (a snapshot, with its
//! hash), the simulator the submitting host identified, the wall-clock limit and the workspace
//! root. `run-point` checks that it sees a simulator that simulates the same (version and
//! device-sources hash, as the resume rule compares) and the same image, then runs the point
//! with [`sweep::run_point`], the function a local sweep's workers call, so a point gives the
//! same `result.json` whichever backend ran it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::guest_image;
use crate::results::{self, RunResult, SimulatorInfo};
use crate::run::{ImageId, Simulator};
use crate::spec::RunSpec;
use crate::sweep::{self, SweepConfig};

/// The prepared point in its run directory.
pub const FILE: &str = "point.json";
/// Version of the layout of `point.json`.
pub const SCHEMA: u32 = 1;

/// `point.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointJob {
    pub schema: u32,
    /// The point's id in its sweep.
    pub id: String,
    pub spec: RunSpec,
    /// The guest image before patching.
    pub image: PathBuf,
    pub image_sha256: String,
    pub image_git_describe: String,
    /// The simulator as the submitting host identified it; the runner must see the same.
    pub simulator: SimulatorInfo,
    pub timeout_secs: f64,
    /// Workspace root (gem5 config script, guest sources).
    pub root: PathBuf,
}

impl PointJob {
    /// The job for running `spec` with the settings of a sweep.
    pub fn new(cfg: &SweepConfig<'_>, id: &str, spec: &RunSpec, image: &Path) -> PointJob {
        PointJob {
            schema: SCHEMA,
            id: id.into(),
            spec: spec.clone(),
            image: image.into(),
            image_sha256: cfg.image_id.sha256.clone(),
            image_git_describe: cfg.image_id.git_describe.clone(),
            simulator: cfg.simulator.info(),
            timeout_secs: cfg.timeout.as_secs_f64(),
            root: cfg.root.into(),
        }
    }

    pub fn write(&self, run_dir: &Path) -> Result<()> {
        results::write_json_atomic(&run_dir.join(FILE), self)
    }

    pub fn read(run_dir: &Path) -> Result<PointJob> {
        let job: PointJob = results::read_json(&run_dir.join(FILE))?;
        if job.schema != SCHEMA {
            bail!(
                "{} has schema {}, this driver reads {SCHEMA}",
                run_dir.join(FILE).display(),
                job.schema
            );
        }
        Ok(job)
    }
}

/// `driver run-point <run dir>`.
#[derive(Debug, clap::Args)]
pub struct RunPointArgs {
    /// A run directory with a point.json (written by a sweep before it submits the point)
    #[arg(value_name = "RUN_DIR")]
    pub dir: PathBuf,
}

/// Runs the point prepared in `run_dir`: the simulator is found as a local run finds it
/// (`GEM5`/`QEMU` or `PATH`; a job script exports the submitting host's binary) and must be
/// the build the job names.
pub fn run(run_dir: &Path) -> Result<RunResult> {
    let job = PointJob::read(run_dir)?;
    let simulator = Simulator::find(job.spec.sim(), &job.root)?;
    same_simulator(&job.simulator, &simulator.info())?;
    let sha256 = guest_image::sha256_file(&job.image)?;
    if sha256 != job.image_sha256 {
        bail!(
            "the guest image {} changed since the point was prepared (sha256 {sha256}, the \
             sweep has {}): run the sweep again",
            job.image.display(),
            job.image_sha256
        );
    }
    let timeout = Duration::try_from_secs_f64(job.timeout_secs)
        .with_context(|| format!("timeout {} s in {FILE}", job.timeout_secs))?;
    let image_id = ImageId {
        sha256,
        git_describe: job.image_git_describe.clone(),
    };
    let cfg = SweepConfig {
        dir: run_dir.parent().unwrap_or(run_dir).to_path_buf(),
        jobs: 1,
        resume: false,
        timeout,
        image: &job.image,
        image_id: &image_id,
        simulator: &simulator,
        root: &job.root,
        store: None,
    };
    sweep::run_point(&cfg, &job.spec, run_dir)
}

/// Fails unless the simulator found here simulates as the one the point was prepared for (the
/// identity the resume rule compares, [`SimulatorInfo::same_simulation`]: version,
/// device-sources hash and config scripts, not the build time): a node with another version,
/// other devices or other scripts would give results that the sweep could neither resume nor
/// compare.
pub fn same_simulator(want: &SimulatorInfo, found: &SimulatorInfo) -> Result<()> {
    if want.same_simulation(found) {
        return Ok(());
    }
    bail!(
        "this host's simulator is not the one the sweep was prepared with:\n  prepared: {} ({})\n  \
         found:    {} ({})\nmake the same binary visible at the same path on every node (a \
         shared filesystem)",
        want.identity_text(),
        want.binary.display(),
        found.identity_text(),
        found.binary.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SimSpec;
    use std::collections::BTreeMap;

    fn qemu(version: &str) -> SimulatorInfo {
        SimulatorInfo {
            name: "qemu".into(),
            binary: "/usr/bin/qemu-system-aarch64".into(),
            version: version.into(),
            build: version.into(),
            device_sources: None,
            config_scripts: None,
        }
    }

    fn job() -> PointJob {
        PointJob {
            schema: SCHEMA,
            id: "selftest-2core".into(),
            spec: RunSpec {
                app: "selftest".into(),
                mechanism: "default".into(),
                cores: 2,
                iterations: 10,
                seed: 1,
                params: BTreeMap::new(),
                irq_frame: crate::spec::full_irq_frame(),
                sim: SimSpec::Qemu,
            },
            image: "/snap/guest.elf".into(),
            image_sha256: "ab".repeat(32),
            image_git_describe: "787918b".into(),
            simulator: qemu("QEMU emulator version 7.2.19"),
            timeout_secs: 300.0,
            root: "/repo".into(),
        }
    }

    #[test]
    fn point_json_round_trips_and_checks_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        job().write(dir.path()).unwrap();
        assert_eq!(PointJob::read(dir.path()).unwrap(), job());
        let newer = PointJob { schema: 9, ..job() };
        newer.write(dir.path()).unwrap();
        let e = format!("{:#}", PointJob::read(dir.path()).unwrap_err());
        assert!(e.contains("has schema 9, this driver reads 1"), "{e}");
        let e = format!("{:#}", run(&dir.path().join("nowhere")).unwrap_err());
        assert!(e.contains("point.json"), "{e}");
    }

    #[test]
    fn another_simulator_build_is_refused_with_both_named() {
        let want = qemu("QEMU emulator version 7.2.19");
        same_simulator(&want, &want.clone()).unwrap();
        let elsewhere = SimulatorInfo {
            binary: "/mnt/shared/qemu-system-aarch64".into(),
            ..want.clone()
        };
        same_simulator(&want, &elsewhere).unwrap();
        let e = same_simulator(&want, &qemu("QEMU emulator version 8.0.0"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("prepared: qemu QEMU emulator version 7.2.19"),
            "{e}"
        );
        assert!(
            e.contains("found:    qemu QEMU emulator version 8.0.0"),
            "{e}"
        );
        assert!(e.contains("shared filesystem"), "{e}");
    }

    #[test]
    fn a_gem5_rebuilt_from_the_same_sources_is_the_same_simulator() {
        let gem5 = |build: &str, hash: &str| SimulatorInfo {
            name: "gem5".into(),
            binary: "/shared/gem5.fast".into(),
            version: "24.0.0.1".into(),
            build: build.into(),
            device_sources: Some(crate::device_hash::DeviceSources {
                binary: hash.into(),
                tree: hash.into(),
                stale_allowed: false,
            }),
            config_scripts: Some("cc".into()),
        };
        same_simulator(
            &gem5("Dec 1 2026 10:00", "aa"),
            &gem5("Dec 2 2026 09:00", "aa"),
        )
        .unwrap();
        let e = same_simulator(
            &gem5("Dec 1 2026 10:00", "aa"),
            &gem5("Dec 1 2026 10:00", "bb"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("prepared: gem5 24.0.0.1 devices aa"), "{e}");
        assert!(e.contains("found:    gem5 24.0.0.1 devices bb"), "{e}");
    }
}
