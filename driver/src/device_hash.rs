//! Stale-device detection: the hash of the `gem5-devices/` sources a gem5 binary was built from,
//! against the hash of the working tree's.
//!
//! The build computes the hash itself: each device's SConscript runs
//! `gem5-devices/device_hash.py` while gem5 is built and bakes the result into the binary as the
//! default of the CoroSched parameter `sources_hash`. `configs/baremetal.py` prints it on its
//! `coro-sched:` line (`… sources_hash=<hex>`), and [`PROBE_SCRIPT`] prints it without running a
//! guest. [`tree_hash`] is the same function in Rust; a test holds the two equal.
//!
//! A run, a sweep and `doctor` refuse a binary whose hash differs from the tree's
//! ([`check`]), naming the command that rebuilds it, unless the user overrides it; the override
//! is recorded with the result ([`DeviceSources`]).
//!
//! The same hash of `configs/` ([`config_scripts_hash`]) is part of a result's simulator identity:
//! the scripts build the simulated system.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The directory of the device sources, relative to the repository root (gem5's `EXTRAS`).
pub const DEVICES_DIR: &str = "gem5-devices";
/// The key of the hash on the config's `coro-sched:` line and in the probe's output.
pub const KEY: &str = "sources_hash";
/// What the config prints for a binary that carries no hash (built before hashes existed).
pub const UNKNOWN: &str = "unknown";

/// File names hashed whatever their extension (build files gem5 reads).
const SOURCE_NAMES: &[&str] = &["SConscript", "SConsopts", "Kconfig"];
/// Extensions of hashed files (C++ sources and headers, SimObject and helper Python).
const SOURCE_SUFFIXES: &[&str] = &[".cc", ".hh", ".h", ".py"];
/// Directories left out: host-only unit tests.
const SKIPPED_DIRS: &[&str] = &["test"];

/// A gem5 probe script that prints the binary's hash (or [`UNKNOWN`]) as `sources_hash=<hex>`.
pub const PROBE_SCRIPT: &str = "\
try:
    from m5.objects.Gem5DevicesBuild import DEVICE_SOURCES_HASH as h
except ImportError:
    h = 'unknown'
print('sources_hash=' + h)
";

/// The files [`tree_hash`] reads: paths relative to `root`, `/`-separated, in byte order.
pub fn source_files(root: &Path) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(root, &entry.path(), found)?;
            }
        } else if SOURCE_NAMES.contains(&name.as_str())
            || SOURCE_SUFFIXES.iter().any(|s| name.ends_with(s))
        {
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("walk stays below root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            found.push(rel);
        }
    }
    Ok(())
}

/// SHA-256 (hex) of the device sources below `root`, exactly as `device_hash.py` computes it:
/// for each file in [`source_files`] order, its path, NUL, its length in decimal, NUL, its bytes.
pub fn tree_hash(root: &Path) -> io::Result<String> {
    let mut h = Sha256::new();
    for rel in source_files(root)? {
        let data = fs::read(root.join(&rel))?;
        h.update(rel.as_bytes());
        h.update(b"\0");
        h.update(data.len().to_string().as_bytes());
        h.update(b"\0");
        h.update(&data);
    }
    Ok(h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>())
}

/// The hash of `<repo root>/gem5-devices`, with the directory named in the error.
pub fn working_tree_hash(repo_root: &Path) -> anyhow::Result<String> {
    hash_of(repo_root, DEVICES_DIR, "the device sources")
}

/// [`tree_hash`] of `<repo_root>/<dir>`, with `what` and the directory named in the error.
fn hash_of(repo_root: &Path, dir: &str, what: &str) -> anyhow::Result<String> {
    let dir = repo_root.join(dir);
    tree_hash(&dir).map_err(|e| anyhow::anyhow!("hashing {what} in {}: {e}", dir.display()))
}

/// The directory of the gem5 config scripts, relative to the repository root.
pub const CONFIGS_DIR: &str = "configs";

/// The hash of `<repo root>/configs` ([`tree_hash`] of its Python files): the config scripts
/// build the simulated system (CPU model, caches, devices' places), so a run made with other
/// scripts is another run even on the same gem5 binary.
pub fn config_scripts_hash(repo_root: &Path) -> anyhow::Result<String> {
    hash_of(repo_root, CONFIGS_DIR, "the gem5 config scripts")
}

/// The value of `sources_hash=` in gem5's output (the config line or the probe), if any.
pub fn parse(text: &str) -> Option<String> {
    text.lines().rev().find_map(|line| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(KEY)?.strip_prefix('='))
            .map(str::to_string)
    })
}

/// What a result records about the device sources of its gem5 binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSources {
    /// The hash the binary carries (`unknown` for a binary built without one).
    pub binary: String,
    /// The hash of the working tree's `gem5-devices/` when the run was made.
    pub tree: String,
    /// True when the two differ and the run went ahead because the user said so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale_allowed: bool,
}

/// A binary built from other device sources than the working tree's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleDevice {
    pub binary_path: PathBuf,
    pub binary: String,
    pub tree: String,
}

/// The flag that runs a stale binary anyway (recorded as `stale_allowed`).
pub const ALLOW_FLAG: &str = "--allow-stale-device";
/// The environment variable the flag sets, so that the runs of a sweep on other nodes
/// (`driver run-point` under Slurm) inherit it.
pub const ALLOW_ENV: &str = "CORO_SCHED_ALLOW_STALE_DEVICE";

/// Whether the user allowed a stale binary ([`ALLOW_FLAG`] or [`ALLOW_ENV`]=1).
pub fn stale_allowed() -> bool {
    std::env::var_os(ALLOW_ENV).is_some_and(|v| v == "1")
}
/// The command that rebuilds gem5 with the working tree's devices.
pub const REBUILD_COMMAND: &str = "cargo run --release -p driver -- gem5 build";

impl fmt::Display for StaleDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let built = if self.binary == UNKNOWN {
            "carries no device-sources hash (it was built before hashes existed, or without \
             this repository's gem5-devices/ as EXTRAS)"
                .to_string()
        } else {
            format!(
                "was built from other device sources (hash {}) than the working tree's \
                 gem5-devices/ ({})",
                short(&self.binary),
                short(&self.tree)
            )
        };
        write!(
            f,
            "gem5 binary {} {built}; its numbers would be for a device that is not in this \
             tree. Rebuild it (an EXTRAS-only rebuild takes minutes): `{REBUILD_COMMAND}`, or \
             run anyway with {ALLOW_FLAG} (recorded in the results)",
            self.binary_path.display()
        )
    }
}

impl std::error::Error for StaleDevice {}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Compares a binary's hash with the tree's: `Ok` with what to record, or [`StaleDevice`]
/// unless `allow_stale`.
pub fn check(
    binary_path: &Path,
    binary: &str,
    tree: &str,
    allow_stale: bool,
) -> Result<DeviceSources, StaleDevice> {
    let stale = binary != tree;
    if stale && !allow_stale {
        return Err(StaleDevice {
            binary_path: binary_path.to_path_buf(),
            binary: binary.to_string(),
            tree: tree.to_string(),
        });
    }
    Ok(DeviceSources {
        binary: binary.to_string(),
        tree: tree.to_string(),
        stale_allowed: stale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("dev/test")).unwrap();
        fs::create_dir_all(p.join(".git")).unwrap();
        fs::create_dir_all(p.join("regmap/src")).unwrap();
        fs::write(p.join("dev/SConscript"), "Import('*')\n").unwrap();
        fs::write(p.join("dev/a.cc"), "int a;\n").unwrap();
        fs::write(p.join("dev/a.hh"), "extern int a;\n").unwrap();
        fs::write(p.join("dev/Dev.py"), "x = 1\n").unwrap();
        fs::write(p.join("dev/test/a_test.cc"), "int t;\n").unwrap();
        fs::write(p.join(".git/x.py"), "").unwrap();
        fs::write(p.join("regmap/src/lib.rs"), "").unwrap();
        fs::write(p.join("dev/regmap.toml"), "").unwrap();
        fs::write(p.join("device_hash.py"), "# hasher\n").unwrap();
        d
    }

    #[test]
    fn config_scripts_hash_follows_the_scripts_not_python_caches() {
        let d = tempfile::tempdir().unwrap();
        let configs = d.path().join(CONFIGS_DIR);
        fs::create_dir_all(configs.join("__pycache__")).unwrap();
        fs::write(configs.join("baremetal.py"), "early = True\n").unwrap();
        let before = config_scripts_hash(d.path()).unwrap();
        fs::write(configs.join("__pycache__/baremetal.cpython-311.pyc"), "x").unwrap();
        assert_eq!(config_scripts_hash(d.path()).unwrap(), before);
        fs::write(configs.join("baremetal.py"), "early = False\n").unwrap();
        assert_ne!(config_scripts_hash(d.path()).unwrap(), before);
        let missing = config_scripts_hash(&d.path().join("nowhere")).unwrap_err();
        assert!(missing.to_string().contains("config scripts"), "{missing}");
    }

    #[test]
    fn hashes_build_sources_only() {
        let d = tree();
        assert_eq!(
            source_files(d.path()).unwrap(),
            [
                "dev/Dev.py",
                "dev/SConscript",
                "dev/a.cc",
                "dev/a.hh",
                "device_hash.py"
            ]
        );
        let before = tree_hash(d.path()).unwrap();
        // A test or a non-source file does not change the hash; a source byte does.
        fs::write(d.path().join("dev/test/a_test.cc"), "int u;\n").unwrap();
        fs::write(d.path().join("dev/regmap.toml"), "x").unwrap();
        assert_eq!(tree_hash(d.path()).unwrap(), before);
        fs::write(d.path().join("dev/a.cc"), "int a; \n").unwrap();
        assert_ne!(tree_hash(d.path()).unwrap(), before);
    }

    #[test]
    fn moving_bytes_between_files_changes_the_hash() {
        let d = tree();
        let before = tree_hash(d.path()).unwrap();
        fs::write(d.path().join("dev/a.cc"), "int a;\nextern int a;\n").unwrap();
        fs::write(d.path().join("dev/a.hh"), "").unwrap();
        assert_ne!(tree_hash(d.path()).unwrap(), before);
    }

    /// The build's hasher (Python, run by every device SConscript) and this one agree, on a
    /// made-up tree and on the real gem5-devices/.
    #[test]
    fn python_and_rust_hashers_agree() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEVICES_DIR)
            .join("device_hash.py");
        let python = |dir: &Path| {
            let out = std::process::Command::new("python3")
                .arg(&script)
                .arg(dir)
                .output()
                .expect("python3 runs (gem5's build needs it too)");
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let d = tree();
        assert_eq!(python(d.path()), tree_hash(d.path()).unwrap());
        let real = script.parent().unwrap();
        assert_eq!(python(real), tree_hash(real).unwrap());
    }

    #[test]
    fn parses_the_config_line_and_the_probe() {
        let log = "gem5 banner\ncoro-sched: base=0x2d000000 placement=on-chip \
                   pio_latency=2ns queue_depth=16 sources_hash=abc123\n";
        assert_eq!(parse(log).as_deref(), Some("abc123"));
        assert_eq!(
            parse("coro-sched: absent sources_hash=unknown").as_deref(),
            Some(UNKNOWN)
        );
        assert_eq!(parse("sources_hash=ff\n").as_deref(), Some("ff"));
        assert_eq!(parse("coro-sched: absent"), None);
    }

    #[test]
    fn a_stale_binary_is_refused_unless_allowed() {
        let bin = Path::new("/g/gem5.fast");
        let err = check(bin, "aaaa", "bbbb", false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(REBUILD_COMMAND), "{msg}");
        assert!(msg.contains(ALLOW_FLAG), "{msg}");
        assert!(msg.contains("/g/gem5.fast"), "{msg}");
        let ok = check(bin, "aaaa", "bbbb", true).unwrap();
        assert!(ok.stale_allowed);
        let same = check(bin, "aaaa", "aaaa", false).unwrap();
        assert!(!same.stale_allowed);
        let unknown = check(bin, UNKNOWN, "aaaa", false).unwrap_err().to_string();
        assert!(
            unknown.contains("carries no device-sources hash"),
            "{unknown}"
        );
    }
}
