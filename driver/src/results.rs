//! The files a run leaves behind (`run.json`, `result.json`) and how they are written.
//!
//! Every JSON output of the driver is written atomically (a temporary file in the same
//! directory, then a rename), so a reader — a resuming sweep, `driver figures`, a person — sees
//! either the old file or the whole new one, never half a file. `result.json` exists only for a
//! finished, successful run (ARCHITECTURE.md, contract 5); that is what [`resume_decision`]
//! relies on. A run is the same run if its schema, spec, guest image and simulator identity
//! ([`SimulatorInfo::same_simulation`]: version, device-sources hash and config scripts, not
//! the build time)
//! are; the full profile's stored points ([`crate::point_store`]) are restored and then judged
//! by the same rule.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::coro_sched::recorded::RecordedSamples;
use crate::gem5::ExitLine;
use crate::spec::RunSpec;

/// Version of the layout of `run.json` and `result.json`. 2: `result.json` holds the device's
/// wake samples (`device_samples`), parsed when the run is made; a result of schema 1 runs again.
pub const SCHEMA: u32 = 2;
pub const RUN_JSON: &str = "run.json";
pub const RESULT_JSON: &str = "result.json";

/// Writes `value` as pretty JSON to `path` through a temporary file and a rename.
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic_file::write(path, bytes)
        .map_err(|(_, e)| e)
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads and parses a JSON file, naming it in errors.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// A number for JSON that keeps NaN and infinities (as strings), which plain JSON cannot hold;
/// a whole number is written without a fraction (`3`, not `3.0`).
pub fn json_number(v: f64) -> Value {
    if v.is_finite() {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Value::from(v as i64)
        } else {
            Value::from(v)
        }
    } else if v.is_nan() {
        Value::from("nan")
    } else if v > 0.0 {
        Value::from("inf")
    } else {
        Value::from("-inf")
    }
}

/// A measured number in a typed record: written as [`json_number`] writes it, read from a JSON
/// number or from a string that holds one (`"nan"`, `"inf"`, `"-inf"`, or a numeric string, as
/// the guest may print).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        json_number(self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            Number(f64),
            String(String),
        }
        match Text::deserialize(d)? {
            Text::Number(v) => Ok(Num(v)),
            Text::String(s) => s
                .trim()
                .parse()
                .map(Num)
                .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a number"))),
        }
    }
}

/// The simulator that ran a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorInfo {
    /// `gem5` or `qemu`.
    pub name: String,
    pub binary: PathBuf,
    pub version: String,
    /// Identifies the build within a version (gem5: its compile time; QEMU: its version line).
    /// Provenance only, for resuming, unless the binary carries no device hash
    /// ([`SimulatorInfo::same_simulation`]).
    pub build: String,
    /// gem5: the device-sources hash the binary carries and the working tree's when the run was
    /// made (`device_hash.rs`); none for QEMU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_sources: Option<crate::device_hash::DeviceSources>,
    /// gem5: the hash of the config scripts (`configs/`) the run was made with
    /// ([`crate::device_hash::config_scripts_hash`]); none for QEMU, and in results made before
    /// it was recorded (such a result is not the same run as a new one: its scripts are unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_scripts: Option<String>,
}

impl SimulatorInfo {
    /// Whether a run by `self` and one by `other` simulate the same: the same simulator, version,
    /// device-sources hash of the binary and config scripts. The build (gem5's compile time)
    /// does not count: gem5 is deterministic, so a rebuild of the same version from the same device sources
    /// (a fresh machine) makes the same runs; it stays in the provenance. Only when the binary
    /// carries no device hash (QEMU; a gem5 built without one, `unknown`) does the build
    /// decide too, as nothing else tells two builds apart.
    pub fn same_simulation(&self, other: &SimulatorInfo) -> bool {
        self.identity() == other.identity()
    }

    /// What [`SimulatorInfo::same_simulation`] compares.
    fn identity(&self) -> (&str, &str, Option<&str>, Option<&str>, Option<&str>) {
        let hash = self.device_hash();
        let build = hash.is_none().then_some(self.build.as_str());
        let configs = self.config_scripts.as_deref();
        (&self.name, &self.version, hash, build, configs)
    }

    /// The device-sources hash the binary carries, if it carries one.
    fn device_hash(&self) -> Option<&str> {
        self.device_sources
            .as_ref()
            .map(|d| d.binary.as_str())
            .filter(|h| *h != crate::device_hash::UNKNOWN)
    }

    /// The identity for messages, e.g. `gem5 24.0.0.1 devices 8bd36608… configs 1f2e…` or
    /// `qemu 7.2 built …`.
    pub fn identity_text(&self) -> String {
        let short = |h: &str| h[..h.len().min(12)].to_string();
        let mut text = match self.device_hash() {
            Some(hash) => format!("{} {} devices {}", self.name, self.version, short(hash)),
            None => format!("{} {} built {}", self.name, self.version, self.build),
        };
        if let Some(configs) = &self.config_scripts {
            text += &format!(" configs {}", short(configs));
        }
        text
    }
}

/// The guest image a run started from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestInfo {
    /// The image before patching.
    pub source_elf: PathBuf,
    /// SHA-256 of the image before patching: identifies the guest build.
    pub elf_sha256: String,
    /// SHA-256 of `guest.elf` in the run directory (the patched copy).
    pub patched_sha256: String,
    /// `git describe --always --dirty` of the tree the image was built from.
    pub git_describe: String,
    /// Whether that tree had uncommitted changes (`git_describe` ends in `-dirty`).
    #[serde(default)]
    pub dirty: bool,
}

/// How a run was made: enough to make it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The simulator's command line, one argument per element.
    pub command: Vec<String>,
    /// The same, quoted for a POSIX shell.
    pub command_line: String,
    /// The driver's own command line.
    pub driver_command: Vec<String>,
    pub simulator: SimulatorInfo,
    pub guest: GuestInfo,
    /// Where the run was made: `local`, or `slurm job <id> task <n>` inside a Slurm job.
    #[serde(default)]
    pub backend: String,
    /// The host the simulator ran on.
    #[serde(default)]
    pub host: String,
}

/// `run.json`: written before the simulator starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    pub schema: u32,
    pub spec: RunSpec,
    pub provenance: Provenance,
    pub timeout_secs: f64,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
}

/// How the simulator ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExitInfo {
    pub status: Option<i32>,
    pub signal: Option<i32>,
    /// gem5's `gem5-exit:` line, when it printed one.
    pub gem5: Option<ExitLine>,
    pub wall_secs: f64,
}

/// Which part of the run a stats dump covers (ARCHITECTURE.md, contract 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// Dump 0: reset to `@app-start`.
    Boot,
    /// Dumps 1…k: one measured region each.
    Measured,
    /// The last dump: the rest of the run, up to exit.
    Exit,
}

impl Window {
    /// The window of dump `index` in a file of `count` dumps.
    pub fn of(index: usize, count: usize) -> Window {
        if index == 0 {
            Window::Boot
        } else if index + 1 == count {
            Window::Exit
        } else {
            Window::Measured
        }
    }
}

/// Selected stats of one dump.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DumpStats {
    pub index: usize,
    pub window: Window,
    /// Sum of `numCycles` over the CPUs, if the dump has them.
    pub cycles: Option<f64>,
    /// Sum of committed instructions over the CPUs, if the dump has them.
    pub insts: Option<f64>,
    /// Every stat matching [`crate::run::SELECTED_STATS`]: name → value (NaN/inf as strings).
    pub stats: std::collections::BTreeMap<String, Value>,
}

/// `result.json`: written last, only for a successful run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub schema: u32,
    pub run_dir: PathBuf,
    pub spec: RunSpec,
    pub provenance: Provenance,
    pub exit: ExitInfo,
    /// The console had `@app-start`.
    pub app_started: bool,
    pub console_lines: usize,
    /// The guest's `@result` records, in order.
    pub results: Vec<Value>,
    /// gem5 only: the dumps of `stats.txt`, selected stats each.
    pub stats: Option<Vec<DumpStats>>,
    /// Runs with the CoroSched device: its wake samples, read once from the run directory when
    /// the run is made, so that an experiment gathers without `runs/`.
    pub device_samples: Option<RecordedSamples>,
    /// Runs with the LoadGenNic: the summary of its per-request records (measured requests'
    /// latency and slowdown percentiles, throughput, drops), made when the run is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<crate::requests::RequestSummary>,
}

impl DumpStats {
    /// The dump's selected stats that hold a number (NaN and infinities included), by name.
    pub fn values(&self) -> impl Iterator<Item = (&str, f64)> {
        self.stats.iter().filter_map(|(k, v)| {
            let n = serde_json::from_value::<Num>(v.clone()).ok()?;
            Some((k.as_str(), n.0))
        })
    }
}

impl RunResult {
    /// The measured-window dumps (1…k), in order.
    pub fn measured(&self) -> impl Iterator<Item = &DumpStats> {
        self.stats
            .iter()
            .flatten()
            .filter(|d| d.window == Window::Measured)
    }
}

/// Whether a sweep point must run again.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// The directory holds a result of exactly this run.
    Skip(Box<RunResult>),
    /// Run it, for this reason.
    Run(String),
}

/// A point is skipped if its directory has a readable `result.json` of the same spec, made from
/// the same guest image by a simulator that simulates the same ([`SimulatorInfo::same_simulation`]:
/// version and device-sources hash, not the build time); anything else runs again (and says
/// why).
pub fn resume_decision(
    dir: &Path,
    spec: &RunSpec,
    guest_sha256: &str,
    simulator: &SimulatorInfo,
) -> Decision {
    let path = dir.join(RESULT_JSON);
    if !path.exists() {
        return Decision::Run("no result.json yet".into());
    }
    let old: RunResult = match read_json(&path) {
        Ok(r) => r,
        Err(e) => return Decision::Run(format!("result.json unreadable ({e:#})")),
    };
    if old.schema != SCHEMA {
        Decision::Run(format!(
            "result.json has schema {}, now {SCHEMA}",
            old.schema
        ))
    } else if &old.spec != spec {
        Decision::Run("the spec changed".into())
    } else if old.provenance.guest.elf_sha256 != guest_sha256 {
        Decision::Run("the guest image changed".into())
    } else if !old.provenance.simulator.same_simulation(simulator) {
        Decision::Run(format!(
            "the simulator changed ({} → {})",
            old.provenance.simulator.identity_text(),
            simulator.identity_text()
        ))
    } else {
        Decision::Skip(Box::new(old))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::{Cpu, SimSpec};

    pub(crate) fn sample_result(dir: &Path, spec: RunSpec) -> RunResult {
        RunResult {
            schema: SCHEMA,
            run_dir: dir.into(),
            spec,
            provenance: Provenance {
                command: vec!["gem5".into()],
                command_line: "gem5".into(),
                driver_command: vec!["driver".into()],
                simulator: SimulatorInfo {
                    name: "gem5".into(),
                    binary: "/g".into(),
                    version: "24.0.0.1".into(),
                    build: "b1".into(),
                    device_sources: None,
                    config_scripts: None,
                },
                guest: GuestInfo {
                    source_elf: "/e".into(),
                    elf_sha256: "aa".into(),
                    patched_sha256: "bb".into(),
                    git_describe: "v0-1-gabc".into(),
                    dirty: false,
                },

                backend: "local".into(),
                host: "h".into(),
            },
            exit: ExitInfo {
                status: Some(0),
                signal: None,
                gem5: None,
                wall_secs: 1.0,
            },
            app_started: true,
            console_lines: 3,
            results: vec![serde_json::json!({"x": 1})],
            stats: None,
            device_samples: None,
            requests: None,
        }
    }

    fn sim(version: &str, build: &str) -> SimulatorInfo {
        SimulatorInfo {
            name: "gem5".into(),
            binary: "/g".into(),
            version: version.into(),
            build: build.into(),
            device_sources: None,
            config_scripts: None,
        }
    }

    /// A gem5 whose binary carries the device-sources hash `hash`.
    fn hashed(version: &str, build: &str, hash: &str) -> SimulatorInfo {
        SimulatorInfo {
            device_sources: Some(crate::device_hash::DeviceSources {
                binary: hash.into(),
                tree: hash.into(),
                stale_allowed: false,
            }),
            ..sim(version, build)
        }
    }

    fn spec() -> RunSpec {
        RunSpec {
            app: "ctxswitch".into(),
            mechanism: "coro-yield".into(),
            cores: 1,
            iterations: 10,
            seed: 1,
            params: [("quantum_ticks".to_string(), 4)].into(),
            irq_frame: crate::spec::full_irq_frame(),
            sim: SimSpec::gem5(Cpu::Minor, 100),
        }
    }

    #[test]
    fn atomic_write_replaces_whole_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        write_json_atomic(&path, &serde_json::json!({"a": 1})).unwrap();
        write_json_atomic(&path, &serde_json::json!({"a": 2})).unwrap();
        let v: Value = read_json(&path).unwrap();
        assert_eq!(v["a"], 2);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("result.json")]);
    }

    #[test]
    fn failed_atomic_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        write_json_atomic(&path, &serde_json::json!({"a": 1})).unwrap();
        // A target that is a non-empty directory cannot be replaced by rename.
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("f"), "x").unwrap();
        assert!(write_json_atomic(&blocked, &serde_json::json!({})).is_err());
        let v: Value = read_json(&path).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "temporary file left behind"
        );
    }

    #[test]
    fn json_numbers_keep_non_finite_values() {
        assert_eq!(json_number(3.0), serde_json::json!(3));
        assert_eq!(json_number(0.5), serde_json::json!(0.5));
        assert_eq!(json_number(f64::NAN), serde_json::json!("nan"));
        assert_eq!(json_number(f64::NEG_INFINITY), serde_json::json!("-inf"));
    }

    #[test]
    fn nums_read_numbers_and_numeric_strings_and_write_like_json_number() {
        let read = |v: Value| serde_json::from_value::<Num>(v).map(|n| n.0);
        assert_eq!(read(serde_json::json!(3)).unwrap(), 3.0);
        assert_eq!(read(serde_json::json!(" 2.5 ")).unwrap(), 2.5);
        assert!(read(serde_json::json!("nan")).unwrap().is_nan());
        assert_eq!(read(serde_json::json!("-inf")).unwrap(), f64::NEG_INFINITY);
        assert!(read(serde_json::json!("ten")).is_err());
        assert!(read(serde_json::json!(true)).is_err());
        for v in [3.0, 0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(serde_json::to_value(Num(v)).unwrap(), json_number(v));
        }
    }

    #[test]
    fn windows() {
        assert_eq!(Window::of(0, 3), Window::Boot);
        assert_eq!(Window::of(1, 3), Window::Measured);
        assert_eq!(Window::of(2, 3), Window::Exit);
        assert_eq!(Window::of(0, 1), Window::Boot);
    }

    #[test]
    fn resume_skips_only_the_same_run() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(
            resume_decision(d, &spec(), "aa", &sim("24.0.0.1", "b1")),
            Decision::Run("no result.json yet".into())
        );

        fs::write(d.join(RESULT_JSON), "{ half a file").unwrap();
        assert!(
            matches!(resume_decision(d, &spec(), "aa", &sim("24.0.0.1", "b1")), Decision::Run(r) if r.contains("unreadable"))
        );

        write_json_atomic(&d.join(RESULT_JSON), &sample_result(d, spec())).unwrap();
        assert!(matches!(
            resume_decision(d, &spec(), "aa", &sim("24.0.0.1", "b1")),
            Decision::Skip(_)
        ));

        let other = RunSpec {
            iterations: 11,
            ..spec()
        };
        assert_eq!(
            resume_decision(d, &other, "aa", &sim("24.0.0.1", "b1")),
            Decision::Run("the spec changed".into())
        );
        assert_eq!(
            resume_decision(d, &spec(), "cc", &sim("24.0.0.1", "b1")),
            Decision::Run("the guest image changed".into())
        );
        assert!(
            matches!(resume_decision(d, &spec(), "aa", &sim("25.0", "b1")), Decision::Run(r) if r.contains("simulator"))
        );
    }

    #[test]
    fn resume_compares_the_simulator_by_version_and_device_hash_not_build_time() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let made = hashed("24.0.0.1", "b1", "8bd36608aaaa");
        let mut result = sample_result(d, spec());
        result.provenance.simulator = made.clone();
        write_json_atomic(&d.join(RESULT_JSON), &result).unwrap();
        let decide = |s: &SimulatorInfo| resume_decision(d, &spec(), "aa", s);

        assert!(matches!(decide(&made), Decision::Skip(_)));
        // gem5 rebuilt from the same sources (a fresh machine): only the build time differs.
        let rebuilt = hashed("24.0.0.1", "b2", "8bd36608aaaa");
        assert!(matches!(decide(&rebuilt), Decision::Skip(_)));
        // Another binary path is another place, not another simulator.
        let moved = SimulatorInfo {
            binary: "/elsewhere/gem5.fast".into(),
            ..rebuilt.clone()
        };
        assert!(matches!(decide(&moved), Decision::Skip(_)));

        let version = hashed("25.0", "b1", "8bd36608aaaa");
        assert_eq!(
            decide(&version),
            Decision::Run(
                "the simulator changed (gem5 24.0.0.1 devices 8bd36608aaaa → gem5 25.0 devices \
                 8bd36608aaaa)"
                    .into()
            )
        );
        let devices = hashed("24.0.0.1", "b1", "0123456789abcdef");
        assert!(
            matches!(decide(&devices), Decision::Run(r) if r.contains("devices 8bd36608aaaa → gem5 24.0.0.1 devices 0123456789ab"))
        );
    }

    #[test]
    fn resume_runs_again_when_the_config_scripts_changed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let with = |configs: Option<&str>| SimulatorInfo {
            config_scripts: configs.map(str::to_string),
            ..hashed("24.0.0.1", "b1", "8bd36608aaaa")
        };
        let mut result = sample_result(d, spec());
        result.provenance.simulator = with(Some("c0ffee00c0ffee00"));
        write_json_atomic(&d.join(RESULT_JSON), &result).unwrap();
        let decide = |s: &SimulatorInfo| resume_decision(d, &spec(), "aa", s);

        assert!(matches!(
            decide(&with(Some("c0ffee00c0ffee00"))),
            Decision::Skip(_)
        ));
        assert_eq!(
            decide(&with(Some("0123456789abcdef"))),
            Decision::Run(
                "the simulator changed (gem5 24.0.0.1 devices 8bd36608aaaa configs c0ffee00c0ff → \
                 gem5 24.0.0.1 devices 8bd36608aaaa configs 0123456789ab)"
                    .into()
            )
        );
        // A result from before the scripts were recorded: made with unknown scripts.
        result.provenance.simulator = with(None);
        write_json_atomic(&d.join(RESULT_JSON), &result).unwrap();
        assert!(matches!(
            decide(&with(Some("c0ffee00c0ffee00"))),
            Decision::Run(_)
        ));
    }

    #[test]
    fn without_a_device_hash_the_build_still_decides() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // sample_result's gem5 carries no hash (as QEMU never does).
        write_json_atomic(&d.join(RESULT_JSON), &sample_result(d, spec())).unwrap();
        assert!(matches!(
            resume_decision(d, &spec(), "aa", &sim("24.0.0.1", "b1")),
            Decision::Skip(_)
        ));
        assert!(
            matches!(resume_decision(d, &spec(), "aa", &sim("24.0.0.1", "b2")), Decision::Run(r) if r.contains("built b1 → gem5 24.0.0.1 built b2"))
        );
        let unknown = hashed("24.0.0.1", "b2", crate::device_hash::UNKNOWN);
        assert!(matches!(
            resume_decision(d, &spec(), "aa", &unknown),
            Decision::Run(_)
        ));
        // A hash on one side only is another simulator.
        let with_hash = hashed("24.0.0.1", "b1", "8bd36608aaaa");
        assert!(matches!(
            resume_decision(d, &spec(), "aa", &with_hash),
            Decision::Run(_)
        ));
    }
}
