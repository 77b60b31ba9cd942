//! End-to-end tests of the `driver` binary against fake simulators: shell scripts written into a
//! scratch directory that behave like gem5 (`GEM5=…`) or QEMU (`QEMU=…`) in one way each
//! (success, guest panic, hang, tick limit, no `@done`, crash), with a hand-made guest ELF and
//! a scratch workspace root (`--root`). Nothing here needs gem5, QEMU or the guest build.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use driver::elf_fixture::ElfFixture;
use driver::elf_patch;
use driver::experiments::ResultsFile;
use driver::results::{RunManifest, RunResult, Window};
use predicates::prelude::*;
use predicates::str::contains;
use runconfig::{App, Choice, Mechanism, Platform};

const FAKE_GEM5: &str = r##"#!/bin/sh
# A fake gem5: behaves as $FAKE_GEM5_MODE says.
for a in "$@"; do
  case "$a" in
    *probe.py)
      # The driver's probe script: gem5's banner, then the ISA build option it prints.
      printf 'gem5 Simulator System.  https://www.gem5.org\n\ngem5 version 24.0.0.1\ngem5 compiled today\nUSE_ARM_ISA = %s\n' "${FAKE_GEM5_ARM:-True}"
      exit 0 ;;
  esac
done
for a in "$@"; do
  case "$a" in
    *sim_objects.py)
      # The driver's SimObject listing script.
      printf 'gem5 Simulator System.\nSIMOBJECT BaseCPU\n'
      [ -z "$FAKE_GEM5_NO_CORO" ] && printf 'SIMOBJECT CoroSched\nSIMOBJECT CoroSchedSource\n'
      exit 0 ;;
  esac
done
dir=""
lat=2
coro=""
place=on-chip
depth=16
while [ $# -gt 0 ]; do
  case "$1" in
    -d) dir="$2"; shift 2 ;;
    --coro-sched) coro=yes; shift ;;
    --no-coro-sched) coro=no; shift ;;
    --coro-placement) place="$2"; shift 2 ;;
    --coro-pio-latency) lat="${2%ns}"; shift 2 ;;
    --coro-queue-depth) depth="$2"; shift 2 ;;
    *) shift ;;
  esac
done
echo "gem5 Simulator System.  https://www.gem5.org"
echo "gem5 version 24.0.0.1"
# The config's line about the device (FAKE_GEM5_BASE: a config that disagrees with the driver).
base=0x2d000000
[ "$place" = off-chip ] && base=0x10030000
if [ "$coro" = no ]; then
  echo "coro-sched: absent"
else
  echo "coro-sched: base=${FAKE_GEM5_BASE:-$base} placement=$place pio_latency=${lat}ns queue_depth=$depth"
fi
term="$dir/system.terminal"
dev=system.realview.coro_sched
dump() {
  printf '\n---------- Begin Simulation Statistics ----------\n'
  printf 'simTicks %s # Number of ticks simulated (Tick)\n' "$1"
  printf 'system.cpu_cluster.cpus.numCycles %s # Number of cpu cycles simulated (Cycle)\n' "$2"
  printf 'system.cpu_cluster.cpus.commitStats0.numInsts %s # Number of instructions committed (Count)\n' "$3"
  if [ -n "$4" ]; then
    printf '%s.events %s # Source events (Count)\n' $dev "$4"
    printf '%s.fallbacks 0 # hwq/ring wakes that fell back (Count)\n' $dev
    printf '%s.wakes::%s %s 100.00%% 100.00%% # Wakes delivered, by path (Count)\n' $dev "$5" "$4"
    printf '%s.wakes::total %s # Wakes delivered, by path (Count)\n' $dev "$4"
    printf '%s.resumesByPath::%s %s 100.00%% 100.00%% # Latency samples, by path (Count)\n' $dev "$5" "$4"
    printf '%s.queueDepth::samples %s # Hardware ready-queue depth after each push (Count)\n' $dev "$4"
    printf '%s.queueDepth::1 %s 100.00%% 100.00%% # Hardware ready-queue depth after each push (Count)\n' $dev "$4"
    printf '%s.queueDepth::max_value 1 # Hardware ready-queue depth after each push (Count)\n' $dev
  fi
  printf '\n---------- End Simulation Statistics   ----------\n'
}
# The wake app, as the guest and the device would answer the run in run.json: N measured wakes
# of cycles base+1 … base+N (base by path; hwq and irq grow with the device latency), two
# warm-up wakes before the measured phase's stats reset, busy runs lose 50 cycles per wake.
wake() {
  mech=$(sed -n 's/.*"mechanism": "\([a-z-]*\)".*/\1/p' "$dir/run.json" | head -n 1)
  busy=$(sed -n 's/.*"busy": \([0-9]*\).*/\1/p' "$dir/run.json" | head -n 1)
  n=$(sed -n 's/.*"iterations": \([0-9]*\).*/\1/p' "$dir/run.json" | head -n 1)
  case "$mech" in
    irq) base=$((300 + lat)) ;;
    poll) base=0 ;;
    hwq) base=$((100 + 4 * lat)) ;;
    *) base=50 ;;
  esac
  stamps=$(sed -n 's/.*"stamps": \([0-9]*\).*/\1/p' "$dir/run.json" | head -n 1)
  bg=""
  if [ "$stamps" = 1 ]; then
    case "$mech" in
      irq) st='"idle_exit","vector_entry","handler_entry","gic_acked","event_taken","task_woken","eoi","vector_exit","task_resumed"'; sums="0,$((50*n)),$((100*n)),$((60*n)),$((200*n)),$((100*n)),$((60*n)),$((100*n)),$((150*n))" ;;
      poll) st='"event_taken","task_woken","task_resumed"'; sums="0,$((100*n)),$((200*n))" ;;
      *) st='"idle_exit","source_check","source_popped","task_resumed"'; sums="0,$((80*n)),$((150*n)),$((50*n))" ;;
    esac
    bg=$(printf ',"idle_waits":%s,"svc_cycles":120,"mmio_read_cycles":150,"mmio_write_cycles":60,"bracket_cycles":20,"probe_cycles":26,"breakdown":{"wakes":%s,"skipped":0,"other":0,"patterns":[{"stages":[%s],"wakes":%s,"sums":[%s]}]}' $((2 * n)) "$n" "$st" "$n" "$sums")
  fi
  [ "$busy" = 1 ] && bg=$bg$(printf ',"bg_units_without":1000,"bg_cycles_without":10000,"bg_units_with":900,"bg_cycles_with":%s,"lost_cycles_per_wake":50.00' $((9000 + 50 * n)))
  printf 'boot: EL3\n@app-start\n@result {"bench":"wake","path":"%s","busy":%s,"wakes":%s,"warmup":2,"timeouts":0,"interval":20000,"chunk":64,"window_cycles":%s,"irq_wakes":0,"poll_wakes":0,"fallbacks":0,"device":true%s}\n@done\n' "$mech" "$busy" "$n" $((9000 + 50 * n)) "$bg" > "$term"
  csv="$dir/coro_sched_wakes.csv"
  {
    echo "# CoroSched wake samples of $dev: cycles = (resume_tick - fire_tick) / 250 ticks"
    echo "# lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps"
    echo "seq,path,core,source,fire_tick,resume_tick,cycles"
    echo "# reset tick=0"
    echo "# dump tick=1000"
    echo "# reset tick=1000"
    echo "0,$mech,0,0,2000,252000,1000"
    echo "1,$mech,0,0,300000,550000,1000"
    echo "# reset tick=600000"
    i=0
    while [ $i -lt "$n" ]; do
      c=$((base + i + 1)); f=$((1000000 + i * 1000000))
      echo "$((i + 2)),$mech,0,0,$f,$((f + c * 250)),$c"
      i=$((i + 1))
    done
    echo "# dump tick=$((1000000 + n * 1000000))"
    [ "$FAKE_GEM5_BAD_CSV" = 1 ] && echo "$((n + 2)),$mech,0,0,5,oops,7"
    echo "# dump tick=$((2000000 + n * 1000000))"
  } > "$csv"
  { dump 25000000 100000 40000; dump 12500000 50000 20000 "$n" "$mech"; dump 2500 10 5; } > "$dir/stats.txt"
  echo "gem5-exit: cause='m5_exit instruction encountered' code=0 tick=37502500"
  exit 0
}
case "$FAKE_GEM5_MODE" in
  ok)
    grep -q '"app": "wake"' "$dir/run.json" && wake
    printf 'boot: EL3\n@app-start\n%s\nbye\n@done\n' "$CTXSWITCH_RECORD" > "$term"
    { dump 25000000 100000 40000; dump 12500000 50000 20000; dump 2500 10 5; } > "$dir/stats.txt"
    echo "gem5-exit: cause='m5_exit instruction encountered' code=0 tick=37502500"
    exit 0 ;;
  panic)
    printf '@app-start\n@panic assertion failed: queue not empty (executor.rs:42)\n' > "$term"
    echo "gem5-exit: cause='m5_fail instruction encountered' code=1 tick=77"
    exit 1 ;;
  hang)
    printf '@app-start\n' > "$term"
    sleep 30
    exit 0 ;;
  ticks)
    printf '@app-start\n' > "$term"
    echo "gem5-exit: cause='simulate() limit reached' code=0 tick=5000"
    exit 2 ;;
  nodone)
    printf '@app-start\n@result {"x":1}\n' > "$term"
    { dump 1 1 1; dump 1 1 1; } > "$dir/stats.txt"
    echo "gem5-exit: cause='m5_exit instruction encountered' code=0 tick=1"
    exit 0 ;;
  crash)
    echo "Traceback (most recent call last):" >&2
    echo "NameError: name 'Foo' is not defined" >&2
    exit 1 ;;
esac
echo "unknown FAKE_GEM5_MODE" >&2
exit 99
"##;

const CTXSWITCH_RECORD: &str = r#"@result {"bench":"ctxswitch","switches":2000,"total_cycles":49000,"probe_overhead":3,"quantum_ticks":0,"count":2000,"mean":24.5,"min":20,"p50":24,"p90":27,"p99":31,"max":80}"#;

const FAKE_QEMU: &str = r#"#!/bin/sh
# A fake qemu-system-aarch64: the console is stdout. It reads the app, mechanism and iteration
# count from the RUN_CONFIG block the driver patched into the -kernel image (magic CORORUN1,
# then u64 words: version, platform, app, mechanism, cores, iterations, ...) and prints what
# that app prints.
if [ "$1" = "--version" ]; then
  echo "QEMU emulator version 7.2.0 (fake)"
  exit 0
fi
cores=1
kernel=""
while [ $# -gt 0 ]; do
  case "$1" in
    -smp) cores="$2"; shift 2 ;;
    -kernel) kernel="$2"; shift 2 ;;
    *) shift ;;
  esac
done
word() { od -A n -t u8 -j $((magic + 8 * $1)) -N 8 "$kernel" | tr -d ' '; }
magic=$(grep -obUa CORORUN1 "$kernel" | head -n 1 | cut -d: -f1)
app=$(word 3); mech=$(word 4); iterations=$(word 6); stamps=$(word 13)
echo "@app-start"
if [ "$FAKE_QEMU_MODE" = "panic" ]; then
  echo "@panic timer never fired"
  exit 1
fi
case "$app" in
  1)
    if [ "$mech" = 0 ]; then m=coro-yield; elif [ "$mech" = 1 ]; then m=thread-coop; else m=thread-preempt; fi
    echo "@result {\"bench\":\"ctxswitch\",\"mechanism\":\"$m\",\"switches\":$iterations,\"mean\":1}" ;;
  2)
    if [ "$mech" = 0 ]; then path=irq; irq=$((iterations + 10)); poll=0; else path=poll; irq=0; poll=$((iterations + 10)); fi
    extra=""
    if [ "$stamps" = 1 ]; then
      extra=",\"probe_cycles\":30,\"breakdown\":{\"wakes\":$iterations,\"skipped\":0,\"other\":0,\"patterns\":[{\"stages\":[\"vector_entry\",\"handler_entry\",\"gic_acked\",\"event_taken\",\"task_woken\",\"eoi\",\"vector_exit\",\"idle_exit\",\"task_resumed\"],\"wakes\":$iterations,\"sums\":[0,1,1,1,1,1,1,1,1]}]}"
    fi
    echo "@result {\"bench\":\"wake\",\"path\":\"$path\",\"busy\":0,\"wakes\":$iterations,\"warmup\":10,\"timeouts\":0,\"irq_wakes\":$irq,\"poll_wakes\":$poll$extra}" ;;
  *)
    echo "@result {\"test\":\"cores_up\",\"ok\":true,\"cores\":$cores}"
    echo '@result {"test":"timer_fires","ok":true}'
    echo '@result {"test":"sleep","ok":true}'
    echo '@result {"test":"preempt","ok":true}'
    echo '@result {"test":"svc","ok":true}'
    if [ "$FAKE_QEMU_MODE" = "budget-fails" ]; then
      echo '@result {"test":"budget","ok":false,"polls":0}'
    else
      echo '@result {"test":"budget","ok":true}'
    fi ;;
esac
echo "@done"
exit 0
"#;

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    gem5: PathBuf,
    qemu: PathBuf,
    elf: PathBuf,
    base: PathBuf,
}

fn script(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().to_path_buf();
    let root = base.join("repo");
    fs::create_dir_all(root.join("configs")).unwrap();
    fs::write(root.join("configs/baremetal.py"), "# stand-in\n").unwrap();
    let bin = base.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let gem5 = bin.join("gem5.fast");
    script(&gem5, FAKE_GEM5);
    let qemu = bin.join("qemu-system-aarch64");
    script(&qemu, FAKE_QEMU);
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
    fn driver(&self, mode: &str) -> assert_cmd::Command {
        let mut cmd = cargo_bin_cmd!("driver");
        cmd.env("GEM5", &self.gem5)
            .env("QEMU", &self.qemu)
            .env("FAKE_GEM5_MODE", mode)
            .env("CTXSWITCH_RECORD", CTXSWITCH_RECORD)
            .env_remove("FAKE_QEMU_MODE")
            .env_remove("GEM5_CONFIGS")
            .arg("--root")
            .arg(&self.root);
        cmd
    }

    fn run_ctxswitch(&self, mode: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
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

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

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
    let record: serde_json::Value =
        serde_json::from_str(CTXSWITCH_RECORD.strip_prefix("@result ").unwrap()).unwrap();
    assert_eq!(result.results, vec![record]);
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

#[test]
fn guest_panic_fails_with_the_message_and_keeps_the_logs() {
    let env = setup();
    let out = env.base.join("runs/panic");
    env.run_ctxswitch("panic", &out, &[]).failure().stderr(
        contains("guest panicked: assertion failed: queue not empty (executor.rs:42)")
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
fn context_switch_experiment_gathers_resumes_and_draws() {
    let env = setup();
    let sweep = || {
        let mut cmd = env.driver("ok");
        cmd.args(["experiment", "context-switch", "--jobs", "2", "--elf"])
            .arg(&env.elf);
        cmd
    };
    sweep().assert().success().stdout(
        contains("[6/6]")
            .and(contains("cycles/switch"))
            .and(contains("context-switch.json")),
    );
    let json = env.root.join("results/context-switch.json");
    let svg = env.root.join("results/context-switch.svg");
    let file: ResultsFile = read(&json);
    assert_eq!(file.records.len(), 6);
    for r in &file.records {
        assert!(r.run_dir.join("result.json").exists());
        assert!(
            r.command_line
                .contains(&format!("--cpu {}", r.labels["cpu"]))
        );
        assert_eq!(r.seed, 1);
        assert_eq!(r.spec.iterations, 10_000);
        assert_eq!(r.simulator_version, "24.0.0.1");
        assert_eq!(r.windows.len(), 1);
        // The guest's per-switch statistics, and the measured dump: 50,000 cycles / 2,000.
        assert_eq!(r.metrics["mean"], serde_json::json!(24.5));
        assert_eq!(r.metrics["p99"], serde_json::json!(31.0));
        assert_eq!(
            r.metrics["window_cycles_per_switch"],
            serde_json::json!(25.0)
        );
    }
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("thread-preempt") && text.contains("o3"));

    // Resume: every point is skipped (even if gem5 would now fail), and the file is rewritten.
    let mut again = sweep();
    again.env("FAKE_GEM5_MODE", "panic");
    again.assert().success().stdout(contains("[skip]").count(6));

    // --fresh runs every point again: now they fail, the old results file stays.
    let mut fresh = sweep();
    fresh.env("FAKE_GEM5_MODE", "panic").arg("--fresh");
    fresh
        .assert()
        .failure()
        .stdout(contains("FAILED").and(contains("guest panicked")))
        .stderr(contains("6 of 6 points failed"));
    assert_eq!(read::<ResultsFile>(&json).records.len(), 6);

    // `driver figures` redraws the SVG from the results file alone.
    fs::remove_file(&svg).unwrap();
    env.driver("ok")
        .arg("figures")
        .assert()
        .success()
        .stdout(contains("context-switch.svg"));
    assert!(svg.exists());
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
        .stdout(contains("6 @result record(s)"));
    let result: RunResult = read(&out.join("result.json"));
    assert!(result.provenance.command_line.contains(
        "-M virt,gic-version=3,secure=on,virtualization=on -cpu cortex-a76 -smp 4 -m 2G -nographic -semihosting -kernel"
    ));
    assert_eq!(result.stats, None);
    let bytes = fs::read(out.join("guest.elf")).unwrap();
    let cfg = elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap()).unwrap();
    assert_eq!(cfg.platform(), Some(Platform::Qemu));
    assert_eq!(cfg.app().map(|a| a.name()), Some("selftest"));

    env.driver("ok")
        .env("FAKE_QEMU_MODE", "panic")
        .args(["run", "--sim", "qemu", "--app", "selftest", "--out"])
        .arg(&out)
        .arg("--elf")
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains("guest panicked: timer never fired").and(contains("qemu.log")));
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
fn qemu_test_tier_checks_the_selftest_records() {
    let env = setup();
    env.driver("ok")
        .args(["test-tier", "qemu", "--elf"])
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(contains("qemu tier: 10 passed, 0 failed"));
    env.driver("ok")
        .env("FAKE_QEMU_MODE", "budget-fails")
        .args(["test-tier", "qemu", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stdout(
            contains("failed: {\"ok\":false,\"polls\":0,\"test\":\"budget\"}")
                .and(contains("8 passed, 2 failed")),
        );
}

#[test]
fn gem5_test_tier_runs_selftests_and_a_tiny_e3_or_skips() {
    let env = setup();
    env.driver("ok")
        .env_remove("GEM5")
        .args(["test-tier", "gem5"])
        .assert()
        .success()
        .stdout(contains("gem5 tier skipped: GEM5 not set"));
    // With the fake gem5 the self-test records are missing (it prints E3 output): the tier
    // must fail on the self-tests and pass the three E3 points, the two device wake points and
    // the two stamped (breakdown) points.
    env.driver("ok")
        .args(["test-tier", "gem5", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stdout(
            contains("minor-coro-yield: 24.5 cycles per switch (mean)")
                .and(contains(
                    "missing: no @result record with \"test\":\"cores_up\"",
                ))
                .and(contains("minor-hwq-idle:"))
                .and(contains("o3-ring-idle"))
                .and(contains("gem5 tier: 7 passed, 2 failed")),
        );
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
fn doctor_reports_gem5_and_fails_only_when_required() {
    let env = setup();
    let assert = env
        .driver("ok")
        .env_remove("GEM5")
        .env("PATH", "/usr/bin:/bin")
        .arg("doctor")
        .assert();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("[WARN] gem5") && stdout.contains("set GEM5=/path/to/gem5.fast"),
        "{stdout}"
    );
    env.driver("ok")
        .env_remove("GEM5")
        .env("PATH", "/usr/bin:/bin")
        .args(["doctor", "--require-gem5"])
        .assert()
        .failure()
        .stdout(contains("[FAIL] gem5"));
    env.driver("ok").arg("doctor").assert().stdout(
        contains("[OK  ] gem5")
            .and(contains("version 24.0.0.1, ARM"))
            .and(contains("[OK  ] qemu")),
    );
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
                .and(contains("run dir: "))
                .and(contains("patching RUN_CONFIG")),
        );
    assert!(
        !out.join("gem5.log").exists(),
        "the simulator must not start"
    );
}

fn metric(r: &driver::experiments::Record, pointer: &str) -> serde_json::Value {
    r.metrics
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{} has no {pointer}: {}", r.id, r.metrics))
        .clone()
}

#[test]
fn every_experiment_gathers_summarises_and_draws() {
    use serde_json::json;
    let env = setup();
    env.driver("ok")
        .args(["experiment", "all", "--jobs", "2", "--elf"])
        .arg(&env.elf)
        .assert()
        .success()
        .stdout(
            contains("[16/16]")
                .and(contains("E1 cycles"))
                .and(contains("E2 lost"))
                .and(contains(
                    "o3: hwq stops beating irq (event source at 2 ns) at ≈ 50.5 ns (between 50 \
                     ns and 225 ns)",
                ))
                .and(contains(
                    "o3: hwq stops beating irq (same latency) at ≈ 66.7 ns (between 50 ns and \
                     225 ns)",
                ))
                .and(contains("cycles/switch"))
                .and(contains("wake-cost.svg")),
        );
    let results = env.root.join("results");

    // E1/E2: 16 points, every number traceable to its run and device configuration.
    let file: ResultsFile = read(&results.join("wake.json"));
    assert_eq!(file.records.len(), 16);
    for r in &file.records {
        assert_eq!(r.seed, 1);
        assert_eq!(r.spec.iterations, 1000);
        assert!(r.command_line.contains(
            "--coro-sched --coro-placement on-chip --coro-pio-latency 2ns --coro-queue-depth 16"
        ));
        let spec = serde_json::to_value(&r.spec).unwrap();
        assert_eq!(
            spec["coro_sched"],
            json!({"placement": "on-chip", "pio_latency": "2ns", "queue_depth": 16})
        );
        assert_eq!(metric(r, "/samples/selection"), json!("stats-dump-window"));
        assert_eq!(metric(r, "/samples/dumps"), json!([1]));
        assert_eq!(metric(r, "/coro_sched/base"), json!("0x2d000000"));
        // The patched image tells the guest where the device is.
        let bytes = fs::read(r.run_dir.join("guest.elf")).unwrap();
        let cfg = elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap()).unwrap();
        assert_eq!(cfg.device_base, 0x2D00_0000);
        assert_eq!(cfg.app(), Some(App::Wake));
    }
    // The fake's o3 hwq run: 1000 samples 109..=1108 after two warm-up samples of 1000 that
    // must not count; busy runs lose 50 cycles per wake.
    let hwq = file.records.iter().find(|r| r.id == "o3-hwq-busy").unwrap();
    let exact = json!({"count": 1000, "mean": 608.5, "min": 109, "max": 1108,
                       "p50": 608, "p90": 1008, "p99": 1098, "p999": 1107});
    assert_eq!(metric(hwq, "/latency"), exact);
    assert_eq!(
        metric(hwq, "/latency_hdr"),
        exact,
        "exact below 2048 at 3 digits"
    );
    assert_eq!(metric(hwq, "/latency_by_path/hwq/exact"), exact);
    assert_eq!(metric(hwq, "/lost_cycles_per_wake"), json!(50));
    assert_eq!(metric(hwq, "/e2/lost_cycles_per_wake_guest"), json!(50));
    assert_eq!(metric(hwq, "/device/events"), json!(1000));
    assert_eq!(
        metric(hwq, "/guest"),
        json!({"warmup": 2, "interval": 20000, "chunk": 64, "window_cycles": 59000,
               "irq_wakes": 0, "poll_wakes": 0, "fallbacks": 0})
    );
    assert_eq!(metric(hwq, "/device/wakes"), json!({"hwq": 1000}));
    assert_eq!(metric(hwq, "/device/queue_depth/mean"), json!(1));
    assert_eq!(metric(hwq, "/device_stats/1/wakes::total"), json!(1000));
    let idle = file
        .records
        .iter()
        .find(|r| r.id == "minor-irq-idle")
        .unwrap();
    assert_eq!(metric(idle, "/latency/p50"), json!(802));
    assert!(idle.metrics.get("lost_cycles_per_wake").is_none());
    let svg = fs::read_to_string(results.join("wake.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("o3 busy") && svg.contains("ring"));
    let cost = fs::read_to_string(results.join("wake-cost.svg")).unwrap();
    assert!(cost.contains("E2: background cycles lost per wake") && cost.contains("poll"));

    // The latency sweep: the crossovers of the fake's linear latencies (irq 300 + L, hwq
    // 100 + 4L, plus the same sample offsets), interpolated. Quick sweeps 1, 10, 50 and 225 ns;
    // the irq reference at 2 ns is a ninth run.
    let file: ResultsFile = read(&results.join("wake-latency.json"));
    assert_eq!(file.records.len(), 9);
    let reference = file.records.iter().find(|r| r.id == "o3-irq-2ns").unwrap();
    assert!(reference.command_line.contains("--coro-pio-latency 2ns"));
    // Against the fixed reference 302: 100 + 4L = 302 at L = 50.5.
    let cross = &file.analysis["crossover"][0];
    assert_eq!(
        (&cross["cpu"], &cross["path"], &cross["status"]),
        (&json!("o3"), &json!("hwq"), &json!("crossed"))
    );
    assert_eq!(cross["reference_latency_ns"], json!(2.0));
    assert_eq!(cross["reference_id"], json!("o3-irq-2ns"));
    assert_eq!(cross["reference_mean"], metric(reference, "/latency/mean"));
    let at = cross["latency_ns"].as_f64().unwrap();
    assert!((at - 50.5).abs() < 1e-9, "{at}");
    assert_eq!(cross["bracket_ns"], json!([50.0, 225.0]));
    // Against irq at the same latency: 100 + 4L = 300 + L at L = 200/3.
    let same = &file.analysis["crossover_same_latency"][0];
    assert_eq!(same["status"], json!("crossed"));
    let at = same["latency_ns"].as_f64().unwrap();
    assert!((at - 200.0 / 3.0).abs() < 1e-9, "{at}");
    assert_eq!(same["bracket_ns"], json!([50.0, 225.0]));
    let r225 = file
        .records
        .iter()
        .find(|r| r.id == "o3-hwq-225ns")
        .unwrap();
    assert!(r225.command_line.contains("--coro-pio-latency 225ns"));
    assert_eq!(metric(r225, "/coro_sched/pio_latency_ns"), json!(225));
    let svg = fs::read_to_string(results.join("wake-latency.svg")).unwrap();
    for label in [
        "o3 irq (event source at 2 ns)",
        "o3 hwq = irq (event source at 2 ns): 50.5 ns",
        "o3 hwq = irq (same latency): 66.7 ns",
    ] {
        assert!(
            svg.contains(label),
            "{label}: the reference line and crossover markers"
        );
    }

    // E3 runs without the device.
    let file: ResultsFile = read(&results.join("context-switch.json"));
    assert!(
        file.records
            .iter()
            .all(|r| r.command_line.ends_with("--no-coro-sched"))
    );

    // `driver figures` redraws all four figures from the results files alone.
    for name in ["wake.svg", "wake-cost.svg", "wake-latency.svg"] {
        fs::remove_file(results.join(name)).unwrap();
    }
    env.driver("ok")
        .arg("figures")
        .assert()
        .success()
        .stdout(contains("wake-cost.svg").and(contains("wake-latency.svg")));
    assert!(results.join("wake-cost.svg").exists());
}

#[test]
fn wake_experiment_needs_the_device_and_a_well_formed_samples_file() {
    let env = setup();
    env.driver("ok")
        .env("FAKE_GEM5_NO_CORO", "1")
        .args(["experiment", "wake", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        .stderr(contains("has no CoroSched SimObject").and(contains("EXTRAS")));
    assert!(!env.root.join("runs/wake").exists(), "nothing may run");
    env.driver("ok")
        .env("FAKE_GEM5_BAD_CSV", "1")
        .args(["experiment", "wake-latency", "--elf"])
        .arg(&env.elf)
        .assert()
        .failure()
        // The samples are parsed when the run is made: each point fails, naming the line.
        .stdout(contains(
            "coro_sched_wakes.csv:1011: column resume_tick is 'oops', not a non-negative integer",
        ));
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
    let (a, out) = run(&[], true);
    a.success()
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
    ] {
        env.driver("ok")
            .args(["run", "--sim", "qemu", "--app", "selftest"])
            .args(opt)
            .args(["--out", "/nonexistent/never-created", "--elf"])
            .arg(&env.elf)
            .assert()
            .failure()
            .stderr(contains(
                "--coro-sched, --no-coro-sched, --coro-placement, --coro-pio-latency and \
                 --coro-queue-depth apply to gem5 only",
            ));
    }
}
