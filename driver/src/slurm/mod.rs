//! The Slurm backend of a sweep: the points that must run are submitted as one job array
//! (one task per point), the driver follows the job in the queue, and then takes each point's
//! result from its run directory exactly as a local sweep does.
//!
//! - **Same runs, same directories.** Each task runs `driver run-point <run dir>`
//!   ([`crate::point_job`]), which calls [`sweep::run_point`], the function a local worker
//!   calls, into the directory a local sweep would use.
//! - **Same resume rule.** Before submitting, every point is decided by [`sweep::decide`]; only
//!   those without a result of the same run are submitted. Afterwards a point is done if its
//!   directory holds a `result.json` of the same run; otherwise it failed, and its message has
//!   Slurm's end state, what the task printed and where its logs are. Running the sweep again
//!   submits only the failed points. A task runs on a node whose simulator must simulate as the
//!   submitting host's (the same identity: version and device-sources hash).
//! - **Same store.** A full-profile sweep's points are restored from and stored into
//!   [`crate::point_store`] as a local sweep's are: restored by [`sweep::decide`], stored by
//!   this host as each task ends with a result.
//! - **Requirements.** The nodes must see this machine's paths: the sweep's run directories,
//!   the workspace root (the gem5 config), and the simulator binary, through a shared
//!   filesystem. The driver and guest image are copied into the submission directory, so they
//!   need no more than that.
//!
//! A sweep interrupted while it waits leaves its job queued; running it again waits for that
//! job ([`submission::ActiveJob`]) before deciding what is left, so no point runs twice at once.

pub mod options;
pub mod progress;
pub mod queue;
pub mod report;
pub mod script;
pub mod submission;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::point_job::PointJob;
use crate::results::{self, Decision};
use crate::spec::Sim;
use crate::sweep::{self, Point, PointOutcome, Status, SweepConfig};
use progress::Tracker;
use queue::{Accounted, TaskState};
use script::{JobScript, SbatchRequest};
use submission::{ActiveJob, Submission};

/// How to submit to Slurm.
#[derive(Clone, Debug, PartialEq)]
pub struct SlurmConfig {
    pub sbatch: SbatchRequest,
    /// Time between two `squeue` calls.
    pub poll: Duration,
    /// The driver binary the tasks run [default: the running one].
    pub driver: Option<PathBuf>,
}

/// `squeue` failures in a row after which the driver stops waiting (the job runs on).
const MAX_QUEUE_ERRORS: usize = 30;
/// A progress line at least this often while nothing changes.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// Runs the points of a sweep as a Slurm job array; outcomes come back in point order, as
/// from [`sweep::run_sweep`].
pub fn run_sweep(
    cfg: &SweepConfig<'_>,
    points: &[Point],
    slurm: &SlurmConfig,
) -> Result<Vec<PointOutcome>> {
    fs::create_dir_all(&cfg.dir).with_context(|| format!("creating {}", cfg.dir.display()))?;
    // Absolute paths: the tasks start in another directory, maybe on another machine.
    let sweep_dir = cfg
        .dir
        .canonicalize()
        .with_context(|| format!("resolving {}", cfg.dir.display()))?;
    if let Some(p) = points.iter().find(|p| p.id == submission::DIR) {
        bail!(
            "point id '{}' is the name of the Slurm backend's own directory in the sweep",
            p.id
        );
    }
    finish_earlier_job(&sweep_dir, slurm.poll)?;

    let (mut outcomes, todo) =
        sweep::partition(&sweep_dir, points, &|p, dir| sweep::decide(cfg, p, dir));
    if !todo.is_empty() {
        let ended = submit_and_wait(cfg, points, &todo, &sweep_dir, slurm)?;
        for ((i, ..), outcome) in todo.iter().zip(ended) {
            outcomes[*i] = Some(outcome);
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.expect("every point was decided"))
        .collect())
}

/// Prepares, submits and follows the job for the points `todo` (index, run dir, why);
/// the outcome of each, in `todo`'s order.
fn submit_and_wait(
    cfg: &SweepConfig<'_>,
    points: &[Point],
    todo: &[(usize, PathBuf, String)],
    sweep_dir: &Path,
    slurm: &SlurmConfig,
) -> Result<Vec<PointOutcome>> {
    let sim = cfg.simulator.info();
    let simulator_env = match cfg.simulator.sim() {
        Sim::Gem5 => crate::gem5::ENV,
        Sim::Qemu => crate::sim::qemu::ENV,
    };
    if !sim.binary.is_absolute() {
        bail!(
            "the simulator {} is a relative path; give {simulator_env} as an absolute path on \
             the shared filesystem for --backend slurm",
            sim.binary.display()
        );
    }
    let driver = match &slurm.driver {
        Some(d) => d.clone(),
        None => std::env::current_exe().context("finding the driver's own binary")?,
    };
    let sub = Submission::prepare(sweep_dir, &driver, cfg.image)?;
    let mut script_points = Vec::new();
    for (i, dir, reason) in todo {
        let p = &points[*i];
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        remove_if_present(&dir.join(results::RESULT_JSON))?;
        PointJob::new(cfg, &p.id, &p.spec, &sub.image).write(dir)?;
        println!("[submit] {:<26} {} ({reason})", p.id, p.spec.label());
        script_points.push((p.id.clone(), dir.clone()));
    }
    let sweep_name = sweep_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let script = JobScript {
        sweep: sweep_name.clone(),
        driver: sub.driver.clone(),
        simulator_env: (simulator_env.into(), sim.binary.clone()),
        points: script_points,
    };
    results::write_atomic(&sub.script, script.text()?.as_bytes())?;
    let args = script::sbatch_args(
        &slurm.sbatch,
        &format!("coro-{sweep_name}"),
        cfg.timeout,
        todo.len(),
        &sub.dir,
        &sub.script,
    );
    let command_line = format!("sbatch {}", crate::run::shell_line(&args));
    results::write_atomic(
        &sub.dir.join("sbatch.txt"),
        format!("{command_line}\n").as_bytes(),
    )?;
    let job_id = queue::submit(&args).with_context(|| format!("submitting: {command_line}"))?;
    let ids: Vec<String> = todo.iter().map(|(i, ..)| points[*i].id.clone()).collect();
    ActiveJob {
        job_id: job_id.clone(),
        submission_dir: sub.dir.clone(),
        points: ids.clone(),
    }
    .write(sweep_dir)?;
    println!(
        "submitted {} point(s) as Slurm job array {job_id}: {command_line}\n  task output: {}",
        todo.len(),
        sub.dir.join(script::TASK_OUTPUT_PATTERN).display()
    );

    let total = todo.len();
    let mut finished = 0;
    // Why storing a finished point failed, by task (the point then counts as failed).
    let mut store_errors: Vec<Option<String>> = vec![None; total];
    let tracker = wait(&job_id, total, slurm.poll, &mut |k, task| {
        finished += 1;
        let (i, dir, _) = &todo[k];
        let id = &points[*i].id;
        // The run's own wall time when it has a result; else what polling saw.
        let (done, wall) =
            match results::resume_decision(dir, &points[*i].spec, &cfg.image_id.sha256, &sim) {
                Decision::Skip(r) => {
                    // Stored as it ends, as a local worker stores it.
                    if let Some(store) = cfg.store
                        && let Err(e) = store.save(&points[*i], dir, &r)
                    {
                        store_errors[k] = Some(format!(
                            "the run finished, but storing its copy failed: {e:#}"
                        ));
                    }
                    (store_errors[k].is_none(), r.exit.wall_secs)
                }
                Decision::Run(_) => (false, task.wall().as_secs_f64()),
            };
        if done {
            println!(
                "[{finished}/{total}] {id:<25} ok     {wall:>8.1} s  {}",
                dir.display()
            );
        } else {
            let state = match &task.state {
                TaskState::Ended(s) => s.as_str(),
                _ => "?",
            };
            println!(
                "[{finished}/{total}] {id:<25} FAILED {wall:>8.1} s  Slurm state {state}, output {}",
                script::task_output(&sub.dir, k).display()
            );
        }
    })?;
    // Exit codes, where the cluster keeps accounting (a missing one only loses detail).
    let accounted = queue::sacct(&job_id).unwrap_or_default();
    ActiveJob::clear(sweep_dir)?;

    let mut outcomes = Vec::new();
    for (k, (i, dir, _)) in todo.iter().enumerate() {
        let p = &points[*i];
        let task = tracker.task(k);
        let (status, result) =
            match results::resume_decision(dir, &p.spec, &cfg.image_id.sha256, &sim) {
                Decision::Skip(_) if store_errors[k].is_some() => (
                    Status::Failed(store_errors[k].clone().unwrap_or_default()),
                    None,
                ),
                Decision::Skip(r) => (Status::Done, Some(*r)),
                Decision::Run(why) => {
                    let output_file = script::task_output(&sub.dir, k);
                    let output = fs::read_to_string(&output_file).ok();
                    let message = report::failure(
                        &format!("{job_id}_{k}"),
                        &slurm_end(&task.state, accounted.get(&k)),
                        &why,
                        &output_file,
                        output.as_deref(),
                        dir,
                    );
                    (Status::Failed(message), None)
                }
            };
        let wall_secs = result
            .as_ref()
            .map_or(task.wall().as_secs_f64(), |r| r.exit.wall_secs);
        outcomes.push(PointOutcome {
            point: p.clone(),
            dir: dir.clone(),
            status,
            result,
            wall_secs,
        });
    }
    Ok(outcomes)
}

/// A task's end for messages: the state seen in the queue, or the one accounting recorded
/// when the queue had forgotten it, with the exit code when known.
fn slurm_end(seen: &TaskState, accounted: Option<&Accounted>) -> String {
    let state = match (seen, accounted) {
        (TaskState::Ended(s), _) if s != progress::LEFT_QUEUE => s.clone(),
        (
            _,
            Some(Accounted {
                state: TaskState::Ended(s),
                ..
            }),
        ) => s.clone(),
        (TaskState::Ended(s), None) => s.clone(),
        (other, _) => format!("{other:?}"),
    };
    match accounted {
        Some(a) => format!("{state} (exit code {})", a.exit_code),
        None => state,
    }
}

/// Waits for the tasks `0..n` of `job` to end, calling `on_end` once for each as it ends and
/// printing a progress line when the counts change (or every [`HEARTBEAT`]).
fn wait(
    job: &str,
    n: usize,
    poll: Duration,
    on_end: &mut dyn FnMut(usize, &progress::Task),
) -> Result<Tracker> {
    let start = Instant::now();
    let mut tracker = Tracker::new(n);
    let mut errors = 0;
    let mut last: Option<(progress::Counts, Instant)> = None;
    loop {
        match queue::squeue(job) {
            Ok(seen) => {
                errors = 0;
                for k in tracker.update(&seen, Instant::now()) {
                    on_end(k, tracker.task(k));
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("warning: asking Slurm about job {job}: {e:#}");
                if errors >= MAX_QUEUE_ERRORS {
                    bail!(
                        "squeue failed {errors} times in a row; job {job} may still be running: \
                         run the same command again to wait for it"
                    );
                }
            }
        }
        let counts = tracker.counts();
        if last.is_none_or(|(c, at)| c != counts || at.elapsed() >= HEARTBEAT) {
            println!("{}", progress::line(job, counts, start.elapsed()));
            last = Some((counts, Instant::now()));
        }
        if tracker.all_ended() {
            return Ok(tracker);
        }
        std::thread::sleep(poll);
    }
}

/// If an earlier run of this sweep left a job in the queue, waits for it to end (its results
/// then count like any other), so its points are not submitted a second time while it runs.
fn finish_earlier_job(sweep_dir: &Path, poll: Duration) -> Result<()> {
    let Some(job) = ActiveJob::read(sweep_dir)? else {
        return Ok(());
    };
    let queued = queue::squeue(&job.job_id)?;
    if queued.values().any(|s| !matches!(s, TaskState::Ended(_))) {
        println!(
            "job {} of an earlier run of this sweep is still queued ({} point(s); output in {}): \
             waiting for it before deciding what is left (scancel {} to drop it)",
            job.job_id,
            job.points.len(),
            job.submission_dir.display(),
            job.job_id
        );
        wait(&job.job_id, job.points.len(), poll, &mut |k, t| {
            let state = match &t.state {
                TaskState::Ended(s) => s.as_str(),
                _ => "?",
            };
            println!("  earlier task {k} ({}) ended {state}", job.points[k]);
        })?;
    }
    ActiveJob::clear(sweep_dir)
}

pub(crate) fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_state_prefers_what_was_seen_then_accounting() {
        let failed = TaskState::Ended("FAILED".into());
        let acc = |s: &str, code: &str| Accounted {
            state: TaskState::from_slurm(s),
            exit_code: code.into(),
        };
        assert_eq!(slurm_end(&failed, None), "FAILED");
        assert_eq!(
            slurm_end(&failed, Some(&acc("FAILED", "1:0"))),
            "FAILED (exit code 1:0)"
        );
        let left = TaskState::Ended(progress::LEFT_QUEUE.into());
        assert_eq!(slurm_end(&left, None), "left the queue");
        assert_eq!(
            slurm_end(&left, Some(&acc("TIMEOUT", "0:15"))),
            "TIMEOUT (exit code 0:15)"
        );
    }

    // The path from submission to outcomes is tested against a real Slurm in
    // tests/slurm_local.rs (scripts/slurm-local-cluster.sh starts one).
}
