//! E1 (wake latency by wake path) and E2 (CPU cost per wake), on the CoroSched device.
//!
//! Sweep: wake path {irq, poll, hwq, ring} × CPU {minor, o3} × background {idle, busy}, app
//! `wake`, the device at its default placement and latency (on-chip, 2 ns, 16 entries),
//! `iterations` = the number of measured wakes ([`sizes`]). Per run:
//!
//! - **E1** from the device's raw samples (`<run dir>/coro_sched_wakes.csv`,
//!   [`crate::coro_sched::samples`]): cycles from the tick the event fired to the tick the woken
//!   task's `RESUME` write reached the device. Only the samples of the measured phase count:
//!   the guest warms up, then resets the stats (`m5_reset_stats`) and measures, so the samples
//!   are those of the measured stats dumps' windows (the `# reset`/`# dump` markers the device
//!   writes at every stats reset and dump). If the file's markers do not match `stats.txt`
//!   (no markers, fewer dumps), the last `wakes` samples are taken instead and the record says
//!   so (`samples.selection`). Either way the count must equal the guest's `wakes`. Summaries:
//!   the exact nearest-rank one ([`Summary::from_samples`], plotted) and HdrHistogram's with 3
//!   significant digits ([`Summary::histogram_with_precision`] + [`Summary::from_histogram`]),
//!   over all the run's samples (`latency`, `latency_hdr`) and by the path the device recorded
//!   (`latency_by_path`: the run's path, and `fallback` for hwq/ring wakes that fell back to
//!   the interrupt).
//! - **E2** from the guest's record (busy runs): background work units and cycles without
//!   events (`bg_units_without` U0 in `bg_cycles_without` C0) and with them (U1 in C1). The
//!   cycles lost per wake are C1 − U1·C0/U0 (the cycles the same work took beyond its pace
//!   without events) over the measured wakes; the driver recomputes it from the four numbers
//!   and the sample count and fails the record if the guest's `lost_cycles_per_wake` differs by
//!   more than 1 % and more than 1 cycle (the guest may compute in integers).
//! - The device's stats of the measured dump(s) (`system.**coro_sched.*`): every one as the
//!   device named it (`device_stats`), and the counts summed over the measured windows
//!   (`device`: events, wakes by path, fallbacks, resumes by path, queue-depth distribution, …).
//!   `resumesByPath::<path>` must agree with the samples of that path.
//!
//! The guest's `@result` record (one per run; extra fields are ignored, numbers may be
//! integers, floats or numeric strings): `{"bench":"wake","path":P,"busy":B,"wakes":N,
//! "timeouts":T,…}` plus, when B = 1, `bg_units_without`, `bg_cycles_without`,
//! `bg_units_with`, `bg_cycles_with`, `lost_cycles_per_wake`. `path` and `busy`, when present,
//! must match the run; `wakes` (> 0) and `timeouts` are required; T > 0 is a failed run (a lost
//! wake).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use runconfig::{App, Choice, Mechanism};
use serde_json::{Map, Value, json};

use super::{Experiment, Profile, Record, ResultsFile, number};
use crate::coro_sched::samples::{Sample, Samples, WakePath};
use crate::coro_sched::{self, CoroSchedSpec};
use crate::figures::{BarChart, Whisker};
use crate::results::{RunResult, json_number};
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::summary::Summary;
use crate::sweep::Point;

pub struct Wake;

/// The wake paths, in figure order.
pub const PATHS: &[Mechanism] = &[
    Mechanism::Irq,
    Mechanism::Poll,
    Mechanism::Hwq,
    Mechanism::Ring,
];
/// Seed of every run (recorded with each result): the device's event generator and the guest.
pub const SEED: u64 = 1;
/// Simulated time after which a run counts as hung: 1 s, far beyond 10,000 wakes at the
/// default 20,000-cycle interval (50 ms at 4 GHz, twice for busy runs).
pub const MAX_TICKS: u64 = 1_000_000_000_000;
/// Significant digits of the HdrHistogram summary recorded beside the exact one.
pub const HDR_SIGFIG: u8 = 3;
/// Tolerance of E2's cross-check: relative, and absolute in cycles.
pub const E2_TOLERANCE: (f64, f64) = (0.01, 1.0);

/// The size of the sweep per profile: the one table to change. The quick profile's events come
/// every 5,000–15,000 cycles (the wakes take hundreds to a few thousand), which halves its
/// simulated time so that `just run-experiment` fits in 15 minutes on two cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Measured wakes per run (`iterations`).
    pub wakes: u64,
    pub cpus: &'static [Cpu],
    pub paths: &'static [Mechanism],
    /// Values of the app parameter `busy`: 0 = idle core, 1 = background work.
    pub busy: &'static [u64],
    /// Mean cycles between events (app parameter `interval`): simulated time per wake.
    pub interval: u64,
}

pub fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            wakes: 50,
            cpus: &[Cpu::Minor],
            paths: PATHS,
            busy: &[0, 1],
            interval: 20_000,
        },
        Profile::Quick => Sizes {
            wakes: 1_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            paths: PATHS,
            busy: &[0, 1],
            interval: 10_000,
        },
        Profile::Full => Sizes {
            wakes: 10_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            paths: PATHS,
            busy: &[0, 1],
            interval: 20_000,
        },
    }
}

/// `idle` or `busy`, the label of a value of the app parameter `busy`.
pub fn load_name(busy: u64) -> &'static str {
    if busy == 0 { "idle" } else { "busy" }
}

/// The spec of one wake run (E1/E2 and the latency sweep).
pub fn spec(
    cpu: Cpu,
    path: Mechanism,
    busy: u64,
    wakes: u64,
    interval: u64,
    device: CoroSchedSpec,
) -> RunSpec {
    RunSpec::new(SpecRequest {
        app: App::Wake,
        mechanism: Some(path.name()),
        cores: 1,
        iterations: wakes,
        seed: SEED,
        params: &[
            ("busy".to_string(), busy),
            ("interval".to_string(), interval),
        ],
        sim: SimSpec::Gem5 {
            cpu,
            max_ticks: MAX_TICKS,
            coro_sched: Some(device),
        },
    })
    .expect("wake paths and parameters come from the app's own lists")
}

impl Experiment for Wake {
    fn name(&self) -> &'static str {
        "wake"
    }

    fn about(&self) -> &'static str {
        "E1/E2: event-to-resume cycles and background cycles lost per wake, by wake path"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        let s = sizes(profile);
        let mut points = Vec::new();
        for &cpu in s.cpus {
            for &busy in s.busy {
                for &path in s.paths {
                    points.push(Point {
                        id: format!("{}-{}-{}", cpu.name(), path.name(), load_name(busy)),
                        spec: spec(
                            cpu,
                            path,
                            busy,
                            s.wakes,
                            s.interval,
                            CoroSchedSpec::default(),
                        ),
                        labels: BTreeMap::from([
                            ("cpu".to_string(), cpu.name().to_string()),
                            ("path".to_string(), path.name().to_string()),
                            ("load".to_string(), load_name(busy).to_string()),
                        ]),
                    });
                }
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        measure(point, result)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        Ok(latency_chart(file).write_svg(svg)?)
    }

    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)
            .with_context(|| format!("drawing {}", svg.display()))?;
        let mut written = vec![svg];
        let cost = results_dir.join(format!("{}-cost.svg", self.name()));
        if let Some(chart) = cost_chart(file) {
            chart
                .write_svg(&cost)
                .with_context(|| format!("drawing {}", cost.display()))?;
            written.push(cost);
        }
        Ok(written)
    }

    fn summary(&self, file: &ResultsFile) -> String {
        summary(file)
    }
}

// ---- the guest's record ---------------------------------------------------------------------

/// A number in the guest's record: a JSON number, a numeric string, or `"nan"`/`"inf"`.
fn guest_number(record: &Value, field: &str) -> Option<f64> {
    let v = record.get(field)?;
    number(v).or_else(|| v.as_str()?.trim().parse().ok())
}

fn required(record: &Value, field: &str) -> Result<f64> {
    guest_number(record, field)
        .with_context(|| format!("the guest's wake record has no number \"{field}\": {record}"))
}

/// What the guest reports about the background work of a busy run (E2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Background {
    pub units_without: f64,
    pub cycles_without: f64,
    pub units_with: f64,
    pub cycles_with: f64,
    /// The guest's own lost cycles per wake.
    pub lost_per_wake: f64,
}

/// The parts of the guest's record the driver uses.
#[derive(Clone, Debug, PartialEq)]
pub struct GuestWake {
    pub wakes: u64,
    pub timeouts: u64,
    /// Present for busy runs.
    pub background: Option<Background>,
    /// The guest's other numbers, kept for the record when present ([`GUEST_EXTRAS`]).
    pub extras: Map<String, Value>,
}

/// Optional numbers of the guest's record copied into the metrics (`guest`): warm-up wakes,
/// generator interval and background chunk, the measured window's cycles (PMU), how often the
/// core waited idle in it (about 2 per wake when it truly sleeps: the exception return's event,
/// then the sleep), the wakes its software saw by the irq and poll paths, and the device's
/// FALLBACKS register.
pub const GUEST_EXTRAS: &[&str] = &[
    "warmup",
    "interval",
    "chunk",
    "window_cycles",
    "idle_waits",
    "irq_wakes",
    "poll_wakes",
    "fallbacks",
];

/// Finds and checks the `wake` record of a run.
pub fn guest_record(spec: &RunSpec, results: &[Value]) -> Result<GuestWake> {
    let record = results
        .iter()
        .find(|r| r.get("bench").and_then(Value::as_str) == Some("wake"))
        .context("the guest printed no @result record with \"bench\":\"wake\"")?;
    if let Some(p) = record.get("path").and_then(Value::as_str) {
        ensure!(
            p == spec.mechanism,
            "the guest ran path {p}, the run asked for {}",
            spec.mechanism
        );
    }
    let busy = spec.params.get("busy").copied().unwrap_or(0);
    if let Some(b) = guest_number(record, "busy") {
        ensure!(
            b == busy as f64,
            "the guest ran with busy={b}, the run asked for busy={busy}"
        );
    }
    let count = |field: &str| -> Result<u64> {
        let v = required(record, field)?;
        ensure!(
            v >= 0.0 && v.fract() == 0.0,
            "the guest's \"{field}\" is {v}, not a count"
        );
        Ok(v as u64)
    };
    let wakes = count("wakes")?;
    let timeouts = count("timeouts")?;
    ensure!(
        timeouts == 0,
        "the guest lost {timeouts} of its wakes (\"timeouts\": {timeouts}): a failed run"
    );
    ensure!(wakes > 0, "the guest measured no wakes (\"wakes\": 0)");
    if spec.sim.coro_sched().is_some() {
        ensure!(
            record.get("device") != Some(&Value::Bool(false)),
            "the guest found no CoroSched device (\"device\": false) although the run has one"
        );
    }
    let extras = GUEST_EXTRAS
        .iter()
        .filter_map(|f| Some(((*f).to_string(), json_number(guest_number(record, f)?))))
        .collect();
    let background = if busy != 0 {
        Some(Background {
            units_without: required(record, "bg_units_without")?,
            cycles_without: required(record, "bg_cycles_without")?,
            units_with: required(record, "bg_units_with")?,
            cycles_with: required(record, "bg_cycles_with")?,
            lost_per_wake: required(record, "lost_cycles_per_wake")?,
        })
    } else {
        None
    };
    Ok(GuestWake {
        wakes,
        timeouts,
        background,
        extras,
    })
}

/// E2: cycles of background work lost per wake, C1 − U1·C0/U0 over `wakes`.
pub fn lost_cycles_per_wake(bg: &Background, wakes: u64) -> Result<f64> {
    ensure!(
        bg.units_without > 0.0 && bg.cycles_without > 0.0,
        "the background did no work without events (bg_units_without {}, bg_cycles_without {}): \
         no pace to compare with",
        bg.units_without,
        bg.cycles_without
    );
    ensure!(wakes > 0, "no wakes to divide by");
    let pace = bg.cycles_without / bg.units_without;
    Ok((bg.cycles_with - bg.units_with * pace) / wakes as f64)
}

/// Whether the guest's and the driver's E2 numbers agree ([`E2_TOLERANCE`]).
pub fn e2_agrees(guest: f64, driver: f64) -> bool {
    let (rel, abs) = E2_TOLERANCE;
    (guest - driver).abs() <= (rel * driver.abs()).max(abs)
}

// ---- the samples of the measured phase ------------------------------------------------------

/// How the samples of the measured phase were picked.
pub const BY_DUMP_WINDOW: &str = "stats-dump-window";
pub const LAST_WAKES: &str = "last-wakes";

/// The samples of the measured phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub samples: Vec<Sample>,
    /// [`BY_DUMP_WINDOW`] or [`LAST_WAKES`].
    pub method: &'static str,
    /// The stats dumps whose windows hold the samples (by-window selection only).
    pub dumps: Vec<usize>,
    /// Why the fallback was used.
    pub note: Option<String>,
}

/// Picks the measured-phase samples: the windows of the `measured` stats dumps when the file's
/// markers cover them, else the last `wakes` samples. The count must equal `wakes`.
pub fn select_samples(file: &Samples, measured: &[usize], wakes: u64) -> Result<Selection> {
    let windows = file.dump_windows();
    let covered = !measured.is_empty() && measured.iter().all(|&d| d < windows.len());
    if covered {
        let mut indices = BTreeSet::new();
        let mut dumps = Vec::new();
        for &d in measured {
            if !windows[d].is_empty() {
                dumps.push(d);
            }
            indices.extend(windows[d].clone());
        }
        let samples: Vec<Sample> = indices.into_iter().map(|i| file.samples[i]).collect();
        ensure!(
            samples.len() as u64 == wakes,
            "the measured stats dump(s) {measured:?} hold {} wake samples in {}, but the guest \
             reports {wakes} wakes",
            samples.len(),
            coro_sched::SAMPLES_FILE
        );
        return Ok(Selection {
            samples,
            method: BY_DUMP_WINDOW,
            dumps,
            note: None,
        });
    }
    let note = format!(
        "{} has {} '# dump' markers and stats.txt's measured dumps are {measured:?}: took the \
         last {wakes} samples",
        coro_sched::SAMPLES_FILE,
        windows.len()
    );
    let n = file.samples.len();
    ensure!(
        n as u64 >= wakes,
        "{} has {n} wake samples, fewer than the {wakes} wakes the guest reports",
        coro_sched::SAMPLES_FILE
    );
    Ok(Selection {
        samples: file.samples[n - wakes as usize..].to_vec(),
        method: LAST_WAKES,
        dumps: Vec::new(),
        note: Some(note),
    })
}

/// The exact and the HdrHistogram summary of some cycles.
fn summaries(cycles: &[u64]) -> Result<(Summary, Summary)> {
    let exact = Summary::from_samples(cycles)?;
    let hdr = Summary::from_histogram(&Summary::histogram_with_precision(cycles, HDR_SIGFIG)?)?;
    Ok((exact, hdr))
}

// ---- the device's stats ---------------------------------------------------------------------

/// Device stats (name as the device registers it → value) of each given measured dump.
fn device_stats(result: &RunResult, dumps: &[usize]) -> BTreeMap<usize, BTreeMap<String, f64>> {
    result
        .measured()
        .filter(|d| dumps.contains(&d.index))
        .map(|d| {
            let stats = d
                .stats
                .iter()
                .filter_map(|(k, v)| Some((coro_sched::stat_name(k)?.to_string(), number(v)?)))
                .collect();
            (d.index, stats)
        })
        .collect()
}

/// Counters summed over the windows.
const COUNTS: &[&str] = &[
    "events",
    "genFires",
    "fallbacks",
    "irqRaises",
    "overruns",
    "resumes",
    "spuriousResumes",
    "pops",
    "emptyPops",
    "ringWrites",
    "eventSignals",
    "latched",
    "coalesced",
    "bindings",
    "rebinds",
    "bindErrors",
    "unbinds",
    "errors",
];

/// The device's counts over the measured windows: the scalars of [`COUNTS`], `wakes` and
/// `resumes_by_path` by path, and the queue-depth distribution (`queue_depth`: samples,
/// buckets depth → count, overflows, max, mean).
fn device_summary(per_dump: &BTreeMap<usize, BTreeMap<String, f64>>) -> Value {
    let sum = |name: &str| -> Option<f64> {
        let vals: Vec<f64> = per_dump
            .values()
            .filter_map(|s| s.get(name).copied())
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum())
    };
    let mut out = Map::new();
    for name in COUNTS {
        if let Some(v) = sum(name) {
            out.insert((*name).into(), json_number(v));
        }
    }
    for (key, stat) in [("wakes", "wakes"), ("resumes_by_path", "resumesByPath")] {
        let by_path: Map<String, Value> = WakePath::ALL
            .iter()
            .filter_map(|p| {
                Some((
                    p.name().to_string(),
                    json_number(sum(&format!("{stat}::{p}"))?),
                ))
            })
            .collect();
        if !by_path.is_empty() {
            out.insert(key.into(), Value::Object(by_path));
        }
    }
    // queueDepth::<depth> buckets (gem5 prints `::1`, `::2`, … for a bucket size of 1).
    let mut buckets: BTreeMap<u64, f64> = BTreeMap::new();
    for stats in per_dump.values() {
        for (name, v) in stats {
            if let Some(depth) = name
                .strip_prefix("queueDepth::")
                .and_then(|d| d.parse::<u64>().ok())
            {
                *buckets.entry(depth).or_default() += v;
            }
        }
    }
    let samples = sum("queueDepth::samples");
    if samples.is_some() || !buckets.is_empty() {
        let counted: f64 = buckets.values().sum();
        let weighted: f64 = buckets.iter().map(|(d, c)| *d as f64 * c).sum();
        let max = per_dump
            .values()
            .filter_map(|s| s.get("queueDepth::max_value").copied())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        out.insert(
            "queue_depth".into(),
            json!({
                "samples": samples.map(json_number),
                "buckets": buckets.iter().map(|(d, c)| (d.to_string(), json_number(*c))).collect::<Map<_, _>>(),
                "overflows": sum("queueDepth::overflows").map(json_number),
                "max": max.map(json_number),
                "mean": if counted > 0.0 { json_number(weighted / counted) } else { Value::Null },
            }),
        );
    }
    Value::Object(out)
}

// ---- one run ----------------------------------------------------------------------------------

/// The numbers of one wake run (see the module docs); shared with the latency sweep.
pub fn measure(point: &Point, result: &RunResult) -> Result<Value> {
    let spec = &point.spec;
    let device = spec
        .sim
        .coro_sched()
        .context("the run has no CoroSched device; the wake app needs it")?;
    let guest = guest_record(spec, &result.results)?;

    let csv = result.run_dir.join(coro_sched::SAMPLES_FILE);
    let file = Samples::read(&csv)?;
    let measured: Vec<usize> = result.measured().map(|d| d.index).collect();
    let sel = select_samples(&file, &measured, guest.wakes)
        .with_context(|| format!("selecting the measured samples of {}", csv.display()))?;

    let allowed = [
        WakePath::from_name(&spec.mechanism),
        Some(WakePath::Fallback),
    ];
    if let Some(s) = sel
        .samples
        .iter()
        .find(|s| !allowed.contains(&Some(s.path)))
    {
        bail!(
            "{}:{}: a sample of path {} in a {} run (only {} and fallback belong to it)",
            csv.display(),
            s.line,
            s.path,
            spec.mechanism,
            spec.mechanism
        );
    }
    let all: Vec<u64> = sel.samples.iter().map(|s| s.cycles).collect();
    let (exact, hdr) = summaries(&all)?;
    let by_path = Samples::cycles_by_path(&sel.samples);
    let mut latency_by_path = Map::new();
    for (path, cycles) in &by_path {
        let (e, h) = summaries(cycles)?;
        latency_by_path.insert(path.name().into(), json!({"exact": e, "hdr": h}));
    }

    // The device's stats of the windows that hold the samples (all measured dumps otherwise).
    let stat_dumps = if sel.method == BY_DUMP_WINDOW {
        &sel.dumps
    } else {
        &measured
    };
    let per_dump = device_stats(result, stat_dumps);
    ensure!(
        per_dump.values().any(|s| !s.is_empty()),
        "the measured stats dump(s) {stat_dumps:?} have no CoroSched stats (looked for {})",
        coro_sched::STATS_PATTERN
    );
    let dev = device_summary(&per_dump);
    if sel.method == BY_DUMP_WINDOW {
        for (path, cycles) in &by_path {
            if let Some(n) = dev
                .pointer(&format!("/resumes_by_path/{path}"))
                .and_then(number)
            {
                ensure!(
                    n == cycles.len() as f64,
                    "the device's stats count {n} resumes of path {path} in the measured dump(s) \
                     {:?}, {} has {} samples of it there",
                    sel.dumps,
                    coro_sched::SAMPLES_FILE,
                    cycles.len()
                );
            }
        }
    }

    let mut m = Map::new();
    m.insert("path".into(), json!(spec.mechanism));
    m.insert(
        "busy".into(),
        json!(spec.params.get("busy").copied().unwrap_or(0)),
    );
    m.insert("wakes".into(), json!(guest.wakes));
    m.insert("timeouts".into(), json!(guest.timeouts));
    m.insert("guest".into(), Value::Object(guest.extras.clone()));
    m.insert(
        "coro_sched".into(),
        json!({
            "placement": device.placement,
            "base": format!("{:#x}", device.base()),
            "pio_latency": device.pio_latency,
            "pio_latency_ns": json_number(device.pio_latency.ns()),
            "queue_depth": device.queue_depth,
        }),
    );
    m.insert(
        "samples".into(),
        json!({
            "file": csv,
            "selection": sel.method,
            "dumps": sel.dumps,
            "note": sel.note,
            "count": all.len(),
            "by_path": by_path.iter().map(|(p, c)| (p.name().to_string(), json!(c.len()))).collect::<Map<_, _>>(),
        }),
    );
    m.insert("latency".into(), json!(exact));
    m.insert("latency_hdr".into(), json!(hdr));
    m.insert("latency_by_path".into(), Value::Object(latency_by_path));
    if let Some(bg) = &guest.background {
        let lost = lost_cycles_per_wake(bg, all.len() as u64)?;
        ensure!(
            e2_agrees(bg.lost_per_wake, lost),
            "the guest reports {} background cycles lost per wake, the driver computes {lost:.3} \
             from (bg_cycles_with {} - bg_units_with {} × bg_cycles_without {} / bg_units_without \
             {}) / {} samples",
            bg.lost_per_wake,
            bg.cycles_with,
            bg.units_with,
            bg.cycles_without,
            bg.units_without,
            all.len()
        );
        m.insert("lost_cycles_per_wake".into(), json_number(lost));
        m.insert(
            "e2".into(),
            json!({
                "bg_units_without": json_number(bg.units_without),
                "bg_cycles_without": json_number(bg.cycles_without),
                "bg_units_with": json_number(bg.units_with),
                "bg_cycles_with": json_number(bg.cycles_with),
                "cycles_per_unit_without": json_number(bg.cycles_without / bg.units_without),
                "lost_cycles": json_number(lost * all.len() as f64),
                "lost_cycles_per_wake": json_number(lost),
                "lost_cycles_per_wake_guest": json_number(bg.lost_per_wake),
            }),
        );
    }
    m.insert("device".into(), dev);
    m.insert(
        "device_stats".into(),
        json!(
            per_dump
                .iter()
                .map(|(d, s)| (
                    d.to_string(),
                    Value::Object(
                        s.iter()
                            .map(|(k, v)| (k.clone(), json_number(*v)))
                            .collect()
                    )
                ))
                .collect::<Map<_, _>>()
        ),
    );
    Ok(Value::Object(m))
}

// ---- figures and tables -------------------------------------------------------------------------

/// The record for (cpu, path, load), if the file has it.
fn find<'a>(file: &'a ResultsFile, cpu: &str, path: &str, load: &str) -> Option<&'a Record> {
    file.records.iter().find(|r| {
        r.labels.get("cpu").map(String::as_str) == Some(cpu)
            && r.labels.get("path").map(String::as_str) == Some(path)
            && r.labels.get("load").map(String::as_str) == Some(load)
    })
}

/// A field of a record's metrics by JSON pointer, e.g. `/latency/mean`.
pub fn metric(r: &Record, pointer: &str) -> Option<f64> {
    r.metrics.pointer(pointer).and_then(number)
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

/// Paths present in the file, in [`PATHS`] order.
fn paths_in(file: &ResultsFile) -> Vec<&'static str> {
    let present = label_values(file, "path");
    PATHS
        .iter()
        .map(|p| p.name())
        .filter(|p| present.iter().any(|q| q == p))
        .collect()
}

/// E1: grouped bars, groups "<cpu> idle" / "<cpu> busy", one bar per path (mean), whiskers
/// p50..p99.
pub fn latency_chart(file: &ResultsFile) -> BarChart {
    let wakes = file.records.first().map_or(0, |r| r.spec.iterations);
    let mut groups = Vec::new();
    for cpu in label_values(file, "cpu") {
        for load in ["idle", "busy"] {
            if file.records.iter().any(|r| {
                r.labels.get("cpu") == Some(&cpu)
                    && r.labels.get("load").map(String::as_str) == Some(load)
            }) {
                groups.push((cpu.clone(), load));
            }
        }
    }
    let mut chart = BarChart::new(
        format!(
            "E1: event-to-resume latency by wake path ({wakes} wakes/point, gem5 {})",
            file.simulator.version
        ),
        "cycles from event to resume (bar: mean, whisker: p50..p99)",
        groups.iter().map(|(c, l)| format!("{c} {l}")).collect(),
    );
    chart.x_label = "gem5 CPU model, waiting core idle or busy with background work".into();
    for path in paths_in(file) {
        let get = |(cpu, load): &(String, &str), ptr: &str| {
            find(file, cpu, path, load)
                .and_then(|r| metric(r, ptr))
                .unwrap_or(f64::NAN)
        };
        let values = groups.iter().map(|g| get(g, "/latency/mean")).collect();
        let whiskers = groups
            .iter()
            .map(|g| Whisker {
                low: get(g, "/latency/p50"),
                high: get(g, "/latency/p99"),
            })
            .collect();
        chart = chart.series_with_whiskers(path, values, whiskers);
    }
    chart
}

/// E2: bars of background cycles lost per wake, busy runs only, groups = CPUs, series = paths;
/// `None` if the file has no busy run.
pub fn cost_chart(file: &ResultsFile) -> Option<BarChart> {
    let busy: Vec<&Record> = file
        .records
        .iter()
        .filter(|r| r.labels.get("load").map(String::as_str) == Some("busy"))
        .collect();
    if busy.is_empty() {
        return None;
    }
    let cpus = label_values(file, "cpu");
    let wakes = busy[0].spec.iterations;
    let mut chart = BarChart::new(
        format!(
            "E2: background cycles lost per wake ({wakes} wakes/point, gem5 {})",
            file.simulator.version
        ),
        "background cycles lost per wake",
        cpus.clone(),
    );
    chart.x_label = "gem5 CPU model (waiting core busy with background work)".into();
    for path in paths_in(file) {
        let values = cpus
            .iter()
            .map(|cpu| {
                find(file, cpu, path, "busy")
                    .and_then(|r| metric(r, "/lost_cycles_per_wake"))
                    .unwrap_or(f64::NAN)
            })
            .collect();
        chart = chart.series(path, values);
    }
    Some(chart)
}

fn summary(file: &ResultsFile) -> String {
    let cpus = label_values(file, "cpu");
    let paths = paths_in(file);
    let mut out = format!("{:<10}", "E1 cycles");
    let mut cols = Vec::new();
    for cpu in &cpus {
        for load in ["idle", "busy"] {
            cols.push((cpu.clone(), load));
            out.push_str(&format!("{:>28}", format!("{cpu} {load} mean (p50, p99)")));
        }
    }
    out.push('\n');
    for path in &paths {
        out.push_str(&format!("{path:<10}"));
        for (cpu, load) in &cols {
            let cell = find(file, cpu, path, load)
                .and_then(|r| {
                    let g = |p: &str| metric(r, &format!("/latency/{p}"));
                    Some(format!("{:.1} ({}, {})", g("mean")?, g("p50")?, g("p99")?))
                })
                .unwrap_or_else(|| "-".into());
            out.push_str(&format!("{cell:>28}"));
        }
        out.push('\n');
    }
    out.push_str(&format!("\n{:<10}", "E2 lost"));
    for cpu in &cpus {
        out.push_str(&format!("{:>22}", format!("{cpu} cycles/wake")));
    }
    out.push('\n');
    for path in &paths {
        out.push_str(&format!("{path:<10}"));
        for cpu in &cpus {
            let cell = find(file, cpu, path, "busy")
                .and_then(|r| metric(r, "/lost_cycles_per_wake"))
                .map_or_else(|| "-".into(), |v| format!("{v:.1}"));
            out.push_str(&format!("{cell:>22}"));
        }
        out.push('\n');
    }
    let fell_back: Vec<String> = file
        .records
        .iter()
        .filter_map(|r| {
            let n = metric(r, "/samples/by_path/fallback")?;
            (n > 0.0).then(|| format!("{} ({n})", r.id))
        })
        .collect();
    if !fell_back.is_empty() {
        out.push_str(&format!(
            "\nwakes that fell back to the interrupt: {}\n",
            fell_back.join(", ")
        ));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::results::{DumpStats, Window};

    pub(crate) fn result(
        dir: &Path,
        point: &Point,
        records: Vec<Value>,
        device: &[(&str, f64)],
    ) -> RunResult {
        let dump = |index, window, stats: &[(&str, f64)]| DumpStats {
            index,
            window,
            cycles: Some(1000.0),
            insts: Some(500.0),
            stats: stats
                .iter()
                .map(|(k, v)| (format!("system.realview.coro_sched.{k}"), json_number(*v)))
                .collect(),
        };
        RunResult {
            results: records,
            stats: Some(vec![
                dump(0, Window::Boot, &[("events", 3.0)]),
                dump(1, Window::Measured, device),
                dump(2, Window::Exit, &[]),
            ]),
            ..crate::results::tests::sample_result(dir, point.spec.clone())
        }
    }

    /// A samples file: 3 warm-up samples of the first path in the boot dump's window, then
    /// the measured phase `samples` (path, cycles) in dump 1's window, then the exit dump.
    pub(crate) fn csv(samples: &[(&str, u64)]) -> String {
        let mut s = String::from(
            "# CoroSched wake samples of system.realview.coro_sched: cycles = (resume_tick - fire_tick) / 250 ticks\n\
             # lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps\n\
             seq,path,core,source,fire_tick,resume_tick,cycles\n# reset tick=0\n",
        );
        let mut seq = 0;
        let mut tick = 1_000_000u64;
        let mut line = |s: &mut String, path: &str, c: u64| {
            s.push_str(&format!("{seq},{path},0,0,{tick},{},{c}\n", tick + c * 250));
            seq += 1;
            tick += 10_000_000;
        };
        let first = samples.first().map_or("irq", |p| p.0);
        for c in [5000, 6000, 7000] {
            line(&mut s, first, c);
        }
        s.push_str("# dump tick=50000000\n# reset tick=50000000\n");
        for &(path, c) in samples {
            line(&mut s, path, c);
        }
        s.push_str(&format!("# dump tick={tick}\n# dump tick={}\n", tick + 1));
        s
    }

    fn point(cpu: Cpu, path: Mechanism, busy: u64) -> Point {
        Wake.points(Profile::Quick)
            .into_iter()
            .find(|p| {
                p.labels["cpu"] == cpu.name()
                    && p.labels["path"] == path.name()
                    && p.labels["load"] == load_name(busy)
            })
            .unwrap()
    }

    #[test]
    fn points_cover_paths_cpus_and_loads() {
        let points = Wake.points(Profile::Quick);
        assert_eq!(points.len(), 16);
        assert_eq!(points[0].id, "minor-irq-idle");
        assert_eq!(points[15].id, "o3-ring-busy");
        for p in &points {
            assert_eq!(p.spec.iterations, 1000);
            assert_eq!(p.spec.seed, SEED);
            assert_eq!(p.spec.sim.coro_sched(), Some(&CoroSchedSpec::default()));
            let cfg = p.spec.run_config().unwrap();
            assert_eq!(cfg.device_base, 0x2D00_0000);
            assert_eq!(
                cfg.param("busy"),
                Some(u64::from(p.labels["load"] == "busy"))
            );
        }
        assert!(
            Wake.points(Profile::Full)
                .iter()
                .all(|p| p.spec.iterations == 10_000)
        );
    }

    #[test]
    fn the_guest_record_is_checked() {
        let p = point(Cpu::O3, Mechanism::Hwq, 1);
        let ok = json!({"bench":"wake","path":"hwq","busy":1,"wakes":"10","timeouts":0,
            "bg_units_without":100,"bg_cycles_without":1000.0,"bg_units_with":90,
            "bg_cycles_with":1000,"lost_cycles_per_wake":10,"extra":[1]});
        let g = guest_record(&p.spec, &[json!({"bench":"other"}), ok.clone()]).unwrap();
        assert_eq!((g.wakes, g.timeouts), (10, 0));
        assert!(g.extras.is_empty());
        let bg = g.background.unwrap();
        assert_eq!(lost_cycles_per_wake(&bg, 10).unwrap(), 10.0);

        let err = |patch: Value| {
            let mut r = ok.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    r.as_object_mut().unwrap().remove(k);
                } else {
                    r[k] = v.clone();
                }
            }
            format!("{:#}", guest_record(&p.spec, &[r]).unwrap_err())
        };
        assert!(err(json!({"timeouts": 2})).contains("lost 2 of its wakes"));
        assert!(err(json!({"path": "irq"})).contains("the guest ran path irq"));
        assert!(err(json!({"busy": 0})).contains("busy=0"));
        assert!(err(json!({"wakes": null})).contains("no number \"wakes\""));
        assert!(err(json!({"timeouts": null})).contains("no number \"timeouts\""));
        assert!(err(json!({"bg_cycles_with": null})).contains("bg_cycles_with"));
        assert!(err(json!({"wakes": 1.5})).contains("not a count"));
        assert!(err(json!({"device": false})).contains("found no CoroSched device"));
        assert!(
            format!("{:#}", guest_record(&p.spec, &[]).unwrap_err())
                .contains("no @result record with \"bench\":\"wake\"")
        );
        // An idle run needs no background fields.
        let idle = point(Cpu::O3, Mechanism::Hwq, 0);
        let g = guest_record(
            &idle.spec,
            &[json!({"bench":"wake","wakes":5,"timeouts":0,"warmup":10,"fallbacks":"2","device":true})],
        )
        .unwrap();
        assert_eq!(g.background, None);
        assert_eq!(
            Value::Object(g.extras),
            json!({"warmup": 10, "fallbacks": 2})
        );
    }

    #[test]
    fn e2_tolerance() {
        assert!(e2_agrees(100.0, 100.9));
        assert!(e2_agrees(1000.0, 1009.0));
        assert!(!e2_agrees(1000.0, 1011.0));
        assert!(e2_agrees(0.0, 0.9), "within a cycle");
        assert!(!e2_agrees(0.0, 1.5));
        let bg = Background {
            units_without: 0.0,
            cycles_without: 0.0,
            units_with: 1.0,
            cycles_with: 1.0,
            lost_per_wake: 0.0,
        };
        assert!(
            lost_cycles_per_wake(&bg, 1)
                .unwrap_err()
                .to_string()
                .contains("no pace")
        );
    }

    #[test]
    fn measured_samples_are_the_measured_dump_window() {
        let file = Samples::parse(&csv(&[("hwq", 10), ("hwq", 20), ("hwq", 30)])).unwrap();
        let sel = select_samples(&file, &[1], 3).unwrap();
        assert_eq!(sel.method, BY_DUMP_WINDOW);
        assert_eq!(sel.dumps, vec![1]);
        assert_eq!(
            sel.samples.iter().map(|s| s.cycles).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        let e = select_samples(&file, &[1], 4).unwrap_err().to_string();
        assert!(
            e.contains("hold 3 wake samples") && e.contains("reports 4 wakes"),
            "{e}"
        );
        // Markers that do not reach the measured dump: the last `wakes` samples.
        let sel = select_samples(&file, &[7], 2).unwrap();
        assert_eq!(sel.method, LAST_WAKES);
        assert_eq!(
            sel.samples.iter().map(|s| s.cycles).collect::<Vec<_>>(),
            [20, 30]
        );
        assert!(sel.note.unwrap().contains("took the last 2 samples"));
        assert!(select_samples(&file, &[7], 99).is_err());
    }

    #[test]
    fn one_run_measured_from_samples_record_and_stats() {
        let dir = tempfile::tempdir().unwrap();
        // 100 hwq samples 100..=1 and one fallback of 1000: exact p50 51, p99 100, max 1000.
        let mut samples: Vec<(&str, u64)> = (1..=100).rev().map(|c| ("hwq", c)).collect();
        samples.insert(40, ("fallback", 1000));
        let text = csv(&samples);
        std::fs::write(dir.path().join(coro_sched::SAMPLES_FILE), &text).unwrap();
        let p = point(Cpu::Minor, Mechanism::Hwq, 1);
        let n = samples.len() as f64;
        // Background: 1000 units in 10,000 cycles alone (10 cycles a unit); 900 units took
        // 15,050 cycles with events, 6,050 more than their 9,000: 6,050 / 101 per wake.
        let lost = (15_050.0 - 9_000.0) / n;
        let record = json!({"bench":"wake","path":"hwq","busy":1,"wakes":101,"timeouts":0,
            "bg_units_without":1000,"bg_cycles_without":10000,"bg_units_with":900,
            "bg_cycles_with":15050,"lost_cycles_per_wake":lost.round()});
        let stats = [
            ("events", 101.0),
            ("wakes::hwq", 100.0),
            ("wakes::fallback", 1.0),
            ("fallbacks", 1.0),
            ("resumesByPath::hwq", 100.0),
            ("resumesByPath::fallback", 1.0),
            ("queueDepth::samples", 100.0),
            ("queueDepth::1", 90.0),
            ("queueDepth::2", 10.0),
            ("queueDepth::max_value", 2.0),
        ];
        let r = result(dir.path(), &p, vec![record.clone()], &stats);
        let m = Wake.measure(&p, &r).unwrap();
        assert_eq!(m["latency"]["count"], json!(101));
        assert_eq!(m["latency"]["p50"], json!(51));
        assert_eq!(m["latency"]["p99"], json!(100));
        assert_eq!(m["latency"]["max"], json!(1000));
        assert_eq!(m["latency"]["min"], json!(1));
        assert_eq!(m["latency_hdr"]["p50"], json!(51));
        let hwq = &m["latency_by_path"]["hwq"]["exact"];
        assert_eq!(
            (hwq["p50"].clone(), hwq["p90"].clone(), hwq["p99"].clone()),
            (json!(50), json!(90), json!(99))
        );
        assert_eq!(hwq["mean"], json!(50.5));
        assert_eq!(m["latency_by_path"]["fallback"]["exact"]["count"], json!(1));
        assert_eq!(m["samples"]["selection"], json!(BY_DUMP_WINDOW));
        assert_eq!(m["samples"]["by_path"], json!({"hwq": 100, "fallback": 1}));
        assert_eq!(number(&m["lost_cycles_per_wake"]).unwrap(), lost);
        assert_eq!(m["e2"]["cycles_per_unit_without"], json!(10));
        assert_eq!(m["device"]["events"], json!(101));
        assert_eq!(m["device"]["wakes"], json!({"hwq": 100, "fallback": 1}));
        assert_eq!(m["device"]["queue_depth"]["mean"], json!(1.1));
        assert_eq!(m["device"]["queue_depth"]["max"], json!(2));
        assert_eq!(m["device_stats"]["1"]["fallbacks"], json!(1));
        assert_eq!(m["coro_sched"]["base"], json!("0x2d000000"));
        assert_eq!(m["coro_sched"]["pio_latency"], json!("2ns"));

        // The guest's E2 number off by more than 1 %: the record fails.
        let mut off = record.clone();
        off["lost_cycles_per_wake"] = json!(lost * 1.05);
        let e = format!(
            "{:#}",
            Wake.measure(&p, &result(dir.path(), &p, vec![off], &stats))
                .unwrap_err()
        );
        assert!(e.contains("the driver computes"), "{e}");
        // Stats that disagree with the samples.
        let mut bad = stats.to_vec();
        bad[4] = ("resumesByPath::hwq", 99.0);
        let e = format!(
            "{:#}",
            Wake.measure(&p, &result(dir.path(), &p, vec![record.clone()], &bad))
                .unwrap_err()
        );
        assert!(e.contains("count 99 resumes of path hwq"), "{e}");
        // No device stats at all.
        let e = format!(
            "{:#}",
            Wake.measure(&p, &result(dir.path(), &p, vec![record.clone()], &[]))
                .unwrap_err()
        );
        assert!(e.contains("no CoroSched stats"), "{e}");
        // A sample of another path.
        std::fs::write(
            dir.path().join(coro_sched::SAMPLES_FILE),
            text.replace(",fallback,", ",irq,"),
        )
        .unwrap();
        let e = format!("{:#}", Wake.measure(&p, &r).unwrap_err());
        assert!(e.contains("a sample of path irq in a hwq run"), "{e}");
        // A malformed samples file names the line.
        std::fs::write(
            dir.path().join(coro_sched::SAMPLES_FILE),
            text.replace("0,hwq,0,0,1000000", "0,hwq,0,0,x"),
        )
        .unwrap();
        let e = format!("{:#}", Wake.measure(&p, &r).unwrap_err());
        assert!(
            e.contains("coro_sched_wakes.csv:5: column fire_tick is 'x'"),
            "{e}"
        );
    }
}
