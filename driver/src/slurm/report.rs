//! What a failed task says: Slurm's end state, what the point's driver reported (from the
//! task's output file) and where to look. Pure text.

use std::path::Path;

/// Lines of a task's output kept when it has no `error:` report (e.g. Slurm killed it).
const TAIL_LINES: usize = 6;

/// The part of a task's output that explains a failure: the driver's `error: …` report to the
/// end (the driver prints its whole error chain there), else the last lines.
pub fn excerpt(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.starts_with("error: "))
        .unwrap_or(lines.len().saturating_sub(TAIL_LINES));
    lines[from..].join("\n").trim().to_string()
}

/// A failed point's message. `slurm_end`: the task's Slurm state and exit code as far as
/// known; `output`: the task's output file and its text, if it could be read.
pub fn failure(
    task: &str,
    slurm_end: &str,
    why_no_result: &str,
    output_file: &Path,
    output: Option<&str>,
    run_dir: &Path,
) -> String {
    let said = match output.map(excerpt) {
        Some(text) if !text.is_empty() => text,
        Some(_) => "(its output is empty)".to_string(),
        None => "(its output file is missing: the task never started)".to_string(),
    };
    let mut message = format!(
        "Slurm task {task} ended {slurm_end} without a result ({why_no_result}); it said:\n{}\n  \
         task output: {}",
        indent(&said),
        output_file.display()
    );
    // The driver's own report names the run directory; a task that died before it did not.
    let run_dir = run_dir.display().to_string();
    if !said.contains(&run_dir) {
        message.push_str(&format!("\n  run dir: {run_dir}"));
    }
    message
}

/// Every line of `text`, indented as [`crate::sim::tail`] indents.
fn indent(text: &str) -> String {
    crate::sim::tail(text, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_s_error_report_is_kept_whole() {
        let out = "run selftest into /r/a\nerror: qemu failed with exit status 7\n  run dir: /r/a\n  log: /r/a/qemu.log\n";
        assert_eq!(
            excerpt(out),
            "error: qemu failed with exit status 7\n  run dir: /r/a\n  log: /r/a/qemu.log"
        );
        let killed = "a\nb\nc\nd\ne\nf\ng\nslurmstepd: error: *** JOB 12 ON vm CANCELLED DUE TO TIME LIMIT ***\n";
        assert_eq!(
            excerpt(killed),
            "c\nd\ne\nf\ng\nslurmstepd: error: *** JOB 12 ON vm CANCELLED DUE TO TIME LIMIT ***"
        );
    }

    #[test]
    fn failure_names_state_output_and_run_dir() {
        let m = failure(
            "12_1",
            "FAILED (exit code 1:0)",
            "no result.json yet",
            Path::new("/s/task-1.out"),
            Some("error: guest panicked: boom\n  run dir: /r/b\n  log: /r/b/qemu.log\n"),
            Path::new("/r/b"),
        );
        assert_eq!(
            m,
            "Slurm task 12_1 ended FAILED (exit code 1:0) without a result (no result.json yet); \
             it said:\n    error: guest panicked: boom\n      run dir: /r/b\n      log: \
             /r/b/qemu.log\n  task output: /s/task-1.out"
        );
        let m = failure(
            "12_0",
            "PENDING",
            "x",
            Path::new("/o"),
            None,
            Path::new("/r"),
        );
        assert!(m.contains("the task never started"), "{m}");
        assert!(m.ends_with("\n  run dir: /r"), "{m}");
    }
}
