//! `driver experiment` and `driver figures` end to end, against the fake gem5: sweeps,
//! resumption, gathering, the numbers each experiment derives, and the figures.

mod support;

use std::fs;

use driver::elf_patch;
use driver::experiments::ResultsFile;
use predicates::prelude::*;
use predicates::str::contains;
use runconfig::App;
use support::{read, setup};

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
    // The quick profile stores no points: it is made again in minutes.
    assert!(!env.root.join("results/points").exists());
    assert!(!env.root.join("results/full").exists());

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

/// The names in `dir` that end with `suffix`, sorted.
fn names_ending(dir: &std::path::Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(suffix))
        .collect();
    names.sort();
    names
}

#[test]
fn the_full_profile_stores_each_point_and_a_fresh_machine_restores_and_gathers_them() {
    let env = setup();
    let sweep = |compiled: &str| {
        let mut cmd = env.driver("ok");
        cmd.env("FAKE_GEM5_COMPILED", compiled)
            .args(["experiment", "budget", "--profile", "full"])
            .args(["--jobs", "2", "--elf"])
            .arg(&env.elf);
        cmd
    };
    sweep("Dec  1 2026 09:00:00").assert().success();
    let json = env.root.join("results/full/budget.json");
    let first: ResultsFile = read(&json);
    // E5's no-budget point starves by design: a failed run, recorded from its run directory
    // and run again by every sweep, so never stored.
    let starved: Vec<&str> = first
        .records
        .iter()
        .filter(|r| r.metrics["starved"] == serde_json::json!(true))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(starved.len(), 1, "{starved:?}");
    let n = first.records.len() - 1;
    let stored = env.root.join("results/full/points/budget");
    assert_eq!(names_ending(&stored, ".json").len(), n);
    assert!(!stored.join(format!("{}.json", starved[0])).exists());
    // With each result, the files gathering reads: the stats E5 measures from, and the samples
    // of the runs that wrote any (the raw archive's).
    assert_eq!(names_ending(&stored, ".stats.txt.gz").len(), n);
    let raw = env.root.join("results/full/raw/budget");
    let archive = |name: &String| fs::read(raw.join(name)).unwrap();
    let raw_names = if raw.exists() {
        names_ending(&raw, ".gz")
    } else {
        Vec::new()
    };
    let stored_samples = names_ending(&stored, ".coro_sched_wakes.csv.gz");
    assert_eq!(stored_samples, raw_names);
    // The same bytes as the archive's copy: one blob in git, not two.
    for name in &stored_samples {
        assert_eq!(
            fs::read(stored.join(name)).unwrap(),
            archive(name),
            "{name}"
        );
    }
    let raw_bytes: Vec<Vec<u8>> = raw_names.iter().map(archive).collect();

    // A fresh machine: no runs/, gem5 rebuilt from the same sources. Every stored point comes
    // back and is skipped, and gathering, the raw archive included, gives the same numbers.
    fs::remove_dir_all(env.root.join("runs")).unwrap();
    sweep("Dec  2 2026 08:00:00").assert().success().stdout(
        contains("[restore]")
            .count(n)
            .and(contains("[skip]").count(n)),
    );
    let again: ResultsFile = read(&json);
    assert_eq!(again.records.len(), n + 1);
    for (a, b) in first.records.iter().zip(&again.records) {
        assert_eq!(
            (&a.id, &a.metrics, &a.windows),
            (&b.id, &b.metrics, &b.windows)
        );
    }
    if raw.exists() {
        assert_eq!(names_ending(&raw, ".gz"), raw_names);
    }
    assert_eq!(raw_names.iter().map(archive).collect::<Vec<_>>(), raw_bytes);
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

    // E1/E2: 16 points of the MMIO protocol, 8 of the fast one (hwq and ring), 4 of the fast
    // one with the L1 stash (idle), 2 of ring checking every 8 steps (busy), 4 of the lean
    // irq frame, and the busy ones again without the RESUME report (16); every number
    // traceable to its run and device configuration.
    let file: ResultsFile = read(&results.join("wake.json"));
    assert_eq!(file.records.len(), 50);
    for r in &file.records {
        assert_eq!(r.seed, 1);
        assert_eq!(r.spec.iterations, 400);
        assert!(r.command_line.contains(
            "--coro-sched --coro-placement on-chip --coro-pio-latency 2ns --coro-queue-depth 16"
        ));
        let spec = serde_json::to_value(&r.spec).unwrap();
        let stash = match r.labels["protocol"].as_str() {
            "fast" => Some("cluster"),
            "fast-l1" => Some("l1"),
            _ => None,
        };
        let mut device = json!({"placement": "on-chip", "pio_latency": "2ns", "queue_depth": 16});
        if let Some(stash) = stash {
            device["stash"] = json!(stash);
            assert!(r.command_line.contains(&format!("--coro-stash {stash}")));
        }
        assert_eq!(spec["coro_sched"], device);
        let selection = if r.labels["report"] == "on" {
            "stats-dump-window"
        } else {
            assert!(r.metrics.get("latency").is_none());
            assert_eq!(metric(r, "/lost_cycles_per_wake"), json!(50));
            "not-reported"
        };
        assert_eq!(metric(r, "/samples/selection"), json!(selection));
        assert_eq!(metric(r, "/samples/dumps"), json!([1]));
        assert_eq!(metric(r, "/coro_sched/base"), json!("0x2d000000"));
        // The patched image tells the guest where the device is.
        let bytes = fs::read(r.run_dir.join("guest.elf")).unwrap();
        let cfg = elf_patch::read_block(&bytes, &elf_patch::locate(&bytes).unwrap()).unwrap();
        assert_eq!(cfg.device_base, 0x2D00_0000);
        assert_eq!(cfg.app(), Some(App::Wake));
    }
    // The fake's o3 hwq run: 400 samples 109..=508 after two warm-up samples of 1000 that
    // must not count; busy runs lose 50 cycles per wake.
    let hwq = file.records.iter().find(|r| r.id == "o3-hwq-busy").unwrap();
    let exact = json!({"count": 400, "mean": 308.5, "min": 109, "max": 508,
                       "p50": 308, "p90": 468, "p99": 504, "p999": 508});
    assert_eq!(metric(hwq, "/latency"), exact);
    assert_eq!(
        metric(hwq, "/latency_hdr"),
        exact,
        "exact below 2048 at 3 digits"
    );
    assert_eq!(metric(hwq, "/latency_by_path/hwq/exact"), exact);
    assert_eq!(metric(hwq, "/lost_cycles_per_wake"), json!(50));
    assert_eq!(metric(hwq, "/e2/lost_cycles_per_wake_guest"), json!(50));
    assert_eq!(metric(hwq, "/device/events"), json!(400));
    assert_eq!(
        metric(hwq, "/guest"),
        json!({"warmup": 2, "interval": 20000, "chunk": 64, "window_cycles": 29000,
               "irq_wakes": 0, "poll_wakes": 0, "fallbacks": 0})
    );
    assert_eq!(metric(hwq, "/device/wakes"), json!({"hwq": 400}));
    assert_eq!(metric(hwq, "/device/queue_depth/mean"), json!(1));
    assert_eq!(metric(hwq, "/device_stats/1/wakes::total"), json!(400));
    let idle = file
        .records
        .iter()
        .find(|r| r.id == "minor-irq-idle")
        .unwrap();
    assert_eq!(metric(idle, "/latency/p50"), json!(502));
    assert!(idle.metrics.get("lost_cycles_per_wake").is_none());
    let svg = fs::read_to_string(results.join("wake.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("o3 busy") && svg.contains("ring"));
    let cost = fs::read_to_string(results.join("wake-cost.svg")).unwrap();
    assert!(cost.contains("E2: background cycles lost per wake") && cost.contains("poll"));
    assert!(cost.contains("not reported") && cost.contains("ring fast"));

    // The latency sweep: the crossovers of the fake's linear latencies (irq 300 + L, hwq
    // 100 + 4L, plus the same sample offsets), interpolated. Quick sweeps 1, 10, 50 and 225 ns;
    // the irq reference at 2 ns is a thirteenth run, and each path runs off-chip too.
    let file: ResultsFile = read(&results.join("wake-latency.json"));
    assert_eq!(file.records.len(), 16);
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

    // E4: every point, the analytic check passed on the fake NIC's M/G/1 queue (500 ns of busy
    // overhead per request), the figures drawn.
    let file: ResultsFile = read(&results.join("load.json"));
    assert_eq!(file.records.len(), 41);
    // The completion comparison: direct (the sweep's point), svc and fwd:16.
    let modes: Vec<&str> = file.analysis["completion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["complete"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["direct", "svc", "fwd:16"]);
    let checks = file.analysis["analytic_check"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|c| c["check"]["passes"] == json!(true)));
    let r = file
        .records
        .iter()
        .find(|r| r.id == "minor-exp-fcfs-hwq-0.20")
        .unwrap();
    // 2000 cycles, the warm-up requests' work counted at the measured mean.
    let overhead = metric(r, "/overhead_cycles_per_request").as_f64().unwrap();
    assert!((overhead - 2000.0).abs() < 100.0, "{overhead}");
    for svg in ["load.svg", "load-slo.svg", "load-exp-p999-latency.svg"] {
        assert!(results.join(svg).exists(), "{svg}");
    }
    // E5: the no-budget point starved until the tick limit and is a result, not a failure.
    let file: ResultsFile = read(&results.join("budget.json"));
    assert_eq!(file.records.len(), 9);
    let none = file
        .records
        .iter()
        .find(|r| r.id == "minor-budget-none")
        .unwrap();
    assert_eq!(metric(none, "/starved"), json!(true));
    assert_eq!(metric(none, "/p99_ns"), json!(null));
    assert!(metric(none, "/outstanding").as_u64().unwrap() > 0);
    assert_eq!(file.analysis["no_budget_starved"], json!(true));
    assert!(results.join("budget-greedy.svg").exists());
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
