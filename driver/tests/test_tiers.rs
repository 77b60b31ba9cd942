//! `driver test-tier` and `driver doctor` end to end, against the fake simulators: every run
//! checked, the gem5 tier's skip and pass paths, and its determinism check.

mod support;

use predicates::prelude::*;
use predicates::str::contains;
use support::setup;

#[test]
fn qemu_test_tier_checks_the_selftest_records() {
    let env = setup();
    env.driver("ok")
        .args(["test-tier", "qemu", "--elf"])
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(
            contains("selftest-4core-lean-checked")
                .and(contains("ctxswitch-thread-preempt-lean-checked"))
                .and(contains("qemu tier: 32 passed, 0 failed")),
        );
    env.driver("ok")
        .env("FAKE_GUEST_FAIL", "budget")
        .args(["test-tier", "qemu", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stdout(
            contains("failed: {\"ok\":false,\"test\":\"budget\"}")
                .and(contains("28 passed, 4 failed")),
        );
}

#[test]
fn gem5_test_tier_is_skipped_only_without_any_gem5() {
    let env = setup();
    env.driver("ok")
        .env_remove("GEM5")
        .env("PATH", env.base.join("empty"))
        .args(["test-tier", "gem5", "--elf"])
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(
            contains("gem5 tier SKIPPED: no gem5 (GEM5 is not set, neither gem5.fast nor gem5.opt is on PATH, and `driver gem5 build` has built none")
                .and(contains("nothing was checked")),
        );
    // A GEM5 that names no file is a mistake to report, not a reason to skip.
    env.driver("ok")
        .env("GEM5", env.base.join("nowhere/gem5.fast"))
        .args(["test-tier", "gem5", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains("is not a file"));
}

#[test]
fn gem5_test_tier_passes_with_gem5_on_path_and_checks_every_run() {
    let env = setup();
    // gem5.fast found on PATH, as `driver run` and `driver doctor` find it.
    env.driver("ok")
        .env_remove("GEM5")
        .env("PATH", env.gem5.parent().unwrap())
        .args(["test-tier", "gem5", "--jobs", "2", "--elf"])
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(
            contains("minor-coro-yield: 24.5 cycles per switch (mean)")
                .and(contains("minor-hwq-idle:"))
                .and(contains("o3-ring-idle"))
                .and(contains(
                    "determinism: the same point run twice gave identical stats and samples",
                ))
                .and(contains("minor-irq-busy-lean-checked"))
                .and(contains("selftest-minor-device-lean-checked"))
                .and(contains("gem5 tier: 29 passed, 0 failed")),
        );
    // A guest that fails a self-test check: the run is FAILED in its progress line and table.
    env.driver("ok")
        .env("FAKE_GUEST_FAIL", "sleep")
        .args(["test-tier", "gem5", "--jobs", "2", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stdout(
            contains("selftest-atomic           FAILED")
                .and(contains(
                    "check failed: failed: {\"ok\":false,\"test\":\"sleep\"}",
                ))
                .and(contains("gem5 tier: 26 passed, 3 failed")),
        );
}

#[test]
fn gem5_test_tier_catches_a_nondeterministic_simulator() {
    let env = setup();
    env.driver("ok")
        .env("FAKE_GEM5_NONDETERMINISTIC", "1")
        .args(["test-tier", "gem5", "--jobs", "2", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stdout(
            contains("FAILED determinism: the same point run twice differs in stats.txt at line")
                .and(contains("system.cpu_cluster.cpus.noise"))
                .and(contains("gem5 tier: 28 passed, 1 failed")),
        );
}

#[test]
fn doctor_says_what_cannot_run_and_fails_when_anything_is_missing() {
    let env = setup();
    let no_gem5 = |args: &[&str]| {
        let mut cmd = env.driver("ok");
        cmd.env_remove("GEM5")
            .env("PATH", "/usr/bin:/bin")
            .arg("doctor")
            .args(args);
        cmd.assert()
    };
    let assert = no_gem5(&[]).failure().code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("[FAIL] gem5") && stdout.contains("set GEM5=/path/to/gem5.fast"),
        "{stdout}"
    );
    let gem5_line = stdout
        .lines()
        .find(|l| l.starts_with("cannot run: just run-experiment and the gem5 tier: missing"))
        .unwrap_or_else(|| panic!("no summary line for the gem5 commands: {stdout}"));
    assert!(gem5_line.ends_with("gem5"), "{gem5_line}");
    no_gem5(&["--no-gem5"]).stdout(contains("[FAIL] gem5"));
    env.driver("ok").arg("doctor").assert().stdout(
        contains("[OK  ] gem5")
            .and(contains("version 24.0.0.1, ARM"))
            .and(contains("[OK  ] qemu"))
            .and(contains("C++ compiler"))
            .and(contains("just")),
    );
}
