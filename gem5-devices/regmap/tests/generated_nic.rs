//! The files generated from the LoadGenNic `regmap.toml` are committed; this test fails when
//! one is stale. `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` rewrites them instead.

use coro_sched_regmap::nic_model::NicMap;
use coro_sched_regmap::{nic_expected_contents, nic_outputs, workspace_root};

#[test]
fn nic_generated_files_are_up_to_date() {
    let map = NicMap::load().unwrap_or_else(|e| panic!("{e}"));
    let root = workspace_root();
    let bless = std::env::var_os("REGMAP_BLESS").is_some_and(|v| v != "0" && !v.is_empty());
    let mut stale = Vec::new();
    for out in nic_outputs() {
        let path = root.join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let want = nic_expected_contents(&map, &out, &current).unwrap_or_else(|e| panic!("{e}"));
        if current != want {
            if bless {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).unwrap();
                }
                std::fs::write(&path, want).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                eprintln!("regmap: rewrote {}", out.path);
            } else {
                stale.push(out.path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated from gem5-devices/loadgen_nic/regmap.toml but stale: {stale:?}; run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`"
    );
}

#[test]
fn nic_map_is_valid_and_names_the_spec_registers() {
    let map = NicMap::load().unwrap();
    let h = coro_sched_regmap::nic_gen::nic_cpp_header(&map);
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
    let text = std::fs::read_to_string(coro_sched_regmap::nic_model::nic_regmap_path()).unwrap();
    let bad = text.replacen(
        "name = \"DROPS\"\noffset = 0x70",
        "name = \"DROPS\"\noffset = 0x68",
        1,
    );
    assert!(
        NicMap::parse(&bad)
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
        NicMap::parse(&bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .contains("past the slot")
    );
    let bad = text.replacen("flow1_source = 9", "flow1_source = 8", 1);
    assert!(
        NicMap::parse(&bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .contains("distinct")
    );
}
