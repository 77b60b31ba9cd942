//! `driver`: the command line. Parses arguments ([`driver::cli`]) and calls the library; every
//! error is printed with its whole chain of context and makes the exit status non-zero.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use driver::cli::{self, Cli, Command, DeviceRequest, UsageError};
use driver::coro_sched::samples::Samples;
use driver::coro_sched::{self, CoroSchedSpec};
use driver::experiments::{self, Experiment, Profile, RunOptions};
use driver::results::RunResult;
use driver::run::{RunRequest, Simulator};
use driver::spec::{Cpu, RunSpec, Sim, SimSpec, SpecRequest};
use driver::stats::StatsFile;
use driver::summary::Summary;
use driver::sweep::Backend;
use driver::{doctor, guest_image, point_job, run, test_tier, workspace};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.allow_stale_device {
        // SAFETY: nothing else runs yet (no thread has been started), so no other code can be
        // reading the environment while it changes.
        unsafe { std::env::set_var(driver::device_hash::ALLOW_ENV, "1") };
    }
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            cli::exit_code(&e)
        }
    }
}

fn execute(cli: Cli) -> Result<ExitCode> {
    let explicit_root = cli
        .root
        .or_else(|| std::env::var_os(workspace::ENV).map(PathBuf::from));
    let root = workspace::root(explicit_root.as_deref());
    match cli.command {
        Command::Build(args) => {
            let elf = guest_image::build(&root, !args.debug)?;
            println!("{}", elf.display());
        }
        Command::Run(args) => run_one(&root, args)?,
        Command::Setup => driver::setup::tests(&root)?,
        Command::Gem5(args) => driver::gem5_build::command::execute(args, &root)?,
        Command::Stats(args) => {
            let text = read_text(&args.file)?;
            let file = StatsFile::parse(&text)
                .with_context(|| format!("parsing {}", args.file.display()))?;
            let json = match args.dump {
                Some(i) => serde_json::to_string_pretty(file.dump(i)?)?,
                None => serde_json::to_string_pretty(&file)?,
            };
            print_or_stop(&json)?;
        }
        Command::Experiment(args) => {
            let selected = experiments::select(&args.name)?;
            // What every selected experiment needs from the simulator is checked once, before
            // the guest build, so that a missing gem5 is one message and costs no build.
            check_simulators(&root, &selected, args.profile)?;
            let backend = match args.backend.slurm(args.jobs)? {
                Some(slurm) => Backend::Slurm(slurm),
                None => Backend::Local,
            };
            let image = match &args.elf {
                Some(p) => guest_image::resolve(&root, Some(p))?,
                None => guest_image::build(&root, true)?,
            };
            let opts = RunOptions {
                profile: args.profile,
                jobs: cli::jobs(args.jobs),
                resume: !args.fresh,
                timeout: args.timeout,
                image: &image,
                root: &root,
                runs_dir: args.profile.dir(&workspace::runs_dir(&root)),
                results_dir: args.profile.dir(&workspace::results_dir(&root)),
                backend,
            };
            // Every experiment runs even if an earlier one failed; the failures are listed last.
            let mut failed = Vec::new();
            for exp in selected {
                if let Err(e) = experiments::run(exp, &opts) {
                    eprintln!("error: experiment {}: {e:#}", exp.name());
                    failed.push(exp.name());
                }
            }
            if !failed.is_empty() {
                bail!("experiment(s) failed: {}", failed.join(", "));
            }
        }
        Command::Figures(args) => {
            let dir = args
                .results
                .unwrap_or_else(|| workspace::results_dir(&root));
            let written = experiments::redraw_all(&dir, args.allow_mixed_devices)?;
            if written.is_empty() {
                println!("no results files in {}: nothing to draw", dir.display());
            }
            for svg in written {
                println!("wrote {}", svg.display());
            }
        }
        Command::Doctor(args) => {
            let checks = doctor::run(&root);
            for c in &checks {
                println!("{c}");
            }
            println!("\n{}", doctor::summary(&checks));
            if !doctor::passed(&checks, args.no_gem5) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::RunPoint(args) => report(&point_job::run(&args.dir)?),
        Command::TestTier(args) => test_tier::run(
            args.tier,
            &test_tier::TierOptions {
                root: &root,
                elf: args.elf.as_deref(),
                jobs: cli::jobs(args.jobs),
                timeout: args.timeout,
            },
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run_one(root: &Path, args: cli::RunArgs) -> Result<()> {
    let device = args.device_request();
    let sim = match args.sim {
        Sim::Gem5 => SimSpec::Gem5 {
            cpu: args.cpu.unwrap_or(Cpu::Atomic),
            max_ticks: args.max_ticks.unwrap_or(cli::DEFAULT_MAX_TICKS),
            coro_sched: match device {
                DeviceRequest::Present(d) => Some(d),
                DeviceRequest::Absent | DeviceRequest::Auto => None,
            },
            loadgen: args.loadgen.spec().map_err(UsageError)?,
        },
        Sim::Qemu => {
            if args.loadgen.spec().map_err(UsageError)?.is_some() {
                return Err(UsageError(
                    "--loadgen and --loadgen-* apply to gem5 only (QEMU has no LoadGenNic; the \
                     guest's software producer plays it there)"
                        .into(),
                )
                .into());
            }
            if args.cpu.is_some() || args.max_ticks.is_some() {
                return Err(UsageError(
                    "--cpu and --max-ticks apply to gem5 only (this run is --sim qemu)".into(),
                )
                .into());
            }
            if device != DeviceRequest::Auto {
                return Err(UsageError(format!(
                    "{} apply to gem5 only (this run is --sim qemu, which has no CoroSched device)",
                    cli::DEVICE_OPTIONS
                ))
                .into());
            }
            SimSpec::Qemu
        }
    };
    let mut spec = RunSpec::new(SpecRequest {
        app: args.app,
        mechanism: args.mechanism.as_deref(),
        cores: args.cores,
        iterations: args.iterations,
        seed: args.seed,
        params: &args.params,
        sim,
    })?;
    spec.irq_frame = runconfig::Choice::name(args.irq_frame).into();
    // A run the guest would refuse is refused before the simulator is even looked for, unless
    // whether it has the device depends on what the gem5 binary has.
    if args.sim == Sim::Qemu || device != DeviceRequest::Auto {
        spec.check_runnable(u64::MAX)?;
    }
    let simulator = Simulator::find(args.sim, root)?;
    if let SimSpec::Gem5 { coro_sched, .. } = &mut spec.sim {
        let why_none = match device {
            DeviceRequest::Present(_) => {
                simulator.require_coro_sched()?;
                ""
            }
            DeviceRequest::Auto if simulator.has_coro_sched()? => {
                *coro_sched = Some(CoroSchedSpec::default());
                ""
            }
            DeviceRequest::Auto => "gem5 has no CoroSched SimObject",
            DeviceRequest::Absent => "--no-coro-sched",
        };
        match coro_sched {
            Some(d) => println!("device: CoroSched {}", d.describe()),
            None => println!("device: none ({why_none})"),
        }
    }
    spec.check_runnable(simulator.max_cores())?;
    // Without --elf the guest is built first (cargo is incremental), so a run never uses an
    // image older than the source.
    let image = match &args.elf {
        Some(p) => guest_image::resolve(root, Some(p))?,
        None => guest_image::build(root, true)?,
    };
    println!("run {} into {}", spec.label(), args.out.display());
    let result = run::execute(&RunRequest {
        spec: &spec,
        image: &image,
        dir: &args.out,
        simulator: &simulator,
        timeout: args.timeout,
        root,
    })
    .with_context(|| format!("run {}", spec.label()))?;
    report(&result);
    Ok(())
}

/// Finds every simulator the experiments' points use, with the CoroSched device where a point
/// needs it; the first thing missing is the error.
fn check_simulators(
    root: &Path,
    selected: &[&'static dyn Experiment],
    profile: Profile,
) -> Result<()> {
    let points: Vec<_> = selected.iter().flat_map(|e| e.points(profile)).collect();
    let mut sims: Vec<Sim> = Vec::new();
    for p in &points {
        if !sims.contains(&p.spec.sim()) {
            sims.push(p.spec.sim());
        }
    }
    for sim in sims {
        let simulator = Simulator::find(sim, root)?;
        let device = points
            .iter()
            .any(|p| p.spec.sim() == sim && p.spec.sim.coro_sched().is_some());
        if device {
            simulator.require_coro_sched()?;
        }
    }
    Ok(())
}

/// A file read as text for a command that prints it: the OS error said once, and a binary
/// file refused rather than printed.
fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let binary = bytes
        .iter()
        .position(|&b| b == 0 || (b < 0x20 && !b"\t\n\r".contains(&b)));
    match (binary, String::from_utf8(bytes)) {
        (None, Ok(text)) => Ok(text),
        (Some(at), _) => bail!(
            "{} is not a gem5 stats file: it is binary (control byte at offset {at})",
            path.display()
        ),
        (None, Err(e)) => bail!(
            "{} is not a gem5 stats file: it is not UTF-8 text (at byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ),
    }
}

/// Prints `text` and a newline; a reader that closed the pipe (`| head`) ends the output
/// quietly instead of failing.
fn print_or_stop(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn report(r: &RunResult) {
    println!("run ok in {:.1} s: {}", r.exit.wall_secs, r.spec.label());
    println!("  run dir: {}", r.run_dir.display());
    println!("  command: {}", r.provenance.command_line);
    println!("  {} @result record(s)", r.results.len());
    for record in &r.results {
        println!("    {record}");
    }
    for d in r.stats.iter().flatten() {
        let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v}"));
        println!(
            "  stats dump {} ({:?}): cycles {}, insts {}",
            d.index,
            d.window,
            num(d.cycles),
            num(d.insts)
        );
    }
    report_wake_samples(&r.run_dir);
}

/// The CoroSched samples of a run, by stats dump and path (exact summaries).
fn report_wake_samples(run_dir: &Path) {
    let path = run_dir.join(coro_sched::SAMPLES_FILE);
    if !path.exists() {
        return;
    }
    let file = match Samples::read(&path) {
        Ok(f) => f,
        Err(e) => {
            println!("  warning: {e}");
            return;
        }
    };
    println!(
        "  {} wake samples in {}",
        file.samples.len(),
        path.display()
    );
    for (dump, window) in file.dump_windows().into_iter().enumerate() {
        for (p, cycles) in Samples::cycles_by_path(&file.samples[window]) {
            if let Ok(s) = Summary::from_samples(&cycles) {
                println!(
                    "    stats dump {dump}: {p}: {} samples, mean {:.1}, p50 {}, p99 {}, max {}",
                    s.count, s.mean, s.p50, s.p99, s.max
                );
            }
        }
    }
}
