//! `driver run` and `driver stats` end to end, against the fake simulators: what a run writes,
//! how each way of failing is reported, and what is refused before anything runs.

mod support;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use driver::elf_patch;
use driver::results::{RunManifest, RunResult, Window};
use predicates::prelude::*;
use predicates::str::contains;
use runconfig::{App, Choice, Mechanism, Platform};
use support::elf_fixture::ElfFixture;
use support::{read, setup};

#[test]
fn successful_gem5_run_writes_everything() {
    let env = setup();
    let out = env.base.join("runs/one");
    env.run_ctxswitch("ok", &out, &[])
        .success()
        .stdout(contains("run ok").and(contains("stats dump 1 (Measured): cycles 50000")));

    let result: RunResult = read(&out.join("result.json"));
    assert_eq!(result.spec.app, "ctxswitch");
    assert_eq!(result.spec.seed, 42);
    // The fake guest's E3 record, for the mechanism the image was patched with.
    assert_eq!(result.results.len(), 1);
    let record = &result.results[0];
    assert_eq!(record["mechanism"], "thread-preempt");
    assert_eq!(
        (&record["count"], &record["mean"]),
        (&2000.into(), &24.5.into())
    );
    assert_eq!(result.exit.status, Some(0));
    assert_eq!(
        result.exit.gem5.as_ref().unwrap().cause,
        "m5_exit instruction encountered"
    );
    let stats = result.stats.as_ref().unwrap();
    assert_eq!(
        stats.iter().map(|d| d.window).collect::<Vec<_>>(),
        [Window::Boot, Window::Measured, Window::Exit]
    );
    assert_eq!(stats[1].cycles, Some(50000.0));
    assert_eq!(stats[1].insts, Some(20000.0));
    assert_eq!(result.provenance.simulator.version, "24.0.0.1");
    assert_eq!(result.provenance.guest.elf_sha256.len(), 64);
    assert!(
        result
            .provenance
            .command_line
            .contains("--listener-mode=off")
    );
    assert!(
        result
            .provenance
            .command_line
            .contains("--cpu minor --cores 1 --max-ticks 1000000000000")
    );
    assert!(
        result
            .provenance
            .command_line
            .contains("configs/baremetal.py --kernel")
    );

    let manifest: RunManifest = read(&out.join("run.json"));
    assert_eq!(manifest.spec, result.spec);
    assert!(out.join("gem5.log").exists());

    // The copy in the run dir carries the run's parameters; the source image is untouched.
    let bytes = fs::read(out.join("guest.elf")).unwrap();
    let loc = elf_patch::locate(&bytes).unwrap();
    let cfg = elf_patch::read_block(&bytes, &loc).unwrap();
    assert_eq!(cfg.app(), Some(App::ContextSwitch));
    assert_eq!(cfg.mechanism(), Some(Mechanism::ThreadPreempt));
    assert_eq!(cfg.platform(), Some(Platform::Gem5));
    assert_eq!(
        (cfg.iterations, cfg.seed, cfg.param("quantum_ticks")),
        (2000, 42, Some(9))
    );
    let source = fs::read(&env.elf).unwrap();
    assert_eq!(
        elf_patch::read_block(&source, &loc).unwrap(),
        runconfig::RunConfig::DEFAULT
    );
}

/// A gem5 binary built from other device sources is refused before anything runs, with the
/// rebuild command; `--allow-stale-device` runs it and the result says so.
#[test]
fn a_binary_with_stale_devices_is_refused_unless_allowed() {
    let env = setup();
    let out = env.base.join("runs/stale");
    let stale_run = |flags: &[&str]| {
        let mut cmd = env.driver("ok");
        cmd.env("FAKE_GEM5_STALE", "1").args(flags).args([
            "run",
            "--app",
            "ctxswitch",
            "--mechanism",
            "coro-yield",
        ]);
        cmd.arg("--out").arg(&out).arg("--elf").arg(&env.elf);
        cmd.assert()
    };
    stale_run(&[]).failure().stderr(
        contains("was built from other device sources")
            .and(contains("driver -- gem5 build"))
            .and(contains("--allow-stale-device")),
    );
    assert!(!out.join("result.json").exists());

    stale_run(&["--allow-stale-device"]).success();
    let result: RunResult = read(&out.join("result.json"));
    let sources = result.provenance.simulator.device_sources.unwrap();
    assert!(sources.stale_allowed);
    assert_eq!(sources.binary, "0".repeat(64));
    assert_ne!(sources.tree, sources.binary);
    assert_eq!(result.provenance.backend, "local");
    assert!(!result.provenance.host.is_empty());
}

#[test]
fn a_run_records_the_device_sources_it_was_made_with() {
    let env = setup();
    let out = env.base.join("runs/fresh");
    env.run_ctxswitch("ok", &out, &[]).success();
    let result: RunResult = read(&out.join("result.json"));
    let sources = result.provenance.simulator.device_sources.unwrap();
    assert_eq!(sources.binary, sources.tree);
    assert!(!sources.stale_allowed);
}

#[test]
fn guest_panic_fails_with_the_message_and_keeps_the_logs() {
    let env = setup();
    let out = env.base.join("runs/panic");
    env.run_ctxswitch("panic", &out, &[]).failure().stderr(
        contains(
            "guest panicked: core 0: panicked at guest-os/executor/src/lib.rs:42:9: assertion \
             failed: queue not empty",
        )
        .and(contains("run dir: "))
        .and(contains("gem5.log")),
    );
    assert!(!out.join("result.json").exists());
    assert!(
        out.join("run.json").exists()
            && out.join("system.terminal").exists()
            && out.join("gem5.log").exists()
    );
}

#[test]
fn hung_guest_is_killed_at_the_wall_timeout() {
    let env = setup();
    let out = env.base.join("runs/hang");
    let start = Instant::now();
    env.run_ctxswitch("hang", &out, &["--timeout", "1"]).failure().stderr(
        contains("guest hung: the simulator was still running after the wall-clock timeout of 1 s and was killed")
            .and(contains(out.join("gem5.log").file_name().unwrap().to_str().unwrap())),
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        fs::read_to_string(out.join("gem5.log"))
            .unwrap()
            .contains("driver: killed the process group")
    );
    assert!(!out.join("result.json").exists());
}

#[test]
fn tick_limit_is_a_hung_guest() {
    let env = setup();
    let out = env.base.join("runs/ticks");
    env.run_ctxswitch("ticks", &out, &["--max-ticks", "5000"])
        .failure()
        .stderr(
            contains("guest hung: gem5 reached --max-ticks 5000 (exit status 2)")
                .and(contains("log: ")),
        );
}

#[test]
fn missing_done_is_a_failure() {
    let env = setup();
    env.run_ctxswitch("nodone", &env.base.join("runs/nodone"), &[])
        .failure()
        .stderr(contains("the guest never printed @done"));
}

#[test]
fn gem5_crash_is_not_a_guest_panic() {
    let env = setup();
    env.run_ctxswitch("crash", &env.base.join("runs/crash"), &[])
        .failure()
        .stderr(
            contains("gem5 failed with exit status 1; no gem5-exit line")
                .and(contains("NameError: name 'Foo' is not defined"))
                .and(contains("guest panicked").not()),
        );
}

#[test]
fn failed_rerun_removes_the_old_result() {
    let env = setup();
    let out = env.base.join("runs/again");
    env.run_ctxswitch("ok", &out, &[]).success();
    assert!(out.join("result.json").exists());
    env.run_ctxswitch("panic", &out, &[]).failure();
    assert!(
        !out.join("result.json").exists(),
        "a stale result.json would read as success"
    );
}

#[test]
fn gem5_requirements_are_named() {
    let env = setup();
    let out = env.base.join("runs/x");
    let requirement = "gem5 v24.0 built for ARM (build/ARM/gem5.fast) with this repo's gem5-devices/ as EXTRAS; \
                       set GEM5=/path/to/gem5.fast";
    env.driver("ok")
        .env("FAKE_GEM5_ARM", "False")
        .args(["run", "--app", "selftest", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains("is not an ARM build").and(contains(requirement)));
    env.driver("ok")
        .env_remove("GEM5")
        .env("PATH", env.base.join("empty"))
        .args(["run", "--app", "selftest", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains("gem5 not found").and(contains(requirement)));
}

#[test]
fn wrong_names_list_the_valid_choices() {
    let env = setup();
    let run = |args: &[&str]| {
        let mut cmd = env.driver("ok");
        cmd.arg("run")
            .args(args)
            .args(["--out", "/nonexistent/never-created"])
            .arg("--elf")
            .arg(&env.elf);
        cmd.assert().failure()
    };
    run(&["--app", "kv"]).stderr(contains(
        "unknown app 'kv'; valid apps: selftest, ctxswitch, wake",
    ));
    run(&["--app", "ctxswitch", "--mechanism", "hwq"]).stderr(contains(
        "unknown mechanism 'hwq' for app 'ctxswitch'; valid mechanisms: coro-yield, thread-coop, thread-preempt",
    ));
    run(&["--app", "ctxswitch"])
        .stderr(contains("needs --mechanism; valid mechanisms: coro-yield"));
    run(&["--app", "selftest", "--param", "quantum_ticks=3"]).stderr(contains(
        "unknown parameter 'quantum_ticks' for app 'selftest'; valid parameters: budget",
    ));
    run(&["--app", "selftest", "--cpu", "timing"])
        .stderr(contains("possible values: atomic, minor, hpi, o3"));
    env.driver("ok")
        .args(["experiment", "e9"])
        .assert()
        .failure()
        .stderr(contains(
            "valid experiments: wake, wake-latency, wake-breakdown, context-switch",
        ));
    run(&[
        "--app",
        "wake",
        "--mechanism",
        "hwq",
        "--coro-placement",
        "l3",
    ])
    .stderr(
        contains("invalid value 'l3' for '--coro-placement <PLACEMENT>'")
            .and(contains("[possible values: on-chip, off-chip]")),
    );
    run(&[
        "--app",
        "wake",
        "--mechanism",
        "hwq",
        "--coro-pio-latency",
        "5",
    ])
    .stderr(contains("latency '5' has no unit; write e.g. 2ns"));
    run(&["--app", "wake", "--mechanism", "tlb"]).stderr(contains(
        "unknown mechanism 'tlb' for app 'wake'; valid mechanisms: irq, poll, hwq, ring",
    ));
}

#[test]
fn qemu_run_reads_the_console_from_stdout() {
    let env = setup();
    let out = env.base.join("runs/q");
    env.driver("ok")
        .args([
            "run", "--sim", "qemu", "--app", "selftest", "--cores", "4", "--out",
        ])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(contains("9 @result record(s)"));
    let result: RunResult = read(&out.join("result.json"));
    assert!(result.provenance.command_line.contains(
        "-M virt,gic-version=3,secure=on,virtualization=on -cpu cortex-a76 -smp 4 -m 2G -nographic -nic none -semihosting-config enable=on,target=native,userspace=on -kernel"
    ));
    assert_eq!(result.stats, None);
    let bytes = fs::read(out.join("guest.elf")).unwrap();
    let cfg = elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap()).unwrap();
    assert_eq!(cfg.platform(), Some(Platform::Qemu));
    assert_eq!(cfg.app().map(|a| a.name()), Some("selftest"));
    assert_eq!(cfg.irq_frame(), Some(runconfig::IrqFrame::Full));

    // The IRQ frame reaches the image and the label; a wrong name lists the valid ones.
    let lean = env.base.join("runs/q-lean");
    env.driver("ok")
        .args([
            "run",
            "--sim",
            "qemu",
            "--app",
            "selftest",
            "--irq-frame",
            "lean",
            "--out",
        ])
        .arg(&lean)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(contains("selftest/default qemu×1 irq:lean"));
    let bytes = fs::read(lean.join("guest.elf")).unwrap();
    let cfg = elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap()).unwrap();
    assert_eq!(cfg.irq_frame(), Some(runconfig::IrqFrame::Lean));
    env.driver("ok")
        .args([
            "run",
            "--sim",
            "qemu",
            "--app",
            "selftest",
            "--irq-frame",
            "thin",
            "--out",
        ])
        .arg(&lean)
        .assert()
        .failure()
        .stderr(contains(
            "unknown IRQ frame 'thin'; valid IRQ frames: full, lean, lean-checked",
        ));

    env.driver("ok")
        .env("FAKE_QEMU_MODE", "panic")
        .args(["run", "--sim", "qemu", "--app", "selftest", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(
            contains(
                "guest panicked: core 0: panicked at guest-os/kernel/src/timer.rs:40:5: timer \
                 never fired",
            )
            .and(contains("qemu.log")),
        );
    env.driver("ok")
        .args([
            "run", "--sim", "qemu", "--app", "selftest", "--cpu", "o3", "--out",
        ])
        .arg(&out)
        .assert()
        .failure()
        .stderr(contains("apply to gem5 only"));
}

#[test]
fn image_with_a_wrong_block_is_refused_before_the_simulator_runs() {
    let env = setup();
    let mut block = runconfig::RunConfig::DEFAULT.to_bytes();
    block[..8].copy_from_slice(b"NOTMAGIC");
    let bad = env.base.join("bad-guest");
    fs::write(
        &bad,
        ElfFixture {
            block: block.to_vec(),
            ..Default::default()
        }
        .build(),
    )
    .unwrap();
    let out = env.base.join("runs/bad");
    env.driver("ok")
        .args(["run", "--app", "selftest", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&bad)
        .assert()
        .failure()
        .stderr(
            contains("(\"CORORUN1\")")
                .and(contains("patching RUN_CONFIG"))
                .and(contains("gem5.log").not()),
        );
    assert!(
        !out.exists(),
        "a run that cannot be made leaves no run directory behind"
    );
}

#[test]
fn run_device_options() {
    let env = setup();
    let run = |extra: &[&str], no_coro: bool| {
        let out = env.base.join("runs/dev");
        let mut cmd = env.driver("ok");
        if no_coro {
            cmd.env("FAKE_GEM5_NO_CORO", "1");
        }
        cmd.args([
            "run",
            "--app",
            "wake",
            "--mechanism",
            "ring",
            "--cpu",
            "o3",
            "--iterations",
            "20",
        ])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf);
        (cmd.assert(), out)
    };
    let device_base = |out: &Path| {
        let bytes = fs::read(out.join("guest.elf")).unwrap();
        elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap())
            .unwrap()
            .device_base
    };

    // Explicit options: recorded in run.json and result.json, passed to gem5, base off-chip.
    let (a, out) = run(
        &[
            "--coro-placement",
            "off-chip",
            "--coro-pio-latency",
            "10ns",
            "--coro-queue-depth",
            "4",
        ],
        false,
    );
    a.success().stdout(
        contains("device: CoroSched off-chip at 0x10030000, pio latency 10ns, queue depth 4").and(
            contains("stats dump 1: ring: 20 samples, mean 60.5, p50 60, p99 70, max 70"),
        ),
    );
    let manifest: serde_json::Value = read(&out.join("run.json"));
    let want =
        serde_json::json!({"placement": "off-chip", "pio_latency": "10ns", "queue_depth": 4});
    assert_eq!(manifest["spec"]["coro_sched"], want);
    let result: serde_json::Value = read(&out.join("result.json"));
    assert_eq!(result["spec"]["coro_sched"], want);
    assert!(result["provenance"]["command_line"].as_str().unwrap().ends_with(
        "--coro-sched --coro-placement off-chip --coro-pio-latency 10ns --coro-queue-depth 4"
    ));
    assert_eq!(device_base(&out), 0x1003_0000);
    let result: RunResult = read(&out.join("result.json"));
    assert_eq!(result.results[0]["wakes"], 20);

    // Default: the device when gem5 has it, none when it has not.
    let (a, out) = run(&[], false);
    a.success().stdout(contains(
        "device: CoroSched on-chip at 0x2d000000, pio latency 2ns",
    ));
    assert_eq!(device_base(&out), 0x2D00_0000);
    // Without the device the ring path cannot run: refused before gem5 starts.
    let (a, _) = run(&[], true);
    a.failure().code(2).stderr(contains(
        "wake path 'ring' needs the CoroSched device, and this run has none",
    ));
    let out = env.base.join("runs/no-device");
    env.driver("ok")
        .env("FAKE_GEM5_NO_CORO", "1")
        .args(["run", "--app", "wake", "--mechanism", "irq", "--cores", "2"])
        .args(["--iterations", "20", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(contains("device: none (gem5 has no CoroSched SimObject)"));
    let result: serde_json::Value = read(&out.join("run.json"));
    assert_eq!(result["spec"]["coro_sched"], serde_json::Value::Null);
    assert!(
        result["provenance"]["command_line"]
            .as_str()
            .unwrap()
            .ends_with("--no-coro-sched")
    );
    assert_eq!(device_base(&out), 0);
    // A config that puts the device elsewhere than the driver told the guest: the run fails.
    env.driver("ok")
        .env("FAKE_GEM5_BASE", "0x2e000000")
        .args([
            "run",
            "--app",
            "wake",
            "--mechanism",
            "hwq",
            "--cpu",
            "o3",
            "--iterations",
            "5",
        ])
        .arg("--out")
        .arg(env.base.join("runs/elsewhere"))
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains(
            "the config's CoroSched device differs from the run's: base 0x2e000000 (the driver \
             gives the guest 0x2d000000)",
        ));
    // Asked for but missing from gem5: refused before anything runs.
    run(&["--coro-sched"], true)
        .0
        .failure()
        .stderr(contains("has no CoroSched SimObject"));
    run(&["--no-coro-sched", "--coro-pio-latency", "1ns"], false)
        .0
        .failure()
        .stderr(contains("cannot be used with"));

    // QEMU has no device: the options are refused.
    for opt in [
        &["--coro-sched"][..],
        &["--no-coro-sched"],
        &["--coro-placement", "on-chip"],
        &["--coro-queue-depth", "2"],
        &["--coro-stash"],
    ] {
        env.driver("ok")
            .args(["run", "--sim", "qemu", "--app", "selftest"])
            .args(opt)
            .args(["--out", "/nonexistent/never-created", "--elf"])
            .arg(&env.elf)
            .assert()
            .failure()
            .stderr(contains(
                "--coro-sched, --no-coro-sched, --coro-placement, --coro-pio-latency, \
                 --coro-queue-depth and --coro-stash apply to gem5 only",
            ));
    }
}

#[test]
fn stats_command_prints_json() {
    let env = setup();
    let out = env.base.join("runs/s");
    env.run_ctxswitch("ok", &out, &[]).success();
    let assert = env
        .driver("ok")
        .arg("stats")
        .arg(out.join("stats.txt"))
        .args(["--dump", "1"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(
        v["system.cpu_cluster.cpus.numCycles"]["value"],
        serde_json::json!(50000.0)
    );
    env.driver("ok")
        .arg("stats")
        .arg(out.join("stats.txt"))
        .args(["--dump", "7"])
        .assert()
        .failure()
        .stderr(contains("7"));
}

#[test]
fn stats_command_reads_once_refuses_binary_and_survives_a_closed_pipe() {
    let env = setup();
    env.driver("ok")
        .arg("stats")
        .arg(env.base.join("no-such-stats.txt"))
        .assert()
        .failure()
        .code(1)
        .stderr(contains("No such file or directory").count(1));
    let binary = env.base.join("binary.txt");
    fs::write(&binary, b"simTicks 1\x00\x1b[31m\x02").unwrap();
    let assert = env
        .driver("ok")
        .arg("stats")
        .arg(&binary)
        .assert()
        .failure();
    let stderr = &assert.get_output().stderr;
    assert!(
        !stderr.contains(&0) && !stderr.contains(&0x1b),
        "raw bytes on the terminal: {stderr:?}"
    );
    assert!(String::from_utf8_lossy(stderr).contains("is binary (control byte at offset 10)"));

    // `driver stats FILE | head -1`: the reader goes away after one line.
    let out = env.base.join("runs/s");
    env.run_ctxswitch("ok", &out, &[]).success();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_driver"))
        .arg("stats")
        .arg(out.join("stats.txt"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closing our end of the pipe before the driver writes makes every write fail with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn usage_mistakes_exit_2_before_anything_runs() {
    let env = setup();
    let run = |args: &[&str]| {
        let mut cmd = env.driver("ok");
        cmd.arg("run")
            .args(args)
            .args(["--out", "/nonexistent/never-created", "--elf"])
            .arg(&env.elf);
        cmd.assert().failure().code(2)
    };
    // clap's own checks and the driver's exit alike.
    run(&["--app", "nope"]).stderr(contains("unknown app 'nope'"));
    run(&["--app", "ctxswitch", "--mechanism", "hwq"]).stderr(contains("unknown mechanism"));
    run(&["--app", "selftest", "--timeout", "0"]).stderr(contains(
        "'0' is not a wall-clock limit: give a number of seconds greater than 0",
    ));
    run(&["--app", "selftest", "--cores", "17"])
        .stderr(contains("17 cores: the guest supports 1 to 8"));
    run(&[
        "--sim",
        "qemu",
        "--app",
        "wake",
        "--mechanism",
        "hwq",
        "--cores",
        "2",
    ])
    .stderr(contains(
        "wake path 'hwq' needs the CoroSched device, which exists only on gem5",
    ));
    run(&["--sim", "qemu", "--app", "wake", "--mechanism", "irq"])
        .stderr(contains("needs --cores 2 or more"));
    // Refused as a mistake even where QEMU is missing: nothing needs to be looked up.
    env.driver("ok")
        .env("QEMU", env.base.join("nowhere/qemu"))
        .args([
            "run",
            "--sim",
            "qemu",
            "--app",
            "wake",
            "--mechanism",
            "ring",
            "--cores",
            "2",
        ])
        .args(["--out", "/nonexistent/never-created", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .code(2)
        .stderr(contains("exists only on gem5"));
    run(&["--sim", "qemu", "--app", "selftest", "--cpu", "o3"])
        .stderr(contains("apply to gem5 only"));
    env.driver("ok")
        .args(["experiment", "e9"])
        .assert()
        .failure()
        .code(2)
        .stderr(contains("unknown experiment 'e9'").count(1));
    assert!(!env.base.join("runs").exists() && !env.root.join("runs").exists());
}

#[test]
fn run_without_elf_builds_the_guest_first() {
    // No --elf: the driver builds the guest (here it cannot: the scratch root has no
    // workspace), rather than running whatever image a previous build left.
    let env = setup();
    let stale = env.root.join("target/aarch64-unknown-none/release/guest");
    fs::create_dir_all(stale.parent().unwrap()).unwrap();
    fs::copy(&env.elf, &stale).unwrap();
    let out = env.base.join("runs/built");
    env.driver("ok")
        .args(["run", "--app", "selftest", "--out"])
        .arg(&out)
        .assert()
        .failure()
        .code(1)
        .stderr(contains("building the guest image"));
    assert!(!out.exists(), "the stale image must not run");
}

#[test]
fn missing_gem5_is_reported_once_and_before_the_guest_build() {
    let env = setup();
    env.driver("ok")
        .env_remove("GEM5")
        .env("PATH", env.base.join("empty"))
        .args(["experiment", "all"])
        .assert()
        .failure()
        .code(1)
        .stderr(
            contains("gem5 not found")
                .count(1)
                .and(contains("building the guest").not()),
        );
}
