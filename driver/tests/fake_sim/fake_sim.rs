//! A fake gem5 and a fake QEMU for the driver's end-to-end tests, in one test-only binary that
//! acts as the simulator it is called as (`gem5.fast`, `qemu-system-aarch64`: the tests link
//! those names to it). Like the real guest, it reads what to run from the `RUN_CONFIG` block of
//! the image it is given (the `runconfig` layout, found through the image's symbol table), and
//! it writes what the simulator and the guest would: console, stats, device samples, exit line.
//!
//! Environment variables make it fail in one way at a time: `FAKE_GEM5_MODE` (`ok`, `panic`,
//! `hang`, `ticks`, `nodone`, `crash`), `FAKE_GEM5_ARM=False` (not an ARM build),
//! `FAKE_GEM5_NO_CORO` (no CoroSched SimObject), `FAKE_GEM5_BASE` (the config puts the device
//! elsewhere), `FAKE_GEM5_BAD_CSV` (a broken samples line), `FAKE_GEM5_NONDETERMINISTIC` (a
//! simulated stat that differs between runs), `FAKE_GEM5_COMPILED` (the build time gem5
//! reports: a rebuild of the same sources), `FAKE_QEMU_MODE=panic`, and
//! `FAKE_GUEST_FAIL=<test>` (a self-test record with `"ok": false`).

mod gem5;
mod guest;
mod nic;
mod qemu;

use std::path::Path;
use std::process::ExitCode;

use runconfig::RunConfig;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let called_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let code = if called_as.starts_with("gem5") {
        gem5::main(&args[1..])
    } else if called_as.starts_with("qemu") {
        qemu::main(&args[1..])
    } else {
        eprintln!("fake-sim: call me as gem5.fast or qemu-system-aarch64, not {called_as:?}");
        99
    };
    ExitCode::from(code)
}

/// The run parameters the driver patched into the image, read as the guest reads them.
pub fn run_config(kernel: &Path) -> RunConfig {
    let bytes = std::fs::read(kernel)
        .unwrap_or_else(|e| panic!("fake-sim: reading {}: {e}", kernel.display()));
    let loc = driver::elf_patch::locate(&bytes).expect("fake-sim: no RUN_CONFIG in the image");
    driver::elf_patch::read_block(&bytes, &loc).expect("fake-sim: RUN_CONFIG does not read")
}

/// The value after `flag` in `args`.
pub fn option<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// An environment variable that is set and not empty.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
