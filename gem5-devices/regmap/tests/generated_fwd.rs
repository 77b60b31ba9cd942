//! The SyscallFwd register map: what the kernel's rings and hand-written driver rely on, and
//! the checks that catch mistakes (its generated header is checked by `tests/generated.rs`).

use coro_sched_regmap::{RegMap, SYSCALL_FWD, cpp_header, workspace_root};

#[test]
fn fwd_map_matches_the_kernel_rings() {
    let map = RegMap::load(&SYSCALL_FWD).unwrap();
    let h = cpp_header(&map);
    for want in [
        "constexpr uint64_t BATCH_DONE = 0x58;",
        "constexpr uint64_t ringBase(unsigned i) { return CORE_BASE + i * CORE_STRIDE + RING_BASE; }",
        "constexpr uint64_t DEV_RING_SLOTS = 64;",
        "constexpr uint64_t DEV_TASK_WORD = 7;",
    ] {
        assert!(h.contains(want), "header has no `{want}`");
    }
    assert_eq!(u64::from_le_bytes(*b"SYSCFWD1"), map.device.id);
}

#[test]
fn fwd_validation_catches_mistakes() {
    let text = std::fs::read_to_string(SYSCALL_FWD.regmap_path()).unwrap();
    let bad = text.replacen("offset = 0x60", "offset = 0x58", 1);
    let map = RegMap::parse(&SYSCALL_FWD, &bad).unwrap();
    assert!(map.validate().unwrap_err().contains("is taken"));
    let bad = text.replacen("ring_slots = 64", "ring_slots = 48", 1);
    assert!(
        RegMap::parse(&SYSCALL_FWD, &bad)
            .unwrap()
            .validate()
            .is_err()
    );
}

/// The kernel's driver (`guest-os/kernel/src/syscalls/fwd_device.rs`) spells the register
/// offsets and the device's base by hand (no generated Rust crate for this device): each must
/// match the register map, and the base must be configs/baremetal.py's.
#[test]
fn fwd_kernel_driver_matches_the_map_and_the_config() {
    let root = workspace_root();
    let driver =
        std::fs::read_to_string(root.join("guest-os/kernel/src/syscalls/fwd_device.rs")).unwrap();
    let config = std::fs::read_to_string(root.join("configs/baremetal.py")).unwrap();
    let map = RegMap::load(&SYSCALL_FWD).unwrap();
    let konst = |name: &str| -> u64 {
        let key = format!("pub const {name}: usize = ");
        let line = driver
            .lines()
            .find(|l| l.trim_start().starts_with(&key))
            .unwrap_or_else(|| panic!("fwd_device.rs has no `{key}…`"));
        let v = line.trim_start()[key.len()..]
            .trim_end_matches(';')
            .replace('_', "");
        u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap()
    };
    let mut checked = 0;
    for block in &map.blocks {
        for reg in &block.regs {
            let key = format!("pub const {}: usize = ", reg.name);
            if driver.contains(&key) {
                assert_eq!(konst(&reg.name), reg.offset, "register {}", reg.name);
                checked += 1;
            }
        }
        if block.name == "core" {
            assert_eq!(konst("CORE_BASE"), block.base);
            assert_eq!(konst("CORE_STRIDE"), block.stride);
        }
    }
    assert!(
        checked >= 14,
        "only {checked} registers of the driver were found in the map"
    );
    let base = konst("BASE");
    assert!(
        config.contains(&format!("SYSCALL_FWD_BASE = {base:#X}").replace("0X", "0x")),
        "configs/baremetal.py has no SYSCALL_FWD_BASE = {base:#x} (the kernel driver's BASE)"
    );
}
