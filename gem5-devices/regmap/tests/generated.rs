//! The files generated from every device's `regmap.toml` are committed; this test fails when
//! one is stale.
//! `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` rewrites them instead.

use coro_sched_regmap::{DEVICES, RegMap, expected_contents, outputs, workspace_root};

#[test]
fn generated_files_are_up_to_date() {
    let root = workspace_root();
    let bless = std::env::var_os("REGMAP_BLESS").is_some_and(|v| v != "0" && !v.is_empty());
    let mut stale = Vec::new();
    for profile in DEVICES {
        let map = RegMap::load(profile).unwrap_or_else(|e| panic!("{e}"));
        stale.extend(check(&map, &root, bless));
    }
    assert!(
        stale.is_empty(),
        "generated from a regmap.toml but stale: {stale:?}; run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`"
    );
}

/// The device's stale outputs (rewritten instead when `bless`).
fn check(map: &RegMap, root: &std::path::Path, bless: bool) -> Vec<String> {
    let mut stale = Vec::new();
    for out in outputs(map.profile) {
        let path = root.join(&out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let want = expected_contents(map, &out, &current).unwrap_or_else(|e| panic!("{e}"));
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
    stale
}
