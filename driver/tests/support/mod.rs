//! What the end-to-end tests of the `driver` binary share: a scratch workspace root
//! (`--root`), a hand-made guest ELF, and the fake simulators: the test binary `fake-sim`
//! (`tests/fake_sim/`), linked into the scratch directory as `gem5.fast` (`GEM5=…`) and
//! `qemu-system-aarch64` (`QEMU=…`). It reads the run from the image's `RUN_CONFIG` as the
//! guest does and behaves in one way at a time (success, guest panic, hang, tick limit, no
//! `@done`, crash). Nothing here needs gem5, QEMU or the guest build.

#![allow(dead_code)] // each test crate uses its own part of this module

pub mod elf_fixture;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use elf_fixture::ElfFixture;

pub struct Env {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub gem5: PathBuf,
    pub qemu: PathBuf,
    pub elf: PathBuf,
    pub base: PathBuf,
}

/// The fake simulator, under the name it is to act as.
pub fn fake(path: &Path) {
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fake-sim"), path).unwrap();
}

pub fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().to_path_buf();
    let root = base.join("repo");
    fs::create_dir_all(root.join("configs")).unwrap();
    fs::write(root.join("configs/baremetal.py"), "# stand-in\n").unwrap();
    // Device sources whose hash the fake gem5 carries (FAKE_GEM5_DEVICES), as a real build
    // carries its EXTRAS'.
    fs::create_dir_all(root.join("gem5-devices/dev")).unwrap();
    fs::write(root.join("gem5-devices/dev/SConscript"), "Import('*')\n").unwrap();
    let bin = base.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let gem5 = bin.join("gem5.fast");
    fake(&gem5);
    let qemu = bin.join("qemu-system-aarch64");
    fake(&qemu);
    let elf = base.join("guest");
    fs::write(&elf, ElfFixture::default().build()).unwrap();
    Env {
        _tmp: tmp,
        root,
        gem5,
        qemu,
        elf,
        base,
    }
}

impl Env {
    pub fn driver(&self, mode: &str) -> assert_cmd::Command {
        let mut cmd = cargo_bin_cmd!("driver");
        cmd.env("GEM5", &self.gem5)
            .env("QEMU", &self.qemu)
            .env("FAKE_GEM5_MODE", mode)
            .env_remove("FAKE_QEMU_MODE")
            .env_remove("FAKE_GUEST_FAIL")
            .env_remove("GEM5_CONFIGS")
            .env_remove("FAKE_GEM5_STALE")
            .env_remove(driver::device_hash::ALLOW_ENV)
            .env("FAKE_GEM5_DEVICES", self.root.join("gem5-devices"))
            // No binary recorded by a real `driver gem5 build` on this machine may be found.
            .env(driver::gem5_build::CACHE_ENV, self.base.join("cache"))
            .arg("--root")
            .arg(&self.root);
        cmd
    }

    pub fn run_ctxswitch(
        &self,
        mode: &str,
        out: &Path,
        extra: &[&str],
    ) -> assert_cmd::assert::Assert {
        self.driver(mode)
            .args([
                "run",
                "--app",
                "ctxswitch",
                "--mechanism",
                "thread-preempt",
                "--cpu",
                "minor",
            ])
            .args([
                "--iterations",
                "2000",
                "--seed",
                "42",
                "--param",
                "quantum_ticks=9",
            ])
            .arg("--out")
            .arg(out)
            .arg("--elf")
            .arg(&self.elf)
            .args(extra)
            .assert()
    }
}

pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}
