//! Running many points (runs) of a sweep: in parallel up to a job count, resumable, with one
//! progress line per finished point and a table at the end.
//!
//! Each point runs in `<sweep dir>/<point id>/`. A point whose directory already holds the
//! result of the same run (same spec, same guest image, same simulator version and device
//! sources; see [`results::resume_decision`]) is skipped, so an interrupted or partly failed
//! sweep is finished by running it again. One failed point does not stop the others. A
//! full-profile sweep also keeps each finished point in its committed store
//! ([`crate::point_store`]) and restores it from there into an empty run directory, so a
//! sweep run in parts survives a fresh machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::point_store::PointStore;
use crate::results::{self, Decision, RunResult};
use crate::run::{self, ImageId, RunRequest, Simulator};
use crate::spec::RunSpec;

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Directory name inside the sweep directory; unique within the sweep.
    pub id: String,
    pub spec: RunSpec,
    /// What varies across the sweep, by name (e.g. `cpu` → `minor`), for tables and figures.
    pub labels: BTreeMap<String, String>,
}

/// How a point ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// A result of the same run was already there.
    Skipped,
    Done,
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct PointOutcome {
    pub point: Point,
    pub dir: PathBuf,
    pub status: Status,
    pub result: Option<RunResult>,
    pub wall_secs: f64,
}

/// What a sweep needs besides its points.
pub struct SweepConfig<'a> {
    pub dir: PathBuf,
    pub jobs: usize,
    /// Skip points that already have their result.
    pub resume: bool,
    pub timeout: Duration,
    pub image: &'a Path,
    pub image_id: &'a ImageId,
    pub simulator: &'a Simulator,
    pub root: &'a Path,
    /// The full profile's committed copies of finished points ([`PointStore`]): restored
    /// before deciding, written as each point finishes. None for every other sweep.
    pub store: Option<&'a PointStore<'a>>,
}

/// Where a sweep's points run.
#[derive(Clone, Debug, PartialEq)]
pub enum Backend {
    /// Here, `jobs` at a time.
    Local,
    /// As one Slurm job array ([`crate::slurm`]).
    Slurm(crate::slurm::SlurmConfig),
}

/// [`run_sweep`] on a backend; the outcomes are the same kind whichever ran the points.
pub fn run_sweep_on(
    cfg: &SweepConfig<'_>,
    points: &[Point],
    backend: &Backend,
) -> Result<Vec<PointOutcome>> {
    match backend {
        Backend::Local => Ok(run_sweep(cfg, points)),
        Backend::Slurm(slurm) => crate::slurm::run_sweep(cfg, points, slurm),
    }
}

/// Runs the points of a sweep on the simulator; outcomes come back in point order.
pub fn run_sweep(cfg: &SweepConfig<'_>, points: &[Point]) -> Vec<PointOutcome> {
    run_sweep_checked(cfg, points, &|_, _| Ok(()))
}

/// What a run must show besides finishing; `Err` says what it lacks.
pub type Check<'a> = dyn Fn(&Point, &RunResult) -> Result<(), String> + Sync + 'a;

/// [`run_sweep`], with each finished run checked as it ends: a run that fails its check is a
/// failed point, in its progress line and in the table.
pub fn run_sweep_checked(
    cfg: &SweepConfig<'_>,
    points: &[Point],
    check: &Check<'_>,
) -> Vec<PointOutcome> {
    let decide = |p: &Point, dir: &Path| decide(cfg, p, dir);
    let runner = |p: &Point, dir: &Path| finish(cfg, p, dir, run_point(cfg, &p.spec, dir)?, check);
    run_points(&cfg.dir, points, cfg.jobs, &decide, &runner)
}

/// What a local worker does with a run that ended well: checks it, then (full profile) stores
/// it. A run that fails either is a failed point.
pub(crate) fn finish(
    cfg: &SweepConfig<'_>,
    p: &Point,
    dir: &Path,
    result: RunResult,
    check: &Check<'_>,
) -> Result<RunResult> {
    check(p, &result).map_err(|e| anyhow::anyhow!("check failed: {e}"))?;
    if let Some(store) = cfg.store {
        store
            .save(p, dir, &result)
            .context("the run finished, but storing its copy failed")?;
    }
    Ok(result)
}

/// Whether a point must run: the resume rule every backend applies. With a store, a point
/// whose directory has no result gets the stored one back first, and a finished point the store
/// lacks is stored.
pub fn decide(cfg: &SweepConfig<'_>, p: &Point, dir: &Path) -> Decision {
    if !cfg.resume {
        return Decision::Run("fresh run".into());
    }
    let Some(store) = cfg.store else {
        return results::resume_decision(dir, &p.spec, &cfg.image_id.sha256, &cfg.simulator.info());
    };
    match store.restore(p, dir) {
        Ok(true) => println!(
            "[restore] {:<25} from {}",
            p.id,
            store.result_path(&p.id).display()
        ),
        Ok(false) => {}
        Err(e) => return Decision::Run(format!("restoring its stored copy failed: {e:#}")),
    }
    let decision =
        results::resume_decision(dir, &p.spec, &cfg.image_id.sha256, &cfg.simulator.info());
    if let Decision::Skip(result) = &decision
        && let Err(e) = store.save_if_missing(p, dir, result)
    {
        eprintln!("warning: {}: storing its finished run failed: {e:#}", p.id);
    }
    decision
}

/// Runs one point into `dir`: what a local worker does, and what `driver run-point` does for
/// a point that a batch system runs.
pub fn run_point(cfg: &SweepConfig<'_>, spec: &RunSpec, dir: &Path) -> Result<RunResult> {
    run::execute_with(
        &RunRequest {
            spec,
            image: cfg.image,
            dir,
            simulator: cfg.simulator,
            timeout: cfg.timeout,
            root: cfg.root,
        },
        cfg.image_id,
    )
}

/// A point to run: its index, its run directory and why it runs.
pub type Todo = (usize, PathBuf, String);

/// Splits a sweep's points into those whose result exists (outcomes, `Skipped`, printed) and
/// those to run, in point order; every backend starts with this.
pub fn partition(
    sweep_dir: &Path,
    points: &[Point],
    decide: &(dyn Fn(&Point, &Path) -> Decision + Sync),
) -> (Vec<Option<PointOutcome>>, Vec<Todo>) {
    let mut done: Vec<Option<PointOutcome>> = vec![None; points.len()];
    let mut todo = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let dir = sweep_dir.join(&p.id);
        match decide(p, &dir) {
            Decision::Skip(result) => {
                println!(
                    "[skip] {:<28} result.json of the same run exists ({})",
                    p.id,
                    dir.display()
                );
                done[i] = Some(PointOutcome {
                    point: p.clone(),
                    dir,
                    status: Status::Skipped,
                    result: Some(*result),
                    wall_secs: 0.0,
                });
            }
            Decision::Run(reason) => todo.push((i, dir, reason)),
        }
    }
    (done, todo)
}

/// The scheduling core of [`run_sweep`], with the resume decision and the runner passed in.
pub fn run_points(
    sweep_dir: &Path,
    points: &[Point],
    jobs: usize,
    decide: &(dyn Fn(&Point, &Path) -> Decision + Sync),
    runner: &(dyn Fn(&Point, &Path) -> Result<RunResult> + Sync),
) -> Vec<PointOutcome> {
    let (done, todo) = partition(sweep_dir, points, decide);
    let slots: Vec<Mutex<Option<PointOutcome>>> = done.into_iter().map(Mutex::new).collect();
    let total = todo.len();
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let workers = jobs.max(1).min(total.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some((i, dir, reason)) = todo.get(k) else {
                        break;
                    };
                    let p = &points[*i];
                    println!("[start] {:<27} {} ({reason})", p.id, p.spec.label());
                    let start = Instant::now();
                    let (status, result) = match runner(p, dir) {
                        Ok(result) => (Status::Done, Some(result)),
                        Err(e) => (Status::Failed(format!("{e:#}")), None),
                    };
                    let outcome = PointOutcome {
                        point: p.clone(),
                        dir: dir.clone(),
                        status,
                        result,
                        wall_secs: start.elapsed().as_secs_f64(),
                    };
                    let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
                    match &outcome.status {
                        Status::Failed(e) => {
                            let first = e.lines().next().unwrap_or("");
                            println!(
                                "[{n}/{total}] {:<25} FAILED {:>8.1} s  {first}",
                                p.id, outcome.wall_secs
                            );
                        }
                        _ => println!(
                            "[{n}/{total}] {:<25} ok     {:>8.1} s  {}",
                            p.id,
                            outcome.wall_secs,
                            outcome.dir.display()
                        ),
                    }
                    *slots[*i].lock().expect("no panics hold this lock") = Some(outcome);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("no panics hold this lock")
                .expect("every point was decided")
        })
        .collect()
}

/// The final table: one line per point; failures with their whole message below the table.
pub fn table(outcomes: &[PointOutcome]) -> String {
    let mut out = format!(
        "{:<28} {:<8} {:>10}  {}\n",
        "point", "status", "wall [s]", "run dir"
    );
    for o in outcomes {
        let status = match o.status {
            Status::Skipped => "skipped",
            Status::Done => "ok",
            Status::Failed(_) => "FAILED",
        };
        out.push_str(&format!(
            "{:<28} {:<8} {:>10.1}  {}\n",
            o.point.id,
            status,
            o.wall_secs,
            o.dir.display()
        ));
    }
    for o in outcomes {
        if let Status::Failed(e) = &o.status {
            out.push_str(&format!("\n{} failed: {e}\n", o.point.id));
        }
    }
    out
}

/// Ok if every point has a result; else an error that lists the failed points.
pub fn require_all(outcomes: &[PointOutcome]) -> Result<Vec<(&Point, &RunResult)>> {
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| o.result.is_none())
        .map(|o| o.point.id.as_str())
        .collect();
    anyhow::ensure!(
        failed.is_empty(),
        "{} of {} points failed ({}); their run directories keep every log; run the same command again to \
         retry only them",
        failed.len(),
        outcomes.len(),
        failed.join(", ")
    );
    Ok(outcomes
        .iter()
        .filter_map(|o| Some((&o.point, o.result.as_ref()?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample_result;
    use crate::spec::{Cpu, SimSpec};
    use std::sync::atomic::AtomicUsize;

    fn point(id: &str, iterations: u64) -> Point {
        Point {
            id: id.into(),
            spec: RunSpec {
                app: "ctxswitch".into(),
                mechanism: "coro-yield".into(),
                cores: 1,
                iterations,
                seed: 1,
                params: BTreeMap::new(),
                irq_frame: crate::spec::full_irq_frame(),
                sim: SimSpec::gem5(Cpu::Minor, 1),
            },
            labels: BTreeMap::new(),
        }
    }

    /// A runner that writes result.json like a real run (and fails for ids starting "bad").
    fn runner(calls: &AtomicUsize) -> impl Fn(&Point, &Path) -> Result<RunResult> + Sync + '_ {
        move |p: &Point, dir: &Path| {
            calls.fetch_add(1, Ordering::SeqCst);
            std::fs::create_dir_all(dir)?;
            anyhow::ensure!(!p.id.starts_with("bad"), "guest panicked: boom");
            let r = sample_result(dir, p.spec.clone());
            results::write_json_atomic(&dir.join(results::RESULT_JSON), &r)?;
            Ok(r)
        }
    }

    /// Resumes against the image and simulator of [`sample_result`].
    fn decide(p: &Point, dir: &Path) -> Decision {
        let made = sample_result(dir, p.spec.clone()).provenance;
        results::resume_decision(dir, &p.spec, &made.guest.elf_sha256, &made.simulator)
    }

    #[test]
    fn resume_runs_only_missing_changed_and_failed_points() {
        let tmp = tempfile::tempdir().unwrap();
        let calls = AtomicUsize::new(0);
        let points = vec![point("a", 1), point("b", 1), point("bad", 1), point("c", 1)];
        let out = run_points(tmp.path(), &points, 2, &decide, &runner(&calls));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(
            out.iter().map(|o| o.point.id.as_str()).collect::<Vec<_>>(),
            ["a", "b", "bad", "c"]
        );
        assert!(matches!(&out[2].status, Status::Failed(e) if e.contains("boom")));
        let err = require_all(&out).unwrap_err().to_string();
        assert!(err.contains("1 of 4 points failed (bad)"), "{err}");

        // Again: a, b, c are skipped; bad runs again; a changed spec runs again.
        calls.store(0, Ordering::SeqCst);
        let mut points2 = points.clone();
        points2[1] = point("b", 2);
        let out = run_points(tmp.path(), &points2, 2, &decide, &runner(&calls));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let statuses: Vec<_> = out.iter().map(|o| o.status.clone()).collect();
        assert_eq!(statuses[0], Status::Skipped);
        assert_eq!(statuses[1], Status::Done);
        assert!(matches!(statuses[2], Status::Failed(_)));
        assert_eq!(statuses[3], Status::Skipped);
        assert!(table(&out).contains("bad failed: guest panicked: boom"));
    }

    #[test]
    fn fresh_runs_everything() {
        let tmp = tempfile::tempdir().unwrap();
        let calls = AtomicUsize::new(0);
        let points = vec![point("a", 1), point("b", 1)];
        run_points(tmp.path(), &points, 1, &decide, &runner(&calls));
        let fresh = |_: &Point, _: &Path| Decision::Run("fresh run".into());
        let out = run_points(tmp.path(), &points, 8, &fresh, &runner(&calls));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert!(out.iter().all(|o| o.status == Status::Done));
        assert_eq!(require_all(&out).unwrap().len(), 2);
    }
}
