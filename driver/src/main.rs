//! `driver`: the command line. Parses arguments ([`driver::cli`]) and calls the library; every
//! error is printed with its whole chain of context and makes the exit status non-zero.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use driver::cli::{self, Cli, Command, DeviceRequest};
use driver::coro_sched::samples::Samples;
use driver::coro_sched::{self, CoroSchedSpec};
use driver::experiments::{self, RunOptions};
use driver::results::RunResult;
use driver::run::{RunRequest, Simulator};
use driver::spec::{Cpu, RunSpec, Sim, SimSpec, SpecRequest};
use driver::stats::StatsFile;
use driver::summary::Summary;
use driver::sweep::Backend;
use driver::{doctor, guest_image, point_job, run, test_tier, workspace};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
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
        Command::Stats(args) => {
            let file = StatsFile::from_path(&args.file)?;
            let json = match args.dump {
                Some(i) => serde_json::to_string_pretty(file.dump(i)?)?,
                None => serde_json::to_string_pretty(&file)?,
            };
            println!("{json}");
        }
        Command::Experiment(args) => {
            let selected = experiments::select(&args.name)?;
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
                timeout: cli::seconds(args.timeout)?,
                image: &image,
                root: &root,
                runs_dir: workspace::runs_dir(&root),
                results_dir: workspace::results_dir(&root),
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
            let written = experiments::redraw_all(&dir)?;
            if written.is_empty() {
                println!("no results files in {}: nothing to draw", dir.display());
            }
            for svg in written {
                println!("wrote {}", svg.display());
            }
        }
        Command::Doctor(args) => {
            let checks = doctor::run(&root, args.require_gem5);
            for c in &checks {
                println!("{c}");
            }
            if !doctor::passed(&checks) {
                println!("\nsome required pieces are missing (see FAIL above)");
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
                timeout: args.timeout.map(cli::seconds).transpose()?,
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
        },
        Sim::Qemu => {
            if args.cpu.is_some() || args.max_ticks.is_some() {
                bail!("--cpu and --max-ticks apply to gem5 only (this run is --sim qemu)");
            }
            if device != DeviceRequest::Auto {
                bail!(
                    "{} apply to gem5 only (this run is --sim qemu, which has no CoroSched device)",
                    cli::DEVICE_OPTIONS
                );
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
    let image = guest_image::resolve(root, args.elf.as_deref())?;
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
    println!("run {} into {}", spec.label(), args.out.display());
    let result = run::execute(&RunRequest {
        spec: &spec,
        image: &image,
        dir: &args.out,
        simulator: &simulator,
        timeout: cli::seconds(args.timeout)?,
        root,
    })
    .with_context(|| format!("run {}", spec.label()))?;
    report(&result);
    Ok(())
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
