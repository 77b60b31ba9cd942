//! The command line (clap derive). Names of apps, mechanisms, parameters and experiments are
//! checked against `runconfig` and the experiment list, and a wrong one is answered with the
//! valid choices; CPU models, simulators and profiles are clap value enums, which list theirs.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use runconfig::App;

use crate::cli_help;
use crate::coro_sched::{self, CoroSchedSpec, Latency, Placement};
use crate::experiments::Profile;
use crate::spec::{self, Cpu, Sim};
use crate::test_tier::Tier;

/// Simulated time after which `driver run` counts a gem5 run as hung: 1 s (10^12 ticks).
pub const DEFAULT_MAX_TICKS: u64 = 1_000_000_000_000;

#[derive(Debug, Parser)]
#[command(
    name = "driver",
    version,
    about = "Builds the guest, runs it on gem5 or QEMU, and turns runs into results and figures",
    after_help = cli_help::MAIN_EXAMPLES
)]
pub struct Cli {
    /// Workspace root [default: $DRIVER_ROOT, else the repo around the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Run a gem5 binary built from other gem5-devices/ sources than the working tree's
    /// (recorded in every result as stale_allowed)
    #[arg(long, global = true)]
    pub allow_stale_device: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the guest image for aarch64-unknown-none, check it, and print its path
    Build(BuildArgs),
    /// Make one run in its own directory (patched image, run.json, log, result.json)
    #[command(after_help = cli_help::run_help())]
    Run(RunArgs),
    /// Print the dumps of a gem5 stats.txt as JSON
    Stats(StatsArgs),
    /// Run an experiment's sweep, gather results/<name>.json and draw results/<name>.svg
    #[command(after_help = cli_help::experiment_help())]
    Experiment(ExperimentArgs),
    /// Redraw every figure from the results/*.json present
    Figures(FiguresArgs),
    /// Check the tools this project needs, and say what is missing and what cannot run
    Doctor(DoctorArgs),
    /// System tests of `just test`: self-test and every mechanism on QEMU or gem5, each checked
    #[command(after_help = cli_help::TEST_TIER_HELP)]
    TestTier(TestTierArgs),
    /// Build gem5 with this project's devices (gem5-devices/ as EXTRAS), or check that one exists
    Gem5(crate::gem5_build::command::Gem5Args),
    /// Install what `just test` needs and lacks (QEMU, a C++ compiler, the guest's Rust target)
    Setup,
    /// Run one sweep point prepared in its run directory (what a Slurm array task runs)
    RunPoint(crate::point_job::RunPointArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Release build (the default; the only profile that is measured)
    #[arg(long, conflicts_with = "debug")]
    pub release: bool,
    /// Debug build instead (target/aarch64-unknown-none/debug/guest)
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Simulator
    #[arg(long, value_enum, default_value = "gem5")]
    pub sim: Sim,
    /// Guest app (the list is below)
    #[arg(long, value_parser = spec::parse_app)]
    pub app: App,
    /// Mechanism under test (required when the app has more than one)
    #[arg(long)]
    pub mechanism: Option<String>,
    /// Cores the simulated system has and the app uses (1 to the guest's limit, 8)
    #[arg(long, default_value_t = 1, value_parser = parse_cores)]
    pub cores: u64,
    /// Measured iterations
    #[arg(long, default_value_t = runconfig::RunConfig::DEFAULT.iterations)]
    pub iterations: u64,
    /// Seed of every pseudo-random choice in the guest
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// App parameter, repeatable
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = spec::parse_param)]
    pub params: Vec<(String, u64)>,
    /// What the guest's IRQ entry saves: full (every register, FP/SIMD included), lean (the
    /// caller-saved integer registers; x19–x28 and FP/SIMD only when the IRQ switches threads)
    /// or lean-checked (lean, with FP/SIMD trapped while the handler runs, so any FP/SIMD use
    /// on it panics)
    #[arg(long, value_name = "FRAME", default_value = "full", value_parser = spec::parse_irq_frame)]
    pub irq_frame: runconfig::IrqFrame,
    /// gem5 CPU model [default: atomic]
    #[arg(long, value_enum)]
    pub cpu: Option<Cpu>,
    /// Run directory
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// gem5: simulated ticks after which the guest counts as hung [default: 10^12]
    #[arg(long, value_parser = spec::parse_u64)]
    pub max_ticks: Option<u64>,
    /// gem5: give the machine the CoroSched device [default: if the gem5 binary has the
    /// CoroSched SimObject]
    #[arg(long, conflicts_with = "no_coro_sched")]
    pub coro_sched: bool,
    /// gem5: a machine without the CoroSched device (the guest gets device_base 0)
    #[arg(long)]
    pub no_coro_sched: bool,
    /// gem5: where the device sits: on-chip (membus, 0x2D00_0000) or off-chip (I/O bus,
    /// 0x1003_0000); implies --coro-sched [default: on-chip]
    #[arg(
        long,
        value_enum,
        value_name = "PLACEMENT",
        conflicts_with = "no_coro_sched"
    )]
    pub coro_placement: Option<Placement>,
    /// gem5: the device's own latency per access (gem5 latency: 2ns, 500ps, …); implies
    /// --coro-sched [default: 2ns]
    #[arg(
        long,
        value_parser = coro_sched::parse_latency,
        value_name = "LATENCY",
        conflicts_with = "no_coro_sched"
    )]
    pub coro_pio_latency: Option<Latency>,
    /// gem5: entries per hardware ready queue; implies --coro-sched [default: 16]
    #[arg(
        long,
        value_parser = coro_sched::parse_queue_depth,
        value_name = "N",
        conflicts_with = "no_coro_sched"
    )]
    pub coro_queue_depth: Option<u64>,
    /// gem5, on-chip device: stash the lines it writes (ring slots, flags): `cluster` (the
    /// default when the option is given alone) puts its DMA cache on the CPU cluster's L2
    /// crossbar, `l1` writes into core 0's L1D; implies --coro-sched
    #[arg(
        long,
        value_name = "off|cluster|l1",
        num_args = 0..=1,
        default_missing_value = "cluster",
        conflicts_with = "no_coro_sched"
    )]
    pub coro_stash: Option<coro_sched::Stash>,
    #[command(flatten)]
    pub loadgen: crate::loadgen::LoadGenArgs,
    /// Wall-clock seconds after which the simulator is killed and the guest counts as hung
    #[arg(long, default_value = "3600", value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Guest image [default: build the guest (cargo, incremental) and use
    /// target/aarch64-unknown-none/release/guest]
    #[arg(long, value_name = "PATH")]
    pub elf: Option<PathBuf>,
}

/// What `driver run` was told about the CoroSched device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceRequest {
    /// `--no-coro-sched`.
    Absent,
    /// `--coro-sched` or any `--coro-*` option: the device with these settings (defaults for
    /// the options not given).
    Present(CoroSchedSpec),
    /// Nothing said: the device with default settings if the gem5 binary has it.
    Auto,
}

impl RunArgs {
    /// The device options as given.
    pub fn device_request(&self) -> DeviceRequest {
        if self.no_coro_sched {
            return DeviceRequest::Absent;
        }
        let explicit = self.coro_sched
            || self.coro_placement.is_some()
            || self.coro_pio_latency.is_some()
            || self.coro_queue_depth.is_some()
            || self.coro_stash.is_some();
        if !explicit {
            return DeviceRequest::Auto;
        }
        let d = CoroSchedSpec::default();
        DeviceRequest::Present(CoroSchedSpec {
            placement: self.coro_placement.unwrap_or(d.placement),
            pio_latency: self.coro_pio_latency.unwrap_or(d.pio_latency),
            queue_depth: self.coro_queue_depth.unwrap_or(d.queue_depth),
            stash: self.coro_stash.unwrap_or_default(),
        })
    }
}

/// The `driver run` options that configure the CoroSched device (gem5 only).
pub const DEVICE_OPTIONS: &str = "--coro-sched, --no-coro-sched, --coro-placement, --coro-pio-latency, --coro-queue-depth and --coro-stash";

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A gem5 stats.txt
    pub file: PathBuf,
    /// Print only this dump (0 = the first)
    #[arg(long)]
    pub dump: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// Experiment name, or `all`
    #[arg(value_parser = crate::experiments::parse_name)]
    pub name: String,
    /// Sweep size
    #[arg(long, value_enum, default_value = "quick")]
    pub profile: Profile,
    /// Runs in parallel [default: the number of host cores]
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Skip points whose run directory has a result of the same run (the default)
    #[arg(long, conflicts_with = "fresh")]
    pub resume: bool,
    /// Run every point again
    #[arg(long)]
    pub fresh: bool,
    /// Wall-clock seconds per run before it is killed as hung
    #[arg(long, default_value = "7200", value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Duration,
    #[command(flatten)]
    pub backend: crate::slurm::options::BackendArgs,
    /// Use this guest image instead of building one
    #[arg(long, value_name = "PATH")]
    pub elf: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// Directory of the results files [default: <root>/results]
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// Draw even when the results files come from gem5 builds with different device sources
    #[arg(long)]
    pub allow_mixed_devices: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Exit 0 when everything but gem5 is there (gem5 is still checked and reported)
    #[arg(long)]
    pub no_gem5: bool,
}

#[derive(Debug, Args)]
pub struct TestTierArgs {
    /// Which system tests: qemu, or gem5 (skipped when no gem5 is found)
    pub tier: Tier,
    /// Use this guest image instead of building one
    #[arg(long, value_name = "PATH")]
    pub elf: Option<PathBuf>,
    /// Runs in parallel [default: the number of host cores]
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Wall-clock seconds per run [default: 300 on QEMU, 3600 on gem5]
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

/// Exit status of a command-line mistake the driver finds itself (a name, a combination or a
/// number it refuses): 2, as for the mistakes clap finds.
pub const USAGE_EXIT: u8 = 2;

/// A command-line mistake found after parsing (options that do not go together, a value out of
/// range); exits with [`USAGE_EXIT`] like clap's own errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Exit status for an error: [`USAGE_EXIT`] when the command line asked for something the
/// driver refuses, 1 when something failed while doing what it asked.
pub fn exit_code(e: &anyhow::Error) -> std::process::ExitCode {
    let usage = e.chain().any(|c| {
        c.is::<UsageError>()
            || c.is::<crate::spec::SpecError>()
            || c.is::<crate::experiments::UnknownExperiment>()
    });
    if usage {
        std::process::ExitCode::from(USAGE_EXIT)
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// `--jobs` or the host's core count.
pub fn jobs(explicit: Option<usize>) -> usize {
    explicit
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1)
}

/// clap value parser for `--timeout`: a positive, finite number of seconds.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!(
            "'{s}' is not a wall-clock limit: give a number of seconds greater than 0"
        )),
    }
}

/// clap value parser for `--cores`: 1 to the guest's limit ([`runconfig::MAX_CORES`]).
pub fn parse_cores(s: &str) -> Result<u64, String> {
    let n = spec::parse_u64(s)?;
    let max = runconfig::MAX_CORES as u64;
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} cores: the guest supports 1 to {max} (runconfig::MAX_CORES)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("driver").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn unknown_names_list_the_choices() {
        let e = parse(&["run", "--app", "nope", "--out", "x"]).unwrap_err();
        assert!(
            e.contains("unknown app 'nope'; valid apps: selftest, ctxswitch, wake"),
            "{e}"
        );
        let e = parse(&["run", "--app", "selftest", "--cpu", "timing", "--out", "x"]).unwrap_err();
        assert!(
            e.contains("[possible values: atomic, minor, hpi, o3]"),
            "{e}"
        );
        let e = parse(&["run", "--app", "selftest", "--sim", "spike", "--out", "x"]).unwrap_err();
        assert!(e.contains("[possible values: gem5, qemu]"), "{e}");
        let e = parse(&["experiment", "e9"]).unwrap_err();
        assert!(
            e.contains(
                "unknown experiment 'e9'; valid experiments: wake, wake-latency, wake-breakdown, \
                 context-switch, syscall, load, budget (or all for every one)"
            ),
            "{e}"
        );
        let e = parse(&["experiment", "context-switch", "--profile", "smoke"]).unwrap_err();
        assert!(e.contains("[possible values: quick, full]"), "{e}");
        let e = parse(&[
            "run", "--app", "selftest", "--param", "budget", "--out", "x",
        ])
        .unwrap_err();
        assert!(e.contains("is not name=value"), "{e}");
    }

    #[test]
    fn run_arguments() {
        let cli = parse(&[
            "run",
            "--app",
            "ctxswitch",
            "--mechanism",
            "thread-coop",
            "--cpu",
            "o3",
            "--cores",
            "2",
            "--param",
            "quantum_ticks=8",
            "--max-ticks",
            "5_000",
            "--out",
            "/tmp/r",
        ])
        .unwrap();
        let Command::Run(r) = cli.command else {
            panic!()
        };
        assert_eq!(r.app, App::ContextSwitch);
        assert_eq!(r.cpu, Some(Cpu::O3));
        assert_eq!(r.params, vec![("quantum_ticks".to_string(), 8)]);
        assert_eq!(r.max_ticks, Some(5000));
        assert_eq!(r.sim, Sim::Gem5);
    }

    #[test]
    fn device_options() {
        let run = |extra: &[&str]| {
            let mut args = vec!["run", "--app", "wake", "--mechanism", "hwq", "--out", "x"];
            args.extend_from_slice(extra);
            parse(&args).map(|cli| match cli.command {
                Command::Run(r) => r.device_request(),
                _ => panic!(),
            })
        };
        assert_eq!(run(&[]).unwrap(), DeviceRequest::Auto);
        assert_eq!(run(&["--no-coro-sched"]).unwrap(), DeviceRequest::Absent);
        assert_eq!(
            run(&["--coro-sched"]).unwrap(),
            DeviceRequest::Present(CoroSchedSpec::default())
        );
        assert_eq!(
            run(&[
                "--coro-placement",
                "off-chip",
                "--coro-pio-latency",
                "225ns",
                "--coro-queue-depth",
                "4"
            ])
            .unwrap(),
            DeviceRequest::Present(CoroSchedSpec {
                placement: Placement::OffChip,
                pio_latency: Latency::from_ns(225),
                queue_depth: 4,
                stash: coro_sched::Stash::Off,
            })
        );
        let e = run(&["--coro-placement", "l3"]).unwrap_err();
        assert!(
            e.contains("invalid value 'l3'") && e.contains("[possible values: on-chip, off-chip]"),
            "{e}"
        );
        let e = run(&["--coro-pio-latency", "2"]).unwrap_err();
        assert!(e.contains("has no unit"), "{e}");
        let e = run(&["--coro-queue-depth", "0"]).unwrap_err();
        assert!(e.contains("at least 1"), "{e}");
        assert!(run(&["--no-coro-sched", "--coro-sched"]).is_err());
        assert!(run(&["--no-coro-sched", "--coro-pio-latency", "1ns"]).is_err());
        let stash = |extra: &[&str]| match run(extra).unwrap() {
            DeviceRequest::Present(d) => d.stash,
            other => panic!("{other:?}"),
        };
        // Alone, the option keeps its old meaning (the cluster).
        assert_eq!(stash(&["--coro-stash"]), coro_sched::Stash::Cluster);
        assert_eq!(stash(&["--coro-stash", "l1"]), coro_sched::Stash::L1);
        assert_eq!(stash(&["--coro-stash", "off"]), coro_sched::Stash::Off);
        let e = run(&["--coro-stash", "l2"]).unwrap_err();
        assert!(e.contains("give off, cluster or l1"), "{e}");
    }

    #[test]
    fn timeouts_and_cores_out_of_range_are_usage_errors() {
        let run = |extra: &[&str]| {
            let mut args = vec!["run", "--app", "selftest", "--out", "x"];
            args.extend_from_slice(extra);
            parse(&args)
        };
        for bad in ["0", "-1", "nan", "inf", "soon"] {
            let bad = &format!("--timeout={bad}");
            let e = run(&[bad]).unwrap_err();
            assert!(e.contains("--timeout <SECS>"), "{bad}: {e}");
        }
        let Command::Run(r) = run(&["--timeout", "0.5"]).unwrap().command else {
            panic!()
        };
        assert_eq!(r.timeout, Duration::from_millis(500));
        let e = run(&["--cores", "9"]).unwrap_err();
        assert!(e.contains("the guest supports 1 to 8"), "{e}");
        assert!(run(&["--cores", "0"]).is_err());
        assert!(run(&["--cores", "8"]).is_ok());
        assert!(parse(&["test-tier", "qemu", "--timeout", "0"]).is_err());
    }

    #[test]
    fn resume_and_fresh_conflict() {
        assert!(parse(&["experiment", "context-switch", "--resume", "--fresh"]).is_err());
        assert!(parse(&["experiment", "context-switch", "--fresh", "--jobs", "3"]).is_ok());
    }
}
