//! Register maps, from one description per device to every place that needs it.
//!
//! Each device's `gem5-devices/<device>/regmap.toml` describes its registers once, in the same
//! language for every device: `[device]` (id, version, window, doc and the device's own
//! constants), `[[block]]`s of `[[block.reg]]`s with `[[block.reg.field]]`s (a block repeats
//! `count` times, a number or `"num_cores"`), `[[enum]]`s, and where the device has them,
//! `[[path]]` (the wake paths), descriptor-word tables (`[[rx_word]]`, …) and `[system]` (its
//! place in the gem5 system, with `[[system.placement]]`s). This crate loads and checks one
//! ([`RegMap::load`], [`RegMap::validate`]) and generates, with the same code for every device:
//!
//! - [`cpp_header`]: `gem5-devices/<device>/<device>_regs.hh`, used by the device's plain C++
//!   core and its gem5 wrapper;
//! - [`rust_module`]: `guest-os/<device>-regs/src/lib.rs`, the `no_std` constants the guest
//!   driver uses;
//! - [`markdown_tables`]: the register tables of the device's document, spliced between its
//!   markers;
//! - [`python_module`]: `configs/<device>_system.py`, the device's place in the system for the
//!   gem5 config.
//!
//! What differs between devices and is not in the TOML is data in the device's [`Profile`]
//! (`devices.rs`): which device constants and system values it has, their C++/Rust names,
//! types, docs and checks; its descriptor-word tables; which outputs it has and their prose;
//! and three style choices of its header (how much it tabulates for the decoder, field shifts,
//! enum maxima) and whether enum values are written in hex. No generator names a device.
//!
//! The generated files are committed. `tests/generated.rs` fails when one is stale;
//! `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` rewrites them. [`outputs`] lists them.
//!
//! Files: [`model`] (the description), `validate.rs` (its checks), [`devices`] (the profiles),
//! one generator per output ([`cpp`], [`rust`], [`markdown`], [`python`]) and `text.rs` (the
//! helpers they share).
//!
//! # Adding a device
//!
//! 1. Write `gem5-devices/<device>/regmap.toml` in the language above.
//! 2. Add a `Profile` to `devices.rs` (copy the closest one): its `[device]` and `[system]`
//!    keys as [`Const`](devices::Const)s, word tables, header style, and `rust`, `markdown`,
//!    `python` set to `None` for the outputs it does not have. Add it to [`DEVICES`].
//! 3. Run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` to write its files (for a document,
//!    put the markers, [`Profile::md_begin`] and [`MD_END`], in it first), then
//!    `cargo test -p coro-sched-regmap` to check them; commit both.
//!
//! A new kind of content (not a new value) is a new field of the model and a new section of
//! each generator, rendered only when a map has it.

pub mod cpp;
pub mod devices;
pub mod markdown;
pub mod model;
pub mod python;
pub mod rust;
mod text;
mod validate;

use std::path::{Path, PathBuf};

pub use cpp::cpp_header;
pub use devices::{CORO_SCHED, DEVICES, LOADGEN_NIC, Profile, SYSCALL_FWD};
pub use markdown::{MD_END, markdown_tables};
pub use model::*;
pub use python::python_module;
pub use rust::rust_module;

/// Root of the Cargo workspace (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// One generated file: where it goes (relative to the workspace root) and how it is made.
pub struct Output {
    pub path: String,
    /// `Whole` files are generated completely; `Spliced` ones only between the markers.
    pub kind: OutputKind,
}

pub enum OutputKind {
    Whole(fn(&RegMap) -> String),
    /// Between the device's begin marker and [`MD_END`].
    Spliced(fn(&RegMap) -> String),
}

/// Every file generated from a device's register map.
pub fn outputs(profile: &Profile) -> Vec<Output> {
    let mut out = vec![Output {
        path: profile.header_rel(),
        kind: OutputKind::Whole(cpp_header),
    }];
    if profile.rust.is_some() {
        out.push(Output {
            path: profile.rust_rel(),
            kind: OutputKind::Whole(rust_module),
        });
    }
    if let Some(md) = &profile.markdown {
        out.push(Output {
            path: md.path.to_string(),
            kind: OutputKind::Spliced(markdown_tables),
        });
    }
    if profile.python.is_some() {
        out.push(Output {
            path: profile.python_rel(),
            kind: OutputKind::Whole(python_module),
        });
    }
    out
}

/// What a generated file should contain, given its current contents (for spliced files).
pub fn expected_contents(map: &RegMap, out: &Output, current: &str) -> Result<String, String> {
    match out.kind {
        OutputKind::Whole(f) => Ok(f(map)),
        OutputKind::Spliced(f) => {
            let begin = map.profile.md_begin();
            splice_between(current, &begin, MD_END, &f(map)).ok_or_else(|| {
                format!(
                    "{}: markers `{begin}` … `{MD_END}` not found (in that order)",
                    out.path
                )
            })
        }
    }
}

/// Replace the text between `begin` and `end` (exclusive) with `generated`.
pub fn splice_between(doc: &str, begin: &str, end: &str, generated: &str) -> Option<String> {
    let b = doc.find(begin)? + begin.len();
    let e = b + doc[b..].find(end)?;
    Some(format!(
        "{}\n{}\n{}",
        &doc[..b],
        generated.trim_end(),
        &doc[e..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{lower_camel, upper_snake};

    #[test]
    fn every_register_map_is_valid() {
        for profile in DEVICES {
            RegMap::load(profile).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn validation_catches_overlaps_and_bad_alignment() {
        let text = std::fs::read_to_string(CORO_SCHED.regmap_path()).unwrap();
        let bad = text.replacen(
            "name = \"VERSION\"\noffset = 0x08",
            "name = \"VERSION\"\noffset = 0x00",
            1,
        );
        assert!(
            RegMap::parse(&CORO_SCHED, &bad)
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("overlap")
        );
        let bad = text.replacen(
            "name = \"VERSION\"\noffset = 0x08",
            "name = \"VERSION\"\noffset = 0x0c",
            1,
        );
        assert!(
            RegMap::parse(&CORO_SCHED, &bad)
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("aligned")
        );
        let bad = text.replacen("name = \"VERSION\"", "name = \"ID\"", 1);
        assert!(
            RegMap::parse(&CORO_SCHED, &bad)
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("unique")
        );
    }

    #[test]
    fn names_convert() {
        assert_eq!(upper_snake("WakeMode"), "WAKE_MODE");
        assert_eq!(lower_camel("SRC_TASK"), "srcTask");
        assert_eq!(lower_camel("WAKE_MODE"), "wakeMode");
    }

    #[test]
    fn splice_replaces_only_between_markers() {
        let begin = CORO_SCHED.md_begin();
        let doc = format!("head\n{begin}\nold\n{MD_END}\ntail\n");
        assert_eq!(
            splice_between(&doc, &begin, MD_END, "new\n").unwrap(),
            format!("head\n{begin}\nnew\n{MD_END}\ntail\n")
        );
        assert!(splice_between("no markers", &begin, MD_END, "x").is_none());
    }

    #[test]
    fn offsets_in_the_header_match_the_description() {
        let map = RegMap::load(&CORO_SCHED).unwrap();
        let h = cpp_header(&map);
        assert!(h.contains("constexpr uint64_t EVT_PENDING = 0x48;"));
        assert!(h.contains("constexpr uint64_t GEN_SEED = 0x128;"));
        assert!(h.contains("constexpr uint64_t srcTask(unsigned i) { return SOURCE_BASE + i * SOURCE_STRIDE + SRC_TASK; }"));
        let r = rust_module(&map);
        assert!(r.contains("pub const POP: usize = 0x0;"));
        assert!(r.contains("pub const fn resume(i: usize) -> usize"));
    }

    /// CoroSched.py is compiled into gem5, so it keeps its own defaults; they must be the
    /// register map's.
    #[test]
    fn the_sim_object_defaults_are_the_register_maps() {
        let map = RegMap::load(&CORO_SCHED).unwrap();
        let py =
            std::fs::read_to_string(workspace_root().join("gem5-devices/coro_sched/CoroSched.py"))
                .unwrap();
        let number = |key| match map.value(key) {
            Some(Value::Number(n)) => n,
            v => panic!("system.{key} is {v:?}"),
        };
        let Some(Value::Text(samples_file)) = map.value("samples_file") else {
            panic!("system.samples_file is not text");
        };
        for want in [
            format!("\"{samples_file}\""),
            format!("Param.Latency(\"{}ns\"", number("default_pio_latency_ns")),
            format!(
                "queue_depth = Param.Unsigned({},",
                number("default_queue_depth")
            ),
            format!("{:#x}, \"MMIO window size", map.device.window),
        ] {
            assert!(py.contains(&want), "CoroSched.py has no `{want}`");
        }
    }

    /// What the profile declares is what the file must have: an unknown or missing constant,
    /// a table no profile knows, and a value failing its check are errors that name the key.
    #[test]
    fn the_profile_decides_which_constants_and_tables_a_map_has() {
        let text = std::fs::read_to_string(CORO_SCHED.regmap_path()).unwrap();
        let err = |text: &str| {
            RegMap::parse(&CORO_SCHED, text)
                .and_then(|m| m.validate())
                .unwrap_err()
        };
        let typo = text.replacen("ring_slot = 64", "ring_slots = 64", 1);
        assert!(err(&typo).contains("device.ring_slots: unknown key"));
        let missing = text.replacen("ring_slot = 64", "", 1);
        assert!(err(&missing).contains("device.ring_slot missing"));
        let bad = text.replacen("ring_slot = 64", "ring_slot = 48", 1);
        assert!(err(&bad).contains("device.ring_slot = 48: must be a power of two >= 8"));
        let spi = text.replacen("spi = 200", "spi = 20", 1);
        assert!(err(&spi).contains("system.spi = 20"));
        let table = format!("{text}\n[[rx_word]]\nname = \"ID\"\nindex = 0\ndoc = \"x\"\n");
        assert!(err(&table).contains("unknown table `rx_word`"));
        let file = text.replacen("samples_file = \"", "samples_file = \"out/", 1);
        assert!(err(&file).contains("plain file name"));
    }

    #[test]
    fn templates_take_values_from_the_map() {
        let map = RegMap::load(&CORO_SCHED).unwrap();
        let names: Vec<String> = map
            .paths
            .iter()
            .map(|p| format!("\"{}\"", p.name))
            .collect();
        assert!(names.len() >= 2);
        assert_eq!(
            text::fill("{window:x} {num_sources} {name} {path_names}", &map),
            format!(
                "{:#x} {} CoroSched ({})",
                map.device.window,
                map.device.params["num_sources"],
                names.join(", ")
            )
        );
    }

    /// Each device gets the outputs its profile has, at the paths its name gives.
    #[test]
    fn outputs_follow_the_profiles() {
        let paths = |p| outputs(p).into_iter().map(|o| o.path).collect::<Vec<_>>();
        assert_eq!(
            paths(&SYSCALL_FWD),
            ["gem5-devices/syscall_fwd/syscall_fwd_regs.hh"]
        );
        assert_eq!(
            paths(&LOADGEN_NIC),
            [
                "gem5-devices/loadgen_nic/loadgen_nic_regs.hh",
                "guest-os/loadgen-nic-regs/src/lib.rs",
                "docs/loadgen-nic.md",
                "configs/loadgen_nic_system.py",
            ]
        );
        assert_eq!(outputs(&CORO_SCHED).len(), 4);
    }

    /// A profile's block counts and word slots refer to device constants it declares.
    #[test]
    fn profiles_refer_only_to_their_own_constants() {
        for p in DEVICES {
            let declared = |key: &str| p.device_consts.iter().any(|c| c.key == key);
            for (block, key) in p.block_counts {
                assert!(declared(key), "{}: block {block} counts by `{key}`", p.name);
            }
            for w in p.words {
                assert!(declared(w.slot_param), "{}: [[{}]] slot", p.name, w.key);
            }
        }
    }
}
