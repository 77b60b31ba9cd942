//! Building the one guest image and saying which build it is.
//!
//! `driver build` runs cargo for the bare-metal target, checks the ELF (entry and segments in
//! DRAM, a valid `RUN_CONFIG` block) and records `git describe` of the tree it was built from in
//! a small file beside the image, so that a later run records the version of the source the
//! image came from rather than whatever the tree says at run time.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use xshell::{Shell, cmd};

use crate::elf_patch::{self, ImageInfo};

pub const TARGET: &str = "aarch64-unknown-none";

/// Where cargo puts the guest for a profile (`release` or `debug`).
pub fn image_path(root: &Path, release: bool) -> PathBuf {
    root.join("target")
        .join(TARGET)
        .join(if release { "release" } else { "debug" })
        .join("guest")
}

/// The file beside the image that records how it was built.
fn build_record_path(elf: &Path) -> PathBuf {
    let mut name = elf.file_name().unwrap_or_default().to_os_string();
    name.push(".build.json");
    elf.with_file_name(name)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BuildRecord {
    sha256: String,
    git_describe: String,
}

/// Builds the guest with cargo from the workspace root and checks the result.
pub fn build(root: &Path, release: bool) -> Result<PathBuf> {
    let sh = Shell::new()?;
    let _dir = sh.push_dir(root);
    let profile: &[&str] = if release { &["--release"] } else { &[] };
    cmd!(
        sh,
        "cargo build -p guest-apps --bin guest {profile...} --target {TARGET}"
    )
    .run()
    .context("building the guest image (cargo build -p guest-apps --bin guest)")?;
    let elf = image_path(root, release);
    let info = check(&elf)?;
    let record = BuildRecord {
        sha256: sha256_file(&elf)?,
        git_describe: git_describe(root),
    };
    crate::results::write_json_atomic(&build_record_path(&elf), &record)?;
    eprintln!(
        "guest image ok: entry {:#x}, RUN_CONFIG at {:#x} (file offset {:#x}), {}",
        info.entry, info.location.vaddr, info.location.offset, record.git_describe
    );
    Ok(elf)
}

/// Reads an image and checks it can be patched and run (see [`elf_patch::check_image`]).
pub fn check(elf: &Path) -> Result<ImageInfo> {
    let bytes =
        std::fs::read(elf).with_context(|| format!("reading guest image {}", elf.display()))?;
    elf_patch::check_image(&bytes)
        .with_context(|| format!("checking guest image {}", elf.display()))
}

/// The image to run: `explicit` if given, else the release build, which must exist.
pub fn resolve(root: &Path, explicit: Option<&Path>) -> Result<PathBuf> {
    let elf = match explicit {
        Some(p) => p.to_path_buf(),
        None => image_path(root, true),
    };
    anyhow::ensure!(
        elf.is_file(),
        "no guest image at {}: run `driver build` first or pass --elf PATH",
        elf.display()
    );
    Ok(elf)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(sha256_hex(&bytes))
}

/// `git describe --always --dirty --tags` of `root`, or a note saying why there is none.
pub fn git_describe(root: &Path) -> String {
    let out = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--tags"])
        .current_dir(root)
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            format!(
                "unknown ({})",
                err.lines().next().unwrap_or("git describe failed").trim()
            )
        }
        Err(e) => format!("unknown (git: {e})"),
    }
}

/// Version of the source an image was built from: the record `driver build` left beside it if
/// it matches the image's hash, else `git describe` now, marked as such.
pub fn describe_image(root: &Path, elf: &Path, sha256: &str) -> String {
    if let Ok(record) = crate::results::read_json::<BuildRecord>(&build_record_path(elf))
        && record.sha256 == sha256
    {
        return record.git_describe;
    }
    format!(
        "{} (at run time; image not from `driver build`)",
        git_describe(root)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn build_record_describes_only_its_own_image() {
        let dir = tempfile::tempdir().unwrap();
        let elf = dir.path().join("guest");
        std::fs::write(&elf, b"x").unwrap();
        let record = BuildRecord {
            sha256: sha256_hex(b"x"),
            git_describe: "v1-2-gabc".into(),
        };
        crate::results::write_json_atomic(&build_record_path(&elf), &record).unwrap();
        assert_eq!(
            describe_image(dir.path(), &elf, &sha256_hex(b"x")),
            "v1-2-gabc"
        );
        assert!(describe_image(dir.path(), &elf, "other").contains("at run time"));
    }
}
