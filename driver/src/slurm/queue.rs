//! Talking to Slurm: `sbatch` to submit, `squeue` for the tasks' states while the job runs,
//! `sacct` for end states and exit codes where the cluster keeps accounting. The parsers are
//! pure functions of the commands' text.
//!
//! Every query names its fields (`--format`) and asks for machine-readable output
//! (`--noheader`, `|`-separated, array tasks one per line), so nothing depends on a site's
//! default formats.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where one array task is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for resources (or requeued).
    Pending,
    /// Allocated: starting, running or completing.
    Running,
    /// Ended, with Slurm's state name (`COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`, …).
    Ended(String),
}

impl TaskState {
    /// From a Slurm state name (`squeue %T`, `sacct State`).
    pub fn from_slurm(state: &str) -> TaskState {
        // sacct writes "CANCELLED by 0"; the state is the first word.
        let state = state.split_whitespace().next().unwrap_or("");
        match state {
            "PENDING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" | "RESV_DEL_HOLD" => {
                TaskState::Pending
            }
            "CONFIGURING" | "RUNNING" | "COMPLETING" | "SUSPENDED" | "STOPPED" | "RESIZING"
            | "SIGNALING" | "STAGE_OUT" | "POWER_UP_NODE" | "UPDATE_DB" => TaskState::Running,
            other => TaskState::Ended(other.to_string()),
        }
    }
}

/// The job id `sbatch --parsable` prints (`12` or `12;cluster`).
pub fn parse_job_id(stdout: &str) -> Result<String> {
    let line = stdout.lines().map(str::trim).find(|l| !l.is_empty());
    let id = line
        .and_then(|l| l.split(';').next())
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .with_context(|| format!("sbatch printed no job id: {stdout:?}"))?;
    Ok(id.to_string())
}

/// The task indices of an array job id field: `12_3`, or a range as Slurm abbreviates pending
/// tasks, `12_[0-5,7%2]` (`%2`: the concurrency limit). `None` for another job or a step
/// (`12_3.batch`).
pub fn task_indices(job: &str, field: &str) -> Option<Vec<usize>> {
    let rest = field.strip_prefix(job)?.strip_prefix('_')?;
    if let Some(list) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let list = list.split('%').next()?;
        let mut out = Vec::new();
        for part in list.split(',') {
            match part.split_once('-') {
                Some((a, b)) => out.extend(a.parse::<usize>().ok()?..=b.parse::<usize>().ok()?),
                None => out.push(part.parse().ok()?),
            }
        }
        Some(out)
    } else {
        rest.parse().ok().map(|i| vec![i])
    }
}

/// `squeue --noheader --array --states=all --format=%i|%T` for one job: task → state.
pub fn parse_squeue(job: &str, text: &str) -> BTreeMap<usize, TaskState> {
    let mut tasks = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.trim().split('|');
        let (Some(id), Some(state)) = (fields.next(), fields.next()) else {
            continue;
        };
        for i in task_indices(job, id).unwrap_or_default() {
            tasks.insert(i, TaskState::from_slurm(state));
        }
    }
    tasks
}

/// A task's end as `sacct` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounted {
    pub state: TaskState,
    /// `status:signal`, e.g. `1:0`.
    pub exit_code: String,
}

/// `sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode` for one job.
pub fn parse_sacct(job: &str, text: &str) -> BTreeMap<usize, Accounted> {
    let mut tasks = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.trim().split('|').collect();
        let [id, state, exit_code] = fields[..] else {
            continue;
        };
        for i in task_indices(job, id).unwrap_or_default() {
            tasks.insert(
                i,
                Accounted {
                    state: TaskState::from_slurm(state),
                    exit_code: exit_code.to_string(),
                },
            );
        }
    }
    tasks
}

/// Runs a Slurm command; its stdout, or an error with its stderr.
fn slurm_command(program: &str, args: &[String]) -> Result<String> {
    let out = Command::new(program).args(args).output().with_context(|| {
        format!("running {program} (is Slurm installed, and its client commands on PATH?)")
    })?;
    if !out.status.success() {
        bail!(
            "{program} {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Submits with `sbatch` (arguments from [`super::script::sbatch_args`], which ask for
/// `--parsable`); the job id.
pub fn submit(args: &[String]) -> Result<String> {
    parse_job_id(&slurm_command("sbatch", args)?)
}

/// The states of the job's tasks that Slurm still knows (it forgets ended tasks after
/// `MinJobAge`, 300 s by default; a forgotten job is an empty map, not an error).
pub fn squeue(job: &str) -> Result<BTreeMap<usize, TaskState>> {
    let args = [
        format!("--jobs={job}"),
        "--noheader".into(),
        "--array".into(),
        "--states=all".into(),
        "--format=%i|%T".into(),
    ];
    match slurm_command("squeue", &args) {
        Ok(text) => Ok(parse_squeue(job, &text)),
        Err(e) if format!("{e:#}").contains("Invalid job id") => Ok(BTreeMap::new()),
        Err(e) => Err(e),
    }
}

/// End states and exit codes from accounting; an error where the cluster keeps none
/// ("Slurm accounting storage is disabled").
pub fn sacct(job: &str) -> Result<BTreeMap<usize, Accounted>> {
    let args = [
        format!("--jobs={job}"),
        "--noheader".into(),
        "--parsable2".into(),
        "--allocations".into(),
        "--format=JobID,State,ExitCode".into(),
    ];
    Ok(parse_sacct(job, &slurm_command("sacct", &args)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_id_of_sbatch_parsable() {
        assert_eq!(parse_job_id("17\n").unwrap(), "17");
        assert_eq!(parse_job_id("4242;cluster-a\n").unwrap(), "4242");
        assert!(parse_job_id("").is_err());
        assert!(parse_job_id("Submitted batch job 17\n").is_err());
    }

    #[test]
    fn task_indices_of_single_tasks_and_ranges() {
        assert_eq!(task_indices("12", "12_3"), Some(vec![3]));
        assert_eq!(task_indices("12", "12_[0-2,5%2]"), Some(vec![0, 1, 2, 5]));
        assert_eq!(task_indices("12", "123_1"), None);
        assert_eq!(task_indices("12", "12_1.batch"), None);
        assert_eq!(task_indices("12", "12"), None);
    }

    #[test]
    fn squeue_output_of_a_running_array() {
        // What squeue printed for a 4-task array on the local test cluster, one poll apart.
        let text = "1_2|PENDING\n1_3|PENDING\n1_0|RUNNING\n1_1|RUNNING\n";
        let tasks = parse_squeue("1", text);
        assert_eq!(tasks.len(), 4);
        assert_eq!(tasks[&0], TaskState::Running);
        assert_eq!(tasks[&3], TaskState::Pending);
        let text = "1_3|COMPLETED\n1_0|COMPLETED\n1_1|COMPLETED\n1_2|FAILED\n9_0|RUNNING\n";
        let tasks = parse_squeue("1", text);
        assert_eq!(tasks[&2], TaskState::Ended("FAILED".into()));
        assert_eq!(tasks[&1], TaskState::Ended("COMPLETED".into()));
        assert_eq!(tasks.len(), 4, "another job's task is not this job's");
        let tasks = parse_squeue("1", "1_[4-5]|PENDING\n");
        assert_eq!(tasks.keys().copied().collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn sacct_output_with_steps_and_cancellations() {
        let text =
            "7_0|COMPLETED|0:0\n7_1|FAILED|1:0\n7_2|CANCELLED by 0|0:15\n7_[3-4]|PENDING|0:0\n";
        let tasks = parse_sacct("7", text);
        assert_eq!(tasks[&1].state, TaskState::Ended("FAILED".into()));
        assert_eq!(tasks[&1].exit_code, "1:0");
        assert_eq!(tasks[&2].state, TaskState::Ended("CANCELLED".into()));
        assert_eq!(tasks[&4].state, TaskState::Pending);
        assert!(parse_sacct("7", "7_0.batch|COMPLETED|0:0\n").is_empty());
    }
}
