//! Simulator backends: everything that differs between simulators, behind one trait.
//!
//! [`crate::run`] is the pipeline of one run (patch the image, write `run.json`, start the
//! simulator, read what came out, write `result.json`); it asks the run's [`Backend`] for each
//! simulator-specific step: the command line, where the guest console is, what an exit status
//! means, the checks of the simulator's own output, and the stats. A new backend (a gem5
//! launched through Slurm, a different gem5 config) is one new file with one `impl Backend`
//! and a line in [`Simulator::find`].

pub mod gem5;
pub mod qemu;

use std::ffi::OsString;
use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;

use crate::gem5::ExitLine;
use crate::results::{DumpStats, ExitInfo, SimulatorInfo};
use crate::spec::{RunSpec, Sim};

/// Why the guest hung.
#[derive(Clone, Debug, PartialEq)]
pub enum HangCause {
    /// gem5 exited with status 2: `--max-ticks` reached.
    TickLimit { max_ticks: u64 },
    /// The simulator ran past the wall-clock limit and was killed.
    WallTimeout { secs: f64 },
}

/// What a backend reads from the way its simulator ended (the wall-clock timeout and the
/// guest's `@panic` line are judged before, the same way for every backend).
#[derive(Clone, Debug, PartialEq)]
pub enum ExitClass {
    /// The simulator ended normally; the console decides the rest.
    Finished,
    /// The simulator stopped a guest that did not finish.
    Hung(HangCause),
    /// The simulator reports a guest failure that the console does not explain.
    GuestFailed(String),
    /// The simulator itself failed; the detail says how (the pipeline adds the log's tail).
    SimulatorFailed(String),
}

/// One simulator: how a run is launched on it and how its output is read.
pub trait Backend: fmt::Debug + Send + Sync {
    /// The simulator kind a run spec names (`"sim"` in `run.json`).
    fn sim(&self) -> Sim;
    /// Name, binary, version and build, recorded with every run (resume keys on name, version
    /// and device-sources hash: [`SimulatorInfo::same_simulation`]).
    fn info(&self) -> SimulatorInfo;
    /// The most cores a run can have on this simulator (the guest's own limit aside).
    fn max_cores(&self) -> u64;
    /// Whether runs can have the CoroSched device.
    fn has_coro_sched(&self) -> Result<bool>;
    /// What to do when a run needs the CoroSched device and this simulator has none.
    fn coro_sched_missing(&self) -> String;
    /// The simulator's stdout and stderr, in the run directory.
    fn log_name(&self) -> &'static str;
    /// Files besides the log that the simulator writes into the run directory; removed before
    /// a run, so that nothing stale is read afterwards.
    fn outputs(&self) -> &'static [&'static str];
    /// The whole command line of a run in `dir` on the patched image `elf`.
    fn argv(&self, spec: &RunSpec, dir: &Path, elf: &Path) -> Result<Vec<OsString>>;
    /// Where the guest's console ends up.
    fn console_path(&self, dir: &Path, log: &Path) -> PathBuf;
    /// The simulator's own exit line in its log, if it prints one.
    fn exit_line(&self, _log_text: &str) -> Option<ExitLine> {
        None
    }
    /// What the exit status (and exit line) means.
    fn classify_exit(&self, spec: &RunSpec, exit: &ExitInfo) -> ExitClass;
    /// Checks of the simulator's own output after a finished run; `Err` says what is wrong.
    fn check_output(&self, _spec: &RunSpec, _log_text: &str) -> Result<(), String> {
        Ok(())
    }
    /// The selected stats of every dump, if the simulator writes stats; `Err` says why they
    /// are unusable.
    fn stats(&self, _dir: &Path) -> Result<Option<Vec<DumpStats>>, String> {
        Ok(None)
    }
}

/// A simulator found and identified, ready to run many runs (cheap to clone and share).
#[derive(Clone, Debug)]
pub struct Simulator(Arc<dyn Backend>);

impl Simulator {
    /// Finds the backend a spec's simulator needs: gem5 (with `configs/baremetal.py` of
    /// `root`) or QEMU. The one place that maps a [`Sim`] to a backend.
    pub fn find(sim: Sim, root: &Path) -> Result<Simulator> {
        Ok(match sim {
            Sim::Gem5 => Simulator::new(gem5::Gem5Backend::find(root)?),
            Sim::Qemu => Simulator::new(qemu::QemuBackend::find()?),
        })
    }

    pub fn new(backend: impl Backend + 'static) -> Simulator {
        Simulator(Arc::new(backend))
    }

    /// Fails, saying how to fix it, unless runs can have the CoroSched device.
    pub fn require_coro_sched(&self) -> Result<()> {
        anyhow::ensure!(self.has_coro_sched()?, "{}", self.coro_sched_missing());
        Ok(())
    }
}

impl Deref for Simulator {
    type Target = dyn Backend;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// The last `n` non-empty lines of `text`, indented.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "    b\n    c");
        assert_eq!(tail("", 3), "");
    }
}
