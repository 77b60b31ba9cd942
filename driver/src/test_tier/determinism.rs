//! The gem5 tier's determinism check: one point run twice must give the same simulated output,
//! byte for byte: `stats.txt` (less gem5's host-side stats) and the device's samples file.
//! Every number the project publishes rests on this: a rerun reproduces it exactly.

use std::path::Path;

use crate::coro_sched::SAMPLES_FILE;
use crate::sim::gem5::STATS;

/// Point ids of the pair.
pub const FIRST: &str = "determinism-1";
pub const SECOND: &str = "determinism-2";

/// gem5's stats about the host (wall-clock seconds, host memory, simulation rates): the only
/// lines of `stats.txt` that differ between two runs of one point.
fn is_host_stat(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|name| name.starts_with("host"))
}

/// The simulated content of a file: all of it, or for `stats.txt` all but the host stats.
fn simulated(file: &str, text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| file != STATS || !is_host_stat(l))
        .map(String::from)
        .collect()
}

/// Checks that the two run directories hold the same simulated output; the error names the
/// file and the first line that differs.
pub fn compare_runs(first: &Path, second: &Path) -> Result<(), String> {
    for file in [STATS, SAMPLES_FILE] {
        let read = |dir: &Path| {
            std::fs::read(dir.join(file))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| format!("{}: {e}", dir.join(file).display()))
        };
        let (a, b) = (
            simulated(file, &read(first)?),
            simulated(file, &read(second)?),
        );
        if a.is_empty() {
            return Err(format!("{} is empty", first.join(file).display()));
        }
        if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            let line = |v: &[String]| v.get(i).map_or("(end of file)".into(), |l| l.clone());
            return Err(format!(
                "the same point run twice differs in {file} at line {}: {:?} vs {:?}",
                i + 1,
                line(&a),
                line(&b)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_dir(stats: &str, samples: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATS), stats).unwrap();
        std::fs::write(dir.path().join(SAMPLES_FILE), samples).unwrap();
        dir
    }

    #[test]
    fn host_stats_may_differ_and_nothing_else() {
        let a = run_dir(
            "simTicks 100 # x\nhostSeconds 1.5 # s\nhostMemory 1024 # b\n",
            "seq,cycles\n0,7\n",
        );
        let b = run_dir(
            "simTicks 100 # x\nhostSeconds 2.25 # s\nhostMemory 2048 # b\n",
            "seq,cycles\n0,7\n",
        );
        assert_eq!(compare_runs(a.path(), b.path()), Ok(()));

        let c = run_dir(
            "simTicks 101 # x\nhostSeconds 1.5 # s\n",
            "seq,cycles\n0,7\n",
        );
        let e = compare_runs(a.path(), c.path()).unwrap_err();
        assert!(e.contains("stats.txt at line 1"), "{e}");
        let d = run_dir(
            "simTicks 100 # x\nhostSeconds 1.5 # s\n",
            "seq,cycles\n0,7\n1,8\n",
        );
        let e = compare_runs(a.path(), d.path()).unwrap_err();
        assert!(
            e.contains("coro_sched_wakes.csv at line 3") && e.contains("(end of file)"),
            "{e}"
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(compare_runs(a.path(), empty.path()).is_err());
    }
}
