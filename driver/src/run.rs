//! One run, start to finish, in its own directory (ARCHITECTURE.md, contract 5):
//! patch a copy of the image, record how the run is made (`run.json`), run the simulator under
//! a wall-clock limit with its output in a log, read the console and the stats, and write
//! `result.json` last and atomically.
//!
//! A failed run keeps everything it wrote (image, `run.json`, log, console, stats) and fails
//! with a [`RunError`] that says what happened in the guest's terms (panicked, hung, never
//! finished) and names the run directory and the log.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::console::Console;
use crate::coro_sched;
use crate::elf_patch;
use crate::gem5::{self, Gem5};
use crate::guest_image;
use crate::process;
use crate::qemu;
use crate::results::{
    self, DumpStats, ExitInfo, GuestInfo, Provenance, RESULT_JSON, RUN_JSON, RunManifest,
    RunResult, SimulatorInfo, Window, json_number,
};
use crate::spec::{RunSpec, Sim, SimSpec};
use crate::stats::StatsFile;

/// The patched image in the run directory.
pub const GUEST_ELF: &str = "guest.elf";
/// Per-CPU cycles of a window (ARCHITECTURE.md, contract 3).
pub const CYCLES: &str = "system.cpu_cluster.cpus*.numCycles";
/// Per-CPU committed instructions (`simInsts` is not reset by `m5_reset_stats` in gem5 v24.0).
pub const INSTS: &str = "system.cpu_cluster.cpus*.commitStats0.numInsts";
/// Stats copied from each dump into `result.json`; everything else stays in `stats.txt`.
/// Only simulated quantities: host times would make equal runs differ.
pub const SELECTED_STATS: &[&str] = &[
    "simTicks",
    "simFreq",
    CYCLES,
    INSTS,
    "system.cpu_cluster.cpus*.ipc",
    "system.cpu_cluster.cpus*.cpi",
    "system.cpu_cluster.cpus*.numWorkItemsStarted",
    "system.cpu_cluster.cpus*.numWorkItemsCompleted",
    crate::coro_sched::STATS_PATTERN,
];
/// Files a run (re)writes; removed before a run starts so nothing stale is read afterwards.
const OUTPUTS: &[&str] = &[
    RESULT_JSON,
    RUN_JSON,
    GUEST_ELF,
    gem5::TERMINAL,
    gem5::STATS,
    "gem5.log",
    "qemu.log",
    "config.ini",
    "config.json",
    crate::coro_sched::SAMPLES_FILE,
];

/// A simulator found and identified, ready to run many runs.
#[derive(Clone, Debug)]
pub enum Simulator {
    Gem5 { gem5: Gem5, config_script: PathBuf },
    Qemu { binary: PathBuf, version: String },
}

impl Simulator {
    /// Finds the simulator a spec needs: gem5 (with `configs/baremetal.py` of `root`) or QEMU.
    pub fn find(sim: Sim, root: &Path) -> Result<Simulator> {
        match sim {
            Sim::Gem5 => {
                let gem5 = gem5::find()?;
                let config_script = root.join(gem5::CONFIG_SCRIPT);
                anyhow::ensure!(
                    config_script.is_file(),
                    "the gem5 config {} is missing (workspace root {})",
                    config_script.display(),
                    root.display()
                );
                Ok(Simulator::Gem5 {
                    gem5,
                    config_script,
                })
            }
            Sim::Qemu => {
                let binary = qemu::locate().with_context(|| {
                    format!(
                        "{} not found on PATH (apt-get install qemu-system-arm) and QEMU not set",
                        qemu::BINARY
                    )
                })?;
                let version = qemu::version(&binary)
                    .with_context(|| format!("running {} --version", binary.display()))?;
                Ok(Simulator::Qemu { binary, version })
            }
        }
    }

    pub fn sim(&self) -> Sim {
        match self {
            Simulator::Gem5 { .. } => Sim::Gem5,
            Simulator::Qemu { .. } => Sim::Qemu,
        }
    }

    pub fn info(&self) -> SimulatorInfo {
        match self {
            Simulator::Gem5 { gem5, .. } => SimulatorInfo {
                name: "gem5".into(),
                binary: gem5.binary.clone(),
                version: gem5.version.clone(),
                build: gem5.compiled.clone(),
            },
            Simulator::Qemu { binary, version } => SimulatorInfo {
                name: "qemu".into(),
                binary: binary.clone(),
                version: version.clone(),
                build: version.clone(),
            },
        }
    }

    /// Whether runs can have the CoroSched device: gem5 built with it (asked once per call
    /// with a SimObject-listing probe script); never QEMU.
    pub fn has_coro_sched(&self) -> Result<bool> {
        match self {
            Simulator::Gem5 { gem5, .. } => {
                Ok(gem5::has_sim_object(&gem5.binary, coro_sched::SIM_OBJECT)?)
            }
            Simulator::Qemu { .. } => Ok(false),
        }
    }

    /// Fails, saying how to fix it, unless runs can have the CoroSched device.
    pub fn require_coro_sched(&self) -> Result<()> {
        if self.has_coro_sched()? {
            return Ok(());
        }
        match self {
            Simulator::Gem5 { gem5, .. } => bail!(
                "gem5 at {} has no {} SimObject (its m5.objects has no such class): rebuild \
                 gem5 with this repo's gem5-devices/ as EXTRAS (docs/coro-sched-device.md), or run \
                 without the device (--no-coro-sched)",
                gem5.binary.display(),
                coro_sched::SIM_OBJECT
            ),
            Simulator::Qemu { .. } => bail!("the CoroSched device exists only on gem5"),
        }
    }

    /// The simulator's log in a run directory.
    pub fn log_name(&self) -> &'static str {
        match self {
            Simulator::Gem5 { .. } => "gem5.log",
            Simulator::Qemu { .. } => "qemu.log",
        }
    }

    fn argv(&self, spec: &RunSpec, dir: &Path, elf: &Path) -> Result<Vec<OsString>> {
        Ok(match (self, &spec.sim) {
            (
                Simulator::Gem5 {
                    gem5,
                    config_script,
                },
                SimSpec::Gem5 {
                    cpu,
                    max_ticks,
                    coro_sched,
                },
            ) => gem5::Invocation {
                gem5: &gem5.binary,
                run_dir: dir,
                config_script,
                elf,
                cpu: *cpu,
                cores: spec.cores,
                max_ticks: *max_ticks,
                coro_sched: coro_sched.as_ref(),
            }
            .argv(),
            (Simulator::Qemu { binary, .. }, SimSpec::Qemu) => qemu::argv(binary, elf, spec.cores),
            _ => bail!(
                "the run is for {} but the simulator is {}",
                spec.sim().name(),
                self.sim().name()
            ),
        })
    }
}

/// Why the guest hung.
#[derive(Clone, Debug, PartialEq)]
pub enum HangCause {
    /// gem5 exited with status 2: `--max-ticks` reached.
    TickLimit { max_ticks: u64 },
    /// The simulator ran past the wall-clock limit and was killed.
    WallTimeout { secs: f64 },
}

/// A run that ended without a usable result; every variant names the run directory and log.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    GuestPanic {
        message: String,
        dir: PathBuf,
        log: PathBuf,
    },
    Hung {
        cause: HangCause,
        dir: PathBuf,
        log: PathBuf,
    },
    MissingDone {
        app_started: bool,
        dir: PathBuf,
        log: PathBuf,
    },
    SimulatorFailed {
        sim: Sim,
        status: Option<i32>,
        signal: Option<i32>,
        detail: String,
        dir: PathBuf,
        log: PathBuf,
    },
    BadOutput {
        detail: String,
        dir: PathBuf,
        log: PathBuf,
    },
}

impl RunError {
    pub fn dir(&self) -> &Path {
        match self {
            RunError::GuestPanic { dir, .. }
            | RunError::Hung { dir, .. }
            | RunError::MissingDone { dir, .. }
            | RunError::SimulatorFailed { dir, .. }
            | RunError::BadOutput { dir, .. } => dir,
        }
    }
    pub fn log(&self) -> &Path {
        match self {
            RunError::GuestPanic { log, .. }
            | RunError::Hung { log, .. }
            | RunError::MissingDone { log, .. }
            | RunError::SimulatorFailed { log, .. }
            | RunError::BadOutput { log, .. } => log,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::GuestPanic { message, .. } => write!(f, "guest panicked: {message}")?,
            RunError::Hung {
                cause: HangCause::TickLimit { max_ticks },
                ..
            } => write!(
                f,
                "guest hung: gem5 reached --max-ticks {max_ticks} (exit status 2) before the guest finished"
            )?,
            RunError::Hung {
                cause: HangCause::WallTimeout { secs },
                ..
            } => write!(
                f,
                "guest hung: the simulator was still running after the wall-clock timeout of {secs} s and was killed"
            )?,
            RunError::MissingDone { app_started, .. } => {
                write!(
                    f,
                    "the guest never printed @done although the simulator exited with status 0"
                )?;
                if !app_started {
                    write!(f, " (no @app-start either: boot did not finish)")?;
                }
            }
            RunError::SimulatorFailed {
                sim,
                status,
                signal,
                detail,
                ..
            } => {
                match (status, signal) {
                    (Some(s), _) => write!(f, "{} failed with exit status {s}", sim.name())?,
                    (None, Some(sig)) => write!(f, "{} was killed by signal {sig}", sim.name())?,
                    (None, None) => write!(f, "{} ended without an exit status", sim.name())?,
                }
                if !detail.is_empty() {
                    write!(f, "; {detail}")?;
                }
            }
            RunError::BadOutput { detail, .. } => write!(f, "unusable run output: {detail}")?,
        }
        write!(
            f,
            "\n  run dir: {}\n  log: {}",
            self.dir().display(),
            self.log().display()
        )
    }
}

impl std::error::Error for RunError {}

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
    // A RunError names the directory and log itself; anything else (setup, I/O) gets them here.
    make_run(req, id).map_err(|e| {
        if e.is::<RunError>() {
            e
        } else {
            let log = req.dir.join(req.simulator.log_name());
            e.context(format!(
                "run dir: {}, log: {}",
                req.dir.display(),
                log.display()
            ))
        }
    })
}

fn make_run(req: &RunRequest<'_>, id: &ImageId) -> Result<RunResult> {
    fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
    let dir = req
        .dir
        .canonicalize()
        .with_context(|| format!("resolving {}", req.dir.display()))?;
    for name in OUTPUTS {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e)
                    .with_context(|| format!("removing the old {}", dir.join(name).display()));
            }
            _ => {}
        }
    }

    // The image: copy, patch, check the patch reads back.
    let mut bytes = fs::read(req.image)
        .with_context(|| format!("reading guest image {}", req.image.display()))?;
    let config = req.spec.run_config()?;
    let loc = elf_patch::patch(&mut bytes, &config)
        .with_context(|| format!("patching {} in {}", runconfig::SYMBOL, req.image.display()))?;
    anyhow::ensure!(
        elf_patch::read_block(&bytes, &loc)? == config,
        "patched block does not read back"
    );
    let elf = dir.join(GUEST_ELF);
    fs::write(&elf, &bytes).with_context(|| format!("writing {}", elf.display()))?;

    let argv = req.simulator.argv(req.spec, &dir, &elf)?;
    let command: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let provenance = Provenance {
        command_line: shell_line(&command),
        command,
        driver_command: std::env::args().collect(),
        simulator: req.simulator.info(),
        guest: GuestInfo {
            source_elf: req
                .image
                .canonicalize()
                .unwrap_or_else(|_| req.image.to_path_buf()),
            elf_sha256: id.sha256.clone(),
            patched_sha256: guest_image::sha256_hex(&bytes),
            git_describe: id.git_describe.clone(),
        },
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

    let log = dir.join(req.simulator.log_name());
    let outcome = process::run_logged(&argv, &dir, &log, req.timeout).with_context(|| {
        format!(
            "starting {} (log {})",
            provenance.command_line,
            log.display()
        )
    })?;
    let log_text = String::from_utf8_lossy(&fs::read(&log).unwrap_or_default()).into_owned();
    let console_path = match req.simulator {
        Simulator::Gem5 { .. } => dir.join(gem5::TERMINAL),
        Simulator::Qemu { .. } => log.clone(),
    };
    let console = Console::read(&console_path)
        .with_context(|| format!("reading {}", console_path.display()))?;
    let gem5_exit = match req.simulator {
        Simulator::Gem5 { .. } => gem5::parse_exit_line(&log_text),
        Simulator::Qemu { .. } => None,
    };
    let exit = ExitInfo {
        status: outcome.status,
        signal: outcome.signal,
        gem5: gem5_exit,
        wall_secs: outcome.wall_secs,
    };
    classify(
        req,
        &dir,
        &log,
        &log_text,
        &console,
        &exit,
        outcome.timed_out,
    )?;
    if let Simulator::Gem5 { .. } = req.simulator {
        // The guest was given the device's base; the config must have put it there.
        gem5::check_device_line(&log_text, req.spec.sim.coro_sched()).map_err(|detail| {
            RunError::BadOutput {
                detail,
                dir: dir.clone(),
                log: log.clone(),
            }
        })?;
    }

    let stats = match req.simulator {
        Simulator::Gem5 { .. } => {
            Some(
                select_stats(&dir.join(gem5::STATS)).map_err(|detail| RunError::BadOutput {
                    detail,
                    dir: dir.clone(),
                    log: log.clone(),
                })?,
            )
        }
        Simulator::Qemu { .. } => None,
    };
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
            |e| RunError::BadOutput {
                detail: e.to_string(),
                dir: dir.clone(),
                log: log.clone(),
            },
        )?,
    };
    results::write_json_atomic(&dir.join(RESULT_JSON), &result)?;
    Ok(result)
}

/// Turns how the simulator ended and what the guest printed into success or a [`RunError`].
fn classify(
    req: &RunRequest<'_>,
    dir: &Path,
    log: &Path,
    log_text: &str,
    console: &Console,
    exit: &ExitInfo,
    timed_out: bool,
) -> Result<(), RunError> {
    let (dir, log) = (dir.to_path_buf(), log.to_path_buf());
    let sim = req.simulator.sim();
    if let Some(message) = &console.panic {
        return Err(RunError::GuestPanic {
            message: message.clone(),
            dir,
            log,
        });
    }
    if timed_out {
        return Err(RunError::Hung {
            cause: HangCause::WallTimeout {
                secs: req.timeout.as_secs_f64(),
            },
            dir,
            log,
        });
    }
    if let (SimSpec::Gem5 { max_ticks, .. }, Some(line)) = (&req.spec.sim, &exit.gem5) {
        match exit.status {
            Some(gem5::exit::TICK_LIMIT) => {
                return Err(RunError::Hung {
                    cause: HangCause::TickLimit {
                        max_ticks: *max_ticks,
                    },
                    dir,
                    log,
                });
            }
            Some(gem5::exit::GUEST_FAIL) => {
                let message = format!(
                    "gem5 ended on \"{}\" (code {}) at tick {}, and the console has no @panic line",
                    line.cause, line.code, line.tick
                );
                return Err(RunError::GuestPanic { message, dir, log });
            }
            _ => {}
        }
    }
    if exit.status != Some(0) {
        let mut detail = match &exit.gem5 {
            Some(line) => format!(
                "gem5-exit cause \"{}\" code {} tick {}",
                line.cause, line.code, line.tick
            ),
            None if sim == Sim::Gem5 => {
                "no gem5-exit line: gem5 or the config script failed".into()
            }
            None => String::new(),
        };
        let tail = tail(log_text, 12);
        if !tail.is_empty() {
            detail.push_str(if detail.is_empty() {
                "last lines of the log:\n"
            } else {
                "; last lines of the log:\n"
            });
            detail.push_str(&tail);
        }
        return Err(RunError::SimulatorFailed {
            sim,
            status: exit.status,
            signal: exit.signal,
            detail,
            dir,
            log,
        });
    }
    if let Some((line, err)) = console.malformed.first() {
        let detail = format!("@result on console line {line} is not one JSON object: {err}");
        return Err(RunError::BadOutput { detail, dir, log });
    }
    if !console.done {
        return Err(RunError::MissingDone {
            app_started: console.app_started,
            dir,
            log,
        });
    }
    Ok(())
}

/// The selected stats of every dump, or why the stats are unusable.
fn select_stats(path: &Path) -> Result<Vec<DumpStats>, String> {
    if !path.exists() {
        return Err(format!("gem5 wrote no {}", path.display()));
    }
    let file = StatsFile::from_path(path).map_err(|e| e.to_string())?;
    let count = file.dumps.len();
    Ok(file
        .dumps
        .iter()
        .enumerate()
        .map(|(index, dump)| {
            let mut stats = BTreeMap::new();
            for pattern in SELECTED_STATS {
                for s in dump.matching(pattern) {
                    stats.insert(s.name.clone(), json_number(s.value));
                }
            }
            DumpStats {
                index,
                window: Window::of(index, count),
                cycles: dump.sum(CYCLES).ok(),
                insts: dump.sum(INSTS).ok(),
                stats,
            }
        })
        .collect())
}

/// The last `n` non-empty lines of `text`, indented.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        let args = ["gem5", "-d", "/a b/c", "it's", ""].map(String::from);
        assert_eq!(shell_line(&args), r#"gem5 -d '/a b/c' 'it'\''s' ''"#);
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "    b\n    c");
        assert_eq!(tail("", 3), "");
    }

    #[test]
    fn stats_selection_marks_windows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.txt");
        let dump = |cycles: u64| {
            format!(
                "\n---------- Begin Simulation Statistics ----------\n\
                 simTicks {0} # Number of ticks simulated (Tick)\n\
                 system.cpu_cluster.cpus.numCycles {cycles} # Number of cpu cycles simulated (Cycle)\n\
                 system.cpu_cluster.cpus.commitStats0.numInsts {1} # Number of instructions committed (Count)\n\
                 system.other.thing 5 # Something else (Count)\n\
                 \n---------- End Simulation Statistics   ----------\n",
                cycles * 250,
                cycles / 2
            )
        };
        fs::write(&path, [dump(1000), dump(40), dump(7)].concat()).unwrap();
        let sel = select_stats(&path).unwrap();
        assert_eq!(
            sel.iter().map(|d| d.window).collect::<Vec<_>>(),
            [Window::Boot, Window::Measured, Window::Exit]
        );
        assert_eq!(sel[1].cycles, Some(40.0));
        assert_eq!(sel[1].insts, Some(20.0));
        assert_eq!(sel[1].stats["simTicks"], serde_json::json!(10000));
        assert!(!sel[1].stats.contains_key("system.other.thing"));
        assert!(
            select_stats(&dir.path().join("none.txt"))
                .unwrap_err()
                .contains("no")
        );
    }
}
