//! Builds the SyscallFwd core's C++ unit tests with the system compiler (no gem5) and runs
//! them, so that `cargo test` covers the syscall-forwarding device's plain C++ state machine.

use std::path::PathBuf;
use std::process::Command;

use coro_sched_regmap::workspace_root;

fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".to_string())
}

#[test]
fn syscall_fwd_core_unit_tests_pass() {
    let include = workspace_root().join("gem5-devices");
    let dir = include.join("syscall_fwd");
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("syscall_fwd_core_test");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("fwd_core_test");
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
        .arg(dir.join("fwd_core.cc"))
        .arg(dir.join("test/fwd_core_test.cc"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C++ compiler `{}`: {e}", compiler()));
    assert!(
        build.status.success(),
        "compiling the SyscallFwd core tests failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        run.status.success(),
        "SyscallFwd core tests failed (exit {:?})",
        run.status.code()
    );
    let last = stdout.lines().last().unwrap_or_default();
    let (passed, failed) = last
        .strip_suffix(" failed")
        .and_then(|l| l.split_once(" passed, "))
        .unwrap_or_else(|| panic!("last line `{last}` is not `N passed, M failed`"));
    assert_eq!(failed, "0", "{last}");
    assert!(passed.parse::<u32>().unwrap() > 5, "{last}");
}
