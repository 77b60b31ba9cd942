//! The CoroSched register map, from one description to every place that needs it.
//!
//! `gem5-devices/coro_sched/regmap.toml` describes the device's registers once. This crate
//! loads and checks it ([`RegMap::load`], [`RegMap::validate`]) and generates:
//!
//! - [`cpp_header`]: `gem5-devices/coro_sched/coro_sched_regs.hh`, used by the device's plain
//!   C++ core and its gem5 wrapper;
//! - [`rust_module`]: `guest-os/coro-sched-regs/src/lib.rs`, the `no_std` constants the guest
//!   driver uses;
//! - [`markdown_tables`]: the register tables of `docs/coro-sched-device.md`, spliced between
//!   [`MD_BEGIN`] and [`MD_END`];
//! - [`python_module`]: `configs/coro_sched_system.py`, the device's place in the system (bases,
//!   SPI, samples file) for the gem5 config.
//!
//! Besides registers, `regmap.toml` is the one definition of the wake paths (`[[path]]`: the
//! C++ `Path`, the Rust `WakePath` that the kernel, `runconfig` and the driver use, and the
//! `WakeMode` values) and of the device's place in the system (`[system]`).
//!
//! The generated files are committed. The test `tests/generated.rs` fails when one is stale;
//! `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` rewrites them. [`outputs`] lists them.
//!
//! Files: [`model`] (the description and its checks), one generator per output ([`cpp`],
//! [`rust`], [`markdown`], [`python`]) and [`text`] (the helpers they share).

pub mod cpp;
pub mod fwd_map;
pub mod markdown;
pub mod model;
pub mod nic_gen;
pub mod nic_model;
pub mod python;
pub mod rust;
mod text;

use std::path::{Path, PathBuf};

pub use cpp::cpp_header;
pub use markdown::{MD_BEGIN, MD_END, markdown_tables};
pub use model::*;
pub use python::python_module;
pub use rust::rust_module;

use nic_model::NicMap;

/// Root of the Cargo workspace (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Path of `regmap.toml`.
pub fn regmap_path() -> PathBuf {
    workspace_root().join("gem5-devices/coro_sched/regmap.toml")
}

/// One generated file: where it goes (relative to the workspace root) and how it is made.
pub struct Output {
    pub path: &'static str,
    /// `Whole` files are generated completely; `Spliced` ones only between the markers.
    pub kind: OutputKind,
}

pub enum OutputKind {
    Whole(fn(&RegMap) -> String),
    Spliced(fn(&RegMap) -> String),
}

/// Every file generated from the register map.
pub fn outputs() -> Vec<Output> {
    vec![
        Output {
            path: "gem5-devices/coro_sched/coro_sched_regs.hh",
            kind: OutputKind::Whole(cpp_header),
        },
        Output {
            path: "guest-os/coro-sched-regs/src/lib.rs",
            kind: OutputKind::Whole(rust_module),
        },
        Output {
            path: "docs/coro-sched-device.md",
            kind: OutputKind::Spliced(markdown_tables),
        },
        Output {
            path: "configs/coro_sched_system.py",
            kind: OutputKind::Whole(python_module),
        },
    ]
}

/// One file generated from the LoadGenNic register map (`gem5-devices/loadgen_nic/regmap.toml`).
pub struct NicOutput {
    pub path: &'static str,
    /// The whole file, or (`spliced`) only the part between the NIC's Markdown markers.
    pub generate: fn(&NicMap) -> String,
    pub spliced: bool,
}

/// Every file generated from the LoadGenNic register map.
pub fn nic_outputs() -> Vec<NicOutput> {
    vec![
        NicOutput {
            path: "gem5-devices/loadgen_nic/loadgen_nic_regs.hh",
            generate: nic_gen::nic_cpp_header,
            spliced: false,
        },
        NicOutput {
            path: "guest-os/loadgen-nic-regs/src/lib.rs",
            generate: nic_gen::nic_rust_module,
            spliced: false,
        },
        NicOutput {
            path: "docs/loadgen-nic.md",
            generate: nic_gen::nic_markdown_tables,
            spliced: true,
        },
        NicOutput {
            path: "configs/loadgen_nic_system.py",
            generate: nic_gen::nic_python_module,
            spliced: false,
        },
    ]
}

/// What a file generated from the NIC's map should contain, given its current contents.
pub fn nic_expected_contents(
    map: &NicMap,
    out: &NicOutput,
    current: &str,
) -> Result<String, String> {
    let generated = (out.generate)(map);
    if !out.spliced {
        return Ok(generated);
    }
    splice_between(
        current,
        nic_gen::NIC_MD_BEGIN,
        nic_gen::NIC_MD_END,
        &generated,
    )
    .ok_or_else(|| {
        format!(
            "{}: markers `{}` … `{}` not found (in that order)",
            out.path,
            nic_gen::NIC_MD_BEGIN,
            nic_gen::NIC_MD_END
        )
    })
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

/// What a generated file should contain, given its current contents (for spliced files).
pub fn expected_contents(map: &RegMap, out: &Output, current: &str) -> Result<String, String> {
    match out.kind {
        OutputKind::Whole(f) => Ok(f(map)),
        OutputKind::Spliced(f) => splice(current, &f(map)).ok_or_else(|| {
            format!(
                "{}: markers `{MD_BEGIN}` … `{MD_END}` not found (in that order)",
                out.path
            )
        }),
    }
}

/// Replace the text between the markers (exclusive) with `generated`.
pub fn splice(doc: &str, generated: &str) -> Option<String> {
    let b = doc.find(MD_BEGIN)? + MD_BEGIN.len();
    let e = b + doc[b..].find(MD_END)?;
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
    fn the_register_map_is_valid() {
        RegMap::load().unwrap();
    }

    #[test]
    fn validation_catches_overlaps_and_bad_alignment() {
        let text = std::fs::read_to_string(regmap_path()).unwrap();
        let bad = text.replacen(
            "name = \"VERSION\"\noffset = 0x08",
            "name = \"VERSION\"\noffset = 0x00",
            1,
        );
        assert!(
            RegMap::parse(&bad)
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
            RegMap::parse(&bad)
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("aligned")
        );
        let bad = text.replacen("name = \"VERSION\"", "name = \"ID\"", 1);
        assert!(
            RegMap::parse(&bad)
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
        let doc = format!("head\n{MD_BEGIN}\nold\n{MD_END}\ntail\n");
        assert_eq!(
            splice(&doc, "new\n").unwrap(),
            format!("head\n{MD_BEGIN}\nnew\n{MD_END}\ntail\n")
        );
        assert!(splice("no markers", "x").is_none());
    }

    #[test]
    fn offsets_in_the_header_match_the_description() {
        let map = RegMap::load().unwrap();
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
        let map = RegMap::load().unwrap();
        let py =
            std::fs::read_to_string(workspace_root().join("gem5-devices/coro_sched/CoroSched.py"))
                .unwrap();
        let sys = &map.system;
        for want in [
            format!("\"{}\"", sys.samples_file),
            format!("Param.Latency(\"{}ns\"", sys.default_pio_latency_ns),
            format!("queue_depth = Param.Unsigned({},", sys.default_queue_depth),
            format!("{:#x}, \"MMIO window size", map.device.window),
        ] {
            assert!(py.contains(&want), "CoroSched.py has no `{want}`");
        }
    }
}
