//! Experiments: which runs make a figure, what each run contributes, and the figure.
//!
//! An experiment is an [`Experiment`]: its points for a [`Profile`], a `measure` that turns one
//! run's result into the experiment's numbers, and a `figure` drawn from the gathered file. The
//! shared flow is here: sweep the points ([`crate::sweep`]), gather every run into
//! `results/<name>.json` (one traceable [`Record`] per run: run dir, spec, command, versions,
//! seed, the guest's records, the measured-window stats, the experiment's numbers), then draw
//! `results/<name>.svg` (and any further figures the experiment draws). Adding an experiment is
//! one new file with one `impl Experiment` and a line in [`ALL`].

pub mod budget;
#[cfg(test)]
mod committed;
pub mod context_switch;
pub mod load;
pub mod syscall;
#[cfg(test)]
mod trimmed_measure;
pub mod wake;
pub mod wake_breakdown;
pub mod wake_latency;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::point_store::{PointStore, RunFiles as PointFiles};
use crate::raw_samples;
use crate::results::{self, DumpStats, RunResult, SimulatorInfo};
use crate::run::{ImageId, Simulator};
use crate::spec::{RunSpec, Sim};
use crate::sweep::{self, Point, SweepConfig};

/// How big a sweep is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Enough iterations for a figure in minutes.
    Quick,
    /// The iteration counts of the brief.
    Full,
    /// A few iterations, to check that every point runs (the gem5 test tier).
    #[value(skip)]
    Smoke,
}

impl Profile {
    /// Where this profile's results and sweep directories live under `results/` and `runs/`:
    /// the quick profile at the top (the committed figures), the full one in `full/`, so that a
    /// full run, which takes hours and may run in parts, never overwrites the quick results.
    pub fn dir(self, base: &std::path::Path) -> std::path::PathBuf {
        match self {
            Profile::Quick | Profile::Smoke => base.to_path_buf(),
            Profile::Full => base.join("full"),
        }
    }
}

/// One experiment of the brief.
pub trait Experiment: Sync {
    /// Name on the command line and of the result files, e.g. `context-switch`.
    fn name(&self) -> &'static str;
    /// One line for `--help` and reports.
    fn about(&self) -> &'static str;
    /// The runs, each with a unique id and the labels that vary.
    fn points(&self, profile: Profile) -> Vec<Point>;
    /// This experiment's numbers for one run (from the guest's records and the stats).
    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value>;
    /// Draws the figure from the gathered file.
    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()>;
    /// Draws every figure of the experiment into `results_dir` and returns their paths; by
    /// default the one [`Experiment::figure`] as `<name>.svg`.
    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)
            .with_context(|| format!("drawing {}", svg.display()))?;
        Ok(vec![svg])
    }
    /// Numbers derived from all the records together (e.g. a crossover point), stored as
    /// `analysis` in the results file; `null` (the default) for none.
    fn analyse(&self, _file: &ResultsFile) -> Result<Value> {
        Ok(Value::Null)
    }
    /// Files of a point's run directory that [`Experiment::measure`] reads besides
    /// `result.json` (E4's request records, E5's `stats.txt`); the full profile stores them with
    /// the point's result ([`crate::point_store`]) so that a fresh machine can gather it.
    /// None by default.
    fn run_files(&self, _point: &Point) -> Vec<&'static str> {
        Vec::new()
    }
    /// A plain-text table of the gathered numbers, printed after a sweep.
    fn summary(&self, file: &ResultsFile) -> String;
    /// A failed run that is a result of the experiment rather than a failure of the sweep
    /// (E5's no-budget point, which starves the latency-sensitive flow until the tick limit):
    /// the stand-in result made from its run directory (`error` is the run's failure). None,
    /// the default, keeps the point failed.
    fn result_of_failed_run(&self, _point: &Point, _dir: &Path, _error: &str) -> Option<RunResult> {
        None
    }
}

/// Every experiment, in the order of the brief: E1/E2, the E1 sensitivity sweep, E1 by stage,
/// E3, E4, E5.
pub static ALL: &[&dyn Experiment] = &[
    &wake::Wake,
    &wake_latency::WakeLatency,
    &wake_breakdown::WakeBreakdown,
    &context_switch::ContextSwitch,
    &syscall::Syscall,
    &load::experiment::Load,
    &budget::Budget,
];

/// An experiment name that does not exist, with the valid names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownExperiment(pub String);

impl std::fmt::Display for UnknownExperiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = ALL.iter().map(|e| e.name()).collect();
        write!(
            f,
            "unknown experiment '{}'; valid experiments: {} (or {ALL_NAME} for every one)",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownExperiment {}

/// The name that selects every experiment.
pub const ALL_NAME: &str = "all";

pub fn by_name(name: &str) -> Result<&'static dyn Experiment, UnknownExperiment> {
    ALL.iter()
        .copied()
        .find(|e| e.name() == name)
        .ok_or_else(|| UnknownExperiment(name.into()))
}

/// The experiments a command-line name selects: one, or every one for [`ALL_NAME`].
pub fn select(name: &str) -> Result<Vec<&'static dyn Experiment>, UnknownExperiment> {
    if name == ALL_NAME {
        Ok(ALL.to_vec())
    } else {
        Ok(vec![by_name(name)?])
    }
}

/// clap value parser for the experiment name.
pub fn parse_name(name: &str) -> Result<String, UnknownExperiment> {
    select(name).map(|_| name.to_string())
}

/// Version of the layout of `results/<name>.json`.
pub const SCHEMA: u32 = 1;

/// One run in `results/<name>.json`: everything needed to trace a number back to its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub labels: BTreeMap<String, String>,
    pub run_dir: PathBuf,
    pub spec: RunSpec,
    pub seed: u64,
    pub command_line: String,
    pub simulator_version: String,
    pub guest_git_describe: String,
    pub guest_sha256: String,
    /// The guest's `@result` records.
    pub guest_results: Vec<Value>,
    /// The measured-window stats dumps (ARCHITECTURE.md, contract 3).
    pub windows: Vec<DumpStats>,
    /// The experiment's numbers for this run ([`Experiment::measure`]).
    pub metrics: Value,
}

impl Record {
    /// The record's metrics as the experiment's struct (e.g. [`wake::WakeMetrics`]).
    pub fn metrics_as<M: DeserializeOwned>(&self) -> Result<M> {
        serde_json::from_value(self.metrics.clone())
            .with_context(|| format!("reading the metrics of record {}", self.id))
    }
}

/// The records of a results file, each with its metrics as the experiment's struct.
pub fn typed_records<M: DeserializeOwned>(file: &ResultsFile) -> Result<Vec<(&Record, M)>> {
    file.records
        .iter()
        .map(|r| Ok((r, r.metrics_as()?)))
        .collect()
}

/// Values of `key` among the records' labels, in first-seen order.
pub fn label_values(file: &ResultsFile, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &file.records {
        if let Some(v) = r.labels.get(key)
            && !out.contains(v)
        {
            out.push(v.clone());
        }
    }
    out
}

/// `results/<name>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    pub schema: u32,
    pub experiment: String,
    pub profile: Profile,
    /// The driver command that gathered the file.
    pub command: Vec<String>,
    pub generated_unix: u64,
    pub simulator: SimulatorInfo,
    pub guest_sha256: String,
    pub guest_git_describe: String,
    pub records: Vec<Record>,
    /// What [`Experiment::analyse`] derived from the records; absent when nothing.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub analysis: Value,
}

impl ResultsFile {
    pub fn path(results_dir: &Path, experiment: &str) -> PathBuf {
        results_dir.join(format!("{experiment}.json"))
    }
    pub fn svg_path(results_dir: &Path, experiment: &str) -> PathBuf {
        results_dir.join(format!("{experiment}.svg"))
    }
}

/// Gathers successful runs into the experiment's results file (not yet written).
pub fn gather(
    exp: &dyn Experiment,
    profile: Profile,
    runs: &[(&Point, &RunResult)],
    simulator: SimulatorInfo,
    image: &ImageId,
) -> Result<ResultsFile> {
    let mut records = Vec::new();
    for (point, result) in runs {
        let metrics = exp.measure(point, result).with_context(|| {
            format!("point {} (run dir {})", point.id, result.run_dir.display())
        })?;
        records.push(Record {
            id: point.id.clone(),
            labels: point.labels.clone(),
            run_dir: result.run_dir.clone(),
            spec: result.spec.clone(),
            seed: result.spec.seed,
            command_line: result.provenance.command_line.clone(),
            simulator_version: result.provenance.simulator.version.clone(),
            guest_git_describe: result.provenance.guest.git_describe.clone(),
            guest_sha256: result.provenance.guest.elf_sha256.clone(),
            guest_results: result.results.clone(),
            windows: result.measured().cloned().collect(),
            metrics,
        });
    }
    Ok(ResultsFile {
        schema: SCHEMA,
        experiment: exp.name().into(),
        profile,
        command: std::env::args().collect(),
        generated_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        simulator,
        guest_sha256: image.sha256.clone(),
        guest_git_describe: image.git_describe.clone(),
        records,
        analysis: Value::Null,
    })
}

/// Options of one experiment invocation.
pub struct RunOptions<'a> {
    pub profile: Profile,
    pub jobs: usize,
    pub resume: bool,
    pub timeout: Duration,
    pub image: &'a Path,
    pub root: &'a Path,
    /// Sweep directories go under here (`runs/`).
    pub runs_dir: PathBuf,
    /// `<name>.json` and `<name>.svg` go here (`results/`).
    pub results_dir: PathBuf,
    /// Where the points run.
    pub backend: sweep::Backend,
}

/// Sweep, gather, write `<name>.json`, draw `<name>.svg`; returns the written file.
pub fn run(exp: &dyn Experiment, opts: &RunOptions<'_>) -> Result<ResultsFile> {
    let points = exp.points(opts.profile);
    let sims: Vec<Sim> = points.iter().map(|p| p.spec.sim()).collect();
    let sim = sims
        .first()
        .copied()
        .context("the experiment has no points")?;
    anyhow::ensure!(
        sims.iter().all(|s| *s == sim),
        "an experiment's points must use one simulator"
    );
    let simulator = Simulator::find(sim, opts.root)?;
    if points.iter().any(|p| p.spec.sim.coro_sched().is_some()) {
        simulator.require_coro_sched()?;
    }
    let image_id = ImageId::of(opts.root, opts.image)?;
    println!(
        "{}: {} points on {} {} ({}), guest {} ({}…), {} jobs",
        exp.name(),
        points.len(),
        simulator.info().name,
        simulator.info().version,
        simulator.info().binary.display(),
        image_id.git_describe,
        &image_id.sha256[..12],
        opts.jobs
    );
    let run_files = |p: &Point| exp.run_files(p);
    let store = point_store(opts.profile, &opts.results_dir, exp.name(), &run_files);
    let cfg = SweepConfig {
        dir: opts.runs_dir.join(exp.name()),
        jobs: opts.jobs,
        resume: opts.resume,
        timeout: opts.timeout,
        image: opts.image,
        image_id: &image_id,
        simulator: &simulator,
        root: opts.root,
        store: store.as_ref(),
    };
    let mut outcomes = sweep::run_sweep_on(&cfg, &points, &opts.backend)?;
    println!("\n{}", sweep::table(&outcomes));
    for o in outcomes.iter_mut() {
        if let (None, sweep::Status::Failed(e)) = (&o.result, &o.status)
            && let Some(r) = exp.result_of_failed_run(&o.point, &o.dir, e)
        {
            println!(
                "{}: the failed run is recorded as a result ({})",
                o.point.id,
                e.lines().next().unwrap_or("")
            );
            o.result = Some(r);
        }
    }
    let runs = sweep::require_all(&outcomes)?;
    let mut file = gather(exp, opts.profile, &runs, simulator.info(), &image_id)?;
    file.analysis = exp.analyse(&file)?;
    std::fs::create_dir_all(&opts.results_dir)
        .with_context(|| format!("creating {}", opts.results_dir.display()))?;
    let json = ResultsFile::path(&opts.results_dir, exp.name());
    results::write_json_atomic(&json, &file)?;
    // The archive copies each run's samples file as the device wrote it (every column and
    // marker, byte for byte), which `result.json` deliberately does not keep; it is made here,
    // right after the sweep that made or resumed those runs in `runs/`, rather than when each
    // run is made, so that `results/raw/` only ever holds the samples of a gathered file's
    // records (a failed sweep or a lone `driver run` leaves it alone). The numbers themselves
    // come from `result.json` alone (`RunResult::device_samples`).
    let raw_runs: Vec<(&str, &Path)> = runs
        .iter()
        .map(|(point, result)| (point.id.as_str(), result.run_dir.as_path()))
        .collect();
    let raw = raw_samples::archive(&opts.results_dir, exp.name(), &raw_runs)?;
    if let Some(store) = &store {
        store.remove_others(&points)?;
    }
    let svgs = exp.figures(&file, &opts.results_dir)?;
    println!("{}", exp.summary(&file));
    let svgs: Vec<String> = svgs.iter().map(|p| p.display().to_string()).collect();
    println!("wrote {} and {}", json.display(), svgs.join(", "));
    if !raw.is_empty() {
        println!(
            "archived the raw samples of {} runs in {}",
            raw.len(),
            raw_samples::dir(&opts.results_dir, exp.name()).display()
        );
    }
    Ok(file)
}

/// The committed store of a profile's finished points: the full profile's only, which runs
/// for hours in parts across sessions (`results/full/points/<experiment>/`); a quick run is
/// made again in minutes and its results file is committed whole.
pub fn point_store<'a>(
    profile: Profile,
    results_dir: &Path,
    experiment: &str,
    run_files: &'a PointFiles<'a>,
) -> Option<PointStore<'a>> {
    (profile == Profile::Full).then(|| PointStore::new(results_dir, experiment, run_files))
}

/// Redraws the figure of every experiment whose results file is in `results_dir`; returns the
/// SVGs written.
pub fn redraw_all(results_dir: &Path, allow_mixed_devices: bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for exp in ALL {
        let json = ResultsFile::path(results_dir, exp.name());
        if json.exists() {
            let file: ResultsFile = results::read_json(&json)?;
            files.push((exp, json, file));
        }
    }
    if !allow_mixed_devices {
        let hashes: Vec<(&Path, String)> = files
            .iter()
            .map(|(_, json, f)| (json.as_path(), device_hash_of(f)))
            .collect();
        check_one_device(&hashes)?;
    }
    let mut written = Vec::new();
    for (exp, json, file) in files {
        let svgs = exp
            .figures(&file, results_dir)
            .with_context(|| format!("drawing the figures of {}", json.display()))?;
        written.extend(svgs);
    }
    Ok(written)
}

/// The device-sources hash of the gem5 binary a results file was made with (`none` for QEMU or
/// a file made before hashes were recorded).
fn device_hash_of(file: &ResultsFile) -> String {
    file.simulator
        .device_sources
        .as_ref()
        .map_or_else(|| "none".into(), |d| d.binary.clone())
}

/// The figures in `results/` are read side by side (the README's tables compare wake paths
/// across experiments), so `driver figures` draws them only when every results file comes from
/// one device build; otherwise two devices would be compared without anyone saying so.
fn check_one_device(files: &[(&Path, String)]) -> Result<()> {
    let distinct: std::collections::BTreeSet<&str> =
        files.iter().map(|(_, h)| h.as_str()).collect();
    if distinct.len() > 1 {
        let list: Vec<String> = files
            .iter()
            .map(|(p, h)| format!("{} ({})", p.display(), &h[..h.len().min(12)]))
            .collect();
        anyhow::bail!(
            "the results files come from gem5 binaries with different device sources: {}; re-run \
             the stale experiments with the current build, or draw anyway with \
             --allow-mixed-devices",
            list.join(", ")
        );
    }
    Ok(())
}

/// A number from a JSON value written by [`results::json_number`] or by the guest.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s == "nan" => Some(f64::NAN),
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A results file of `records` from a fixed gem5 identity, for tests that read one.
#[cfg(test)]
pub(crate) fn sample_file(
    experiment: &str,
    profile: Profile,
    guest: &str,
    records: Vec<Record>,
) -> ResultsFile {
    ResultsFile {
        schema: 1,
        experiment: experiment.into(),
        profile,
        command: vec![],
        generated_unix: 0,
        simulator: crate::results::SimulatorInfo {
            name: "gem5".into(),
            binary: "g".into(),
            version: "24.0.0.1".into(),
            build: "b".into(),
            device_sources: None,
            config_scripts: None,
        },
        guest_sha256: guest.into(),
        guest_git_describe: guest.into(),
        records,
        analysis: serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_profile_writes_beside_the_quick_results_not_over_them() {
        let base = std::path::Path::new("results");
        assert_eq!(Profile::Quick.dir(base), base);
        assert_eq!(Profile::Full.dir(base), base.join("full"));
    }

    #[test]
    fn figures_refuse_results_of_two_device_builds() {
        let a = Path::new("results/wake.json");
        let b = Path::new("results/wake-latency.json");
        check_one_device(&[(a, "aa".into()), (b, "aa".into())]).unwrap();
        let e = check_one_device(&[(a, "aa".into()), (b, "bb".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("results/wake.json (aa)"), "{e}");
        assert!(e.contains("--allow-mixed-devices"), "{e}");
    }

    #[test]
    fn unknown_experiment_lists_the_valid_ones() {
        let msg = parse_name("e9").unwrap_err().to_string();
        assert_eq!(
            msg,
            "unknown experiment 'e9'; valid experiments: wake, wake-latency, wake-breakdown, \
             context-switch, syscall, load, budget (or all for every one)"
        );
        assert_eq!(parse_name("context-switch").unwrap(), "context-switch");
        assert_eq!(parse_name("wake-latency").unwrap(), "wake-latency");
        assert_eq!(select("all").unwrap().len(), ALL.len());
    }

    #[test]
    fn point_ids_are_unique_and_specs_valid() {
        for exp in ALL {
            for profile in [Profile::Quick, Profile::Full, Profile::Smoke] {
                let points = exp.points(profile);
                let mut ids: Vec<_> = points.iter().map(|p| &p.id).collect();
                ids.sort();
                ids.dedup();
                assert_eq!(ids.len(), points.len(), "{} {profile:?}", exp.name());
                for p in &points {
                    p.spec.run_config().unwrap();
                }
            }
        }
    }
}
