//! `driver setup tests`: installs what `just test` needs on a fresh Debian machine that has only
//! the Rust toolchain: the guest's target (`aarch64-unknown-none`, through rustup), QEMU
//! (Debian's `qemu-system-arm`) and a C++ compiler (for the device core's unit tests).
//! `driver gem5 ensure` is the main command's counterpart for gem5.
//!
//! Each tool is looked for first; only what is missing is installed, with apt-get when running
//! as root, else the error names the packages to install.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail, ensure};

use crate::guest_image::TARGET;

/// A tool the tests need: a command that proves it is there, and the Debian package with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tool {
    pub command: &'static str,
    pub package: &'static str,
}

/// What the test tiers run besides cargo.
pub const TEST_TOOLS: &[Tool] = &[
    Tool {
        command: "qemu-system-aarch64",
        package: "qemu-system-arm",
    },
    Tool {
        command: "c++",
        package: "g++",
    },
];

/// The Debian packages of the tools in `tools` that `present` says are missing.
pub fn missing_packages(tools: &[Tool], present: impl Fn(&str) -> bool) -> Vec<&'static str> {
    tools
        .iter()
        .filter(|t| !present(t.command))
        .map(|t| t.package)
        .collect()
}

pub fn on_path(command: &str) -> bool {
    crate::which::find_on_path(&[command]).is_some()
}

/// Installs the test tools and the guest target that are missing.
pub fn tests(root: &Path) -> Result<()> {
    apt_install(&missing_packages(TEST_TOOLS, on_path))?;
    rust_target(root)
}

/// `rustup target add` for the guest target when the pinned toolchain lacks it (rustup installs
/// a toolchain's listed targets only when it installs the toolchain itself).
fn rust_target(root: &Path) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output();
    let Ok(out) = installed else {
        bail!("rustup is not on PATH: install Rust with rustup (https://rustup.rs)");
    };
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        return Ok(());
    }
    eprintln!("setup: rustup target add {TARGET}");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .current_dir(root)
        .status()?;
    ensure!(status.success(), "rustup target add {TARGET} failed");
    Ok(())
}

/// apt-get install `packages` (after one `apt-get update`), as root; otherwise an error naming
/// them.
pub fn apt_install(packages: &[&str]) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if !root || !Path::new("/usr/bin/apt-get").exists() {
        bail!(
            "missing packages: {0} (on Debian: sudo apt-get install {0})",
            packages.join(" ")
        );
    }
    eprintln!("setup: apt-get install {}", packages.join(" "));
    let update = Command::new("apt-get").args(["update", "-qq"]).status()?;
    ensure!(update.success(), "apt-get update failed");
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()?;
    ensure!(
        status.success(),
        "apt-get install {} failed",
        packages.join(" ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_missing_tools_are_installed() {
        assert_eq!(
            missing_packages(TEST_TOOLS, |c| c == "c++"),
            ["qemu-system-arm"]
        );
        assert!(missing_packages(TEST_TOOLS, |_| true).is_empty());
        assert_eq!(
            missing_packages(TEST_TOOLS, |_| false),
            ["qemu-system-arm", "g++"]
        );
    }
}
