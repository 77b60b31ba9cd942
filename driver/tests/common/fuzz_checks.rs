//! What the fuzz targets check for one input, shared by the cargo-fuzz targets in
//! `driver/fuzz/` and by `tests/fuzz_corpus.rs`, which runs the committed seeds and every
//! input that once failed on each `cargo test`. A check panics only on a bug: any input,
//! however malformed, must give a value or an error.

use driver::elf_patch::{self, ImageError};
use driver::stats::StatsFile;
use runconfig::{RunConfig, SIZE};

/// How many stats the lookups are tried on, in all and in each dump: a lookup by pattern
/// scans the dump, and trying every stat of a large input would take quadratic time per
/// execution, which slows the fuzzer more than it finds.
const LOOKUPS: usize = 48;
const LOOKUPS_PER_DUMP: usize = 8;

/// `data` as a gem5 `stats.txt` (read as `StatsFile::from_path` reads it, invalid UTF-8
/// replaced): it parses or is an error that can be printed; a parsed file's JSON reads back
/// to the same JSON, every stat is found by its name and by a pattern made from it, and the
/// histogram and sum lookups return values or errors.
pub fn stats_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = match StatsFile::parse(&text) {
        Ok(file) => file,
        Err(e) => {
            let _ = (e.to_string(), e.line(), e.kind());
            return;
        }
    };
    assert!(
        !file.dumps.is_empty(),
        "a parsed file has at least one dump"
    );
    let json = serde_json::to_string(&file).expect("a parsed file serializes");
    let back: StatsFile = serde_json::from_str(&json).expect("its JSON reads back");
    assert_eq!(
        serde_json::to_string(&back).expect("serializes again"),
        json,
        "JSON round trip"
    );
    let sampled = file
        .dumps
        .iter()
        .flat_map(|d| d.stats().iter().take(LOOKUPS_PER_DUMP).map(move |s| (d, s)));
    for (dump, stat) in sampled.take(LOOKUPS) {
        let found = dump
            .stat(&stat.name)
            .expect("every stat is found by its name");
        assert_eq!(found.line, stat.line, "{} found at another line", stat.name);
        // Digits as wildcards, as a per-CPU sum is written: the stat must match.
        let pattern: String = stat
            .name
            .chars()
            .map(|c| if c.is_ascii_digit() { '*' } else { c })
            .collect();
        assert!(
            dump.matching(&pattern).iter().any(|s| s.name == stat.name),
            "{pattern} does not match {}",
            stat.name
        );
        let _ = dump.sum(&pattern).map_err(|e| e.to_string());
        let base = stat.name.split("::").next().unwrap_or(&stat.name);
        let _ = dump.histogram(base).map_err(|e| e.to_string());
        // A missing name: an error that suggests similar names.
        let _ = dump
            .value(&format!("{}::no_such_stat", stat.name))
            .map_err(|e| e.to_string());
    }
}

/// `data` as a guest image: checking and locating return values or errors that can be
/// printed, and patching either fails leaving the bytes as they were or writes exactly the
/// block, which then reads back.
pub fn elf_patcher(data: &[u8]) {
    let _ = elf_patch::check_image(data).map_err(|e| e.to_string());
    let located = elf_patch::locate(data);
    let read = located.as_ref().map_err(ImageError::to_string).map(|loc| {
        assert!(loc.offset + SIZE <= data.len(), "{loc:?} is past the end");
        elf_patch::read_block(data, loc)
    });
    let cfg = RunConfig {
        iterations: 0x1234_5678,
        ..RunConfig::DEFAULT
    };
    let mut bytes = data.to_vec();
    match elf_patch::patch(&mut bytes, &cfg) {
        Ok(loc) => {
            assert_eq!(Some(&loc), located.as_ref().ok(), "patched where located");
            assert!(
                matches!(read, Ok(Ok(_))),
                "patched a block that does not read"
            );
            let block = loc.offset..loc.offset + SIZE;
            assert_eq!(
                &bytes[block.clone()],
                &cfg.to_bytes(),
                "the block is written"
            );
            assert_eq!(bytes[..block.start], data[..block.start], "bytes before");
            assert_eq!(bytes[block.end..], data[block.end..], "bytes after");
            assert_eq!(elf_patch::read_block(&bytes, &loc).ok(), Some(cfg));
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(bytes == data, "a failed patch changed the image");
        }
    }
}
