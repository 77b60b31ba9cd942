//! E6, system calls: cycles per call and calls per second for the synchronous `svc` trap
//! against calls forwarded in batches of B (`fwd:B`), B = 1 … 64, on `o3` and `minor`.
//!
//! Each run is the `syscall` app (guest-apps/src/syscall_bench.rs): on the user core, tasks
//! do a fixed piece of work and then one call, in a loop; the app measures that loop once
//! without the calls and once with them, each in its own stats window. Per point:
//!
//! * `user_cycles_per_call`: the user core's cycles with calls minus without, per call (all a
//!   call costs the core that makes it: the trap, or the submission, the await, the executor's
//!   switch and the wake; and any slowdown of the work the calls cause);
//! * `kernel_cycles_per_call`: the cycles the kernel side spent running batches and waking,
//!   per call (0 for `svc`, whose kernel work is on the user core);
//! * `total_cycles_per_call`: the cycles per call across cores: their sum, or the user core's
//!   alone when the kernel side runs on it (`fwd-idle`);
//! * `calls_per_second`: calls over the simulated time of the window with calls;
//! * `ipc_work_without` and `ipc_work_with`: the user core's IPC inside the work pieces, with
//!   the work's instructions from the window without calls (the same code runs in both), and
//!   the cycles spent inside the pieces in each window (FlexSC's pollution effect).
//!
//! Here `fwd` is collected by the SyscallFwd device (label `collector=device`;
//! `kernel::syscalls::fwd_device`), which wakes the tasks through CoroSched's ready ring (with
//! CoroSched's DMA cache stashing into the CPU cluster) into the user core's executor, with the kernel side on a kernel core of its own (`fwd:B`) or on the
//! user core at its idle point (`fwd-idle:B`); a few points run the software collector instead
//! (`collector=software`, `kernel::syscalls::forwarder`), for software vs device collection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use runconfig::App;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wake::guest::bench_record;
use super::{Experiment, Profile, Record, ResultsFile, typed_records};
use crate::coro_sched::CoroSchedSpec;
use crate::figures::LineChart;
use crate::results::{Num, RunResult};
use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
use crate::sweep::Point;

pub struct Syscall;

/// Seed of every run (recorded with each result; the app draws nothing at random).
pub const SEED: u64 = 1;
/// Simulated time after which a run counts as hung: 1 s.
pub const MAX_TICKS: u64 = 1_000_000_000_000;
/// Work units between two calls (about 5 instructions each).
pub const WORK: u64 = 100;
/// The batch sizes of the sweep.
pub const BATCHES: &[u64] = &[1, 2, 4, 8, 16, 32, 64];

/// CoroSched's hardware queue depth on the device points: a batch of up to 64 wakes fits, so
/// the device's wakes do not stall on a full queue (a smaller queue works too: the device
/// retries refused wakes at its next poll, counted as `wake_stalls`).
pub const DEVICE_QUEUE_DEPTH: u64 = 64;
/// The device points wake through CoroSched's ready ring (`collector = 2`) with CoroSched's
/// DMA cache in the CPU cluster (`stash`): the cheapest delivery measured for the user core
/// (fwd:16 null on o3: 348 cycles per call, against 426 for hwq with its flag line and the
/// stash, 435 for hwq and 436 for the ring without it; the hwq pop is an MMIO read per wake,
/// and without the stash each ring slot the device writes is a miss over the membus).
const DEVICE_COLLECTOR_PARAM: u64 = 2;

/// Who collects the `fwd` batches and wakes the tasks (the app's `collector`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collector {
    /// The SyscallFwd device, waking through CoroSched's ready ring with the stash
    /// (`collector = 2`, [`DEVICE_COLLECTOR_PARAM`]).
    Device,
    /// The software collector (`collector = 0`).
    Software,
}

impl Collector {
    pub fn name(self) -> &'static str {
        match self {
            Collector::Device => "device",
            Collector::Software => "software",
        }
    }

    fn param(self) -> u64 {
        match self {
            Collector::Device => DEVICE_COLLECTOR_PARAM,
            Collector::Software => 0,
        }
    }
}

/// One point's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub cpu: Cpu,
    /// `None`: `svc`; `Some(B)`: `fwd:B`.
    pub batch: Option<u64>,
    /// `fwd`: the kernel side on a kernel core of its own (`false`) or on the user core at its
    /// idle point (`true`, path label `fwd-idle:B`).
    pub same_core: bool,
    /// The call's number (`kernel::syscalls::Call`): 0 null, 1 clock, 2 write, 3 nic_send.
    pub call: u64,
    /// `fwd`: who collects (ignored for `svc`).
    pub collector: Collector,
}

/// Path label prefix of `fwd` with the kernel side at the user core's idle point.
pub const IDLE: &str = "fwd-idle";

/// Names of the calls by number, as the guest reports them.
pub const CALLS: &[&str] = &["null", "clock", "write", "nic_send"];

struct Sizes {
    calls: u64,
    cpus: &'static [Cpu],
    call_kinds: &'static [u64],
    batches: &'static [u64],
    /// CPUs that get only svc and fwd:16 (to keep the quick profile short).
    reduced_cpus: &'static [Cpu],
    /// Batch sizes of the same-core kernel side (on the first CPU of `cpus`).
    same_core_batches: &'static [u64],
    /// Batch sizes of `fwd` with the software collector on a kernel core (first CPU).
    software_batches: &'static [u64],
}

fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            calls: 64,
            cpus: &[Cpu::Minor],
            call_kinds: &[0],
            batches: &[4],
            reduced_cpus: &[],
            same_core_batches: &[4],
            software_batches: &[],
        },
        Profile::Quick => Sizes {
            calls: 256,
            cpus: &[Cpu::O3],
            call_kinds: &[0, 2],
            batches: &[1, 4, 16, 64],
            reduced_cpus: &[Cpu::Minor],
            same_core_batches: &[16],
            software_batches: &[16],
        },
        Profile::Full => Sizes {
            calls: 4096,
            cpus: &[Cpu::O3, Cpu::Minor],
            call_kinds: &[0, 1, 2, 3],
            batches: BATCHES,
            reduced_cpus: &[],
            same_core_batches: BATCHES,
            software_batches: BATCHES,
        },
    }
}

/// The spec of one point.
pub fn spec(c: Choice, calls: u64) -> RunSpec {
    let (mechanism, cores, batch) = match (c.batch, c.same_core) {
        (None, _) => ("svc", 1, 1),
        (Some(b), false) => ("fwd", 2, b),
        (Some(b), true) => ("fwd", 1, b),
    };
    let device = c.batch.is_some() && c.collector == Collector::Device;
    let collector = if c.batch.is_some() {
        c.collector.param()
    } else {
        0
    };
    let params = [
        ("batch".to_string(), batch),
        ("call".to_string(), c.call),
        ("side".to_string(), u64::from(c.same_core)),
        ("work".to_string(), WORK),
        ("collector".to_string(), collector),
    ];
    // The device points have CoroSched (which the SyscallFwd wakes through; the config then
    // adds the SyscallFwd); svc and the software collector run on the machine without devices.
    let sim = if device {
        SimSpec::Gem5 {
            cpu: c.cpu,
            max_ticks: MAX_TICKS,
            coro_sched: Some(CoroSchedSpec {
                queue_depth: DEVICE_QUEUE_DEPTH,
                stash: crate::coro_sched::Stash::Cluster,
                ..CoroSchedSpec::default()
            }),
            loadgen: None,
        }
    } else {
        SimSpec::gem5(c.cpu, MAX_TICKS)
    };
    RunSpec::new(SpecRequest {
        app: App::Syscall,
        mechanism: Some(mechanism),
        cores,
        iterations: calls,
        seed: SEED,
        params: &params,
        sim,
    })
    .expect("the syscall app's names and parameters")
}

pub fn point(c: Choice, calls: u64) -> Point {
    let path = match (c.batch, c.same_core) {
        (None, _) => "svc".to_string(),
        (Some(b), false) => format!("fwd:{b}"),
        (Some(b), true) => format!("{IDLE}:{b}"),
    };
    let call = CALLS[c.call as usize];
    let (collector, suffix) = match (c.batch, c.collector) {
        (None, _) => ("none", ""),
        (Some(_), Collector::Device) => ("device", ""),
        (Some(_), Collector::Software) => ("software", "-sw"),
    };
    Point {
        id: format!(
            "{}-{}-{}{suffix}",
            c.cpu.name(),
            call,
            path.replace(':', "")
        ),
        spec: spec(c, calls),
        labels: BTreeMap::from([
            ("cpu".to_string(), c.cpu.name().to_string()),
            ("call".to_string(), call.to_string()),
            ("path".to_string(), path),
            ("batch".to_string(), c.batch.unwrap_or(0).to_string()),
            ("collector".to_string(), collector.to_string()),
        ]),
    }
}

/// The app's `@result` record (`"bench": "syscall"`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SyscallRecord {
    pub path: Option<String>,
    /// `trap`, `kernel-core` or `same-core`.
    pub side: Option<String>,
    pub call: Option<String>,
    pub calls: Option<Num>,
    pub nocall_cycles: Option<Num>,
    pub nocall_work_cycles: Option<Num>,
    pub call_cycles: Option<Num>,
    pub call_work_cycles: Option<Num>,
    pub kernel_cycles: Option<Num>,
    pub batches: Option<Num>,
    pub timeout_batches: Option<Num>,
    pub full_waits: Option<Num>,
    pub ticks: Option<Num>,
    pub freq: Option<Num>,
    /// `software`, `device-hwq` or `device-ring`.
    pub collector: Option<String>,
    /// Device wakes CoroSched refused at first (a full queue or ring), retried.
    pub wake_stalls: Option<Num>,
}

/// What E6 records for one run (`metrics` of a record in `results/syscall.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyscallMetrics {
    pub calls: f64,
    pub user_cycles_per_call: f64,
    pub kernel_cycles_per_call: f64,
    pub total_cycles_per_call: f64,
    pub calls_per_second: f64,
    pub ipc_work_without: f64,
    pub ipc_work_with: f64,
    pub mean_batch: f64,
    pub timeout_batches: f64,
    pub full_waits: f64,
    /// Device wakes that CoroSched refused at first and the device retried (absent from the
    /// records of guests from before the device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_stalls: Option<f64>,
}

fn req(v: Option<Num>, field: &str) -> Result<f64> {
    v.map(|n| n.0)
        .with_context(|| format!("the guest record has no \"{field}\""))
}

/// The user core's committed instructions in a dump (`cpus` on one core, `cpus0` on more).
fn user_core_insts(d: &crate::results::DumpStats) -> Option<f64> {
    d.values()
        .find(|(k, _)| {
            *k == "system.cpu_cluster.cpus.commitStats0.numInsts"
                || *k == "system.cpu_cluster.cpus0.commitStats0.numInsts"
        })
        .map(|(_, v)| v)
}

/// The numbers of one run.
pub fn measure(point: &Point, result: &RunResult) -> Result<SyscallMetrics> {
    let r: SyscallRecord = bench_record(&result.results, "syscall")?;
    if let Some(p) = &r.path {
        ensure!(
            *p == point.spec.mechanism,
            "the guest ran {p}, the run asked for {}",
            point.spec.mechanism
        );
    }
    let calls = req(r.calls, "calls")?;
    ensure!(calls > 0.0, "the guest made {calls} calls");
    let windows: Vec<_> = result.measured().collect();
    ensure!(
        windows.len() >= 2,
        "stats.txt has {} measured dumps; the app makes one without and one with calls, last",
        windows.len()
    );
    let nocall = windows[windows.len() - 2];
    let work_insts = user_core_insts(nocall).with_context(|| {
        format!(
            "measured dump {} has no user-core instruction count",
            nocall.index
        )
    })?;
    let user = req(r.call_cycles, "call_cycles")? - req(r.nocall_cycles, "nocall_cycles")?;
    let kernel = req(r.kernel_cycles, "kernel_cycles")?;
    let batches = req(r.batches, "batches")?;
    let seconds = req(r.ticks, "ticks")? / req(r.freq, "freq")?;
    ensure!(seconds > 0.0, "the window with calls took no time");
    Ok(SyscallMetrics {
        calls,
        user_cycles_per_call: user / calls,
        kernel_cycles_per_call: kernel / calls,
        // On the same core the kernel side's cycles are inside the user core's already.
        total_cycles_per_call: if r.side.as_deref() == Some("same-core") {
            user / calls
        } else {
            (user + kernel) / calls
        },
        calls_per_second: calls / seconds,
        ipc_work_without: work_insts / req(r.nocall_work_cycles, "nocall_work_cycles")?,
        ipc_work_with: work_insts / req(r.call_work_cycles, "call_work_cycles")?,
        mean_batch: if batches > 0.0 { calls / batches } else { 1.0 },
        timeout_batches: req(r.timeout_batches, "timeout_batches")?,
        full_waits: req(r.full_waits, "full_waits")?,
        wake_stalls: r.wake_stalls.map(|n| n.0),
    })
}

type Runs<'a> = Vec<(&'a Record, SyscallMetrics)>;

fn label<'a>(r: &'a Record, key: &str) -> &'a str {
    r.labels.get(key).map_or("", String::as_str)
}

/// The `svc` run and the runs of `fwd_prefix` (`fwd` or [`IDLE`]) by B, of one CPU and call.
fn lines<'a>(
    runs: &'a Runs,
    cpu: &str,
    call: &str,
    fwd_prefix: &str,
    collector: Collector,
) -> (Option<&'a SyscallMetrics>, Vec<(u64, &'a SyscallMetrics)>) {
    let fwd_prefix = format!("{fwd_prefix}:");
    let of = |r: &Record| label(r, "cpu") == cpu && label(r, "call") == call;
    let svc = runs
        .iter()
        .find(|(r, _)| of(r) && label(r, "path") == "svc")
        .map(|(_, m)| m);
    let mut fwd: Vec<_> = runs
        .iter()
        .filter(|(r, _)| of(r) && label(r, "path").starts_with(&fwd_prefix))
        // Records from before the device have no collector label: the software collector.
        .filter(|(r, _)| match r.labels.get("collector") {
            Some(c) => c == collector.name(),
            None => collector == Collector::Software,
        })
        .filter_map(|(r, m)| Some((label(r, "batch").parse().ok()?, m)))
        .collect();
    fwd.sort_by_key(|(b, _)| *b);
    (svc, fwd)
}

/// The collector of the figures' main lines: the device, or, in results from before it (no
/// device records), the software collector.
fn main_collector(file: &ResultsFile) -> Collector {
    if file
        .records
        .iter()
        .any(|r| label(r, "collector") == Collector::Device.name())
    {
        Collector::Device
    } else {
        Collector::Software
    }
}

fn groups(file: &ResultsFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in &file.records {
        let g = (label(r, "cpu").to_string(), label(r, "call").to_string());
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// The targets: fwd:16 against svc in user-core cycles, and the crossover B (the smallest B at
/// which fwd costs the user core no more than svc), per CPU and call.
pub fn analysis(runs: &Runs, groups: &[(String, String)]) -> Value {
    let mut out = Vec::new();
    for (cpu, call) in groups {
        for collector in [Collector::Device, Collector::Software] {
            let (svc, fwd) = lines(runs, cpu, call, "fwd", collector);
            if fwd.is_empty() {
                continue;
            }
            let Some(svc) = svc else { continue };
            let fwd16 = fwd.iter().find(|(b, _)| *b == 16).map(|(_, m)| m);
            let ratio = fwd16.map(|m| m.user_cycles_per_call / svc.user_cycles_per_call);
            let crossover = fwd
                .iter()
                .find(|(_, m)| m.user_cycles_per_call <= svc.user_cycles_per_call)
                .map(|(b, _)| *b);
            out.push(json!({
                "cpu": cpu,
                "call": call,
                "collector": collector.name(),
                "svc_user_cycles_per_call": svc.user_cycles_per_call,
                "fwd16_user_cycles_per_call": fwd16.map(|m| m.user_cycles_per_call),
                "fwd16_over_svc": ratio,
                "target_fwd16_at_most_a_third": ratio.map(|r| r <= 1.0 / 3.0),
                "crossover_batch": crossover,
            }));
        }
    }
    Value::Array(out)
}

impl Experiment for Syscall {
    fn name(&self) -> &'static str {
        "syscall"
    }

    fn about(&self) -> &'static str {
        "E6: cycles per system call and calls per second, svc vs fwd:B (B = 1..64)"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        let s = sizes(profile);
        let mut points = Vec::new();
        let mut add = |cpu: Cpu, batches: &[u64]| {
            for &call in s.call_kinds {
                let c = Choice {
                    cpu,
                    batch: None,
                    call,
                    same_core: false,
                    collector: Collector::Device,
                };
                points.push(point(c, s.calls));
                for &b in batches {
                    points.push(point(
                        Choice {
                            batch: Some(b),
                            ..c
                        },
                        s.calls,
                    ));
                }
            }
        };
        for &cpu in s.cpus {
            add(cpu, s.batches);
        }
        for &cpu in s.reduced_cpus {
            add(cpu, &[16]);
        }
        for &cpu in &s.cpus[..1] {
            for &call in s.call_kinds {
                for &b in s.software_batches {
                    let c = Choice {
                        cpu,
                        batch: Some(b),
                        call,
                        same_core: false,
                        collector: Collector::Software,
                    };
                    points.push(point(c, s.calls));
                }
            }
        }
        for &cpu in &s.cpus[..1] {
            for &call in s.call_kinds {
                for &b in s.same_core_batches {
                    let c = Choice {
                        cpu,
                        batch: Some(b),
                        call,
                        same_core: true,
                        collector: Collector::Device,
                    };
                    points.push(point(c, s.calls));
                }
            }
        }
        points
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        Ok(serde_json::to_value(measure(point, result)?)?)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        let runs = typed_records::<SyscallMetrics>(file)?;
        let mut chart = LineChart::new(
            format!(
                "E6: user-core cycles per call vs batch size (gem5 {})",
                file.simulator.version
            ),
            "batch size B (svc: one trap per call, drawn flat)",
            "user-core cycles per call",
        )
        .log_x(true);
        for (cpu, call) in groups(file) {
            let main = main_collector(file);
            let (svc, fwd) = lines(&runs, &cpu, &call, "fwd", main);
            let xs: Vec<f64> = fwd.iter().map(|(b, _)| *b as f64).collect();
            if let Some(svc) = svc
                && !xs.is_empty()
            {
                let flat = xs.iter().map(|&x| (x, svc.user_cycles_per_call)).collect();
                chart = chart.series(format!("svc {call} {cpu}"), flat);
            }
            let mut kinds = vec![("fwd", main, ""), (IDLE, main, "")];
            if main == Collector::Device {
                kinds.push(("fwd", Collector::Software, " (software)"));
                kinds.push((IDLE, Collector::Software, " (software)"));
            }
            for (prefix, collector, tag) in kinds {
                let (_, fwd) = lines(&runs, &cpu, &call, prefix, collector);
                if !fwd.is_empty() {
                    let pts = fwd
                        .iter()
                        .map(|(b, m)| (*b as f64, m.user_cycles_per_call))
                        .collect();
                    chart = chart.series(format!("{prefix}{tag} {call} {cpu}"), pts);
                }
            }
        }
        Ok(chart.write_svg(svg)?)
    }

    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)
            .with_context(|| format!("drawing {}", svg.display()))?;
        let ipc_svg = ResultsFile::svg_path(results_dir, "syscall-ipc");
        ipc_figure(file, &ipc_svg).with_context(|| format!("drawing {}", ipc_svg.display()))?;
        Ok(vec![svg, ipc_svg])
    }

    fn analyse(&self, file: &ResultsFile) -> Result<Value> {
        let runs = typed_records::<SyscallMetrics>(file)?;
        Ok(analysis(&runs, &groups(file)))
    }

    fn summary(&self, file: &ResultsFile) -> String {
        let runs = match typed_records::<SyscallMetrics>(file) {
            Ok(runs) => runs,
            Err(e) => return format!("no table: {e:#}\n"),
        };
        let mut out = format!(
            "{:<7}{:<10}{:<12}{:<10}{:>12}{:>12}{:>12}{:>14}{:>10}{:>10}{:>8}\n",
            "cpu",
            "call",
            "path",
            "collector",
            "user/call",
            "kernel/call",
            "total/call",
            "calls/s",
            "IPC w/o",
            "IPC with",
            "batch"
        );
        for (r, m) in &runs {
            out.push_str(&format!(
                "{:<7}{:<10}{:<12}{:<10}{:>12.1}{:>12.1}{:>12.1}{:>14.0}{:>10.3}{:>10.3}{:>8.1}\n",
                label(r, "cpu"),
                label(r, "call"),
                label(r, "path"),
                label(r, "collector"),
                m.user_cycles_per_call,
                m.kernel_cycles_per_call,
                m.total_cycles_per_call,
                m.calls_per_second,
                m.ipc_work_without,
                m.ipc_work_with,
                m.mean_batch,
            ));
        }
        out
    }
}

/// The IPC effect: the user core's IPC inside the work, with calls over without, against B.
fn ipc_figure(file: &ResultsFile, svg: &Path) -> Result<()> {
    let runs = typed_records::<SyscallMetrics>(file)?;
    let mut chart = LineChart::new(
        "E6: IPC of the work between calls, with calls / without",
        "batch size B (svc drawn flat)",
        "IPC with calls / IPC without",
    )
    .log_x(true);
    for (cpu, call) in groups(file) {
        let (svc, fwd) = lines(&runs, &cpu, &call, "fwd", main_collector(file));
        let ratio = |m: &SyscallMetrics| m.ipc_work_with / m.ipc_work_without;
        let xs: Vec<f64> = fwd.iter().map(|(b, _)| *b as f64).collect();
        if let Some(svc) = svc
            && !xs.is_empty()
        {
            chart = chart.series(
                format!("svc {call} {cpu}"),
                xs.iter().map(|&x| (x, ratio(svc))).collect(),
            );
        }
        if !fwd.is_empty() {
            chart = chart.series(
                format!("fwd {call} {cpu}"),
                fwd.iter().map(|(b, m)| (*b as f64, ratio(m))).collect(),
            );
        }
    }
    Ok(chart.write_svg(svg)?)
}

mod check;
pub use check::{
    check_never_answers, check_syscall, collector_reported, device_never_answers_spec,
    device_tier_point, never_answers_spec,
};

#[cfg(test)]
mod tests;
