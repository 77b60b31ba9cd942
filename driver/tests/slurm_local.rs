//! The Slurm backend against a real Slurm: a small QEMU sweep goes through a one-node cluster
//! on this machine and must give the same results file as the local backend; resuming submits
//! nothing; a point that fails is reported with its logs, and running the sweep again
//! resubmits only that point.
//!
//! Ignored by default: it needs a running cluster, QEMU and the guest build.
//!
//! ```sh
//! scripts/slurm-local-cluster.sh start      # as root: installs slurm-wlm and munge if missing
//! cargo test -p driver --test slurm_local -- --ignored --nocapture
//! ```
//!
//! (`just test-slurm` does both.) `CORO_SLURM_PARTITION` picks a partition other than the
//! cluster's default.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, ensure};
use driver::experiments::{self, Experiment, Profile, ResultsFile};
use driver::guest_image;
use driver::results::RunResult;
use driver::run::{ImageId, Simulator};
use driver::sim::qemu::{self, QemuBackend};
use driver::slurm::SlurmConfig;
use driver::slurm::script::SbatchRequest;
use driver::spec::{RunSpec, SimSpec, SpecRequest};
use driver::sweep::{self, Backend, Point, PointOutcome, Status, SweepConfig};
use runconfig::App;
use serde_json::{Value, json};

/// QEMU behind a wrapper that fails the first run of any point named `flaky-*` (exit status 7)
/// and passes every other call through, `--version` included.
const QEMU_WRAPPER: &str = r#"#!/bin/sh
for a in "$@"; do
  case "$a" in
    */flaky-*/guest.elf)
      if [ ! -e "@MARK@" ]; then
        : > "@MARK@"
        echo "qemu wrapper: failing the first run of this point on purpose" >&2
        exit 7
      fi ;;
  esac
done
exec "@QEMU@" "$@"
"#;

/// The experiment of this test: what each run's records say, without QEMU's timing numbers
/// (its counter runs in host time, so they differ from run to run; gem5's would not).
struct SlurmCheck;

impl Experiment for SlurmCheck {
    fn name(&self) -> &'static str {
        "slurm-check"
    }
    fn about(&self) -> &'static str {
        "self-test and a few context switches on QEMU"
    }
    fn points(&self, _: Profile) -> Vec<Point> {
        vec![
            point("selftest-1core", App::SelfTest, None, 1, 10),
            point("selftest-2core", App::SelfTest, None, 2, 10),
            point(
                "ctxswitch-coro-yield",
                App::ContextSwitch,
                Some("coro-yield"),
                1,
                200,
            ),
        ]
    }
    fn measure(&self, _: &Point, result: &RunResult) -> Result<Value> {
        ensure!(!result.results.is_empty(), "no @result records");
        Ok(Value::Array(
            result.results.iter().map(stable_fields).collect(),
        ))
    }
    fn figure(&self, _: &ResultsFile, _: &Path) -> Result<()> {
        Ok(())
    }
    fn summary(&self, _: &ResultsFile) -> String {
        String::new()
    }
}

fn point(id: &str, app: App, mechanism: Option<&str>, cores: u64, iterations: u64) -> Point {
    let spec = RunSpec::new(SpecRequest {
        app,
        mechanism,
        cores,
        iterations,
        seed: 1,
        params: &[],
        sim: SimSpec::Qemu,
    })
    .unwrap();
    Point {
        id: id.into(),
        spec,
        labels: BTreeMap::from([("id".to_string(), id.to_string())]),
    }
}

/// The fields of a guest record that do not depend on host timing: which check or benchmark
/// it is, its core count and sample count, and whether the check passed, except for the
/// self-test's `preempt`, whose switch count (and so its verdict, under load) depends on how
/// the host schedules QEMU's vCPU threads.
fn stable_fields(record: &Value) -> Value {
    let timing_dependent = record.get("test") == Some(&json!("preempt"));
    let keep: &[&str] = if timing_dependent {
        &["test"]
    } else {
        &["test", "ok", "cores", "bench", "mechanism", "count"]
    };
    let mut out = serde_json::Map::new();
    for k in keep {
        if let Some(v) = record.get(*k) {
            out.insert((*k).into(), v.clone());
        }
    }
    Value::Object(out)
}

/// A results file without what differs between two gatherings of the same runs: when and by
/// which command it was written, and the guest's timing numbers.
fn comparable(file: &ResultsFile) -> Value {
    let mut v = serde_json::to_value(file).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("generated_unix");
    o.remove("command");
    for r in o["records"].as_array_mut().unwrap() {
        let stable: Vec<Value> = r["guest_results"]
            .as_array()
            .unwrap()
            .iter()
            .map(stable_fields)
            .collect();
        r["guest_results"] = Value::Array(stable);
    }
    v
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    image: PathBuf,
    image_id: ImageId,
    simulator: Simulator,
    runs: PathBuf,
    slurm: SlurmConfig,
}

fn setup() -> Setup {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let image = guest_image::build(&root, true).expect("building the guest");
    let tmp = tempfile::tempdir().unwrap();
    let real = qemu::locate().expect("QEMU (apt-get install qemu-system-arm)");
    let wrapper = tmp.path().join("qemu-system-aarch64");
    let text = QEMU_WRAPPER
        .replace(
            "@MARK@",
            &tmp.path().join("flaky-failed-once").display().to_string(),
        )
        .replace("@QEMU@", &real.display().to_string());
    fs::write(&wrapper, text).unwrap();
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    let simulator = Simulator::new(QemuBackend {
        version: qemu::version(&wrapper).unwrap(),
        binary: wrapper,
    });
    let image_id = ImageId::of(&root, &image).unwrap();
    let slurm = SlurmConfig {
        sbatch: SbatchRequest {
            partition: std::env::var("CORO_SLURM_PARTITION").ok(),
            ..SbatchRequest::default()
        },
        poll: Duration::from_secs(1),
        driver: Some(PathBuf::from(env!("CARGO_BIN_EXE_driver"))),
    };
    Setup {
        runs: tmp.path().join("runs"),
        _tmp: tmp,
        root,
        image,
        image_id,
        simulator,
        slurm,
    }
}

impl Setup {
    fn sweep(
        &self,
        name: &str,
        points: &[Point],
        resume: bool,
        backend: &Backend,
    ) -> Vec<PointOutcome> {
        let cfg = SweepConfig {
            dir: self.runs.join(name),
            jobs: 2,
            resume,
            timeout: Duration::from_secs(300),
            image: &self.image,
            image_id: &self.image_id,
            simulator: &self.simulator,
            root: &self.root,
            store: None,
        };
        let outcomes = sweep::run_sweep_on(&cfg, points, backend).unwrap();
        println!("{}", sweep::table(&outcomes));
        outcomes
    }

    fn gather(&self, outcomes: &[PointOutcome]) -> ResultsFile {
        let runs = sweep::require_all(outcomes).unwrap();
        experiments::gather(
            &SlurmCheck,
            Profile::Quick,
            &runs,
            self.simulator.info(),
            &self.image_id,
        )
        .unwrap()
    }

    fn submissions(&self, name: &str) -> usize {
        match fs::read_dir(self.runs.join(name).join("slurm")) {
            Ok(entries) => entries
                .filter(|e| e.as_ref().unwrap().path().is_dir())
                .count(),
            Err(_) => 0,
        }
    }
}

fn statuses(outcomes: &[PointOutcome]) -> Vec<(&str, &Status)> {
    outcomes
        .iter()
        .map(|o| (o.point.id.as_str(), &o.status))
        .collect()
}

#[test]
#[ignore = "needs a Slurm cluster (scripts/slurm-local-cluster.sh start), QEMU and the guest build"]
fn qemu_sweep_through_slurm_matches_the_local_backend() {
    let s = setup();
    let slurm = Backend::Slurm(s.slurm.clone());
    let points = SlurmCheck.points(Profile::Quick);

    // The same sweep into the same run directories, locally and then on Slurm.
    let local = s.gather(&s.sweep("check", &points, false, &Backend::Local));
    let on_slurm = s.sweep("check", &points, false, &slurm);
    assert!(on_slurm.iter().all(|o| o.status == Status::Done));
    for o in &on_slurm {
        let argv = &o.result.as_ref().unwrap().provenance.driver_command;
        assert_eq!(
            argv.get(1).map(String::as_str),
            Some("run-point"),
            "{argv:?}"
        );
    }
    let on_slurm = s.gather(&on_slurm);
    assert_eq!(comparable(&local), comparable(&on_slurm));
    assert_eq!(on_slurm.records.len(), 3);
    assert_eq!(
        on_slurm.records[1].metrics[0],
        json!({"test": "cores_up", "ok": true, "cores": 2})
    );

    // Resuming: everything has its result, nothing is submitted.
    let again = s.sweep("check", &points, true, &slurm);
    assert!(again.iter().all(|o| o.status == Status::Skipped));
    assert_eq!(s.submissions("check"), 1);

    // A point that fails is reported with Slurm's state, its task output and its log.
    let mut with_flaky = points.clone();
    with_flaky.push(point("flaky-selftest", App::SelfTest, None, 1, 10));
    let first = s.sweep("check", &with_flaky, true, &slurm);
    let Status::Failed(message) = &first[3].status else {
        panic!("{:?}", statuses(&first))
    };
    assert!(
        message.contains("Slurm task") && message.contains("ended FAILED"),
        "{message}"
    );
    assert!(
        message.contains("qemu failed with exit status 7"),
        "{message}"
    );
    assert!(message.contains("flaky-selftest/qemu.log"), "{message}");
    assert!(message.contains("slurm/2/task-0.out"), "{message}");
    let log = fs::read_to_string(s.runs.join("check/flaky-selftest/qemu.log")).unwrap();
    assert!(
        log.contains("failing the first run of this point on purpose"),
        "{log}"
    );
    let err = sweep::require_all(&first).unwrap_err().to_string();
    assert!(
        err.contains("1 of 4 points failed (flaky-selftest)"),
        "{err}"
    );
    assert!(first[..3].iter().all(|o| o.status == Status::Skipped));

    // Running it again resubmits that point alone, and it passes.
    let retry = s.sweep("check", &with_flaky, true, &slurm);
    assert_eq!(retry[3].status, Status::Done, "{:?}", statuses(&retry));
    assert!(retry[..3].iter().all(|o| o.status == Status::Skipped));
    let script = fs::read_to_string(s.runs.join("check/slurm/3/job.sh")).unwrap();
    assert!(
        script.contains("# 0: flaky-selftest") && !script.contains("# 1:"),
        "{script}"
    );
    assert_eq!(s.submissions("check"), 3);
}
