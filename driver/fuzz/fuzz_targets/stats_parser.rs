//! Any bytes as a gem5 `stats.txt`: the parser and every lookup return errors, never panic.
#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../../tests/common/fuzz_checks.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::stats_parser(data));
