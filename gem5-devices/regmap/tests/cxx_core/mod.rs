//! Builds a device core's C++ unit tests with the system compiler (no gem5) and runs them, so
//! that `cargo test` (and CI) covers each device's plain C++ state machine. One harness for
//! every device: `cpp_core.rs` (CoroSched), `loadgen_core.rs` (LoadGenNic), `fwd_core.rs`
//! (SyscallFwd).

use std::path::PathBuf;
use std::process::Command;

use coro_sched_regmap::workspace_root;

fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".to_string())
}

/// Compiles `sources` (relative to `gem5-devices/<device>/`) into `<test>` and runs it; the
/// test program's last line must be `N passed, 0 failed` with N > `more_than`. `label` names
/// the device in failure messages.
pub fn build_and_run(device: &str, sources: &[&str], test: &str, label: &str, more_than: u32) {
    let include = workspace_root().join("gem5-devices");
    let dir = include.join(device);
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{device}_core_test"));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(test);
    let build = Command::new(compiler())
        .args([
            "-std=c++17",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg("-I")
        .arg(&include)
        .args(sources.iter().map(|s| dir.join(s)))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C++ compiler `{}`: {e}", compiler()));
    assert!(
        build.status.success(),
        "compiling the {label} core tests failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        run.status.success(),
        "{label} core tests failed (exit {:?})",
        run.status.code()
    );
    let last = stdout.lines().last().unwrap_or_default();
    let (passed, failed) = last
        .strip_suffix(" failed")
        .and_then(|l| l.split_once(" passed, "))
        .unwrap_or_else(|| panic!("last line `{last}` is not `N passed, M failed`"));
    assert_eq!(failed, "0", "{last}");
    assert!(passed.parse::<u32>().unwrap() > more_than, "{last}");
}
