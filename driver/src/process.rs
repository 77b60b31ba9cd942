//! Running a simulator as a child process with its output in a log file and a wall-clock limit.
//!
//! The child gets its own process group, so a hung run is ended with everything it started
//! (a wrapper script and its gem5, say) by one signal to the group. The child also dies if the
//! driver thread that started it dies (Linux `PR_SET_PDEATHSIG`), so an interrupted sweep
//! leaves no simulators behind.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a child process ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Exit status, if it exited.
    pub status: Option<i32>,
    /// Signal that ended it, if it was killed.
    pub signal: Option<i32>,
    /// It ran past the wall-clock limit and was killed by us.
    pub timed_out: bool,
    pub wall_secs: f64,
}

/// Runs `argv` in `cwd` with stdout and stderr both appended to `log` (created fresh), stdin
/// closed, and kills its process group after `timeout`.
pub fn run_logged(
    argv: &[OsString],
    cwd: &Path,
    log: &Path,
    timeout: Duration,
) -> io::Result<Outcome> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let out = File::create(log)?;
    let err = out.try_clone()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec and calls only prctl, which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            kill_group(child.id());
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall_secs = start.elapsed().as_secs_f64();
    if timed_out {
        let mut log = std::fs::OpenOptions::new().append(true).open(log)?;
        writeln!(
            log,
            "\ndriver: killed the process group after the wall-clock timeout of {} s",
            timeout.as_secs_f64()
        )?;
    }
    Ok(Outcome {
        status: status.code(),
        signal: status.signal(),
        timed_out,
        wall_secs,
    })
}

/// Sends SIGKILL to the process group led by `pid`.
fn kill_group(pid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the process group we created for the child
    // (process_group(0) makes its pgid equal to its pid); it has no memory-safety preconditions.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<OsString> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn output_and_status_are_captured() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        let o = run_logged(
            &sh("echo out; echo err >&2; exit 3"),
            dir.path(),
            &log,
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(o.status, Some(3));
        assert!(!o.timed_out);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("out") && text.contains("err"), "{text}");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        let marker = dir.path().join("grandchild-survived");
        // The grandchild would create the marker after 2 s if it survived the group kill.
        let script = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let o = run_logged(&sh(&script), dir.path(), &log, Duration::from_millis(300)).unwrap();
        assert!(o.timed_out);
        assert_eq!(o.signal, Some(libc::SIGKILL));
        assert!(o.wall_secs < 5.0, "{}", o.wall_secs);
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "a process of the group outlived the kill");
        assert!(
            std::fs::read_to_string(&log)
                .unwrap()
                .contains("wall-clock timeout")
        );
    }
}
