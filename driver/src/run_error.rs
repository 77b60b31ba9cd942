//! How a run can fail, said in the guest's terms (panicked, hung, never finished) or the
//! simulator's, always with the run directory and the log that keep the evidence.

use std::fmt;
use std::path::PathBuf;

use crate::sim::HangCause;
use crate::spec::Sim;

/// What went wrong in a run that ended without a usable result.
#[derive(Clone, Debug, PartialEq)]
pub enum RunFailure {
    GuestPanic {
        message: String,
    },
    Hung {
        cause: HangCause,
    },
    MissingDone {
        app_started: bool,
    },
    SimulatorFailed {
        sim: Sim,
        status: Option<i32>,
        signal: Option<i32>,
        detail: String,
    },
    BadOutput {
        detail: String,
    },
}

/// A failed run: what went wrong, and where its files are.
#[derive(Clone, Debug, PartialEq)]
pub struct RunError {
    pub failure: RunFailure,
    pub dir: PathBuf,
    pub log: PathBuf,
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunFailure::GuestPanic { message } => write!(f, "guest panicked: {message}"),
            RunFailure::Hung {
                cause: HangCause::TickLimit { max_ticks },
            } => write!(
                f,
                "guest hung: gem5 reached --max-ticks {max_ticks} (exit status 2) before the guest finished"
            ),
            RunFailure::Hung {
                cause: HangCause::WallTimeout { secs },
            } => write!(
                f,
                "guest hung: the simulator was still running after the wall-clock timeout of {secs} s and was killed"
            ),
            RunFailure::MissingDone { app_started } => {
                write!(
                    f,
                    "the guest never printed @done although the simulator exited with status 0"
                )?;
                if !app_started {
                    write!(f, " (no @app-start either: boot did not finish)")?;
                }
                Ok(())
            }
            RunFailure::SimulatorFailed {
                sim,
                status,
                signal,
                detail,
            } => {
                match (status, signal) {
                    (Some(s), _) => write!(f, "{} failed with exit status {s}", sim.name())?,
                    (None, Some(sig)) => write!(f, "{} was killed by signal {sig}", sim.name())?,
                    (None, None) => write!(f, "{} ended without an exit status", sim.name())?,
                }
                if !detail.is_empty() {
                    write!(f, "; {detail}")?;
                }
                Ok(())
            }
            RunFailure::BadOutput { detail } => write!(f, "unusable run output: {detail}"),
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n  run dir: {}\n  log: {}",
            self.failure,
            self.dir.display(),
            self.log.display()
        )
    }
}

impl std::error::Error for RunError {}
