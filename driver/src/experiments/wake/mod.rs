//! E1 (wake latency by wake path) and E2 (CPU cost per wake), on the CoroSched device.
//!
//! Sweep: wake path {irq, poll, hwq, ring} × CPU {minor, o3} × background {idle, busy}, app
//! `wake`, the device at its default placement and latency (on-chip, 2 ns, 16 entries),
//! `iterations` = the number of measured wakes ([`sizes`]). Beside them, two run parameters
//! (labels `protocol` and `report`):
//!
//! - **The fast protocol** (`protocol` = `fast`, point ids ending in `-fast`), for hwq and ring:
//!   multi-shot bindings (bound once, no MMIO write per wait), hwq popped only when the
//!   device's non-empty flag line says so, and the device's DMA cache stashing into the CPU
//!   cluster (`CoroSchedSpec::stash`). The others run the one-shot MMIO protocol (`mmio`).
//!   Idle hwq and ring also run it with the stash into the waiting core's L1 (`fast-l1`,
//!   ids ending in `-fast-l1`; docs/coro-sched-device.md says what that model costs the core).
//! - **The busy core's check interval** (label `check_every`, ids with `-k8`), busy ring with
//!   the fast protocol: the executor checks the ready source every [`CHECK_EVERY`] steps
//!   instead of every step (app parameter `check_every`), fewer checks for a later wake.
//! - **The lean irq frame** (`protocol` = `lean`, ids ending in `-lean`), for irq only: the
//!   same path with the kernel's lean IRQ entry (integer caller-saved registers only, FP/SIMD
//!   saved lazily; docs/lean-irq.md), the strongest software baseline every device ratio is
//!   stated against. Not a device protocol, but a variant on the same axis of the figures.
//! - **E2 without the probe** (`report` = `off`, ids ending in `-unreported`), busy runs of
//!   every path and protocol: the woken task does not write RESUME, the MMIO write E1 needs,
//!   so E2 does not charge the measurement to the path. These runs have no E1 samples.
//!
//! Per run ([`metrics::measure`], recorded as [`WakeMetrics`]):
//!
//! - **E1** from the device's raw samples (`<run dir>/coro_sched_wakes.csv`, kept in the run's
//!   `result.json` as [`crate::coro_sched::recorded::RecordedSamples`]): cycles from the tick
//!   the event fired to the tick the woken task's `RESUME` write reached the device, over the
//!   samples of the measured phase ([`selection`]). Summaries: the exact nearest-rank one
//!   ([`crate::summary::Summary::from_samples`], plotted) and HdrHistogram's with 3 significant
//!   digits, over all the run's samples (`latency`, `latency_hdr`) and by the path the device
//!   recorded (`latency_by_path`: the run's path, and `fallback` for hwq/ring wakes that fell
//!   back to the interrupt).
//! - **E2** from the guest's record (busy runs, [`guest`]): the background cycles lost per
//!   wake, recomputed by the driver and checked against the guest's.
//! - The device's stats of the measured dump(s) ([`device`]); `resumesByPath::<path>` must
//!   agree with the samples of that path.
//!
//! The module's files: this one (the sweep), [`guest`] (the guest's record, E2), [`selection`]
//! (the measured samples), [`device`] (the device's stats), [`metrics`] (one run's numbers) and
//! [`figure`] (figures and table).

pub mod device;
pub mod figure;
pub mod guest;
pub mod metrics;
pub mod selection;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use runconfig::{App, Choice, IrqFrame, Mechanism};
use serde_json::Value;

use super::{Experiment, Profile, ResultsFile};
use crate::coro_sched::{CoroSchedSpec, Stash};
use crate::results::RunResult;
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::sweep::Point;
use figure::WakeRuns;
pub use metrics::{WakeMetrics, measure};

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

/// The size of the sweep per profile: the one table to change. The quick profile's events come
/// every 5,000–15,000 cycles (the wakes take hundreds to a few thousand), which halves its
/// simulated time and its 400 wakes per run (1,000 before the fast protocol, the lean irq and the unreported E2 runs
/// tripled the busy runs) keep `just run-experiment` under 30 minutes on two cores.
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
            wakes: 400,
            cpus: &[Cpu::Minor, Cpu::O3],
            paths: PATHS,
            busy: &[0, 1],
            interval: 10_000,
        },
        // 10,000 wakes per point on both CPUs at the quick profile's interval (20,000 would
        // double the simulated time for no new information: with the ready hint a busy
        // core's empty checks cost a load, so E2 per wake barely depends on the interval).
        // Measured: ≈ 99 min of wall time on two cores; the time per point is in the README
        // ("Full profile"), why the quick runs' ≈ 5 h estimate was high in
        // docs/wake-breakdown.md ("The sweep and the full profile").
        Profile::Full => Sizes {
            wakes: 10_000,
            cpus: &[Cpu::Minor, Cpu::O3],
            paths: PATHS,
            busy: &[0, 1],
            interval: 10_000,
        },
    }
}

/// The device protocol of a run: the label `protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// One-shot bindings re-armed by an MMIO write per wait, hwq popped by MMIO every step,
    /// DMA cache on the membus (app parameter `protocol` = 0, no stash).
    Mmio,
    /// Multi-shot bindings, the hwq non-empty flag, the DMA stash into the cluster
    /// (`protocol` = 1, `stash` = cluster).
    Fast,
    /// [`Protocol::Fast`] with the DMA stash into the waiting core's L1 (`stash` = l1).
    FastL1,
    /// The irq path with the lean IRQ frame (`RunSpec::irq_frame` = `lean`); the device as in
    /// [`Protocol::Mmio`].
    LeanIrq,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Mmio => "mmio",
            Protocol::Fast => "fast",
            Protocol::FastL1 => "fast-l1",
            Protocol::LeanIrq => "lean",
        }
    }

    /// The value of the app parameter `protocol`.
    pub fn param(self) -> u64 {
        match self {
            Protocol::Mmio | Protocol::LeanIrq => 0,
            Protocol::Fast | Protocol::FastL1 => 1,
        }
    }

    /// The device of a run of this protocol, from the placement's device.
    pub fn device(self, device: CoroSchedSpec) -> CoroSchedSpec {
        CoroSchedSpec {
            stash: match self {
                Protocol::Mmio | Protocol::LeanIrq => Stash::Off,
                Protocol::Fast => Stash::Cluster,
                Protocol::FastL1 => Stash::L1,
            },
            ..device
        }
    }
}

/// The busy core's ready-source check interval of the `-k` variants (app parameter
/// `check_every`): a check every this many executor steps instead of every step.
pub const CHECK_EVERY: u32 = 8;

/// What differs between the runs of one (cpu, path, load): the protocol, whether the woken
/// task reports RESUME, and how often a busy core checks the ready source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    pub protocol: Protocol,
    pub report: bool,
    /// Executor steps per ready-source check on a busy core (app parameter `check_every`).
    pub check_every: u32,
}

impl Variant {
    /// The runs as before the fast protocol: the default of every point.
    pub const MMIO: Variant = Variant {
        protocol: Protocol::Mmio,
        report: true,
        check_every: 1,
    };

    /// The suffix of a point id: "", "-fast", "-fast-l1-k8", "-fast-unreported", ...
    pub fn suffix(self) -> String {
        let mut s = String::new();
        if self.protocol != Protocol::Mmio {
            s.push('-');
            s.push_str(self.protocol.name());
        }
        if self.check_every != 1 {
            s.push_str(&format!("-k{}", self.check_every));
        }
        if !self.report {
            s.push_str("-unreported");
        }
        s
    }

    /// The variants a (path, load) runs: the MMIO protocol everywhere; the fast one for the
    /// device paths (idle: also with the stash into the L1); the lean frame for irq; without
    /// the RESUME report for busy runs (E2); and for busy `ring` the fast protocol checking
    /// the source every [`CHECK_EVERY`] steps. (The L1 stash's crossbar slows the core's own
    /// accesses too, docs/coro-sched-device.md, so its busy runs would mostly measure that;
    /// and hwq's check interval is measured by hand: each busy point costs ≈ 40 s.)
    pub fn of(path: Mechanism, busy: u64) -> Vec<Variant> {
        let protocols: &[Protocol] = match (path, busy) {
            (Mechanism::Hwq | Mechanism::Ring, 0) => {
                &[Protocol::Mmio, Protocol::Fast, Protocol::FastL1]
            }
            (Mechanism::Hwq | Mechanism::Ring, _) => &[Protocol::Mmio, Protocol::Fast],
            (Mechanism::Irq, _) => &[Protocol::Mmio, Protocol::LeanIrq],
            _ => &[Protocol::Mmio],
        };
        let reports: &[bool] = if busy != 0 { &[true, false] } else { &[true] };
        let mut out = Vec::new();
        for &report in reports {
            for &protocol in protocols {
                out.push(Variant {
                    protocol,
                    report,
                    check_every: 1,
                });
            }
            if path == Mechanism::Ring && busy != 0 {
                out.push(Variant {
                    protocol: Protocol::Fast,
                    report,
                    check_every: CHECK_EVERY,
                });
            }
        }
        out
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
    spec_of(cpu, path, busy, wakes, interval, device, Variant::MMIO)
}

/// [`spec`] of a variant: its app parameters `protocol` and `resume`, its device's stash.
pub fn spec_of(
    cpu: Cpu,
    path: Mechanism,
    busy: u64,
    wakes: u64,
    interval: u64,
    device: CoroSchedSpec,
    variant: Variant,
) -> RunSpec {
    let mut params = vec![
        ("busy".to_string(), busy),
        ("interval".to_string(), interval),
    ];
    if variant.protocol.param() != 0 {
        params.push(("protocol".to_string(), variant.protocol.param()));
    }
    if variant.check_every != 1 {
        params.push(("check_every".to_string(), u64::from(variant.check_every)));
    }
    if !variant.report {
        params.push(("resume".to_string(), 0));
    }
    let spec = RunSpec::new(SpecRequest {
        app: App::Wake,
        mechanism: Some(path.name()),
        cores: 1,
        iterations: wakes,
        seed: SEED,
        params: &params,
        sim: SimSpec::Gem5 {
            cpu,
            max_ticks: MAX_TICKS,
            coro_sched: Some(variant.protocol.device(device)),
            loadgen: None,
        },
    })
    .expect("wake paths and parameters come from the app's own lists");
    if variant.protocol == Protocol::LeanIrq {
        spec.with_irq_frame(IrqFrame::Lean)
    } else {
        spec
    }
}

/// The point `<cpu>-<path>-<load>` of a wake run, labelled by cpu, path and load.
pub fn point(cpu: Cpu, path: Mechanism, busy: u64, spec: RunSpec) -> Point {
    point_of(cpu, path, busy, spec, Variant::MMIO)
}

/// [`point`] of a variant: the id gets [`Variant::suffix`], the labels `protocol` and
/// `report`.
pub fn point_of(cpu: Cpu, path: Mechanism, busy: u64, spec: RunSpec, variant: Variant) -> Point {
    Point {
        id: format!(
            "{}-{}-{}{}",
            cpu.name(),
            path.name(),
            load_name(busy),
            variant.suffix()
        ),
        spec,
        labels: BTreeMap::from([
            ("cpu".to_string(), cpu.name().to_string()),
            ("path".to_string(), path.name().to_string()),
            ("load".to_string(), load_name(busy).to_string()),
            ("protocol".to_string(), variant.protocol.name().to_string()),
            (
                "report".to_string(),
                if variant.report { "on" } else { "off" }.to_string(),
            ),
            ("check_every".to_string(), variant.check_every.to_string()),
        ]),
    }
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
                    for variant in Variant::of(path, busy) {
                        let spec = spec_of(
                            cpu,
                            path,
                            busy,
                            s.wakes,
                            s.interval,
                            CoroSchedSpec::default(),
                            variant,
                        );
                        points.push(point_of(cpu, path, busy, spec, variant));
                    }
                }
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        Ok(serde_json::to_value(measure(point, result)?)?)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        Ok(figure::latency_chart(&WakeRuns::of(file)?).write_svg(svg)?)
    }

    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)
            .with_context(|| format!("drawing {}", svg.display()))?;
        let mut written = vec![svg];
        let cost = results_dir.join(format!("{}-cost.svg", self.name()));
        if let Some(chart) = figure::cost_chart(&WakeRuns::of(file)?) {
            chart
                .write_svg(&cost)
                .with_context(|| format!("drawing {}", cost.display()))?;
            written.push(cost);
        }
        Ok(written)
    }

    fn summary(&self, file: &ResultsFile) -> String {
        match WakeRuns::of(file) {
            Ok(runs) => figure::summary(&runs),
            Err(e) => format!("no table: {e:#}\n"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::coro_sched::recorded::RecordedSamples;
    use crate::coro_sched::samples::Samples;
    use crate::results::{DumpStats, Window, json_number};

    /// A wake run's result: the guest's `records`, the device's `samples` and its stats
    /// `device` in the measured dump 1.
    pub(crate) fn result(
        dir: &Path,
        point: &Point,
        records: Vec<Value>,
        samples: Option<RecordedSamples>,
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
            device_samples: samples,
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

    /// [`csv`], as a run's result keeps it.
    pub(crate) fn recorded(samples: &[(&str, u64)]) -> RecordedSamples {
        let file = Path::new("/runs/wake/p").join(crate::coro_sched::SAMPLES_FILE);
        RecordedSamples::of(&file, &Samples::parse(&csv(samples)).unwrap())
    }

    /// The metrics of a one-wake idle hwq run whose mean latency is `mean`.
    pub(crate) fn metrics_with_mean(mean: f64) -> WakeMetrics {
        let p = quick_point(Cpu::O3, Mechanism::Hwq, 0);
        let record = serde_json::json!({"bench":"wake","wakes":1,"timeouts":0});
        let r = result(
            Path::new("/r"),
            &p,
            vec![record],
            Some(recorded(&[("hwq", 1)])),
            &[("resumesByPath::hwq", 1.0)],
        );
        let mut m = measure(&p, &r).unwrap();
        m.latency.as_mut().unwrap().mean = mean;
        m
    }

    pub(crate) fn quick_point(cpu: Cpu, path: Mechanism, busy: u64) -> Point {
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
        // Per CPU: idle irq ×2 (full and lean frame), poll, hwq ×3, ring ×3 (MMIO, fast
        // protocol with the cluster and the L1 stash); busy irq ×2, poll, hwq ×2 (MMIO, fast),
        // ring ×3 (and the fast protocol checking every few steps), with and without the
        // RESUME report.
        assert_eq!(points.len(), 2 * (9 + 2 * 8));
        assert_eq!(points[0].id, "minor-irq-idle");
        assert_eq!(points[1].id, "minor-irq-idle-lean");
        assert_eq!(points[4].id, "minor-hwq-idle-fast");
        assert_eq!(points[5].id, "minor-hwq-idle-fast-l1");
        assert_eq!(
            points[49].id,
            format!("o3-ring-busy-fast-k{CHECK_EVERY}-unreported")
        );
        for p in &points {
            assert_eq!(p.spec.iterations, 400);
            assert_eq!(p.spec.seed, SEED);
            let protocol = p.labels["protocol"].as_str();
            let fast = protocol.starts_with("fast");
            assert_eq!(p.id.contains("-fast"), fast);
            let stash = CoroSchedSpec {
                stash: match protocol {
                    "fast" => Stash::Cluster,
                    "fast-l1" => Stash::L1,
                    _ => Stash::Off,
                },
                ..CoroSchedSpec::default()
            };
            assert_eq!(p.spec.sim.coro_sched(), Some(&stash));
            let every: u32 = p.labels["check_every"].parse().unwrap();
            assert_eq!(cfg_check_every(p), every);
            assert_eq!(p.id.contains("-k"), every != 1, "{}", p.id);
            assert!(every == 1 || (protocol == "fast" && p.labels["load"] == "busy"));
            assert!(protocol != "fast-l1" || p.labels["load"] == "idle");
            let cfg = p.spec.run_config().unwrap();
            assert_eq!(cfg.device_base, 0x2D00_0000);
            assert_eq!(
                cfg.param("busy"),
                Some(u64::from(p.labels["load"] == "busy"))
            );
            assert_eq!(cfg.param("protocol"), Some(u64::from(fast)));
            let reported = p.labels["report"] == "on";
            assert_eq!(cfg.param("resume"), Some(u64::from(reported)));
            assert_eq!(p.id.ends_with("-unreported"), !reported);
            assert!(reported || p.labels["load"] == "busy", "{}", p.id);
            assert!(!fast || matches!(p.labels["path"].as_str(), "hwq" | "ring"));
            let lean = p.labels["protocol"] == "lean";
            assert_eq!(p.id.contains("-lean"), lean);
            assert_eq!(p.spec.irq_frame == "lean", lean, "{}", p.id);
            assert!(!lean || p.labels["path"] == "irq");
        }
        fn cfg_check_every(p: &Point) -> u32 {
            let cfg = p.spec.run_config().unwrap();
            u32::try_from(cfg.param("check_every").unwrap()).unwrap()
        }
        assert!(
            Wake.points(Profile::Full)
                .iter()
                .all(|p| p.spec.iterations == 10_000)
        );
    }
}
