//! The store's round trip: a point finished on one machine is stored, and a sweep on a fresh
//! machine (no `runs/`, gem5 rebuilt from the same sources) restores and skips it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::coro_sched::recorded::RecordedSamples;
use crate::device_hash::DeviceSources;
use crate::experiments::{self, Profile};
use crate::results::tests::sample_result;
use crate::results::{Decision, DumpStats, ExitInfo, SimulatorInfo, Window};
use crate::run::{ImageId, Simulator};
use crate::sim::gem5::STATS;
use crate::sim::{Backend, ExitClass};
use crate::spec::{Cpu, RunSpec, Sim, SimSpec};
use crate::sweep::{self, Status, SweepConfig};

const SAMPLES: &str = "# x: cycles = (resume_tick - fire_tick) / 250 ticks\n\
                       seq,path,core,source,fire_tick,resume_tick,cycles\n\
                       0,irq,0,0,0,2500,10\n# dump tick=5\n";
const STATS_TEXT: &str = "---------- Begin Simulation Statistics ----------\nsimTicks 5\n";

/// A simulator that is only an identity: these tests decide and store, they never run.
#[derive(Debug)]
struct Identity(SimulatorInfo);

impl Backend for Identity {
    fn sim(&self) -> Sim {
        Sim::Gem5
    }
    fn info(&self) -> SimulatorInfo {
        self.0.clone()
    }
    fn max_cores(&self) -> u64 {
        1
    }
    fn has_coro_sched(&self) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn coro_sched_missing(&self) -> String {
        String::new()
    }
    fn log_name(&self) -> &'static str {
        "gem5.log"
    }
    fn outputs(&self) -> &'static [&'static str] {
        &[]
    }
    fn argv(&self, _: &RunSpec, _: &Path, _: &Path) -> anyhow::Result<Vec<OsString>> {
        anyhow::bail!("these tests run nothing")
    }
    fn console_path(&self, dir: &Path, _: &Path) -> PathBuf {
        dir.join("system.terminal")
    }
    fn classify_exit(&self, _: &RunSpec, _: &ExitInfo) -> ExitClass {
        ExitClass::Finished
    }
}

/// gem5 24.0.0.1 built at `build` from device sources `aa…`.
fn gem5(build: &str) -> SimulatorInfo {
    SimulatorInfo {
        name: "gem5".into(),
        binary: "/cache/gem5.fast".into(),
        version: "24.0.0.1".into(),
        build: build.into(),
        device_sources: Some(DeviceSources {
            binary: "aa".repeat(32),
            tree: "aa".repeat(32),
            stale_allowed: false,
        }),
        config_scripts: Some("cc".repeat(32)),
    }
}

fn point(id: &str) -> Point {
    Point {
        id: id.into(),
        spec: RunSpec {
            app: "wake".into(),
            mechanism: "irq".into(),
            cores: 2,
            iterations: 1,
            seed: 1,
            params: BTreeMap::new(),
            irq_frame: crate::spec::full_irq_frame(),
            sim: SimSpec::gem5(Cpu::Minor, 1),
        },
        labels: BTreeMap::new(),
    }
}

/// One machine: its own checkout (`runs/`, `results/`), gem5 build and guest image.
struct Machine {
    root: tempfile::TempDir,
    simulator: Simulator,
    image_id: ImageId,
}

impl Machine {
    fn new(build: &str, guest_sha256: &str) -> Machine {
        Machine {
            root: tempfile::tempdir().unwrap(),
            simulator: Simulator::new(Identity(gem5(build))),
            image_id: ImageId {
                sha256: guest_sha256.into(),
                git_describe: "v1".into(),
            },
        }
    }

    fn results(&self) -> PathBuf {
        self.root.path().join("results/full")
    }

    fn sweep_dir(&self) -> PathBuf {
        self.root.path().join("runs/full/wake")
    }

    fn cfg<'a>(&'a self, store: Option<&'a PointStore<'a>>) -> SweepConfig<'a> {
        SweepConfig {
            dir: self.sweep_dir(),
            jobs: 1,
            resume: true,
            timeout: std::time::Duration::from_secs(1),
            image: Path::new("/guest.elf"),
            image_id: &self.image_id,
            simulator: &self.simulator,
            root: self.root.path(),
            store,
        }
    }

    /// What a run of `p` leaves in its directory, made by this machine.
    fn finished_run(&self, p: &Point) -> (PathBuf, RunResult) {
        let dir = self.sweep_dir().join(&p.id);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(SAMPLES_FILE), SAMPLES).unwrap();
        fs::write(dir.join(STATS), STATS_TEXT).unwrap();
        let mut r = sample_result(&dir, p.spec.clone());
        r.provenance.simulator = self.simulator.info();
        r.provenance.guest.elf_sha256 = self.image_id.sha256.clone();
        r.device_samples = RecordedSamples::of_run(&dir).unwrap();
        r.stats = Some(dumps());
        results::write_json_atomic(&dir.join(RESULT_JSON), &r).unwrap();
        (dir, r)
    }
}

/// The stats dumps of a run: boot, one measured window, exit (ARCHITECTURE.md, contract 3).
fn dumps() -> Vec<DumpStats> {
    [Window::Boot, Window::Measured, Window::Exit]
        .into_iter()
        .enumerate()
        .map(|(index, window)| DumpStats {
            index,
            window,
            cycles: Some(100.0 * (index + 1) as f64),
            insts: Some(50.0 * (index + 1) as f64),
            stats: [("simTicks".to_string(), serde_json::json!(5 * (index + 1)))]
                .into_iter()
                .collect(),
        })
        .collect()
}

/// E5's files: `stats.txt` besides the samples every store keeps.
fn stats_too(_: &Point) -> Vec<&'static str> {
    vec![STATS]
}

/// Sweeps `points` on `m` with the store in `results`; returns the outcomes and the runs made.
fn sweep_on(
    m: &Machine,
    store: Option<&PointStore<'_>>,
    points: &[Point],
) -> (Vec<sweep::PointOutcome>, usize) {
    let cfg = m.cfg(store);
    let calls = AtomicUsize::new(0);
    let runner = |p: &Point, dir: &Path| {
        calls.fetch_add(1, Ordering::SeqCst);
        let (_, r) = m.finished_run(p);
        sweep::finish(&cfg, p, dir, r, &|_, _| Ok(()))
    };
    let decide = |p: &Point, dir: &Path| sweep::decide(&cfg, p, dir);
    let out = sweep::run_points(&cfg.dir, points, 1, &decide, &runner);
    (out, calls.load(Ordering::SeqCst))
}

#[test]
fn a_finished_point_is_stored_and_a_fresh_machine_restores_and_skips_it() {
    let first = Machine::new("Dec  1 2026 09:00:00", "ab");
    let store = PointStore::new(&first.results(), "wake", &stats_too);
    let points = [point("minor-irq-idle")];
    let (out, runs) = sweep_on(&first, Some(&store), &points);
    assert_eq!((runs, &out[0].status), (1, &Status::Done));
    let stored = first.results().join("points/wake");
    let mut names: Vec<_> = fs::read_dir(&stored)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "minor-irq-idle.coro_sched_wakes.csv.gz",
            "minor-irq-idle.json",
            "minor-irq-idle.stats.txt.gz"
        ]
    );

    // A fresh machine: no runs/, gem5 rebuilt from the same sources, the committed store.
    let fresh = Machine::new("Dec  2 2026 08:00:00", "ab");
    fs::create_dir_all(fresh.results()).unwrap();
    let target = fresh.results().join("points");
    fs::rename(first.results().join("points"), &target).unwrap();
    let store = PointStore::new(&fresh.results(), "wake", &stats_too);
    let (out, runs) = sweep_on(&fresh, Some(&store), &points);
    assert_eq!((runs, &out[0].status), (0, &Status::Skipped));

    let dir = fresh.sweep_dir().join("minor-irq-idle");
    assert_eq!(fs::read_to_string(dir.join(SAMPLES_FILE)).unwrap(), SAMPLES);
    assert_eq!(fs::read_to_string(dir.join(STATS)).unwrap(), STATS_TEXT);
    let restored = out[0].result.clone().unwrap();
    assert_eq!(
        restored.run_dir, dir,
        "gathering reads the files where they now are"
    );
    let samples = restored.device_samples.clone().unwrap();
    assert_eq!(samples.file, dir.join(SAMPLES_FILE));
    // Everything else is the first machine's result, its build time included, but for the
    // stats dumps gathering never reads (boot and exit).
    let (_, made) = first.finished_run(&points[0]);
    let mut expected = stored_form(&made);
    expected.run_dir = dir.clone();
    expected.device_samples = Some(samples);
    assert_eq!(restored, expected);
    assert_eq!(
        restored.measured().collect::<Vec<_>>(),
        made.measured().collect::<Vec<_>>()
    );
    assert_eq!(restored.provenance.simulator.build, "Dec  1 2026 09:00:00");
    // A second sweep finds the restored run directory and leaves the store as it was.
    let before = fs::read(target.join("wake/minor-irq-idle.json")).unwrap();
    let (out, runs) = sweep_on(&fresh, Some(&store), &points);
    assert_eq!((runs, &out[0].status), (0, &Status::Skipped));
    assert_eq!(
        fs::read(target.join("wake/minor-irq-idle.json")).unwrap(),
        before
    );
}

#[test]
fn a_restored_point_of_another_guest_runs_again_and_replaces_the_stored_one() {
    let first = Machine::new("b1", "ab");
    let store = PointStore::new(&first.results(), "wake", &stats_too);
    let points = [point("p")];
    sweep_on(&first, Some(&store), &points);

    let rebuilt_guest = Machine::new("b1", "cd");
    fs::create_dir_all(rebuilt_guest.results()).unwrap();
    fs::rename(
        first.results().join("points"),
        rebuilt_guest.results().join("points"),
    )
    .unwrap();
    let store = PointStore::new(&rebuilt_guest.results(), "wake", &stats_too);
    let cfg = rebuilt_guest.cfg(Some(&store));
    let dir = cfg.dir.join("p");
    assert_eq!(
        sweep::decide(&cfg, &points[0], &dir),
        Decision::Run("the guest image changed".into())
    );
    let (out, runs) = sweep_on(&rebuilt_guest, Some(&store), &points);
    assert_eq!((runs, &out[0].status), (1, &Status::Done));
    let stored: RunResult = results::read_json(&store.result_path("p")).unwrap();
    assert_eq!(stored.provenance.guest.elf_sha256, "cd");
}

#[test]
fn another_device_build_runs_again_even_when_restored() {
    let first = Machine::new("b1", "ab");
    let store = PointStore::new(&first.results(), "wake", &stats_too);
    let points = [point("p")];
    sweep_on(&first, Some(&store), &points);
    let mut other = gem5("b1");
    other.device_sources.as_mut().unwrap().binary = "bb".repeat(32);
    let m = Machine {
        simulator: Simulator::new(Identity(other)),
        ..Machine::new("b1", "ab")
    };
    fs::create_dir_all(m.results()).unwrap();
    fs::rename(first.results().join("points"), m.results().join("points")).unwrap();
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    let cfg = m.cfg(Some(&store));
    assert!(matches!(
        sweep::decide(&cfg, &points[0], &cfg.dir.join("p")),
        Decision::Run(r) if r.contains("the simulator changed")
    ));
}

#[test]
fn the_quick_profile_stores_nothing() {
    let none = |_: &Point| Vec::new();
    let results = Path::new("results");
    for profile in [Profile::Quick, Profile::Smoke] {
        let dir = profile.dir(results);
        assert!(experiments::point_store(profile, &dir, "wake", &none).is_none());
    }
    let full = experiments::point_store(Profile::Full, &Profile::Full.dir(results), "wake", &none);
    assert_eq!(full.unwrap().dir(), Path::new("results/full/points/wake"));

    // A sweep without a store (what the quick profile runs) writes nothing under results/.
    let m = Machine::new("b1", "ab");
    let (out, runs) = sweep_on(&m, None, &[point("p")]);
    assert_eq!((runs, &out[0].status), (1, &Status::Done));
    assert!(!m.root.path().join("results").exists());
}

#[test]
fn a_point_finished_before_it_was_stored_is_stored_when_resumed() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    let (out, runs) = sweep_on(&m, Some(&store), std::slice::from_ref(&p));
    assert_eq!((runs, &out[0].status), (0, &Status::Skipped));
    assert!(store.result_path("p").exists());
    assert!(store.file_path("p", STATS).exists());
}

#[test]
fn restore_leaves_a_run_directory_with_a_result_alone() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, made) = m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    let mut other = made.clone();
    other.console_lines = 99;
    store.save(&p, &dir, &other).unwrap();
    assert!(!store.restore(&p, &dir).unwrap());
    let kept: RunResult = results::read_json(&dir.join(RESULT_JSON)).unwrap();
    assert_eq!(kept, made);
    // Nothing stored: nothing restored.
    let empty = tempfile::tempdir().unwrap();
    assert!(!store.restore(&point("q"), empty.path()).unwrap());
    assert!(!empty.path().join(RESULT_JSON).exists());
}

#[test]
fn storing_again_drops_a_file_the_run_no_longer_wrote() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, r) = m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    store.save(&p, &dir, &r).unwrap();
    assert!(store.file_path("p", SAMPLES_FILE).exists());
    fs::remove_file(dir.join(SAMPLES_FILE)).unwrap();
    store.save(&p, &dir, &r).unwrap();
    assert!(!store.file_path("p", SAMPLES_FILE).exists());
    assert!(store.file_path("p", STATS).exists());
}

#[test]
fn the_same_run_is_stored_as_the_same_bytes() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, r) = m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    store.save(&p, &dir, &r).unwrap();
    let read = |name: &str| fs::read(store.file_path("p", name)).unwrap();
    let (json, samples) = (
        fs::read(store.result_path("p")).unwrap(),
        read(SAMPLES_FILE),
    );
    store.save(&p, &dir, &r).unwrap();
    assert_eq!(fs::read(store.result_path("p")).unwrap(), json);
    assert_eq!(read(SAMPLES_FILE), samples);
    assert_eq!(json.iter().filter(|b| **b == b'\n').count(), 1, "one line");
}

#[test]
fn a_fresh_sweep_neither_restores_nor_skips() {
    let first = Machine::new("b1", "ab");
    let store = PointStore::new(&first.results(), "wake", &stats_too);
    let p = point("p");
    sweep_on(&first, Some(&store), std::slice::from_ref(&p));
    let dir = first.sweep_dir().join("p");
    fs::remove_dir_all(&dir).unwrap();
    let cfg = SweepConfig {
        resume: false,
        ..first.cfg(Some(&store))
    };
    assert_eq!(
        sweep::decide(&cfg, &p, &dir),
        Decision::Run("fresh run".into())
    );
    assert!(!dir.exists());
}

#[test]
fn stored_points_no_longer_in_the_experiment_go_and_other_files_stay() {
    let m = Machine::new("b1", "ab");
    let store = PointStore::new(&m.results(), "load", &stats_too);
    let (kept, dropped) = (point("o3-exp-fcfs-hwq-0.50"), point("o3-exp-fcfs-hwq-0.55"));
    for p in [&kept, &dropped] {
        let (dir, r) = m.finished_run(p);
        store.save(p, &dir, &r).unwrap();
    }
    fs::write(store.dir().join("NOTES.md"), "kept").unwrap();
    store.remove_others(std::slice::from_ref(&kept)).unwrap();
    let mut names: Vec<_> = fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "NOTES.md",
            "o3-exp-fcfs-hwq-0.50.coro_sched_wakes.csv.gz",
            "o3-exp-fcfs-hwq-0.50.json",
            "o3-exp-fcfs-hwq-0.50.stats.txt.gz"
        ]
    );
    // No store yet: nothing to do.
    let empty = PointStore::new(&m.root.path().join("none"), "load", &stats_too);
    empty.remove_others(&[kept]).unwrap();
}

#[test]
fn the_stored_json_leaves_out_the_samples_and_the_unmeasured_dumps() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, made) = m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    store.save(&p, &dir, &made).unwrap();
    let json: serde_json::Value = results::read_json(&store.result_path("p")).unwrap();
    assert_eq!(json["device_samples"], serde_json::Value::Null);
    let windows: Vec<&str> = json["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["window"].as_str().unwrap())
        .collect();
    assert_eq!(windows, ["measured"]);

    // Restored where it was made, the result is the run's, its samples parsed again from the
    // stored file, equal to the ones the run parsed.
    fs::remove_dir_all(&dir).unwrap();
    assert!(store.restore(&p, &dir).unwrap());
    let restored: RunResult = results::read_json(&dir.join(RESULT_JSON)).unwrap();
    assert_eq!(restored.device_samples, made.device_samples);
    assert_eq!(
        restored,
        RunResult {
            device_samples: made.device_samples.clone(),
            ..stored_form(&made)
        }
    );
}

#[test]
fn a_run_with_measured_dumps_only_is_restored_to_the_same_bytes() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, mut made) = m.finished_run(&p);
    made.stats = Some(made.measured().cloned().collect());
    results::write_json_atomic(&dir.join(RESULT_JSON), &made).unwrap();
    let original = fs::read(dir.join(RESULT_JSON)).unwrap();
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    store.save(&p, &dir, &made).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert!(store.restore(&p, &dir).unwrap());
    assert_eq!(fs::read(dir.join(RESULT_JSON)).unwrap(), original);
}

#[test]
fn a_stored_samples_file_that_no_longer_parses_is_an_error_not_a_result() {
    let m = Machine::new("b1", "ab");
    let p = point("p");
    let (dir, made) = m.finished_run(&p);
    let store = PointStore::new(&m.results(), "wake", &stats_too);
    store.save(&p, &dir, &made).unwrap();
    fs::write(
        store.file_path("p", SAMPLES_FILE),
        crate::raw_samples::gzip(b"seq,path\n").unwrap(),
    )
    .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    let e = format!("{:#}", store.restore(&p, &dir).unwrap_err());
    assert!(e.contains("point p") && e.contains("header"), "{e}");
    assert!(!dir.join(RESULT_JSON).exists());
}
