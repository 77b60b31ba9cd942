//! The QEMU backend. QEMU runs the same image as gem5 for functional tests
//! (no timing claims): with `secure=on,virtualization=on` every core starts at the ELF entry at
//! EL3 as on gem5, and the guest (linked at 0x8000_0000, inside `virt` RAM
//! 0x4000_0000..0xC000_0000 with `-m 2G`) ends QEMU through semihosting `SYS_EXIT`.
//! The console is QEMU's stdout, so it is the log; QEMU has no stats and no CoroSched device.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{Backend, ExitClass};
use crate::results::{ExitInfo, SimulatorInfo};
use crate::spec::{RunSpec, Sim, SimSpec};

/// Default binary (Debian's `qemu-system-arm` package).
pub const BINARY: &str = "qemu-system-aarch64";
/// Environment variable that overrides the binary (tests use a fake).
pub const ENV: &str = "QEMU";

/// `QEMU` if set, else `qemu-system-aarch64` on `PATH`.
pub fn locate() -> Option<PathBuf> {
    match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => crate::which::find_on_path(&[BINARY]),
    }
}

/// First line of `qemu --version`.
pub fn version(binary: &Path) -> std::io::Result<String> {
    let out = Command::new(binary).arg("--version").output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

/// The whole command line for one run.
pub fn argv(qemu: &Path, elf: &Path, cores: u64) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![qemu.into()];
    argv.extend(
        [
            "-M",
            "virt,gic-version=3,secure=on,virtualization=on",
            "-cpu",
            "cortex-a76",
            "-smp",
            &cores.to_string(),
            "-m",
            "2G",
            "-nographic",
            // No NIC: the guest has no driver for virt's default virtio-net, and without this
            // QEMU looks for its option ROM (efi-virtio.rom, Debian's ipxe-qemu, which a
            // `--no-install-recommends` install of qemu-system-arm leaves out) and will not start.
            "-nic",
            "none",
            // userspace=on: the apps run at EL0 and end the run from there.
            "-semihosting-config",
            "enable=on,target=native,userspace=on",
            "-kernel",
        ]
        .map(OsString::from),
    );
    argv.push(elf.into());
    argv
}

/// The log of QEMU's stdout (the guest console) and stderr in the run directory.
pub const LOG: &str = "qemu.log";
/// Redistributors in the first GICv3 region of `virt` (0x080A_0000..0x0900_0000, 128 KiB each),
/// the one region the guest maps.
pub const MAX_CORES: u64 = 123;

/// QEMU found and identified by its version line.
#[derive(Debug)]
pub struct QemuBackend {
    pub binary: PathBuf,
    pub version: String,
}

impl QemuBackend {
    /// `QEMU` or `qemu-system-aarch64` on `PATH`, asked for its version.
    pub fn find() -> Result<QemuBackend> {
        let binary = locate().with_context(|| {
            format!(
                "{BINARY} not found on PATH (apt-get install qemu-system-arm) and {ENV} not set"
            )
        })?;
        let version =
            version(&binary).with_context(|| format!("running {} --version", binary.display()))?;
        Ok(QemuBackend { binary, version })
    }
}

impl Backend for QemuBackend {
    fn sim(&self) -> Sim {
        Sim::Qemu
    }

    fn info(&self) -> SimulatorInfo {
        SimulatorInfo {
            name: "qemu".into(),
            binary: self.binary.clone(),
            version: self.version.clone(),
            build: self.version.clone(),
            device_sources: None,
            config_scripts: None,
        }
    }

    fn max_cores(&self) -> u64 {
        MAX_CORES
    }

    fn has_coro_sched(&self) -> Result<bool> {
        Ok(false)
    }

    fn coro_sched_missing(&self) -> String {
        "the CoroSched device exists only on gem5".into()
    }

    fn log_name(&self) -> &'static str {
        LOG
    }

    fn outputs(&self) -> &'static [&'static str] {
        &[]
    }

    fn argv(&self, spec: &RunSpec, _dir: &Path, elf: &Path) -> Result<Vec<OsString>> {
        if spec.sim != SimSpec::Qemu {
            bail!(
                "the run is for {} but the simulator is qemu",
                spec.sim().name()
            );
        }
        Ok(argv(&self.binary, elf, spec.cores))
    }

    fn console_path(&self, _dir: &Path, log: &Path) -> PathBuf {
        log.to_path_buf()
    }

    fn classify_exit(&self, _spec: &RunSpec, exit: &ExitInfo) -> ExitClass {
        // The guest ends QEMU through semihosting: status 0 when it finished, else its code.
        if exit.status == Some(0) {
            ExitClass::Finished
        } else {
            ExitClass::SimulatorFailed(String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line() {
        let a = argv(
            Path::new("qemu-system-aarch64"),
            Path::new("/r/guest.elf"),
            4,
        );
        let s: Vec<_> = a.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            s.join(" "),
            "qemu-system-aarch64 -M virt,gic-version=3,secure=on,virtualization=on -cpu cortex-a76 \
             -smp 4 -m 2G -nographic -nic none -semihosting-config enable=on,target=native,userspace=on -kernel /r/guest.elf"
        );
    }
}
