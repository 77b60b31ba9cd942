//! The gem5 backend: `configs/baremetal.py` run by a gem5 binary (ARCHITECTURE.md, contract 4).
//! The console is `system.terminal` in the run directory, the config's exit status says how the
//! guest ended, its `coro-sched:` line is checked against the device the run asked for, and the
//! selected stats of every dump go into `result.json`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, bail};

mod device_line;

pub use device_line::{DeviceLine, check_device_line, parse_device_line};

use super::{Backend, ExitClass, HangCause};
use crate::coro_sched::{self, CoroSchedSpec};
use crate::gem5::{self as tool, ExitLine, Gem5};
use crate::results::{DumpStats, ExitInfo, SimulatorInfo, Window, json_number};
use crate::spec::{Cpu, RunSpec, SimSpec};
use crate::stats::StatsFile;

/// The config script, relative to the workspace root.
pub const CONFIG_SCRIPT: &str = "configs/baremetal.py";
/// The log of gem5's stdout and stderr in the run directory.
pub const LOG: &str = "gem5.log";
/// The console file gem5 writes into the run directory.
pub const TERMINAL: &str = "system.terminal";
/// The stats file gem5 writes into the run directory.
pub const STATS: &str = "stats.txt";
/// Exit statuses of `configs/baremetal.py`.
pub mod exit {
    pub const OK: i32 = 0;
    /// `m5_fail`: the guest panicked.
    pub const GUEST_FAIL: i32 = 1;
    /// `--max-ticks` reached: the guest hung.
    pub const TICK_LIMIT: i32 = 2;
    /// Any other exit cause.
    pub const OTHER: i32 = 3;
}

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
    coro_sched::STATS_PATTERN,
    crate::loadgen::STATS_PATTERN,
    "system.**syscall_fwd.**",
];
/// `configs/baremetal.py` builds a cluster of any size: no limit of its own (the guest's,
/// `runconfig::MAX_CORES`, applies).
pub const MAX_CORES: u64 = u64::MAX;

/// gem5 found, identified, and paired with the workspace's config script.
#[derive(Debug)]
pub struct Gem5Backend {
    pub gem5: Gem5,
    pub config_script: PathBuf,
    /// The binary's device hash against the working tree's (checked in [`Gem5Backend::find`]).
    pub device_sources: crate::device_hash::DeviceSources,
    /// The hash of the workspace's config scripts (`configs/`), recorded with every result.
    pub config_scripts: String,
    /// Whether the binary has the CoroSched SimObject: asked once (a gem5 probe run).
    has_coro_sched: OnceLock<bool>,
}

impl Gem5Backend {
    /// gem5 from `GEM5` or `PATH` ([`tool::find`]) with `configs/baremetal.py` of `root`.
    pub fn find(root: &Path) -> Result<Gem5Backend> {
        let gem5 = tool::find()?;
        let config_script = root.join(CONFIG_SCRIPT);
        anyhow::ensure!(
            config_script.is_file(),
            "the gem5 config {} is missing (workspace root {})",
            config_script.display(),
            root.display()
        );
        // A binary built from other device sources would measure a device that is not in this
        // tree: refused, unless the user says otherwise (and then it is recorded).
        let tree = crate::device_hash::working_tree_hash(root)?;
        let device_sources = crate::device_hash::check(
            &gem5.binary,
            &gem5.sources_hash,
            &tree,
            crate::device_hash::stale_allowed(),
        )?;
        let config_scripts = crate::device_hash::config_scripts_hash(root)?;
        Ok(Gem5Backend {
            gem5,
            config_script,
            device_sources,
            config_scripts,
            has_coro_sched: OnceLock::new(),
        })
    }
}

impl Backend for Gem5Backend {
    fn sim(&self) -> crate::spec::Sim {
        crate::spec::Sim::Gem5
    }

    fn info(&self) -> SimulatorInfo {
        SimulatorInfo {
            name: "gem5".into(),
            binary: self.gem5.binary.clone(),
            version: self.gem5.version.clone(),
            build: self.gem5.compiled.clone(),
            device_sources: Some(self.device_sources.clone()),
            config_scripts: Some(self.config_scripts.clone()),
        }
    }

    fn max_cores(&self) -> u64 {
        MAX_CORES
    }

    fn has_coro_sched(&self) -> Result<bool> {
        if let Some(has) = self.has_coro_sched.get() {
            return Ok(*has);
        }
        let has = tool::has_sim_object(&self.gem5.binary, coro_sched::SIM_OBJECT)?;
        Ok(*self.has_coro_sched.get_or_init(|| has))
    }

    fn coro_sched_missing(&self) -> String {
        format!(
            "gem5 at {} has no {} SimObject (its m5.objects has no such class): rebuild gem5 \
             with this repo's gem5-devices/ as EXTRAS (docs/coro-sched-device.md), or run without \
             the device (--no-coro-sched)",
            self.gem5.binary.display(),
            coro_sched::SIM_OBJECT
        )
    }

    fn log_name(&self) -> &'static str {
        LOG
    }

    fn outputs(&self) -> &'static [&'static str] {
        &[
            TERMINAL,
            STATS,
            "config.ini",
            "config.json",
            coro_sched::SAMPLES_FILE,
            crate::loadgen::RECORDS_FILE,
        ]
    }

    fn argv(&self, spec: &RunSpec, dir: &Path, elf: &Path) -> Result<Vec<OsString>> {
        let SimSpec::Gem5 {
            cpu,
            max_ticks,
            coro_sched,
            loadgen,
        } = &spec.sim
        else {
            bail!(
                "the run is for {} but the simulator is gem5",
                spec.sim().name()
            );
        };
        let mut argv = Invocation {
            gem5: &self.gem5.binary,
            run_dir: dir,
            config_script: &self.config_script,
            elf,
            cpu: *cpu,
            cores: spec.cores,
            max_ticks: *max_ticks,
            coro_sched: coro_sched.as_ref(),
        }
        .argv();
        // The LoadGenNic's options (none without it), seeded by the run's seed.
        argv.extend(
            loadgen
                .iter()
                .flat_map(|l| l.gem5_args(spec.seed))
                .map(OsString::from),
        );
        Ok(argv)
    }

    fn console_path(&self, dir: &Path, _log: &Path) -> PathBuf {
        dir.join(TERMINAL)
    }

    fn exit_line(&self, log_text: &str) -> Option<ExitLine> {
        tool::parse_exit_line(log_text)
    }

    fn classify_exit(&self, spec: &RunSpec, exit: &ExitInfo) -> ExitClass {
        classify_exit(spec, exit)
    }

    fn check_output(&self, spec: &RunSpec, log_text: &str) -> Result<(), String> {
        // The guest was given the device's base; the config must have put it there.
        check_device_line(log_text, spec.sim.coro_sched())
    }

    fn stats(&self, dir: &Path) -> Result<Option<Vec<DumpStats>>, String> {
        select_stats(&dir.join(STATS)).map(Some)
    }
}

/// The config's exit status, read with its `gem5-exit:` line.
fn classify_exit(spec: &RunSpec, exit: &ExitInfo) -> ExitClass {
    if let (SimSpec::Gem5 { max_ticks, .. }, Some(line)) = (&spec.sim, &exit.gem5) {
        match exit.status {
            Some(exit::TICK_LIMIT) => {
                return ExitClass::Hung(HangCause::TickLimit {
                    max_ticks: *max_ticks,
                });
            }
            Some(exit::GUEST_FAIL) => {
                return ExitClass::GuestFailed(format!(
                    "gem5 ended on \"{}\" (code {}) at tick {}, and the console has no @panic line",
                    line.cause, line.code, line.tick
                ));
            }
            _ => {}
        }
    }
    if exit.status == Some(exit::OK) {
        return ExitClass::Finished;
    }
    ExitClass::SimulatorFailed(match &exit.gem5 {
        Some(line) => format!(
            "gem5-exit cause \"{}\" code {} tick {}",
            line.cause, line.code, line.tick
        ),
        None => "no gem5-exit line: gem5 or the config script failed".into(),
    })
}

/// The selected stats of every dump, or why the stats are unusable.
pub fn select_stats(path: &Path) -> Result<Vec<DumpStats>, String> {
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

/// Everything the gem5 command line is made of.
#[derive(Clone, Debug)]
pub struct Invocation<'a> {
    pub gem5: &'a Path,
    pub run_dir: &'a Path,
    pub config_script: &'a Path,
    pub elf: &'a Path,
    pub cpu: Cpu,
    pub cores: u64,
    pub max_ticks: u64,
    /// The CoroSched device, or `None` for a machine without it.
    pub coro_sched: Option<&'a CoroSchedSpec>,
}

impl Invocation<'_> {
    /// `$GEM5 -d <dir> --listener-mode=off configs/baremetal.py --kernel <elf> --cpu <cpu>
    /// --cores <n> --max-ticks <t>`, then the device's options ([`coro_sched::gem5_args`]):
    /// `--coro-sched --coro-placement <p> --coro-pio-latency <l> --coro-queue-depth <n>` or
    /// `--no-coro-sched`.
    pub fn argv(&self) -> Vec<OsString> {
        let mut argv: Vec<OsString> = vec![
            self.gem5.into(),
            "-d".into(),
            self.run_dir.into(),
            "--listener-mode=off".into(),
            self.config_script.into(),
            "--kernel".into(),
            self.elf.into(),
            "--cpu".into(),
            self.cpu.name().into(),
            "--cores".into(),
            self.cores.to_string().into(),
            "--max-ticks".into(),
            self.max_ticks.to_string().into(),
        ];
        argv.extend(
            coro_sched::gem5_args(self.coro_sched)
                .into_iter()
                .map(OsString::from),
        );
        argv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_the_contract() {
        let argv = Invocation {
            gem5: Path::new("/g/gem5.fast"),
            run_dir: Path::new("/r"),
            config_script: Path::new("/repo/configs/baremetal.py"),
            elf: Path::new("/r/guest.elf"),
            cpu: Cpu::O3,
            cores: 4,
            max_ticks: 1000,
            coro_sched: None,
        };
        let line = |inv: &Invocation<'_>| {
            inv.argv()
                .iter()
                .map(|a| a.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line(&argv),
            "/g/gem5.fast -d /r --listener-mode=off /repo/configs/baremetal.py --kernel /r/guest.elf \
             --cpu o3 --cores 4 --max-ticks 1000 --no-coro-sched"
        );
        let device = CoroSchedSpec {
            placement: coro_sched::Placement::OffChip,
            pio_latency: coro_sched::Latency::from_ns(225),
            queue_depth: 8,
            stash: crate::coro_sched::Stash::Off,
        };
        assert!(
            line(&Invocation {
                coro_sched: Some(&device),
                ..argv
            })
            .ends_with(
                "--max-ticks 1000 --coro-sched --coro-placement off-chip --coro-pio-latency 225ns \
                 --coro-queue-depth 8"
            )
        );
    }

    #[test]
    fn exit_statuses_of_the_config() {
        let spec = crate::spec::RunSpec::new(crate::spec::SpecRequest {
            app: runconfig::App::SelfTest,
            mechanism: None,
            cores: 1,
            iterations: 1,
            seed: 1,
            params: &[],
            sim: SimSpec::gem5(Cpu::Atomic, 77),
        })
        .unwrap();
        let exit = |status: i32, line: bool| ExitInfo {
            status: Some(status),
            signal: None,
            gem5: line.then(|| ExitLine {
                cause: "c".into(),
                code: 1,
                tick: 5,
            }),
            wall_secs: 0.0,
        };
        assert_eq!(classify_exit(&spec, &exit(0, true)), ExitClass::Finished);
        assert_eq!(
            classify_exit(&spec, &exit(2, true)),
            ExitClass::Hung(HangCause::TickLimit { max_ticks: 77 })
        );
        assert!(
            matches!(classify_exit(&spec, &exit(1, true)), ExitClass::GuestFailed(m) if m.contains("no @panic line"))
        );
        assert!(
            matches!(classify_exit(&spec, &exit(1, false)), ExitClass::SimulatorFailed(m) if m.contains("no gem5-exit line"))
        );
        assert!(
            matches!(classify_exit(&spec, &exit(3, true)), ExitClass::SimulatorFailed(m) if m.contains("gem5-exit cause"))
        );
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
        std::fs::write(&path, [dump(1000), dump(40), dump(7)].concat()).unwrap();
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
