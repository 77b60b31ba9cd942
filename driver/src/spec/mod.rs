//! What one run is: the app, the mechanism, the sizes and the simulator, as names a person can
//! read in `run.json`/`result.json`, and the [`RunConfig`] block the guest reads.
//!
//! Every name is checked here against the lists in `runconfig` (the driver⇄guest contract), so
//! a wrong name fails before anything runs, with the valid choices in the message.

use std::collections::BTreeMap;
use std::fmt;

use runconfig::{App, Choice, IrqFrame, Mechanism, NUM_PARAMS, Platform, RunConfig};
use serde::{Deserialize, Serialize};

use crate::coro_sched::CoroSchedSpec;
use crate::loadgen::LoadGenSpec;

mod error;

pub use error::{SpecError, list};

/// The service app's parameter with the LoadGenNic's base (0: the software NIC).
pub const SERVICE_NIC_PARAM: &str = "nic";
/// The service app's wake-path parameter (a `WakePath` code).
pub const SERVICE_WAKE_PATH_PARAM: &str = "wake_path";

/// The simulator a run uses; decides the guest's platform field and how the run is launched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Sim {
    Gem5,
    Qemu,
}

impl Sim {
    pub fn platform(self) -> Platform {
        match self {
            Sim::Gem5 => Platform::Gem5,
            Sim::Qemu => Platform::Qemu,
        }
    }
    pub fn name(self) -> &'static str {
        self.platform().name()
    }
}

/// gem5 CPU models offered by `configs/baremetal.py --cpu` (ARCHITECTURE.md, contract 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Cpu {
    Atomic,
    Minor,
    Hpi,
    O3,
}

impl Cpu {
    pub fn name(self) -> &'static str {
        match self {
            Cpu::Atomic => "atomic",
            Cpu::Minor => "minor",
            Cpu::Hpi => "hpi",
            Cpu::O3 => "o3",
        }
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Simulator-specific part of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "sim", rename_all = "lowercase")]
pub enum SimSpec {
    Gem5 {
        cpu: Cpu,
        /// `--max-ticks` of the config: reaching it means the guest hung.
        max_ticks: u64,
        /// The CoroSched device and its configuration, or `None` (`null`) for a machine
        /// without it. Runs recorded before the device existed read as `None`.
        #[serde(default)]
        coro_sched: Option<CoroSchedSpec>,
        /// The LoadGenNic and what it generates, or `None` (absent from the JSON) for a
        /// machine without it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loadgen: Option<LoadGenSpec>,
    },
    Qemu,
}

impl SimSpec {
    /// gem5 with this CPU and tick limit and without the CoroSched device.
    pub fn gem5(cpu: Cpu, max_ticks: u64) -> SimSpec {
        SimSpec::Gem5 {
            cpu,
            max_ticks,
            coro_sched: None,
            loadgen: None,
        }
    }

    pub fn sim(&self) -> Sim {
        match self {
            SimSpec::Gem5 { .. } => Sim::Gem5,
            SimSpec::Qemu => Sim::Qemu,
        }
    }

    /// The CoroSched device of the run, if it has one (never on QEMU).
    pub fn coro_sched(&self) -> Option<&CoroSchedSpec> {
        match self {
            SimSpec::Gem5 { coro_sched, .. } => coro_sched.as_ref(),
            SimSpec::Qemu => None,
        }
    }

    /// The LoadGenNic of the run, if it has one (never on QEMU).
    pub fn loadgen(&self) -> Option<&LoadGenSpec> {
        match self {
            SimSpec::Gem5 { loadgen, .. } => loadgen.as_ref(),
            SimSpec::Qemu => None,
        }
    }
}

/// One run, fully resolved: every app parameter is present (defaults filled in), so two specs
/// that run the same thing compare equal (this is what sweep resumption compares).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    pub app: String,
    pub mechanism: String,
    pub cores: u64,
    pub iterations: u64,
    pub seed: u64,
    pub params: BTreeMap<String, u64>,
    /// What the guest's IRQ entry saves ([`IrqFrame`] name). Left out of the JSON when it is
    /// the default, `full`, so the specs of runs made before it existed still compare equal.
    #[serde(default = "full_irq_frame", skip_serializing_if = "is_full_irq_frame")]
    pub irq_frame: String,
    #[serde(flatten)]
    pub sim: SimSpec,
}

/// The default IRQ frame's name, `full`.
pub fn full_irq_frame() -> String {
    IrqFrame::Full.name().into()
}

fn is_full_irq_frame(name: &String) -> bool {
    *name == full_irq_frame()
}

/// clap value parser for `--irq-frame`: a runconfig IRQ frame name.
pub fn parse_irq_frame(s: &str) -> Result<IrqFrame, SpecError> {
    IrqFrame::from_name(s).ok_or_else(|| SpecError::UnknownIrqFrame { name: s.into() })
}

/// clap value parser for `--app`: a runconfig app name.
pub fn parse_app(s: &str) -> Result<App, SpecError> {
    App::from_name(s).ok_or_else(|| SpecError::UnknownApp { name: s.into() })
}

/// clap value parser for `--param name=value` (the name is checked against the app later,
/// because it depends on `--app`).
pub fn parse_param(s: &str) -> Result<(String, u64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not name=value"))?;
    let value = parse_u64(value.trim()).map_err(|e| format!("parameter '{name}': {e}"))?;
    Ok((name.trim().to_string(), value))
}

/// A non-negative integer in decimal, `0x` hex, or with `_` separators.
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let parsed = match clean.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => clean.parse(),
    };
    parsed.map_err(|_| format!("'{s}' is not a non-negative integer"))
}

/// Wake paths that only the CoroSched device can deliver.
fn needs_device(mechanism: &str) -> bool {
    matches!(
        Mechanism::from_name(mechanism),
        Some(Mechanism::Hwq | Mechanism::Ring)
    )
}

/// Everything needed to make a [`RunSpec`]; the mechanism and parameters are names still to be
/// checked against the app.
#[derive(Clone, Debug)]
pub struct SpecRequest<'a> {
    pub app: App,
    pub mechanism: Option<&'a str>,
    pub cores: u64,
    pub iterations: u64,
    pub seed: u64,
    pub params: &'a [(String, u64)],
    pub sim: SimSpec,
}

impl RunSpec {
    /// Checks every name against the app and fills in default parameter values.
    pub fn new(req: SpecRequest<'_>) -> Result<RunSpec, SpecError> {
        let app = req.app;
        let mechanism = match req.mechanism {
            Some(name) => Mechanism::from_name(name)
                .filter(|m| app.mechanisms().contains(m))
                .ok_or_else(|| SpecError::UnknownMechanism {
                    app: app.name(),
                    name: name.into(),
                })?,
            None => match app.mechanisms() {
                [only] => *only,
                _ => return Err(SpecError::MissingMechanism { app: app.name() }),
            },
        };
        if req.cores == 0 {
            return Err(SpecError::ZeroCores);
        }
        if app.params().len() > NUM_PARAMS {
            return Err(SpecError::TooManyParams { app: app.name() });
        }
        let mut params: BTreeMap<String, u64> = app
            .params()
            .iter()
            .map(|p| (p.name.to_string(), p.default))
            .collect();
        let mut seen = Vec::new();
        for (name, value) in req.params {
            if !params.contains_key(name) {
                return Err(SpecError::UnknownParam {
                    app: app.name(),
                    name: name.clone(),
                });
            }
            if seen.contains(&name) {
                return Err(SpecError::DuplicateParam { name: name.clone() });
            }
            seen.push(name);
            params.insert(name.clone(), *value);
        }
        // The service app finds the LoadGenNic through its `nic` parameter: whenever the
        // machine has the NIC, the driver passes the base where the config puts it, unless the
        // caller gave one.
        if app == App::Service
            && req.sim.loadgen().is_some()
            && !req.params.iter().any(|(n, _)| n == SERVICE_NIC_PARAM)
        {
            params.insert(SERVICE_NIC_PARAM.into(), loadgen_nic_regs::system::BASE);
        }
        Ok(RunSpec {
            app: app.name().into(),
            mechanism: mechanism.name().into(),
            cores: req.cores,
            iterations: req.iterations,
            seed: req.seed,
            params,
            irq_frame: full_irq_frame(),
            sim: req.sim,
        })
    }

    pub fn sim(&self) -> Sim {
        self.sim.sim()
    }

    /// The same run with the guest's IRQ entry saving `frame` (`driver run --irq-frame`).
    pub fn with_irq_frame(self, frame: IrqFrame) -> RunSpec {
        RunSpec {
            irq_frame: frame.name().into(),
            ..self
        }
    }

    /// Refuses what the guest would only panic or hang on, before a simulator starts: more
    /// cores than the guest supports or than `sim_max_cores`, a wake path that needs the
    /// CoroSched device in a run without it, and the wake app on one core without the device.
    pub fn check_runnable(&self, sim_max_cores: u64) -> Result<(), SpecError> {
        let max = sim_max_cores.min(runconfig::MAX_CORES as u64);
        if self.cores > max {
            return Err(SpecError::TooManyCores {
                cores: self.cores,
                max,
            });
        }
        if self.app == App::Service.name() {
            return self.check_service_runnable();
        }
        if self.app != App::Wake.name() || self.sim.coro_sched().is_some() {
            return Ok(());
        }
        if needs_device(&self.mechanism) {
            return Err(SpecError::NeedsDevice {
                mechanism: self.mechanism.clone(),
                sim: self.sim(),
            });
        }
        if self.cores < 2 {
            return Err(SpecError::WakeNeedsTwoCores);
        }
        Ok(())
    }

    /// The service app's needs: the NIC its `nic` parameter names, two cores for the software
    /// NIC, and the CoroSched device for the `hwq` and `ring` wake paths.
    fn check_service_runnable(&self) -> Result<(), SpecError> {
        let param = |name: &str| self.params.get(name).copied().unwrap_or(0);
        let nic = param(SERVICE_NIC_PARAM);
        let has_nic = self.sim.loadgen().is_some();
        if nic != 0 && !has_nic {
            return Err(SpecError::ServiceNicMissing { base: nic });
        }
        if nic == 0 && has_nic {
            return Err(SpecError::ServiceNicUnused);
        }
        if nic == 0 && self.cores < 2 {
            return Err(SpecError::ServiceNeedsTwoCores);
        }
        let path = runconfig::WakePath::from_code(param(SERVICE_WAKE_PATH_PARAM));
        if let Some(p @ (runconfig::WakePath::Hwq | runconfig::WakePath::Ring)) = path
            && self.sim.coro_sched().is_none()
        {
            return Err(SpecError::NeedsDevice {
                mechanism: p.name().into(),
                sim: self.sim(),
            });
        }
        Ok(())
    }

    /// The block patched into the guest image. Fails only for a spec that was not made by
    /// [`RunSpec::new`] (e.g. edited by hand in a JSON file).
    pub fn run_config(&self) -> Result<RunConfig, SpecError> {
        let app = parse_app(&self.app)?;
        let mech_index = app
            .mechanisms()
            .iter()
            .position(|m| m.name() == self.mechanism)
            .ok_or_else(|| SpecError::UnknownMechanism {
                app: app.name(),
                name: self.mechanism.clone(),
            })?;
        if self.cores == 0 {
            return Err(SpecError::ZeroCores);
        }
        let mut params = [0u64; NUM_PARAMS];
        for name in self.params.keys() {
            if !app.params().iter().any(|p| p.name == name) {
                return Err(SpecError::UnknownParam {
                    app: app.name(),
                    name: name.clone(),
                });
            }
        }
        for (slot, p) in app.params().iter().enumerate() {
            let slot = params
                .get_mut(slot)
                .ok_or(SpecError::TooManyParams { app: app.name() })?;
            *slot = self.params.get(p.name).copied().unwrap_or(p.default);
        }
        Ok(RunConfig {
            platform: self.sim().platform().index(),
            app: app.index(),
            mechanism: mech_index as u64,
            cores: self.cores,
            iterations: self.iterations,
            seed: self.seed,
            device_base: self.sim.coro_sched().map_or(0, CoroSchedSpec::base),
            irq_frame: parse_irq_frame(&self.irq_frame)?.index(),
            params,
            ..RunConfig::DEFAULT
        })
    }

    /// A short name for logs and tables, e.g. `ctxswitch/thread-coop minor×1`, or
    /// `wake/hwq o3×1 cs:on-chip,2ns,q16` with the CoroSched device.
    pub fn label(&self) -> String {
        let sim = match &self.sim {
            SimSpec::Gem5 { cpu, .. } => cpu.name().to_string(),
            SimSpec::Qemu => "qemu".into(),
        };
        let mut label = format!("{}/{} {}×{}", self.app, self.mechanism, sim, self.cores);
        if !is_full_irq_frame(&self.irq_frame) {
            label.push_str(&format!(" irq:{}", self.irq_frame));
        }
        if let Some(d) = self.sim.coro_sched() {
            label.push_str(&format!(
                " cs:{},{},q{}",
                d.placement, d.pio_latency, d.queue_depth
            ));
        }
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(app: App, mech: Option<&str>, params: &[(String, u64)]) -> Result<RunSpec, SpecError> {
        RunSpec::new(SpecRequest {
            app,
            mechanism: mech,
            cores: 1,
            iterations: 10,
            seed: 7,
            params,
            sim: SimSpec::gem5(Cpu::Minor, 1000),
        })
    }

    #[test]
    fn unknown_app_lists_every_app() {
        let msg = parse_app("nope").unwrap_err().to_string();
        assert!(msg.contains("unknown app 'nope'"), "{msg}");
        for app in App::ALL {
            assert!(msg.contains(app.name()), "{msg} lacks {}", app.name());
        }
    }

    #[test]
    fn unknown_mechanism_lists_the_apps_mechanisms() {
        let msg = req(App::ContextSwitch, Some("default"), &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "unknown mechanism 'default' for app 'ctxswitch'; valid mechanisms: coro-yield, \
             thread-coop, thread-preempt"
        );
    }

    #[test]
    fn mechanism_is_required_when_the_app_has_several() {
        let err = req(App::ContextSwitch, None, &[]).unwrap_err();
        assert!(err.to_string().contains("needs --mechanism"));
        let spec = req(App::SelfTest, None, &[]).unwrap();
        assert_eq!(spec.mechanism, "default");
    }

    #[test]
    fn unknown_param_lists_the_apps_params() {
        let msg = req(
            App::ContextSwitch,
            Some("coro-yield"),
            &[("budget".into(), 3)],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            msg,
            "unknown parameter 'budget' for app 'ctxswitch'; valid parameters: quantum_ticks, el0"
        );
    }

    #[test]
    fn defaults_are_filled_and_the_block_matches() {
        let spec = req(App::ContextSwitch, Some("thread-preempt"), &[]).unwrap();
        assert_eq!(spec.params["quantum_ticks"], 4);
        let cfg = spec.run_config().unwrap();
        assert_eq!(cfg.mechanism(), Some(Mechanism::ThreadPreempt));
        assert_eq!(cfg.param("quantum_ticks"), Some(4));
        assert_eq!(cfg.platform(), Some(Platform::Gem5));
        assert_eq!(cfg.seed, 7);

        let spec = req(
            App::ContextSwitch,
            Some("thread-preempt"),
            &[("quantum_ticks".into(), 9)],
        )
        .unwrap();
        assert_eq!(spec.run_config().unwrap().param("quantum_ticks"), Some(9));
    }

    #[test]
    fn spec_json_is_flat_and_round_trips() {
        let spec = req(App::SelfTest, None, &[]).unwrap();
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["sim"], "gem5");
        assert_eq!(json["cpu"], "minor");
        let back: RunSpec = serde_json::from_value(json).unwrap();
        assert_eq!(back, spec);
        let qemu = RunSpec {
            sim: SimSpec::Qemu,
            ..spec
        };
        let back: RunSpec = serde_json::from_str(&serde_json::to_string(&qemu).unwrap()).unwrap();
        assert_eq!(back, qemu);
    }

    #[test]
    fn irq_frame_reaches_the_block_and_only_a_lean_one_is_written_down() {
        let full = req(App::SelfTest, None, &[]).unwrap();
        assert_eq!(full.run_config().unwrap().irq_frame(), Some(IrqFrame::Full));
        let json = serde_json::to_value(&full).unwrap();
        // The default stays out of the JSON, so the specs of earlier runs still match.
        assert!(json.get("irq_frame").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), full);
        assert!(!full.label().contains("irq:"));

        let lean = full.clone().with_irq_frame(IrqFrame::Lean);
        assert_ne!(lean, full);
        assert_eq!(lean.run_config().unwrap().irq_frame(), Some(IrqFrame::Lean));
        let json = serde_json::to_value(&lean).unwrap();
        assert_eq!(json["irq_frame"], "lean");
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), lean);
        assert!(lean.label().ends_with(" irq:lean"), "{}", lean.label());

        let msg = parse_irq_frame("thin").unwrap_err().to_string();
        assert!(msg.contains("full, lean, lean-checked"), "{msg}");
        let bad = RunSpec {
            irq_frame: "thin".into(),
            ..full
        };
        assert!(bad.run_config().is_err());
    }

    #[test]
    fn device_is_recorded_and_gives_the_guest_its_base() {
        use crate::coro_sched::{Latency, Placement};
        let spec = req(App::SelfTest, None, &[]).unwrap();
        assert_eq!(spec.run_config().unwrap().device_base, 0);
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["coro_sched"], serde_json::Value::Null);
        // A spec written before the device existed has no field: it reads as no device.
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("coro_sched");
        assert_eq!(serde_json::from_value::<RunSpec>(old).unwrap(), spec);

        let device = CoroSchedSpec {
            placement: Placement::OffChip,
            pio_latency: Latency::from_ns(10),
            queue_depth: 4,
            stash: crate::coro_sched::Stash::Off,
        };
        let with = RunSpec {
            sim: SimSpec::Gem5 {
                cpu: Cpu::O3,
                max_ticks: 1,
                coro_sched: Some(device),
                loadgen: None,
            },
            ..spec.clone()
        };
        assert_eq!(with.run_config().unwrap().device_base, 0x1003_0000);
        let json = serde_json::to_value(&with).unwrap();
        assert_eq!(
            json["coro_sched"],
            serde_json::json!({"placement":"off-chip","pio_latency":"10ns","queue_depth":4})
        );
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), with);
        assert_eq!(with.label(), "selftest/default o3×1 cs:off-chip,10ns,q4");
        assert_ne!(with, spec, "the device is part of what a run is");
        let qemu = RunSpec {
            sim: SimSpec::Qemu,
            ..spec
        };
        assert_eq!(qemu.run_config().unwrap().device_base, 0);
    }

    #[test]
    fn runs_the_guest_would_refuse_are_refused_first() {
        let wake = |mechanism: &str, cores: u64, sim: SimSpec| {
            RunSpec::new(SpecRequest {
                app: App::Wake,
                mechanism: Some(mechanism),
                cores,
                iterations: 1,
                seed: 1,
                params: &[],
                sim,
            })
            .unwrap()
        };
        let device = SimSpec::Gem5 {
            cpu: Cpu::O3,
            max_ticks: 1,
            coro_sched: Some(CoroSchedSpec::default()),
            loadgen: None,
        };
        assert_eq!(wake("hwq", 1, device.clone()).check_runnable(64), Ok(()));
        assert_eq!(wake("irq", 1, device.clone()).check_runnable(64), Ok(()));
        assert_eq!(wake("irq", 2, SimSpec::Qemu).check_runnable(123), Ok(()));
        let e = wake("ring", 2, SimSpec::Qemu)
            .check_runnable(123)
            .unwrap_err();
        assert!(e.to_string().contains("exists only on gem5"), "{e}");
        let e = wake("hwq", 2, SimSpec::gem5(Cpu::O3, 1))
            .check_runnable(64)
            .unwrap_err();
        assert!(e.to_string().contains("this run has none"), "{e}");
        let e = wake("poll", 1, SimSpec::Qemu)
            .check_runnable(123)
            .unwrap_err();
        assert_eq!(e, SpecError::WakeNeedsTwoCores);
        let many = wake("hwq", 9, device).check_runnable(64).unwrap_err();
        assert_eq!(many, SpecError::TooManyCores { cores: 9, max: 8 });
        assert!(many.to_string().contains("at most 8"), "{many}");
        let small_sim = wake("irq", 4, SimSpec::Qemu).check_runnable(2).unwrap_err();
        assert_eq!(small_sim, SpecError::TooManyCores { cores: 4, max: 2 });
    }

    #[test]
    fn a_service_run_gets_the_nic_base_and_is_refused_without_what_it_needs() {
        let service = |cores, params: &[(String, u64)], device, nic: bool| {
            RunSpec::new(SpecRequest {
                app: App::Service,
                mechanism: Some("fcfs"),
                cores,
                iterations: 10,
                seed: 1,
                params,
                sim: SimSpec::Gem5 {
                    cpu: Cpu::Minor,
                    max_ticks: 1,
                    coro_sched: device,
                    loadgen: nic
                        .then(|| crate::experiments::load::grid::nic("exp:1us", 1000, 1, 10)),
                },
            })
            .unwrap()
        };
        let dev = Some(CoroSchedSpec::default());
        let irq = [("wake_path".to_string(), 0)];
        // With the NIC: its base, unless given; runnable on one core.
        let s = service(1, &[], dev, true);
        assert_eq!(s.params[SERVICE_NIC_PARAM], loadgen_nic_regs::system::BASE);
        assert_eq!(s.check_runnable(8), Ok(()));
        // Without it: the software NIC needs two cores; a NIC base names a missing device.
        let e = service(1, &irq, None, false).check_runnable(8).unwrap_err();
        assert_eq!(e, SpecError::ServiceNeedsTwoCores);
        assert_eq!(service(2, &irq, None, false).check_runnable(8), Ok(()));
        let given = [("nic".to_string(), 0x2D01_0000)];
        let e = service(1, &given, dev, false)
            .check_runnable(8)
            .unwrap_err();
        assert!(e.to_string().contains("add --loadgen"), "{e}");
        let soft = [("nic".to_string(), 0)];
        let e = service(2, &soft, dev, true).check_runnable(8).unwrap_err();
        assert_eq!(e, SpecError::ServiceNicUnused);
        // hwq (the default path) needs the CoroSched device.
        let e = service(1, &[], None, true).check_runnable(8).unwrap_err();
        assert!(
            e.to_string()
                .contains("wake path 'hwq' needs the CoroSched device"),
            "{e}"
        );
    }

    #[test]
    fn params_parse() {
        assert_eq!(
            parse_param("quantum_ticks=0x10").unwrap(),
            ("quantum_ticks".into(), 16)
        );
        assert_eq!(parse_param("a=1_000").unwrap(), ("a".into(), 1000));
        assert!(parse_param("a").unwrap_err().contains("name=value"));
        assert!(parse_param("a=-1").is_err());
    }
}
