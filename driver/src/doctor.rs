//! `driver doctor`: is this machine ready for the project's two commands? Each check says OK,
//! or what is missing and how to fix it; the summary says which commands can run and which
//! cannot, and why. The exit status is non-zero when anything is missing (with `--no-gem5`,
//! anything besides gem5).

use std::fmt;
use std::path::Path;
use std::process::Command;

use crate::gem5;
use crate::guest_image::TARGET;
use crate::sim::qemu;
use crate::which::find_on_path;

/// What a check is needed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// `just test`: host tests (with the device core's C++ unit tests), guest build, QEMU tier.
    Test,
    /// `just run-experiment` and the gem5 tier of `just test`.
    Gem5,
}

impl Need {
    fn command(self) -> &'static str {
        match self {
            Need::Test => "just test (host tests, guest build, QEMU tier)",
            Need::Gem5 => "just run-experiment and the gem5 tier",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub need: Need,
    pub ok: bool,
    /// What was found (OK) or what to do (missing).
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.ok { "OK  " } else { "FAIL" };
        write!(f, "[{tag}] {:<22} {}", self.name, self.detail)
    }
}

fn check(name: &'static str, need: Need, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        need,
        ok,
        detail: detail.into(),
    }
}

/// Runs every check.
pub fn run(root: &Path) -> Vec<Check> {
    let mut checks = vec![
        rust_target(root),
        tool_check(
            "just",
            &["just"],
            "cargo install just (or pipx install rust-just)",
        ),
        cxx_check(),
        qemu_check(),
    ];
    let config = root.join(crate::sim::gem5::CONFIG_SCRIPT);
    checks.push(check(
        "gem5 config script",
        Need::Gem5,
        config.is_file(),
        if config.is_file() {
            config.display().to_string()
        } else {
            format!("{} is missing from the repo", config.display())
        },
    ));
    match gem5::locate().and_then(|binary| gem5::probe(&binary)) {
        Err(e) => checks.push(check("gem5", Need::Gem5, false, e.to_string())),
        Ok(g) => {
            checks.push(check(
                "gem5",
                Need::Gem5,
                true,
                format!("{} (version {}, ARM)", g.binary.display(), g.version),
            ));
            checks.push(configs_check(&g.binary));
            checks.push(sim_objects_check(root, &g.binary));
            checks.push(device_sources_check(root, &g));
        }
    }
    checks
}

/// The summary after the checks: per command, ready or what it lacks.
pub fn summary(checks: &[Check]) -> String {
    let mut lines = Vec::new();
    for need in [Need::Test, Need::Gem5] {
        let missing: Vec<&str> = checks
            .iter()
            .filter(|c| !c.ok && (c.need == need || c.need == Need::Test))
            .map(|c| c.name)
            .collect();
        if missing.is_empty() {
            lines.push(format!("can run:    {}", need.command()));
        } else {
            lines.push(format!(
                "cannot run: {}: missing {}",
                need.command(),
                missing.join(", ")
            ));
        }
    }
    lines.join("\n")
}

/// True if nothing is missing; with `without_gem5`, nothing besides what gem5 alone needs.
pub fn passed(checks: &[Check], without_gem5: bool) -> bool {
    checks
        .iter()
        .all(|c| c.ok || (without_gem5 && c.need == Need::Gem5))
}

fn rust_target(root: &Path) -> Check {
    // Run inside the workspace so rustup answers for the toolchain rust-toolchain.toml pins.
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output();
    let (ok, detail) = match out {
        Err(e) => (false, format!("rustup not runnable ({e}); install rustup")),
        Ok(o) if !o.status.success() => (
            false,
            format!(
                "`rustup target list --installed` failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
        ),
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET) =>
        {
            (true, format!("{TARGET} installed"))
        }
        Ok(_) => (
            false,
            format!("{TARGET} missing: rustup target add {TARGET}"),
        ),
    };
    check("rust target", Need::Test, ok, detail)
}

/// A program `just test` needs, found on `PATH`.
fn tool_check(name: &'static str, names: &[&str], fix: &str) -> Check {
    match find_on_path(names) {
        Some(path) => check(name, Need::Test, true, path.display().to_string()),
        None => check(
            name,
            Need::Test,
            false,
            format!("{} not on PATH: {fix}", names.join(" or ")),
        ),
    }
}

/// The C++ compiler the device core's unit tests are built with: `CXX`, else `c++`.
fn cxx_check() -> Check {
    const NAME: &str = "C++ compiler";
    let fix = "apt-get install g++ (or set CXX)";
    let (program, path) = match std::env::var("CXX").ok().filter(|v| !v.is_empty()) {
        Some(cxx) => {
            let path = Path::new(&cxx);
            let found = if path.components().count() > 1 {
                path.is_file().then(|| path.to_path_buf())
            } else {
                find_on_path(&[cxx.as_str()])
            };
            (format!("CXX={cxx}"), found)
        }
        None => ("c++".to_string(), find_on_path(&["c++"])),
    };
    match path {
        Some(p) => check(NAME, Need::Test, true, p.display().to_string()),
        None => check(
            NAME,
            Need::Test,
            false,
            format!("{program} not found: {fix}"),
        ),
    }
}

fn qemu_check() -> Check {
    let Some(binary) = qemu::locate() else {
        return check(
            "qemu",
            Need::Test,
            false,
            format!(
                "{} not on PATH: apt-get install qemu-system-arm",
                qemu::BINARY
            ),
        );
    };
    match qemu::version(&binary) {
        Ok(v) if !v.is_empty() => check(
            "qemu",
            Need::Test,
            true,
            format!("{} ({v})", binary.display()),
        ),
        Ok(_) => check(
            "qemu",
            Need::Test,
            false,
            format!("{} --version printed nothing", binary.display()),
        ),
        Err(e) => check(
            "qemu",
            Need::Test,
            false,
            format!("{} does not run: {e}", binary.display()),
        ),
    }
}

fn configs_check(binary: &Path) -> Check {
    // The file configs/baremetal.py itself looks for.
    const MARKER: &str = "example/arm/devices.py";
    let (ok, detail) = match gem5::configs_dir(binary) {
        Some(dir) if dir.join(MARKER).is_file() => (true, dir.display().to_string()),
        Some(dir) => (
            false,
            format!(
                "{} has no {MARKER} (the config needs gem5's configs/): set \
                 GEM5_CONFIGS=/path/to/gem5/configs",
                dir.display()
            ),
        ),
        None => (
            false,
            "cannot locate gem5's configs/: set GEM5_CONFIGS=/path/to/gem5/configs".into(),
        ),
    };
    check("gem5 configs/", Need::Gem5, ok, detail)
}

/// The hook for "does this gem5 carry our devices": every SimObject declared under
/// `gem5-devices/` must be SimObjects of the gem5 binary.
fn sim_objects_check(root: &Path, binary: &Path) -> Check {
    const NAME: &str = "gem5 SimObjects";
    let wanted = gem5::declared_sim_objects(&root.join("gem5-devices"));
    if wanted.is_empty() {
        return check(
            NAME,
            Need::Gem5,
            true,
            "gem5-devices/ declares no SimObjects yet",
        );
    }
    let listed = match gem5::list_sim_objects(binary) {
        Ok(listed) => listed,
        Err(e) => return check(NAME, Need::Gem5, false, e.to_string()),
    };
    let absent: Vec<_> = wanted
        .iter()
        .filter(|w| !listed.contains(w))
        .cloned()
        .collect();
    if absent.is_empty() {
        check(NAME, Need::Gem5, true, format!("has {}", wanted.join(", ")))
    } else {
        check(
            NAME,
            Need::Gem5,
            false,
            format!(
                "missing {}: rebuild gem5 with EXTRAS={}",
                absent.join(", "),
                root.join("gem5-devices").display()
            ),
        )
    }
}

/// Whether the binary carries the working tree's device sources (`device_hash.rs`).
fn device_sources_check(root: &Path, g: &gem5::Gem5) -> Check {
    let name = "gem5 device sources";
    match crate::device_hash::working_tree_hash(root) {
        Err(e) => check(name, Need::Gem5, false, e.to_string()),
        Ok(tree) => match crate::device_hash::check(&g.binary, &g.sources_hash, &tree, false) {
            Ok(_) => check(
                name,
                Need::Gem5,
                true,
                format!("the binary has the working tree's ({})", &tree[..12]),
            ),
            Err(stale) => check(name, Need::Gem5, false, stale.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_what_each_command_lacks() {
        let all_ok = vec![
            check("qemu", Need::Test, true, "q"),
            check("gem5", Need::Gem5, true, "g"),
        ];
        assert!(passed(&all_ok, false));
        assert_eq!(summary(&all_ok).matches("can run:").count(), 2);

        let no_gem5 = vec![
            check("qemu", Need::Test, true, "q"),
            check("gem5", Need::Gem5, false, "not found"),
        ];
        assert!(!passed(&no_gem5, false));
        assert!(passed(&no_gem5, true));
        let s = summary(&no_gem5);
        assert!(s.contains("can run:    just test"), "{s}");
        assert!(
            s.contains("cannot run: just run-experiment and the gem5 tier: missing gem5"),
            "{s}"
        );

        // What `just test` lacks, the gem5 commands lack too.
        let no_cxx = vec![check("C++ compiler", Need::Test, false, "x")];
        assert!(!passed(&no_cxx, true));
        assert_eq!(summary(&no_cxx).matches("missing C++ compiler").count(), 2);
    }
}
