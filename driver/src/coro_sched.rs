//! The CoroSched device as the driver sees it (docs/coro-sched-device.md): where the gem5
//! config puts it, the options that configure it, the file of raw wake samples it writes and
//! the names of its stats.
//!
//! The addresses, the interrupt, the samples file and the defaults come from the register map
//! (`[system]` in gem5-devices/coro_sched/regmap.toml, generated into `coro_sched_regs::system`
//! for the driver and the guest and into `configs/coro_sched_system.py` for the config):
//!
//! | placement | bus | MMIO base |
//! |---|---|---|
//! | `on-chip` (default) | the coherent `membus`, next to the cores and the GIC | [`ON_CHIP_BASE`] |
//! | `off-chip` | the I/O bus behind the I/O bridge, like the PL011 | [`OFF_CHIP_BASE`] |
//!
//! The device's interrupt is SPI INTID [`SPI_INTID`] (fixed by the config; the guest knows it).
//! A run with the device passes `--coro-sched --coro-placement P --coro-pio-latency L
//! --coro-queue-depth N` to the config (always all of them, so the command line says what ran),
//! a run without it `--no-coro-sched`, and the guest finds the device through
//! `RunConfig.device_base` ([`CoroSchedSpec::base`], 0 without the device).

pub mod recorded;
pub mod samples;

use std::fmt;
use std::str::FromStr;

use coro_sched_regs::system;
use serde::{Deserialize, Serialize};

/// The SimObject a gem5 built with this repo's `gem5-devices/` as EXTRAS knows.
pub const SIM_OBJECT: &str = "CoroSched";
/// MMIO base of the on-chip placement: the free "GPU reserved" window of `VExpress_GEM5_V2`,
/// outside the I/O bridge's ranges.
pub const ON_CHIP_BASE: u64 = system::ON_CHIP_BASE;
/// MMIO base of the off-chip placement: on the I/O bus, beside the other off-chip devices.
pub const OFF_CHIP_BASE: u64 = system::OFF_CHIP_BASE;
/// The device's shared peripheral interrupt (GIC INTID) for the irq path and fallbacks.
pub const SPI_INTID: u32 = system::SPI_INTID;
/// The device's own access latency unless told otherwise: 2 ns = 8 cycles at 4 GHz.
pub const DEFAULT_PIO_LATENCY: Latency = Latency::from_ns(system::DEFAULT_PIO_LATENCY_NS);
/// Entries per hardware ready queue unless told otherwise.
pub const DEFAULT_QUEUE_DEPTH: u64 = system::DEFAULT_QUEUE_DEPTH;
/// The raw samples file in the run directory (the SimObject's `samples_file` default).
pub const SAMPLES_FILE: &str = system::SAMPLES_FILE;
/// gem5 stats of the device: everything under a SimObject named `coro_sched` (the config
/// attaches it as `system.realview.coro_sched`). Pattern syntax: [`crate::stats::Dump::matching`].
pub const STATS_PATTERN: &str = "system.**coro_sched.**";
/// What precedes a device stat's own name (e.g. `wakes::irq`) in its full name.
pub const STATS_MARKER: &str = "coro_sched.";

/// The device's own name for a stat: the full name after [`STATS_MARKER`], or `None` for a
/// stat of something else.
pub fn stat_name(full: &str) -> Option<&str> {
    full.rsplit_once(STATS_MARKER).map(|(_, name)| name)
}

/// Where the device sits, which decides its MMIO base and what an access costs.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// On the coherent membus, next to the cores (an access costs ≈ 120 cycles + pio latency).
    #[default]
    OnChip,
    /// On the off-chip I/O bus (an access costs ≈ 900 cycles, like the PL011).
    OffChip,
}

impl Placement {
    pub const ALL: [Placement; 2] = [Placement::OnChip, Placement::OffChip];

    /// The name on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Placement::OnChip => "on-chip",
            Placement::OffChip => "off-chip",
        }
    }

    /// The MMIO base the config maps the device at.
    pub fn base(self) -> u64 {
        match self {
            Placement::OnChip => ON_CHIP_BASE,
            Placement::OffChip => OFF_CHIP_BASE,
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A gem5 latency, kept exactly in picoseconds (gem5's tick); written the way gem5's
/// `Param.Latency` reads it: `2ns`, or `1500ps` when it is not a whole number of ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Latency {
    ps: u64,
}

impl Latency {
    pub const fn from_ps(ps: u64) -> Latency {
        Latency { ps }
    }
    pub const fn from_ns(ns: u64) -> Latency {
        Latency { ps: ns * 1000 }
    }
    pub fn ps(self) -> u64 {
        self.ps
    }
    /// Nanoseconds, for tables and figure axes.
    pub fn ns(self) -> f64 {
        self.ps as f64 / 1000.0
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ps.is_multiple_of(1000) {
            write!(f, "{}ns", self.ps / 1000)
        } else {
            write!(f, "{}ps", self.ps)
        }
    }
}

/// Units a latency may be written in, with their size in picoseconds.
const UNITS: &[(&str, u64)] = &[
    ("ps", 1),
    ("ns", 1_000),
    ("us", 1_000_000),
    ("ms", 1_000_000_000),
    ("s", 1_000_000_000_000),
];

impl FromStr for Latency {
    type Err = String;

    /// `2ns`, `2 ns`, `1.5ns`, `500ps`, `1us`: a non-negative number and a unit (ps, ns, us,
    /// ms, s); the value must be a whole number of picoseconds. A bare number is refused,
    /// because gem5 would read it as seconds.
    fn from_str(s: &str) -> Result<Latency, String> {
        let t = s.trim();
        let split = t.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(|| {
            format!("latency '{s}' has no unit; write e.g. 2ns (units: ps, ns, us, ms, s)")
        })?;
        let (number, unit) = (t[..split].trim(), t[split..].trim());
        let scale = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|&(_, scale)| scale)
            .ok_or_else(|| {
                format!("latency '{s}': unknown unit '{unit}' (units: ps, ns, us, ms, s)")
            })?;
        let bad = || format!("latency '{s}' is not a non-negative number with a unit, e.g. 2ns");
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && frac.is_empty())
            || !whole
                .chars()
                .chain(frac.chars())
                .all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        // Exact decimal arithmetic: whole·scale + frac·scale/10^len(frac).
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut ps = whole.checked_mul(scale).ok_or_else(bad)?;
        if !frac.is_empty() {
            let digits = frac.trim_end_matches('0');
            let denom = 10u64.checked_pow(digits.len() as u32).ok_or_else(bad)?;
            let num: u64 = if digits.is_empty() {
                0
            } else {
                digits.parse().map_err(|_| bad())?
            };
            let scaled = num.checked_mul(scale).ok_or_else(bad)?;
            if !scaled.is_multiple_of(denom) {
                return Err(format!(
                    "latency '{s}' is not a whole number of picoseconds"
                ));
            }
            ps = ps.checked_add(scaled / denom).ok_or_else(bad)?;
        }
        Ok(Latency { ps })
    }
}

impl Serialize for Latency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Latency, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// clap value parser for `--coro-pio-latency`.
pub fn parse_latency(s: &str) -> Result<Latency, String> {
    s.parse()
}

/// clap value parser for `--coro-queue-depth`: at least 1 (the device refuses 0).
pub fn parse_queue_depth(s: &str) -> Result<u64, String> {
    match crate::spec::parse_u64(s)? {
        0 => Err("the queue depth must be at least 1".into()),
        n => Ok(n),
    }
}

/// The device of a gem5 run: present with this configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoroSchedSpec {
    pub placement: Placement,
    /// The device's own latency per access (`pio_latency`).
    pub pio_latency: Latency,
    /// Entries per hardware ready queue.
    pub queue_depth: u64,
    /// On-chip only: where the device's DMA writes land (`--coro-stash`). Left out of the
    /// serialised spec when off, so that specs without it keep their form.
    #[serde(default, skip_serializing_if = "Stash::is_off")]
    pub stash: Stash,
}

impl Default for CoroSchedSpec {
    /// On-chip, 2 ns, 16 entries: the device of E1/E2.
    fn default() -> Self {
        CoroSchedSpec {
            placement: Placement::OnChip,
            pio_latency: DEFAULT_PIO_LATENCY,
            queue_depth: DEFAULT_QUEUE_DEPTH,
            stash: Stash::Off,
        }
    }
}

impl CoroSchedSpec {
    /// The MMIO base the guest gets in `RunConfig.device_base`.
    pub fn base(&self) -> u64 {
        self.placement.base()
    }

    /// E.g. `on-chip at 0x2d000000, pio latency 2ns, queue depth 16`.
    pub fn describe(&self) -> String {
        format!(
            "{} at {:#x}, pio latency {}, queue depth {}{}",
            self.placement,
            self.base(),
            self.pio_latency,
            self.queue_depth,
            match self.stash {
                Stash::Off => "",
                Stash::Cluster => ", DMA stash into the cluster",
                Stash::L1 => ", DMA stash into core 0's L1",
            }
        )
    }
}

/// Where the on-chip device's DMA writes (ring slots, the hwq flag line) land: the config's
/// `--coro-stash` (docs/coro-sched-device.md, "Stashing").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Stash {
    /// The device's DMA cache on the membus: the core's read misses through its L2.
    #[default]
    Off,
    /// The DMA cache on the cluster's L2 crossbar: a snoop hit inside the cluster.
    Cluster,
    /// Into core 0's L1D, through a crossbar in front of it: an L1 hit.
    L1,
}

impl Stash {
    pub const ALL: [Stash; 3] = [Stash::Off, Stash::Cluster, Stash::L1];

    /// The config's value (and its `stash=` in the device line).
    pub fn name(self) -> &'static str {
        match self {
            Stash::Off => "off",
            Stash::Cluster => "cluster",
            Stash::L1 => "l1",
        }
    }

    pub fn is_off(&self) -> bool {
        *self == Stash::Off
    }
}

impl fmt::Display for Stash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Stash::ALL
            .into_iter()
            .find(|stash| stash.name() == s)
            .ok_or_else(|| format!("unknown stash target {s:?}: give off, cluster or l1"))
    }
}

impl Serialize for Stash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A name, or the boolean of specs from before the `l1` option (`true` was the cluster).
impl<'de> Deserialize<'de> for Stash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Old(bool),
            Name(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Old(false) => Ok(Stash::Off),
            Repr::Old(true) => Ok(Stash::Cluster),
            Repr::Name(name) => name.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// The config options for a run with (`Some`) or without (`None`) the device.
pub fn gem5_args(device: Option<&CoroSchedSpec>) -> Vec<String> {
    match device {
        None => vec!["--no-coro-sched".into()],
        Some(d) => {
            let mut args: Vec<String> = vec![
                "--coro-sched".into(),
                "--coro-placement".into(),
                d.placement.name().into(),
                "--coro-pio-latency".into(),
                d.pio_latency.to_string(),
                "--coro-queue-depth".into(),
                d.queue_depth.to_string(),
            ];
            if !d.stash.is_off() {
                args.extend(["--coro-stash".into(), d.stash.name().into()]);
            }
            args
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stash_serialises_by_name_and_reads_the_old_boolean() {
        let spec = |stash| CoroSchedSpec {
            stash,
            ..CoroSchedSpec::default()
        };
        let off = serde_json::to_value(spec(Stash::Off)).unwrap();
        assert!(off.get("stash").is_none(), "off is left out: {off}");
        let l1 = serde_json::to_value(spec(Stash::L1)).unwrap();
        assert_eq!(l1["stash"], "l1");
        assert_eq!(
            serde_json::from_value::<CoroSchedSpec>(l1).unwrap(),
            spec(Stash::L1)
        );
        let mut old = serde_json::to_value(spec(Stash::Off)).unwrap();
        old["stash"] = serde_json::Value::Bool(true);
        assert_eq!(
            serde_json::from_value::<CoroSchedSpec>(old).unwrap().stash,
            Stash::Cluster
        );
        let mut bad = off.clone();
        bad["stash"] = "l3".into();
        let e = serde_json::from_value::<CoroSchedSpec>(bad).unwrap_err();
        assert!(e.to_string().contains("give off, cluster or l1"), "{e}");
        assert_eq!(gem5_args(Some(&spec(Stash::L1))).last().unwrap(), "l1");
    }

    #[test]
    fn latencies_parse_exactly_and_print_as_gem5_reads_them() {
        let p = |s: &str| s.parse::<Latency>();
        assert_eq!(p("2ns"), Ok(Latency::from_ns(2)));
        assert_eq!(p(" 225 ns "), Ok(Latency::from_ns(225)));
        assert_eq!(p("1.5ns"), Ok(Latency::from_ps(1500)));
        assert_eq!(p("0.25ns").unwrap().to_string(), "250ps");
        assert_eq!(p("1us").unwrap().to_string(), "1000ns");
        assert_eq!(p("500ps").unwrap().to_string(), "500ps");
        assert_eq!(p("2000ps").unwrap().to_string(), "2ns");
        assert_eq!(p("0ns"), Ok(Latency::from_ps(0)));
        assert_eq!(p("1.000ns"), Ok(Latency::from_ns(1)));
        assert!(p("2").unwrap_err().contains("no unit"));
        assert!(
            p("2 furlongs")
                .unwrap_err()
                .contains("unknown unit 'furlongs'")
        );
        assert!(p("-2ns").is_err());
        assert!(p("1.2.3ns").is_err());
        assert!(p("ns").is_err());
        assert!(
            p("0.0001ps")
                .unwrap_err()
                .contains("whole number of picoseconds")
        );
        assert_eq!(Latency::from_ns(10).ns(), 10.0);
    }

    #[test]
    fn spec_serialises_with_names() {
        let d = CoroSchedSpec {
            placement: Placement::OffChip,
            pio_latency: Latency::from_ps(1500),
            queue_depth: 4,
            stash: Stash::Off,
        };
        let json = serde_json::to_value(d).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"placement":"off-chip","pio_latency":"1500ps","queue_depth":4})
        );
        assert_eq!(serde_json::from_value::<CoroSchedSpec>(json).unwrap(), d);
        assert_eq!(d.base(), 0x1003_0000);
        assert_eq!(CoroSchedSpec::default().base(), 0x2D00_0000);
    }

    #[test]
    fn config_options() {
        assert_eq!(gem5_args(None), ["--no-coro-sched"]);
        assert_eq!(
            gem5_args(Some(&CoroSchedSpec::default())).join(" "),
            "--coro-sched --coro-placement on-chip --coro-pio-latency 2ns --coro-queue-depth 16"
        );
        assert!(parse_queue_depth("0").is_err());
        assert_eq!(parse_queue_depth("32"), Ok(32));
    }

    #[test]
    fn placements_are_the_register_maps() {
        let ours: Vec<(&str, u64)> = Placement::ALL
            .iter()
            .map(|p| (p.name(), p.base()))
            .collect();
        assert_eq!(ours, system::PLACEMENTS);
    }

    #[test]
    fn stat_names() {
        assert_eq!(
            stat_name("system.realview.coro_sched.wakes::irq"),
            Some("wakes::irq")
        );
        assert_eq!(stat_name("system.cpu.numCycles"), None);
    }
}
