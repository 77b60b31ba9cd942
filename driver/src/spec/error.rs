//! What is wrong with a run spec, said so that the user can fix it: every message about a name
//! lists the valid choices.

use std::fmt;

use runconfig::{App, Choice, IrqFrame, NUM_PARAMS};

use super::Sim;

/// A run spec that names something that does not exist; each message lists the valid choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    UnknownApp {
        name: String,
    },
    UnknownMechanism {
        app: &'static str,
        name: String,
    },
    MissingMechanism {
        app: &'static str,
    },
    UnknownParam {
        app: &'static str,
        name: String,
    },
    DuplicateParam {
        name: String,
    },
    ZeroCores,
    TooManyParams {
        app: &'static str,
    },
    /// More cores than the guest (or the simulator) supports.
    TooManyCores {
        cores: u64,
        max: u64,
    },
    /// A wake path that needs the CoroSched device, in a run without it.
    NeedsDevice {
        mechanism: String,
        sim: Sim,
    },
    /// Without the device, core 1 makes the wake app's events.
    WakeNeedsTwoCores,
    /// The service app was pointed at a LoadGenNic the machine does not have.
    ServiceNicMissing {
        base: u64,
    },
    /// The machine has the LoadGenNic but the service app was told to use the software NIC.
    ServiceNicUnused,
    /// The service app's software NIC runs on core 1.
    ServiceNeedsTwoCores,
    UnknownIrqFrame {
        name: String,
    },
}

/// `a, b, c` from a choice list.
pub fn list<T: Choice>(all: &[T]) -> String {
    all.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
}

fn param_names(app: App) -> String {
    let names: Vec<_> = app.params().iter().map(|p| p.name).collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::UnknownApp { name } => {
                write!(f, "unknown app '{name}'; valid apps: {}", list(App::ALL))
            }
            SpecError::UnknownIrqFrame { name } => write!(
                f,
                "unknown IRQ frame '{name}'; valid IRQ frames: {}",
                list(IrqFrame::ALL)
            ),
            SpecError::UnknownMechanism { app, name } => {
                let a = App::from_name(app).expect("app names come from App::ALL");
                write!(
                    f,
                    "unknown mechanism '{name}' for app '{app}'; valid mechanisms: {}",
                    list(a.mechanisms())
                )
            }
            SpecError::MissingMechanism { app } => {
                let a = App::from_name(app).expect("app names come from App::ALL");
                write!(
                    f,
                    "app '{app}' needs --mechanism; valid mechanisms: {}",
                    list(a.mechanisms())
                )
            }
            SpecError::UnknownParam { app, name } => {
                let a = App::from_name(app).expect("app names come from App::ALL");
                write!(
                    f,
                    "unknown parameter '{name}' for app '{app}'; valid parameters: {}",
                    param_names(a)
                )
            }
            SpecError::DuplicateParam { name } => write!(f, "parameter '{name}' given twice"),
            SpecError::ZeroCores => write!(f, "--cores must be at least 1"),
            SpecError::TooManyCores { cores, max } => write!(
                f,
                "--cores {cores} is more than this run can have: at most {max} (the guest \
                 supports {} cores)",
                runconfig::MAX_CORES
            ),
            SpecError::NeedsDevice { mechanism, sim } => match sim {
                Sim::Qemu => write!(
                    f,
                    "wake path '{mechanism}' needs the CoroSched device, which exists only on gem5 \
                     (QEMU runs the irq and poll paths)"
                ),
                Sim::Gem5 => write!(
                    f,
                    "wake path '{mechanism}' needs the CoroSched device, and this run has none \
                     (drop --no-coro-sched, or use a gem5 built with the device)"
                ),
            },
            SpecError::WakeNeedsTwoCores => write!(
                f,
                "app 'wake' without the CoroSched device needs --cores 2 or more (core 1 makes \
                 the events)"
            ),
            SpecError::ServiceNicMissing { base } => write!(
                f,
                "app 'service' has nic={base:#x} but this run has no LoadGenNic: add --loadgen \
                 (gem5 only), or set nic=0 for the software NIC on core 1 (with --cores 2)"
            ),
            SpecError::ServiceNicUnused => write!(
                f,
                "app 'service' has nic=0 (the software NIC) although this run has the LoadGenNic: \
                 drop --loadgen, or leave nic out and the driver passes the device's base"
            ),
            SpecError::ServiceNeedsTwoCores => write!(
                f,
                "app 'service' without the LoadGenNic needs --cores 2 or more (core 1 plays the \
                 NIC in software); on gem5, --loadgen attaches the device instead"
            ),
            SpecError::TooManyParams { app } => write!(
                f,
                "app '{app}' declares more than {NUM_PARAMS} parameters (runconfig has {NUM_PARAMS} slots)"
            ),
        }
    }
}

impl std::error::Error for SpecError {}
