//! Finding gem5 and asking it what it is: version, build, ISA, SimObjects, and its own
//! `configs/` directory. How a run is made on it is the gem5 backend ([`crate::sim::gem5`]).
//!
//! The project never builds gem5: the user builds gem5 v24.0 for ARM with this repo's
//! `gem5-devices/` as `EXTRAS` and points `GEM5` at the binary (or puts `gem5.fast`/`gem5.opt`
//! on `PATH`). Everything that can go wrong with that is answered with [`REQUIREMENT`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// What the driver needs, said the same way by every error and by `driver doctor`.
pub const REQUIREMENT: &str = "gem5 v24.0 built for ARM (build/ARM/gem5.fast) with this repo's \
                               gem5-devices/ as EXTRAS; set GEM5=/path/to/gem5.fast";

/// Environment variable naming the gem5 binary.
pub const ENV: &str = "GEM5";
/// Binaries looked for on `PATH` when `GEM5` is not set, in order.
pub const PATH_NAMES: &[&str] = &["gem5.fast", "gem5.opt"];
/// The config script, relative to the workspace root.
pub const CONFIG_SCRIPT: &str = "configs/baremetal.py";
/// A gem5 binary that runs and is an ARM build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gem5 {
    pub binary: PathBuf,
    /// From `--build-info` ("gem5 version …"), e.g. `24.0.0.1`.
    pub version: String,
    /// From `--build-info` ("compiled …"): when this binary was built; recorded with each run.
    /// Resuming compares the device-sources hash instead, and this only when there is none
    /// ([`crate::results::SimulatorInfo::same_simulation`]).
    pub compiled: String,
    /// The hash of the device sources compiled in (`device_hash.rs`), or `unknown`.
    pub sources_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gem5Error {
    NotFound { reason: String },
    NotRunnable { binary: PathBuf, reason: String },
    NotArm { binary: PathBuf, detail: String },
}

impl fmt::Display for Gem5Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gem5Error::NotFound { reason } => {
                write!(f, "gem5 not found ({reason}); need {REQUIREMENT}")
            }
            Gem5Error::NotRunnable { binary, reason } => write!(
                f,
                "gem5 at {} does not run ({reason}); need {REQUIREMENT}",
                binary.display()
            ),
            Gem5Error::NotArm { binary, detail } => write!(
                f,
                "gem5 at {} is not an ARM build ({detail}); need {REQUIREMENT}",
                binary.display()
            ),
        }
    }
}

impl std::error::Error for Gem5Error {}

/// `GEM5` if set (and non-empty), else the first of [`PATH_NAMES`] on `PATH`, else the binary
/// `driver gem5 build` recorded.
pub fn locate() -> Result<PathBuf, Gem5Error> {
    if let Some(value) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&value);
        if !path.is_file() {
            return Err(Gem5Error::NotFound {
                reason: format!("{ENV}={} is not a file", path.display()),
            });
        }
        return Ok(path);
    }
    if let Some(p) = crate::which::find_on_path(PATH_NAMES) {
        return Ok(p);
    }
    // What `driver gem5 build` made, last.
    crate::gem5_build::recorded_binary().ok_or_else(|| Gem5Error::NotFound {
        reason: format!(
            "{ENV} is not set, neither {} is on PATH, and `driver gem5 build` has built none \
             (`just run-experiment` builds one)",
            PATH_NAMES.join(" nor ")
        ),
    })
}

/// What gem5 says about its build (its banner, plus the build options the probe prints).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: Option<String>,
    pub compiled: Option<String>,
    /// `Some(true)` if the build options name the ARM ISA, `Some(false)` if they name it off or
    /// name another ISA, `None` if they say nothing about ISAs.
    pub arm: Option<bool>,
}

/// Parses gem5's banner (`gem5 version …`, `gem5 compiled …`) and `KEY = value` build-option
/// lines; also reads `--build-info` output of gem5 versions where that option works.
pub fn parse_build_info(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("gem5 version ") {
            info.version.get_or_insert_with(|| v.trim().to_string());
        }
        if let Some(v) = line
            .strip_prefix("gem5 compiled ")
            .or_else(|| line.strip_prefix("compiled "))
        {
            info.compiled.get_or_insert_with(|| v.trim().to_string());
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches(['\'', '"']));
        if key == "USE_ARM_ISA" {
            info.arm = Some(matches!(value, "True" | "true" | "1" | "y"));
        } else if key == "TARGET_ISA" {
            info.arm = Some(value.eq_ignore_ascii_case("arm"));
        }
    }
    info
}

/// Runs `binary` on a small Python script (named `name`) in a temporary output directory and
/// returns its stdout (gem5's banner, then what the script printed).
fn run_probe(binary: &Path, name: &str, script_text: &str) -> Result<String, Gem5Error> {
    let fail = |reason: String| Gem5Error::NotRunnable {
        binary: binary.into(),
        reason,
    };
    let dir = tempfile::tempdir().map_err(|e| {
        fail(format!(
            "cannot make a temporary directory for a probe: {e}"
        ))
    })?;
    let script = dir.path().join(name);
    std::fs::write(&script, script_text).map_err(|e| fail(format!("cannot write {name}: {e}")))?;
    let out = Command::new(binary)
        .arg("-d")
        .arg(dir.path())
        .arg("--listener-mode=off")
        .arg(&script)
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(format!(
            "running the probe script {name} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The probe script: gem5 prints its banner (version, compile time) before running it, and the
/// script prints the ISA build option and the device-sources hash the binary carries
/// ([`crate::device_hash::PROBE_SCRIPT`]). (`--build-info` itself fails in gem5 v24.0.0.1: its
/// `m5.defines` has no `gem5Version`.)
fn probe_script() -> String {
    format!(
        "from m5.defines import buildEnv\nprint('USE_ARM_ISA = ' + str(buildEnv.get('USE_ARM_ISA')))\n{}",
        crate::device_hash::PROBE_SCRIPT
    )
}

/// Runs `binary` on a two-line probe script and checks it is an ARM build. When the build
/// options say nothing about the ISA, a binary under `build/ARM/` is taken as ARM.
pub fn probe(binary: &Path) -> Result<Gem5, Gem5Error> {
    let text = run_probe(binary, "probe.py", &probe_script())?;
    let info = parse_build_info(&text);
    let in_arm_build = binary.components().any(|c| c.as_os_str() == "ARM");
    match info.arm {
        Some(true) => {}
        None if in_arm_build => {}
        Some(false) => {
            return Err(Gem5Error::NotArm {
                binary: binary.into(),
                detail: "its build options have the ARM ISA off".into(),
            });
        }
        None => {
            return Err(Gem5Error::NotArm {
                binary: binary.into(),
                detail: "its build options name no ISA and the path has no build/ARM/".into(),
            });
        }
    }
    let version = info.version.ok_or_else(|| Gem5Error::NotRunnable {
        binary: binary.into(),
        reason: "its banner has no \"gem5 version\" line".into(),
    })?;
    Ok(Gem5 {
        binary: binary.into(),
        version,
        compiled: info.compiled.unwrap_or_else(|| "unknown".into()),
        sources_hash: crate::device_hash::parse(&text)
            .unwrap_or_else(|| crate::device_hash::UNKNOWN.into()),
    })
}

/// [`locate`] then [`probe`].
pub fn find() -> Result<Gem5, Gem5Error> {
    probe(&locate()?)
}

/// Prints every SimObject class the binary has, one `SIMOBJECT <name>` line each. (gem5
/// v24.0.0.1's own `--list-sim-objects` fails when stdout is not a terminal.)
const SIM_OBJECTS_SCRIPT: &str = "import inspect\nimport m5.objects\nfrom m5.SimObject import SimObject\nfor n in dir(m5.objects):\n    o = getattr(m5.objects, n)\n    if inspect.isclass(o) and issubclass(o, SimObject):\n        print('SIMOBJECT ' + n)\n";

/// The names of the SimObjects the binary has.
pub fn list_sim_objects(binary: &Path) -> Result<Vec<String>, Gem5Error> {
    let text = run_probe(binary, "sim_objects.py", SIM_OBJECTS_SCRIPT)?;
    Ok(text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("SIMOBJECT "))
        .map(String::from)
        .collect())
}

/// Whether the binary knows the SimObject `name` (e.g. [`coro_sched::SIM_OBJECT`]).
pub fn has_sim_object(binary: &Path, name: &str) -> Result<bool, Gem5Error> {
    Ok(list_sim_objects(binary)?.iter().any(|l| l == name))
}

/// The `gem5-exit: cause=<cause> code=<code> tick=<tick>` line the config prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitLine {
    pub cause: String,
    pub code: i64,
    pub tick: u64,
}

pub const EXIT_PREFIX: &str = "gem5-exit: ";

/// The last well-formed `gem5-exit:` line of a log.
pub fn parse_exit_line(log: &str) -> Option<ExitLine> {
    log.lines().rev().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix(EXIT_PREFIX)?
            .strip_prefix("cause=")?;
        let (rest, tick) = rest.rsplit_once(" tick=")?;
        let (cause, code) = rest.rsplit_once(" code=")?;
        // The config prints the cause with Python's repr: in quotes.
        let cause = ['\'', '"']
            .iter()
            .find_map(|q| cause.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(cause);
        Some(ExitLine {
            cause: cause.to_string(),
            code: code.trim().parse().ok()?,
            tick: tick.trim().parse().ok()?,
        })
    })
}

/// gem5's own `configs/` directory, which `configs/baremetal.py` needs for the HPI and O3 core
/// definitions: `GEM5_CONFIGS`, else `<gem5 source>/configs` for a binary at
/// `<gem5 source>/build/ARM/gem5.fast`.
pub fn configs_dir(binary: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GEM5_CONFIGS").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let source = binary
        .canonicalize()
        .ok()?
        .parent()?
        .parent()?
        .parent()?
        .to_path_buf();
    Some(source.join("configs"))
}

/// SimObject names this repo's `gem5-devices/` declares (`sim_objects=[...]` in its
/// SConscripts): what a gem5 built with our EXTRAS must know.
pub fn declared_sim_objects(devices_dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![devices_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "SConscript") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                names.extend(sim_object_names(&text));
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn sim_object_names(sconscript: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = sconscript;
    while let Some(i) = rest.find("sim_objects") {
        rest = &rest[i + "sim_objects".len()..];
        let Some(open) = rest.find('[') else { break };
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let list = &rest[open + 1..open + close];
        names.extend(
            list.split(',')
                .map(|s| s.trim().trim_matches(['\'', '"']).to_string())
                .filter(|s| !s.is_empty()),
        );
        rest = &rest[open + close..];
    }
    names
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_probe_asks_for_the_device_hash() {
        assert!(super::probe_script().ends_with(crate::device_hash::PROBE_SCRIPT));
    }

    use super::*;

    #[test]
    fn build_info_of_an_arm_build() {
        let text = "Build information:\n\ngem5 version 24.0.0.1\ncompiled Nov 22 2026\nbuild options:\n    \
                    USE_ARM_ISA = True\n    USE_X86_ISA = False\n";
        assert_eq!(
            parse_build_info(text),
            BuildInfo {
                version: Some("24.0.0.1".into()),
                compiled: Some("Nov 22 2026".into()),
                arm: Some(true)
            }
        );
        let x86 = "gem5 version 24.0.0.1\n    USE_ARM_ISA = False\n";
        assert_eq!(parse_build_info(x86).arm, Some(false));
        assert_eq!(
            parse_build_info("gem5 version 23.0\n    TARGET_ISA = arm\n").arm,
            Some(true)
        );
        assert_eq!(parse_build_info("nothing").arm, None);
    }

    #[test]
    fn exit_line() {
        let log =
            "info: foo\ngem5-exit: cause=m5_exit instruction encountered code=0 tick=123456\n";
        assert_eq!(
            parse_exit_line(log),
            Some(ExitLine {
                cause: "m5_exit instruction encountered".into(),
                code: 0,
                tick: 123456
            })
        );
        assert_eq!(parse_exit_line("gem5-exit: cause=x code=zz tick=1"), None);
        assert_eq!(
            parse_exit_line("gem5-exit: cause=\"it's\" code=-1 tick=1")
                .unwrap()
                .cause,
            "it's"
        );
        assert_eq!(parse_exit_line("no line"), None);
    }

    #[test]
    fn sim_objects_from_sconscript() {
        let text = "SimObject('CoroSched.py', sim_objects=['CoroSched', \"LoadGen\"])\nSource('x.cc')\n\
                    SimObject('B.py', sim_objects = [ 'Other' ])";
        assert_eq!(
            sim_object_names(text),
            vec!["CoroSched", "LoadGen", "Other"]
        );
    }
}
