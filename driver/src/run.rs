//! One run, start to finish, in its own directory (ARCHITECTURE.md, contract 5):
//! patch a copy of the image, record how the run is made (`run.json`), run the simulator under
//! a wall-clock limit with its output in a log, read the console and the stats, and write
//! `result.json` last and atomically.
//!
//! A failed run keeps everything it wrote (image, `run.json`, log, console, stats) and fails
//! with a [`RunError`] that says what happened in the guest's terms (panicked, hung, never
//! finished) and names the run directory and the log.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::console::Console;
use crate::elf_patch;
use crate::guest_image;
use crate::process;
use crate::results::{
    self, ExitInfo, GuestInfo, Provenance, RESULT_JSON, RUN_JSON, RunManifest, RunResult,
};
use crate::sim::{ExitClass, tail};
use crate::spec::RunSpec;

pub use crate::run_error::{RunError, RunFailure};
pub use crate::sim::gem5::{CYCLES, INSTS, SELECTED_STATS};
pub use crate::sim::{HangCause, Simulator};

/// The patched image in the run directory.
pub const GUEST_ELF: &str = "guest.elf";
/// Files the driver writes into a run directory; with the simulator's own
/// ([`crate::sim::Backend::outputs`]) and its log, removed before a run starts so that nothing
/// stale is read afterwards.
const DRIVER_OUTPUTS: &[&str] = &[RESULT_JSON, RUN_JSON, GUEST_ELF];

/// One run to make.
#[derive(Clone, Debug)]
pub struct RunRequest<'a> {
    pub spec: &'a RunSpec,
    /// The guest image before patching.
    pub image: &'a Path,
    pub dir: &'a Path,
    pub simulator: &'a Simulator,
    pub timeout: Duration,
    /// Workspace root, for the guest's source version.
    pub root: &'a Path,
}

/// The image's identity, computed once per sweep rather than once per point.
#[derive(Clone, Debug)]
pub struct ImageId {
    pub sha256: String,
    pub git_describe: String,
}

impl ImageId {
    pub fn of(root: &Path, image: &Path) -> Result<ImageId> {
        let sha256 = guest_image::sha256_file(image)?;
        let git_describe = guest_image::describe_image(root, image, &sha256);
        Ok(ImageId {
            sha256,
            git_describe,
        })
    }
}

/// Makes the run; the error is a [`RunError`] for a run that went wrong in the simulator, or an
/// I/O or setup error with the run directory in its context.
pub fn execute(req: &RunRequest<'_>) -> Result<RunResult> {
    let id = ImageId::of(req.root, req.image)?;
    execute_with(req, &id)
}

/// [`execute`] with the image identity already known.
pub fn execute_with(req: &RunRequest<'_>, id: &ImageId) -> Result<RunResult> {
    // Everything that can be refused without the simulator is refused before the run
    // directory exists: a run that cannot be made leaves nothing behind.
    req.spec.check_runnable(req.simulator.max_cores())?;
    let image = patched_image(req)?;
    // A RunError names the directory and log itself; anything else (I/O) gets the directory
    // here, and the log only once it exists.
    make_run(req, id, &image).map_err(|e| {
        if e.is::<RunError>() {
            return e;
        }
        let log = req.dir.join(req.simulator.log_name());
        let place = if log.exists() {
            format!("run dir: {}, log: {}", req.dir.display(), log.display())
        } else {
            format!("run dir: {}", req.dir.display())
        };
        e.context(place)
    })
}

/// The image with the run's `RUN_CONFIG`, checked to read back.
fn patched_image(req: &RunRequest<'_>) -> Result<Vec<u8>> {
    let mut bytes = fs::read(req.image)
        .with_context(|| format!("reading guest image {}", req.image.display()))?;
    let config = req.spec.run_config()?;
    let loc = elf_patch::patch(&mut bytes, &config)
        .with_context(|| format!("patching {} in {}", runconfig::SYMBOL, req.image.display()))?;
    anyhow::ensure!(
        elf_patch::read_block(&bytes, &loc)? == config,
        "patched block does not read back"
    );
    Ok(bytes)
}

fn make_run(req: &RunRequest<'_>, id: &ImageId, image: &[u8]) -> Result<RunResult> {
    let sim = req.simulator;
    fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
    let dir = req
        .dir
        .canonicalize()
        .with_context(|| format!("resolving {}", req.dir.display()))?;
    let log_name = [sim.log_name()];
    for name in DRIVER_OUTPUTS.iter().chain(sim.outputs()).chain(&log_name) {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e)
                    .with_context(|| format!("removing the old {}", dir.join(name).display()));
            }
            _ => {}
        }
    }
    let elf = dir.join(GUEST_ELF);
    fs::write(&elf, image).with_context(|| format!("writing {}", elf.display()))?;

    let argv = sim.argv(req.spec, &dir, &elf)?;
    let command: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let provenance = Provenance {
        command_line: shell_line(&command),
        command,
        driver_command: std::env::args().collect(),
        simulator: sim.info(),
        guest: GuestInfo {
            source_elf: req
                .image
                .canonicalize()
                .unwrap_or_else(|_| req.image.to_path_buf()),
            elf_sha256: id.sha256.clone(),
            patched_sha256: guest_image::sha256_hex(image),
            git_describe: id.git_describe.clone(),
            dirty: id.git_describe.ends_with("-dirty"),
        },
        backend: backend_name(),
        host: host_name(),
    };
    let manifest = RunManifest {
        schema: results::SCHEMA,
        spec: req.spec.clone(),
        provenance: provenance.clone(),
        timeout_secs: req.timeout.as_secs_f64(),
        started_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    results::write_json_atomic(&dir.join(RUN_JSON), &manifest)?;

    let log = dir.join(sim.log_name());
    let outcome = process::run_logged(&argv, &dir, &log, req.timeout).with_context(|| {
        format!(
            "starting {} (log {})",
            provenance.command_line,
            log.display()
        )
    })?;
    let log_text = String::from_utf8_lossy(&fs::read(&log).unwrap_or_default()).into_owned();
    let console_path = sim.console_path(&dir, &log);
    let console = Console::read(&console_path)
        .with_context(|| format!("reading {}", console_path.display()))?;
    let exit = ExitInfo {
        status: outcome.status,
        signal: outcome.signal,
        gem5: sim.exit_line(&log_text),
        wall_secs: outcome.wall_secs,
    };
    let at = |failure: RunFailure| RunError {
        failure,
        dir: dir.clone(),
        log: log.clone(),
    };
    classify(req, &log_text, &console, &exit, outcome.timed_out).map_err(at)?;
    sim.check_output(req.spec, &log_text)
        .map_err(|detail| at(RunFailure::BadOutput { detail }))?;
    let stats = sim
        .stats(&dir)
        .map_err(|detail| at(RunFailure::BadOutput { detail }))?;
    let result = RunResult {
        schema: results::SCHEMA,
        run_dir: dir.clone(),
        spec: req.spec.clone(),
        provenance,
        exit,
        app_started: console.app_started,
        console_lines: console.lines,
        results: console.results,
        stats,
        // Parsed once here, so that gathering an experiment needs no run directory.
        device_samples: crate::coro_sched::recorded::RecordedSamples::of_run(&dir).map_err(
            |e| {
                at(RunFailure::BadOutput {
                    detail: e.to_string(),
                })
            },
        )?,
        requests: match req.spec.sim.loadgen() {
            Some(_) => Some(crate::loadgen::request_summary(&dir).map_err(|e| {
                at(RunFailure::BadOutput {
                    detail: format!("{e:#}"),
                })
            })?),
            None => None,
        },
    };
    results::write_json_atomic(&dir.join(RESULT_JSON), &result)?;
    Ok(result)
}

/// Turns how the simulator ended and what the guest printed into success or a failure: the
/// guest's own word first (`@panic`), then the wall clock, then what the backend reads from
/// the exit, then the console's completeness.
fn classify(
    req: &RunRequest<'_>,
    log_text: &str,
    console: &Console,
    exit: &ExitInfo,
    timed_out: bool,
) -> Result<(), RunFailure> {
    if let Some(message) = &console.panic {
        return Err(RunFailure::GuestPanic {
            message: message.clone(),
        });
    }
    if timed_out {
        return Err(RunFailure::Hung {
            cause: HangCause::WallTimeout {
                secs: req.timeout.as_secs_f64(),
            },
        });
    }
    match req.simulator.classify_exit(req.spec, exit) {
        ExitClass::Finished => {}
        ExitClass::Hung(cause) => return Err(RunFailure::Hung { cause }),
        ExitClass::GuestFailed(message) => return Err(RunFailure::GuestPanic { message }),
        ExitClass::SimulatorFailed(mut detail) => {
            let tail = tail(log_text, 12);
            if !tail.is_empty() {
                detail.push_str(if detail.is_empty() {
                    "last lines of the log:\n"
                } else {
                    "; last lines of the log:\n"
                });
                detail.push_str(&tail);
            }
            return Err(RunFailure::SimulatorFailed {
                sim: req.simulator.sim(),
                status: exit.status,
                signal: exit.signal,
                detail,
            });
        }
    }
    if let Some((line, err)) = console.malformed.first() {
        let detail = format!("@result on console line {line} is not one JSON object: {err}");
        return Err(RunFailure::BadOutput { detail });
    }
    if !console.done {
        return Err(RunFailure::MissingDone {
            app_started: console.app_started,
        });
    }
    Ok(())
}

/// Quotes arguments for a POSIX shell, only where needed.
pub fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `local`, or the Slurm job and array task this run is part of (Slurm sets these variables in
/// every task).
fn backend_name() -> String {
    match std::env::var("SLURM_JOB_ID") {
        Ok(job) => {
            let task = std::env::var("SLURM_ARRAY_TASK_ID").unwrap_or_else(|_| "-".into());
            format!("slurm job {job} task {task}")
        }
        Err(_) => "local".into(),
    }
}

/// This machine's host name (`/proc/sys/kernel/hostname`, else `HOSTNAME`).
fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        let args = ["gem5", "-d", "/a b/c", "it's", ""].map(String::from);
        assert_eq!(shell_line(&args), r#"gem5 -d '/a b/c' 'it'\''s' ''"#);
    }
}
