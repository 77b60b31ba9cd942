//! The QEMU command line, in one place. QEMU runs the same image as gem5 for functional tests
//! (no timing claims): with `secure=on,virtualization=on` every core starts at the ELF entry at
//! EL3 as on gem5, and the guest (linked at 0x8000_0000, inside `virt` RAM
//! 0x4000_0000..0xC000_0000 with `-m 2G`) ends QEMU through semihosting `SYS_EXIT`.
//! The console is QEMU's stdout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Default binary (Debian's `qemu-system-arm` package).
pub const BINARY: &str = "qemu-system-aarch64";
/// Environment variable that overrides the binary (tests use a fake).
pub const ENV: &str = "QEMU";

/// `QEMU` if set, else `qemu-system-aarch64` on `PATH`.
pub fn locate() -> Option<PathBuf> {
    match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => crate::gem5::find_on_path(&[BINARY]),
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
            "-semihosting",
            "-kernel",
        ]
        .map(OsString::from),
    );
    argv.push(elf.into());
    argv
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
             -smp 4 -m 2G -nographic -semihosting -kernel /r/guest.elf"
        );
    }
}
