//! The fuzz targets' checks (`common/fuzz_checks.rs`) on the committed inputs, on every
//! `cargo test` and without cargo-fuzz: the seeds, the inputs that once failed
//! (`fuzz/regressions/<target>/`, kept so the bug stays fixed), and every truncation of the
//! small seeds, the cheapest malformed inputs there are. `just fuzz` searches for new ones.

#[path = "common/fuzz_checks.rs"]
mod fuzz_checks;

use std::path::{Path, PathBuf};

/// The files of `dir` relative to the driver crate, sorted; none if it does not exist.
fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file of `dirs`, and on every prefix of those up to `truncate_up_to`
/// bytes long; returns how many files there were.
fn run(check: fn(&[u8]), dirs: &[&str], truncate_up_to: usize) -> usize {
    let files: Vec<PathBuf> = dirs.iter().flat_map(|d| files(d)).collect();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        check(&bytes);
        if bytes.len() <= truncate_up_to {
            for end in 0..bytes.len() {
                check(&bytes[..end]);
            }
        }
    }
    files.len()
}

#[test]
fn stats_parser_corpus() {
    let n = run(
        fuzz_checks::stats_parser,
        &["tests/fixtures/stats", "fuzz/regressions/stats_parser"],
        0,
    );
    assert!(n >= 4, "only {n} stats inputs: are the fixtures missing?");
    // Truncations at every line of a whole file: each a valid prefix or an error.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats/synthetic-one-cpu.txt"),
    )
    .unwrap();
    for (end, _) in text.match_indices('\n').step_by(7) {
        fuzz_checks::stats_parser(&text.as_bytes()[..end]);
    }
}

#[test]
fn elf_patcher_corpus() {
    let n = run(
        fuzz_checks::elf_patcher,
        &["fuzz/seeds/elf_patcher", "fuzz/regressions/elf_patcher"],
        8192,
    );
    assert!(n >= 2, "only {n} ELF inputs: are the seeds missing?");
}
