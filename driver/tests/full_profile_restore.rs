//! The full profile's point store end to end against the fake gem5, for E4: a fresh machine (no
//! `runs/`) restores every stored point, which keeps neither the device's samples in its JSON
//! (the stored samples file holds them) nor the boot and exit stats dumps, and gathers the same
//! numbers as the machine that ran them. E4 reads run-directory files besides `result.json`,
//! so its trimmed results are checked here; E5 is checked so in `experiment_command.rs`, the
//! others by `experiments::trimmed_measure`. E4's full profile takes minutes even against the
//! fake gem5 (every request of every point is recorded), so the test runs on request:
//! `cargo test -p driver --test full_profile_restore -- --ignored`.

mod support;

use std::fs;

use driver::experiments::{ResultsFile, by_name};
use predicates::str::contains;
use support::{read, setup};

#[test]
#[ignore = "E4's full profile against the fake gem5 takes minutes; run with --ignored"]
fn the_load_experiment_gathers_the_same_numbers_from_its_stored_points() {
    let env = setup();
    let experiments = [by_name("load").unwrap()];
    let sweep = || {
        let mut cmd = env.driver("ok");
        cmd.args(["experiment", "load", "--profile", "full"])
            .args(["--jobs", "2", "--elf"])
            .arg(&env.elf);
        cmd
    };
    sweep().assert().success();
    let results = env.root.join("results/full");
    let first: Vec<ResultsFile> = experiments
        .iter()
        .map(|e| read(&ResultsFile::path(&results, e.name())))
        .collect();

    let mut stored = 0;
    for exp in experiments {
        let dir = results.join("points").join(exp.name());
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let json: serde_json::Value = read(&path);
            assert_eq!(json["device_samples"], serde_json::Value::Null, "{path:?}");
            for dump in json["stats"].as_array().into_iter().flatten() {
                assert_eq!(dump["window"], "measured", "{path:?}");
            }
            stored += 1;
        }
    }
    assert!(stored >= 20, "only {stored} points stored");

    fs::remove_dir_all(env.root.join("runs")).unwrap();
    sweep()
        .assert()
        .success()
        .stdout(contains("[restore]").count(stored));
    for (exp, before) in experiments.iter().zip(&first) {
        let after: ResultsFile = read(&ResultsFile::path(&results, exp.name()));
        assert_eq!(after.records.len(), before.records.len(), "{}", exp.name());
        for (a, b) in before.records.iter().zip(&after.records) {
            assert_eq!(
                (&a.id, &a.metrics, &a.windows, &a.guest_results),
                (&b.id, &b.metrics, &b.windows, &b.guest_results),
                "{}",
                exp.name()
            );
        }
        assert_eq!(after.analysis, before.analysis, "{}", exp.name());
    }
}
