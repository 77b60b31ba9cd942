//! The LoadGenNic register map: the names the spec uses, and the checks that catch mistakes
//! (its generated files are checked by `tests/generated.rs`).

use coro_sched_regmap::{LOADGEN_NIC, RegMap, cpp_header};

#[test]
fn nic_map_is_valid_and_names_the_spec_registers() {
    let map = RegMap::load(&LOADGEN_NIC).unwrap();
    let h = cpp_header(&map);
    for want in [
        "constexpr uint64_t TX_PROD = 0x58;",
        "constexpr uint64_t COMPLETIONS = 0x78;",
        "constexpr uint64_t rxCons(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_CONS; }",
        "constexpr uint64_t FLOW_MODE = 0x28; // within one instance",
        "constexpr unsigned RX_WORD_DELIVERY_TICK = 5;",
        "constexpr uint64_t DEV_ID = 0x3143494e4e45474cULL;",
    ] {
        assert!(h.contains(want), "header has no `{want}`");
    }
    assert_eq!(u64::from_le_bytes(*b"LGENNIC1"), map.device.id);
}

#[test]
fn nic_validation_catches_mistakes() {
    let text = std::fs::read_to_string(LOADGEN_NIC.regmap_path()).unwrap();
    let bad = text.replacen(
        "name = \"DROPS\"\noffset = 0x70",
        "name = \"DROPS\"\noffset = 0x68",
        1,
    );
    assert!(
        RegMap::parse(&LOADGEN_NIC, &bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .contains("overlap")
    );
    let bad = text.replacen(
        "name = \"ARG1\"\nindex = 3",
        "name = \"ARG1\"\nindex = 8",
        1,
    );
    assert!(
        RegMap::parse(&LOADGEN_NIC, &bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .contains("past the slot")
    );
    let bad = text.replacen("flow1_source = 9", "flow1_source = 8", 1);
    assert!(
        RegMap::parse(&LOADGEN_NIC, &bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .contains("distinct")
    );
}
