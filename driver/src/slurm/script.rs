//! What is submitted: the job array's script and the `sbatch` command line. Pure text, so
//! that it can be checked without a cluster.
//!
//! One array task is one sweep point. The script holds the points' run directories in a bash
//! array indexed by `SLURM_ARRAY_TASK_ID` and runs `driver run-point <run dir>`, which reads
//! `point.json` there ([`crate::point_job`]). The simulator's binary is exported under the
//! variable a local run reads (`GEM5` or `QEMU`), so the node runs the submitting host's
//! binary (through the shared filesystem) rather than whatever its `PATH` holds.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};

/// Everything the script says.
#[derive(Clone, Debug, PartialEq)]
pub struct JobScript {
    /// The sweep, for the comment at the top.
    pub sweep: String,
    /// The driver binary the tasks run (a snapshot of the submitting one).
    pub driver: PathBuf,
    /// `(variable, binary)`: how `run-point` finds the submitting host's simulator.
    pub simulator_env: (String, PathBuf),
    /// `(point id, run dir)` in task order.
    pub points: Vec<(String, PathBuf)>,
}

impl JobScript {
    /// The script's text; fails for a path that a bash word cannot hold (a newline).
    pub fn text(&self) -> Result<String> {
        let (var, binary) = &self.simulator_env;
        let mut out = String::from("#!/bin/bash\n");
        out.push_str(&format!(
            "# Job array of sweep {}: task i runs point i below into its run directory,\n\
             # as `driver run-point` (the same code a local sweep runs per point).\n",
            self.sweep
        ));
        out.push_str("set -euo pipefail\n");
        out.push_str(&format!("export {var}={}\n", quote(binary)?));
        out.push_str("run_dirs=(\n");
        for (i, (id, dir)) in self.points.iter().enumerate() {
            out.push_str(&format!("    {}  # {i}: {id}\n", quote(dir)?));
        }
        out.push_str(")\n");
        out.push_str(&format!(
            "exec {} run-point \"${{run_dirs[$SLURM_ARRAY_TASK_ID]}}\"\n",
            quote(&self.driver)?
        ));
        Ok(out)
    }
}

/// A path as one single-quoted bash word.
fn quote(path: &Path) -> Result<String> {
    let s = path.to_string_lossy();
    if s.contains('\n') {
        bail!("the path {s:?} has a newline; a job script cannot name it");
    }
    Ok(format!("'{}'", s.replace('\'', r"'\''")))
}

/// What the user asked of `sbatch`, from a config file and options; later arguments win
/// (`sbatch` takes the last of a repeated option).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SbatchRequest {
    /// Lines of the `--slurm-config` file.
    pub config: Vec<String>,
    pub partition: Option<String>,
    pub time: Option<String>,
    /// `--slurm-arg`, in order.
    pub extra: Vec<String>,
    /// At most this many tasks at once (`--jobs`; Slurm's `--array=…%N`).
    pub max_running: Option<usize>,
}

/// The `sbatch` arguments for a job array of `tasks` tasks. Order: defaults (a time limit from
/// the per-run timeout, one CPU per task, the job name), then the config file, the options,
/// the extra arguments, and last what the driver relies on (the array, where output goes,
/// `--parsable`), so that nothing overrides those.
pub fn sbatch_args(
    req: &SbatchRequest,
    job_name: &str,
    run_timeout: Duration,
    tasks: usize,
    submission_dir: &Path,
    script: &Path,
) -> Vec<String> {
    let mut args = vec![
        format!("--job-name={job_name}"),
        format!("--time={}", default_time(run_timeout)),
        "--cpus-per-task=1".to_string(),
    ];
    args.extend(req.config.iter().cloned());
    if let Some(p) = &req.partition {
        args.push(format!("--partition={p}"));
    }
    if let Some(t) = &req.time {
        args.push(format!("--time={t}"));
    }
    args.extend(req.extra.iter().cloned());
    let limit = req
        .max_running
        .map_or(String::new(), |n| format!("%{}", n.max(1)));
    args.push(format!("--array=0-{}{limit}", tasks.saturating_sub(1)));
    args.push(format!("--chdir={}", submission_dir.display()));
    args.push(format!(
        "--output={}",
        submission_dir.join(TASK_OUTPUT_PATTERN).display()
    ));
    args.push("--parsable".into());
    args.push(script.display().to_string());
    args
}

/// Where each task's stdout and stderr go, in the submission directory (`%a`: task index).
pub const TASK_OUTPUT_PATTERN: &str = "task-%a.out";

/// The output file of task `index` (see [`TASK_OUTPUT_PATTERN`]).
pub fn task_output(submission_dir: &Path, index: usize) -> PathBuf {
    submission_dir.join(format!("task-{index}.out"))
}

/// Time the driver needs around the simulator in one task (copy, patch, parse).
const TASK_MARGIN: Duration = Duration::from_secs(600);

/// The default time limit of a task: the per-run timeout (after which the driver kills the
/// simulator itself) plus a margin, in Slurm's `days-hours:minutes:seconds`, rounded up to
/// whole minutes.
pub fn default_time(run_timeout: Duration) -> String {
    let minutes = (run_timeout + TASK_MARGIN).as_secs().div_ceil(60);
    let (days, rest) = (minutes / (24 * 60), minutes % (24 * 60));
    format!("{days}-{:02}:{:02}:00", rest / 60, rest % 60)
}

/// The `--slurm-config` file: one `sbatch` option per line (`--account=x`, `--mem=4G`); blank
/// lines and `#` comments are skipped.
pub fn parse_config(text: &str) -> Result<Vec<String>> {
    let mut args = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with('-') {
            bail!(
                "line {}: {line:?} is not an sbatch option (one option per line, e.g. \
                 --partition=compute)",
                n + 1
            );
        }
        args.push(line.to_string());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_runs_the_task_s_point_with_the_submitting_host_s_simulator() {
        let script = JobScript {
            sweep: "context-switch".into(),
            driver: "/shared/runs/cs/slurm/17/driver".into(),
            simulator_env: ("GEM5".into(), "/opt/gem5/build/ARM/gem5.fast".into()),
            points: vec![
                (
                    "minor-coro-yield".into(),
                    "/shared/runs/cs/minor-coro-yield".into(),
                ),
                ("it's".into(), "/shared/runs/cs/it's".into()),
            ],
        };
        assert_eq!(
            script.text().unwrap(),
            r#"#!/bin/bash
# Job array of sweep context-switch: task i runs point i below into its run directory,
# as `driver run-point` (the same code a local sweep runs per point).
set -euo pipefail
export GEM5='/opt/gem5/build/ARM/gem5.fast'
run_dirs=(
    '/shared/runs/cs/minor-coro-yield'  # 0: minor-coro-yield
    '/shared/runs/cs/it'\''s'  # 1: it's
)
exec '/shared/runs/cs/slurm/17/driver' run-point "${run_dirs[$SLURM_ARRAY_TASK_ID]}"
"#
        );
        let bad = JobScript {
            points: vec![("x".into(), "/a\nb".into())],
            ..script
        };
        assert!(bad.text().unwrap_err().to_string().contains("newline"));
    }

    #[test]
    fn sbatch_arguments_put_the_driver_s_own_last() {
        let sub = Path::new("/r/slurm/5");
        let req = SbatchRequest {
            config: vec!["--account=proj".into(), "--partition=big".into()],
            partition: Some("debug".into()),
            time: None,
            extra: vec!["--mem=4G".into()],
            max_running: None,
        };
        let args = sbatch_args(
            &req,
            "coro-wake",
            Duration::from_secs(7200),
            6,
            sub,
            &sub.join("job.sh"),
        );
        assert_eq!(
            args,
            [
                "--job-name=coro-wake",
                "--time=0-02:10:00",
                "--cpus-per-task=1",
                "--account=proj",
                "--partition=big",
                "--partition=debug",
                "--mem=4G",
                "--array=0-5",
                "--chdir=/r/slurm/5",
                "--output=/r/slurm/5/task-%a.out",
                "--parsable",
                "/r/slurm/5/job.sh",
            ]
        );
        let timed = SbatchRequest {
            time: Some("30".into()),
            max_running: Some(2),
            ..SbatchRequest::default()
        };
        let args = sbatch_args(&timed, "j", Duration::from_secs(60), 1, sub, Path::new("s"));
        assert_eq!(args[1], "--time=0-00:11:00");
        assert!(args.contains(&"--time=30".to_string()));
        assert!(args.contains(&"--array=0-0%2".to_string()));
        assert_eq!(task_output(sub, 3), Path::new("/r/slurm/5/task-3.out"));
    }

    #[test]
    fn default_time_rounds_up_to_minutes_and_counts_days() {
        assert_eq!(default_time(Duration::from_secs(1)), "0-00:11:00");
        assert_eq!(default_time(Duration::from_secs(3000)), "0-01:00:00");
        assert_eq!(default_time(Duration::from_secs(2 * 86_400)), "2-00:10:00");
    }

    #[test]
    fn config_file_is_one_option_per_line() {
        let text = "# cluster defaults\n--partition=compute\n\n  --account=p42  \n";
        assert_eq!(
            parse_config(text).unwrap(),
            ["--partition=compute", "--account=p42"]
        );
        let e = parse_config("--mem=4G\npartition=x\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2: \"partition=x\" is not an sbatch option"),
            "{e}"
        );
    }
}
