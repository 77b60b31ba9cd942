//! The fake gem5 running `configs/baremetal.py`: the probe scripts the driver runs, the
//! config's `coro-sched:` and `gem5-exit:` lines, and in the run directory the console
//! (`system.terminal`), `stats.txt` and the device's samples file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use runconfig::{App, RunConfig};

use crate::guest::{self, Device};

/// The device's stats prefix in `stats.txt`.
const DEV: &str = "system.realview.coro_sched";

pub fn main(args: &[String]) -> u8 {
    if args.iter().any(|a| a.ends_with("probe.py")) {
        // The driver's probe script: gem5's banner, then the ISA build option it prints.
        let arm = crate::env("FAKE_GEM5_ARM").unwrap_or_else(|| "True".into());
        println!("gem5 Simulator System.  https://www.gem5.org\n\ngem5 version 24.0.0.1");
        let compiled = crate::env("FAKE_GEM5_COMPILED").unwrap_or_else(|| "today".into());
        println!("gem5 compiled {compiled}\nUSE_ARM_ISA = {arm}");
        println!("sources_hash={}", sources_hash());
        return 0;
    }
    if args.iter().any(|a| a.ends_with("sim_objects.py")) {
        println!("gem5 Simulator System.\nSIMOBJECT BaseCPU");
        if crate::env("FAKE_GEM5_NO_CORO").is_none() {
            println!("SIMOBJECT CoroSched\nSIMOBJECT CoroSchedSource");
        }
        return 0;
    }
    let dir = PathBuf::from(crate::option(args, "-d").expect("fake gem5: no -d"));
    let kernel = crate::option(args, "--kernel").expect("fake gem5: no --kernel");
    let cfg = crate::run_config(Path::new(kernel));
    println!("gem5 Simulator System.  https://www.gem5.org\ngem5 version 24.0.0.1");
    let device = device_line(args);
    let mode = crate::env("FAKE_GEM5_MODE").unwrap_or_else(|| "ok".into());
    let term = dir.join("system.terminal");
    let write = |path: &Path, text: &str| std::fs::write(path, text).expect("fake gem5: write");
    match mode.as_str() {
        "ok" if args.iter().any(|a| a == "--loadgen") => loadgen_run(args, &cfg, &dir),
        "ok" => {
            write(&term, &guest::console(&cfg, device.as_ref()));
            let samples = match (cfg.app(), &device) {
                (Some(App::Wake), Some(_)) => Some(wake_samples(&cfg, pio_latency_ns(args))),
                _ => None,
            };
            if let Some(csv) = &samples {
                write(&dir.join(driver::coro_sched::SAMPLES_FILE), csv);
            }
            let wakes = samples.is_some().then_some(&cfg);
            let mut text = stats(wakes);
            if cfg.app() == Some(App::Syscall) {
                // The syscall app measures twice: without calls, then with them.
                text = dump(25_000_000, 100_000, 40_000, None)
                    + &dump(12_500_000, 50_000, 1_800_000, None)
                    + &dump(12_500_000, 50_000, 20_000, None)
                    + &dump(2500, 10, 5, None);
            }
            write(&dir.join("stats.txt"), &text);
            exit_line("m5_exit instruction encountered", 0, 37_502_500);
            0
        }
        "panic" => {
            let text = format!(
                "{}\n\n{}core 0: panicked at guest-os/executor/src/lib.rs:42:9:\nassertion failed: queue not empty\n",
                runconfig::APP_START,
                runconfig::PANIC_PREFIX
            );
            write(&term, &text);
            exit_line("m5_fail instruction encountered", 1, 77);
            1
        }
        "hang" => {
            write(&term, &format!("{}\n", runconfig::APP_START));
            std::thread::sleep(std::time::Duration::from_secs(30));
            0
        }
        "ticks" => {
            write(&term, &format!("{}\n", runconfig::APP_START));
            exit_line("simulate() limit reached", 0, 5000);
            2
        }
        "nodone" => {
            write(
                &term,
                &format!("{}\n@result {{\"x\":1}}\n", runconfig::APP_START),
            );
            write(
                &dir.join("stats.txt"),
                &(dump(1, 1, 1, None) + &dump(1, 1, 1, None)),
            );
            exit_line("m5_exit instruction encountered", 0, 1);
            0
        }
        "crash" => {
            eprintln!("Traceback (most recent call last):");
            eprintln!("NameError: name 'Foo' is not defined");
            1
        }
        other => {
            eprintln!("unknown FAKE_GEM5_MODE {other}");
            99
        }
    }
}

/// A run with the fake LoadGenNic: its records, the service app's record and the stats, or a
/// starved run that ends at the tick limit.
fn loadgen_run(args: &[String], cfg: &RunConfig, dir: &Path) -> u8 {
    use runconfig::Choice;
    let write = |path: &Path, text: &str| std::fs::write(path, text).expect("fake gem5: write");
    let policy = cfg.mechanism().map_or("?", |m| m.name());
    let nic = crate::nic::run(args, policy == "fcfs");
    write(&dir.join(driver::loadgen::RECORDS_FILE), &nic.records);
    let with_nic = |d: String, ticks: u64| {
        d.replace(
            "\n---------- End",
            &format!("{}\n---------- End", nic.stats(ticks)),
        )
    };
    let term = dir.join("system.terminal");
    if nic.starved {
        write(&term, &format!("boot: EL3\n{}\n", runconfig::APP_START));
        let ticks = nic.window_ticks;
        write(
            &dir.join("stats.txt"),
            &(dump(25_000_000, 100_000, 40_000, None)
                + &with_nic(dump(ticks, ticks / 250, 10, None), ticks)),
        );
        exit_line("simulate() limit reached", 0, ticks);
        return 2;
    }
    let console = format!(
        "boot: EL3\n{}\n{}{}\n{}\n",
        runconfig::APP_START,
        runconfig::RESULT_PREFIX,
        nic.service_record(policy),
        runconfig::DONE
    );
    write(&term, &console);
    let ticks = nic.window_ticks;
    write(
        &dir.join("stats.txt"),
        &(dump(25_000_000, 100_000, 40_000, None)
            + &with_nic(dump(ticks, nic.busy_cycles, 1000, None), ticks)
            + &dump(2500, 10, 5, None)),
    );
    exit_line("m5_exit instruction encountered", 0, 37_502_500);
    0
}

fn exit_line(cause: &str, code: i32, tick: u64) {
    println!("gem5-exit: cause='{cause}' code={code} tick={tick}");
}

/// The device-sources hash this "build" carries: that of `FAKE_GEM5_DEVICES` (the test
/// workspace's gem5-devices/, as a real build bakes in its EXTRAS), or a stale one with
/// `FAKE_GEM5_STALE`.
fn sources_hash() -> String {
    if crate::env("FAKE_GEM5_STALE").is_some() {
        return "0".repeat(64);
    }
    match crate::env("FAKE_GEM5_DEVICES") {
        Some(dir) => driver::device_hash::tree_hash(Path::new(&dir)).expect("fake gem5: hash"),
        None => driver::device_hash::UNKNOWN.into(),
    }
}

fn pio_latency_ns(args: &[String]) -> u64 {
    crate::option(args, "--coro-pio-latency").map_or(2, |l| {
        l.trim_end_matches("ns").parse().expect("latency in ns")
    })
}

/// Prints the config's line about the device and returns the device the guest sees.
fn device_line(args: &[String]) -> Option<Device> {
    if args.iter().any(|a| a == "--no-coro-sched") {
        println!("coro-sched: absent sources_hash={}", sources_hash());
        return None;
    }
    let placement = crate::option(args, "--coro-placement").unwrap_or("on-chip");
    let base = if placement == "off-chip" {
        "0x10030000"
    } else {
        "0x2d000000"
    };
    let base = crate::env("FAKE_GEM5_BASE").unwrap_or_else(|| base.into());
    let depth: u64 = crate::option(args, "--coro-queue-depth").map_or(16, |d| d.parse().unwrap());
    let stash = crate::option(args, "--coro-stash").unwrap_or("off");
    println!(
        "coro-sched: base={base} placement={placement} pio_latency={}ns queue_depth={depth} \
         stash={stash} sources_hash={}",
        pio_latency_ns(args),
        sources_hash()
    );
    Some(Device { queue_depth: depth })
}

/// The device's samples: two warm-up wakes before the measured phase's stats reset, then the
/// run's wakes of cycles `base + 1 ..= base + n` between the reset and the dump.
fn wake_samples(cfg: &RunConfig, lat: u64) -> String {
    use runconfig::Choice;
    let path = cfg.mechanism().map_or("?", |m| m.name());
    // A guest that does not report RESUME (app parameter resume = 0) leaves no samples.
    let reported = cfg.param("resume") != Some(0);
    let n = if reported { cfg.iterations } else { 0 };
    let base = guest::wake_base(path, lat);
    let warmup = if reported {
        format!("0,{path},0,0,2000,252000,1000\n1,{path},0,0,300000,550000,1000\n")
    } else {
        String::new()
    };
    let mut csv = format!(
        "# CoroSched wake samples of {DEV}: cycles = (resume_tick - fire_tick) / 250 ticks\n\
         # lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps\n\
         seq,path,core,source,fire_tick,resume_tick,cycles\n\
         # reset tick=0\n# dump tick=1000\n# reset tick=1000\n\
         {warmup}# reset tick=600000\n"
    );
    for i in 0..n {
        let (c, fire) = (base + i + 1, 1_000_000 + i * 1_000_000);
        let _ = writeln!(csv, "{},{path},0,0,{fire},{},{c}", i + 2, fire + c * 250);
    }
    let _ = writeln!(csv, "# dump tick={}", 1_000_000 + n * 1_000_000);
    if crate::env("FAKE_GEM5_BAD_CSV").is_some() {
        let _ = writeln!(csv, "{},{path},0,0,5,oops,7", n + 2);
    }
    let _ = writeln!(csv, "# dump tick={}", 2_000_000 + n * 1_000_000);
    csv
}

/// Three dumps (boot, the measured region, the rest); the measured one has the device's stats
/// of `wakes` when the run has the device.
fn stats(wakes: Option<&RunConfig>) -> String {
    let device = wakes.map(|cfg| {
        use runconfig::Choice;
        (cfg.iterations, cfg.mechanism().map_or("?", |m| m.name()))
    });
    dump(25_000_000, 100_000, 40_000, None)
        + &dump(12_500_000, 50_000, 20_000, device)
        + &dump(2500, 10, 5, None)
}

fn dump(ticks: u64, cycles: u64, insts: u64, device: Option<(u64, &str)>) -> String {
    let mut s = String::from("\n---------- Begin Simulation Statistics ----------\n");
    let _ = writeln!(s, "simTicks {ticks} # Number of ticks simulated (Tick)");
    // Host stats differ between two runs of the same point, as in real gem5.
    let _ = writeln!(
        s,
        "hostSeconds {}.{:03} # Real time elapsed on the host (Second)",
        std::process::id() % 7,
        std::process::id() % 1000
    );
    let _ = writeln!(
        s,
        "system.cpu_cluster.cpus.numCycles {cycles} # Number of cpu cycles simulated (Cycle)"
    );
    let _ = writeln!(
        s,
        "system.cpu_cluster.cpus.commitStats0.numInsts {insts} # Number of instructions committed (Count)"
    );
    if crate::env("FAKE_GEM5_NONDETERMINISTIC").is_some() {
        let _ = writeln!(
            s,
            "system.cpu_cluster.cpus.noise {} # Differs between runs (Count)",
            std::process::id()
        );
    }
    if let Some((n, path)) = device {
        let _ = writeln!(s, "{DEV}.events {n} # Source events (Count)");
        let _ = writeln!(
            s,
            "{DEV}.fallbacks 0 # hwq/ring wakes that fell back (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.wakes::{path} {n} 100.00% 100.00% # Wakes delivered, by path (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.wakes::total {n} # Wakes delivered, by path (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.resumesByPath::{path} {n} 100.00% 100.00% # Latency samples, by path (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.queueDepth::samples {n} # Hardware ready-queue depth after each push (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.queueDepth::1 {n} 100.00% 100.00% # Hardware ready-queue depth after each push (Count)"
        );
        let _ = writeln!(
            s,
            "{DEV}.queueDepth::max_value 1 # Hardware ready-queue depth after each push (Count)"
        );
    }
    s.push_str("\n---------- End Simulation Statistics   ----------\n");
    s
}
