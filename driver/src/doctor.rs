//! `driver doctor`: is this machine ready to build the guest and run it? Each check says OK, or
//! what is wrong and how to fix it. gem5 takes an hour to build and is not needed for the QEMU
//! tier, so a missing gem5 is a warning unless `--require-gem5`.

use std::fmt;
use std::path::Path;
use std::process::Command;

use crate::gem5;
use crate::guest_image::TARGET;
use crate::sim::qemu;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    /// What was found (OK) or what to do (warn/fail).
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.level {
            Level::Ok => "OK  ",
            Level::Warn => "WARN",
            Level::Fail => "FAIL",
        };
        write!(f, "[{tag}] {:<22} {}", self.name, self.detail)
    }
}

fn check(name: &'static str, level: Level, detail: impl Into<String>) -> Check {
    Check {
        name,
        level,
        detail: detail.into(),
    }
}

/// Runs every check. `require_gem5` turns gem5 warnings into failures.
pub fn run(root: &Path, require_gem5: bool) -> Vec<Check> {
    let mut checks = vec![rust_target(root), qemu_check()];
    let missing = if require_gem5 {
        Level::Fail
    } else {
        Level::Warn
    };
    let config = root.join(crate::sim::gem5::CONFIG_SCRIPT);
    checks.push(if config.is_file() {
        check(
            "gem5 config script",
            Level::Ok,
            config.display().to_string(),
        )
    } else {
        check(
            "gem5 config script",
            missing.clone(),
            format!("{} is missing from the repo", config.display()),
        )
    });
    match gem5::locate() {
        Err(e) => checks.push(check("gem5", missing, e.to_string())),
        Ok(binary) => match gem5::probe(&binary) {
            Err(e) => checks.push(check("gem5", missing, e.to_string())),
            Ok(g) => {
                checks.push(check(
                    "gem5",
                    Level::Ok,
                    format!("{} (version {}, ARM)", g.binary.display(), g.version),
                ));
                checks.push(configs_check(&g.binary, missing.clone()));
                checks.push(sim_objects_check(root, &g.binary, missing));
            }
        },
    }
    checks
}

/// True if no check failed.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.level != Level::Fail)
}

fn rust_target(root: &Path) -> Check {
    // Run inside the workspace so rustup answers for the toolchain rust-toolchain.toml pins.
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output();
    match out {
        Err(e) => check(
            "rust target",
            Level::Fail,
            format!("rustup not runnable ({e}); install rustup"),
        ),
        Ok(o) if !o.status.success() => check(
            "rust target",
            Level::Fail,
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
            check("rust target", Level::Ok, format!("{TARGET} installed"))
        }
        Ok(_) => check(
            "rust target",
            Level::Fail,
            format!("{TARGET} missing: rustup target add {TARGET}"),
        ),
    }
}

fn qemu_check() -> Check {
    let Some(binary) = qemu::locate() else {
        return check(
            "qemu",
            Level::Fail,
            format!(
                "{} not on PATH: apt-get install qemu-system-arm",
                qemu::BINARY
            ),
        );
    };
    match qemu::version(&binary) {
        Ok(v) if !v.is_empty() => check("qemu", Level::Ok, format!("{} ({v})", binary.display())),
        Ok(_) => check(
            "qemu",
            Level::Fail,
            format!("{} --version printed nothing", binary.display()),
        ),
        Err(e) => check(
            "qemu",
            Level::Fail,
            format!("{} does not run: {e}", binary.display()),
        ),
    }
}

fn configs_check(binary: &Path, missing: Level) -> Check {
    // The file configs/baremetal.py itself looks for.
    const MARKER: &str = "example/arm/devices.py";
    match gem5::configs_dir(binary) {
        Some(dir) if dir.join(MARKER).is_file() => {
            check("gem5 configs/", Level::Ok, dir.display().to_string())
        }
        Some(dir) => check(
            "gem5 configs/",
            missing,
            format!(
                "{} has no {MARKER} (the config needs gem5's configs/): set \
                 GEM5_CONFIGS=/path/to/gem5/configs",
                dir.display()
            ),
        ),
        None => check(
            "gem5 configs/",
            missing,
            "cannot locate gem5's configs/: set GEM5_CONFIGS=/path/to/gem5/configs",
        ),
    }
}

/// The hook for "does this gem5 carry our devices": every SimObject declared under
/// `gem5-devices/` must be SimObjects of the gem5 binary.
fn sim_objects_check(root: &Path, binary: &Path, missing: Level) -> Check {
    let wanted = gem5::declared_sim_objects(&root.join("gem5-devices"));
    if wanted.is_empty() {
        return check(
            "gem5 SimObjects",
            Level::Ok,
            "gem5-devices/ declares no SimObjects yet",
        );
    }
    let listed = match gem5::list_sim_objects(binary) {
        Ok(listed) => listed,
        Err(e) => return check("gem5 SimObjects", missing, e.to_string()),
    };
    let absent: Vec<_> = wanted
        .iter()
        .filter(|w| !listed.contains(w))
        .cloned()
        .collect();
    if absent.is_empty() {
        check(
            "gem5 SimObjects",
            Level::Ok,
            format!("has {}", wanted.join(", ")),
        )
    } else {
        check(
            "gem5 SimObjects",
            missing,
            format!(
                "missing {}: rebuild gem5 with EXTRAS={}",
                absent.join(", "),
                root.join("gem5-devices").display()
            ),
        )
    }
}
