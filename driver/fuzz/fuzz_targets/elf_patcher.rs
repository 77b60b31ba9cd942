//! Any bytes as a guest image: the ELF patcher returns errors, never panics, and a patch that
//! succeeds reads back.
#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../../tests/common/fuzz_checks.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::elf_patcher(data));
