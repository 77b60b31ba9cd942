//! The files generated from the LoadGenNic register map: the C++ header, the guest crate
//! `loadgen-nic-regs`, the tables of `docs/loadgen-nic.md` and `configs/loadgen_nic_system.py`.

use std::fmt::Write as _;

use crate::model::Enum;
use crate::nic_model::{NicMap, Word};
use crate::rust::rustfmt;
use crate::text::{hex, lower_camel, one_line, rust_ident, upper_snake, wrap};

/// Marker before the generated part of `docs/loadgen-nic.md`.
pub const NIC_MD_BEGIN: &str = "<!-- regmap:begin (generated from gem5-devices/loadgen_nic/regmap.toml; do not edit by hand) -->";
/// Marker after it (the same end marker as CoroSched's document).
pub const NIC_MD_END: &str = crate::markdown::MD_END;

const NOTE: &str = "Generated from gem5-devices/loadgen_nic/regmap.toml by the coro-sched-regmap crate. Do not edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.";

/// `gem5-devices/loadgen_nic/loadgen_nic_regs.hh`.
pub fn nic_cpp_header(map: &NicMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    s += &wrap(NOTE, "// ", 96);
    s += "//\n";
    s += &wrap(&one_line(&d.doc), "// ", 96);
    s += "\n#ifndef __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__\n#define __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__\n\n";
    s += "#include <cstdint>\n\nnamespace loadgen_nic\n{\nnamespace regs\n{\n\n";
    let _ = writeln!(s, "constexpr uint64_t DEV_ID = {}ULL;", hex(d.id));
    let _ = writeln!(s, "constexpr uint64_t DEV_VERSION = {};", d.version);
    let _ = writeln!(s, "constexpr uint64_t DEV_WINDOW_SIZE = {};", hex(d.window));
    let _ = writeln!(s, "constexpr unsigned DEV_NUM_FLOWS = {};", d.num_flows);
    let _ = writeln!(s, "constexpr uint64_t DEV_RX_SLOT = {};", d.rx_slot);
    let _ = writeln!(s, "constexpr uint64_t DEV_TX_SLOT = {};", d.tx_slot);
    let sys = &map.system;
    let _ = writeln!(s, "constexpr uint64_t SYS_BASE = {};", hex(sys.base));
    let _ = writeln!(
        s,
        "constexpr unsigned SYS_FLOW0_SOURCE = {};",
        sys.flow0_source
    );
    let _ = writeln!(
        s,
        "constexpr unsigned SYS_FLOW1_SOURCE = {};",
        sys.flow1_source
    );
    let _ = writeln!(
        s,
        "constexpr const char *SYS_RECORDS_FILE = \"{}\";\n",
        sys.records_file
    );
    s += "/** Access type of a register. */\nenum class Access : uint8_t { RO, WO, RW, W1C };\n\n";
    s += "/** One register of a block; offset is relative to the block instance. */\n";
    s += "struct RegInfo\n{\n    const char *name;\n    uint64_t offset;\n    Access access;\n};\n\n";
    for b in &map.blocks {
        let up = b.name.to_uppercase();
        let _ = writeln!(s, "// ---- block {}: {}", b.name, b.title);
        let _ = writeln!(s, "constexpr uint64_t {up}_BASE = {};", hex(b.base));
        let _ = writeln!(s, "constexpr uint64_t {up}_STRIDE = {};", hex(b.stride));
        let _ = writeln!(
            s,
            "constexpr unsigned {up}_COUNT = {};",
            b.max_count_fixed()
        );
        for r in &b.regs {
            s += &wrap(
                &format!(
                    "{} {}-bit. {}",
                    r.access.as_str(),
                    r.width,
                    one_line(&r.doc)
                ),
                "// ",
                96,
            );
            if b.is_single() {
                let _ = writeln!(
                    s,
                    "constexpr uint64_t {} = {};",
                    r.name,
                    hex(b.base + r.offset)
                );
            } else {
                let _ = writeln!(
                    s,
                    "constexpr uint64_t {} = {}; // within one instance",
                    r.name,
                    hex(r.offset)
                );
                let _ = writeln!(
                    s,
                    "constexpr uint64_t {}(unsigned i) {{ return {up}_BASE + i * {up}_STRIDE + {}; }}",
                    lower_camel(&r.name),
                    r.name
                );
            }
            for f in &r.fields {
                s += &wrap(&one_line(&f.doc), "// ", 96);
                let _ = writeln!(
                    s,
                    "constexpr uint64_t {}_{} = {}ULL;",
                    r.name,
                    f.name,
                    hex(f.mask())
                );
            }
        }
        let _ = writeln!(s, "inline constexpr RegInfo {up}_REGS[] = {{");
        for r in &b.regs {
            let _ = writeln!(
                s,
                "    {{\"{}\", {}, Access::{}}},",
                r.name,
                hex(r.offset),
                r.access.as_str()
            );
        }
        let _ = writeln!(
            s,
            "}};\nconstexpr unsigned {up}_NUM_REGS = {};\n",
            b.regs.len()
        );
    }
    for (prefix, words) in [("RX", &map.rx_words), ("TX", &map.tx_words)] {
        let _ = writeln!(s, "// ---- {prefix} slot words (64-bit word index)");
        for w in words {
            s += &wrap(&one_line(&w.doc), "// ", 96);
            let _ = writeln!(
                s,
                "constexpr unsigned {prefix}_WORD_{} = {};",
                w.name, w.index
            );
        }
        s += "\n";
    }
    for e in &map.enums {
        s += &cpp_enum(e);
    }
    s += "} // namespace regs\n} // namespace loadgen_nic\n\n#endif // __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__\n";
    s
}

fn cpp_enum(e: &Enum) -> String {
    let mut s = String::new();
    s += &wrap(&one_line(&e.doc), "// ", 96);
    let _ = writeln!(s, "enum class {} : uint64_t\n{{", e.name);
    for v in &e.values {
        s += &wrap(&one_line(&v.doc), "    // ", 96);
        let _ = writeln!(s, "    {} = {},", v.name, hex(v.value));
    }
    s += "};\n";
    let _ = writeln!(
        s,
        "inline const char *\n{}Name(uint64_t v)\n{{\n    switch (v) {{",
        lower_camel(&upper_snake(&e.name))
    );
    for v in &e.values {
        let _ = writeln!(s, "      case {}: return \"{}\";", hex(v.value), v.name);
    }
    s += "      default: return \"?\";\n    }\n}\n\n";
    s
}

/// `guest-os/loadgen-nic-regs/src/lib.rs`, formatted by rustfmt.
pub fn nic_rust_module(map: &NicMap) -> String {
    rustfmt(&nic_rust_unformatted(map)).unwrap_or_else(|e| panic!("{e}"))
}

fn nic_rust_unformatted(map: &NicMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    s += &wrap(NOTE, "// ", 100);
    s += "\n";
    s += "//! Register map of the LoadGenNic device (gem5 `LoadGenNic` SimObject): byte offsets from\n";
    s += "//! the device's MMIO base, field masks, descriptor layouts, enum values and error codes.\n//!\n";
    s += &wrap(&one_line(&d.doc), "//! ", 100);
    s += "//!\n//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or\n";
    s += "//! store. Any other access, an unknown offset, a read of a write-only or a write of a\n";
    s += "//! read-only register stops the simulation with a panic naming the register. The\n";
    s += "//! programming model is in `docs/loadgen-nic.md`.\n#![no_std]\n\n";
    let _ = writeln!(
        s,
        "/// Value of [`global::ID`].\npub const DEVICE_ID: u64 = {};",
        hex(d.id)
    );
    let _ = writeln!(
        s,
        "/// Value of [`global::VERSION`] this crate describes.\npub const DEVICE_VERSION: u64 = {};",
        d.version
    );
    let _ = writeln!(
        s,
        "/// Size of the MMIO window in bytes.\npub const WINDOW_SIZE: usize = {};",
        hex(d.window)
    );
    let _ = writeln!(
        s,
        "/// Number of flows.\npub const NUM_FLOWS: usize = {};",
        d.num_flows
    );
    let _ = writeln!(
        s,
        "/// Bytes per RX descriptor slot (one cache line, written whole by the device).\npub const RX_SLOT: usize = {};",
        d.rx_slot
    );
    let _ = writeln!(
        s,
        "/// Bytes per TX completion slot.\npub const TX_SLOT: usize = {};",
        d.tx_slot
    );
    s += "/// Descriptor id of END.\npub const END_ID: u64 = u64::MAX;\n";
    s += "/// `FLAGS` bit of a warm-up request.\npub const DESC_FLAG_WARMUP: u64 = 1;\n\n";
    for b in &map.blocks {
        s += &wrap(&format!("{}.", b.title), "/// ", 100);
        if b.is_single() {
            s += "///\n/// Constants are absolute offsets from the device base.\n";
        } else {
            s += "///\n/// Register constants are offsets within one instance; the functions give absolute\n/// offsets from the device base for instance `i`.\n";
        }
        let _ = writeln!(s, "pub mod {} {{", b.name);
        let _ = writeln!(
            s,
            "    /// Offset of the first instance.\n    pub const BASE: usize = {};",
            hex(b.base)
        );
        let _ = writeln!(
            s,
            "    /// Bytes between instances.\n    pub const STRIDE: usize = {};",
            hex(b.stride)
        );
        let _ = writeln!(
            s,
            "    /// Instances.\n    pub const COUNT: usize = {};",
            b.max_count_fixed()
        );
        for r in &b.regs {
            s += "\n";
            s += &wrap(
                &format!(
                    "{} {}-bit, reset {}. {}",
                    r.access.as_str(),
                    r.width,
                    r.reset,
                    one_line(&r.doc)
                ),
                "    /// ",
                100,
            );
            if let Some(e) = &r.r#enum {
                let _ = writeln!(
                    s,
                    "    ///\n    /// Values: [`crate::{}`].",
                    upper_snake(e).to_lowercase()
                );
            }
            let off = if b.is_single() {
                b.base + r.offset
            } else {
                r.offset
            };
            let _ = writeln!(s, "    pub const {}: usize = {};", r.name, hex(off));
            if !b.is_single() {
                let _ = writeln!(
                    s,
                    "    /// Absolute offset of [`{}`] in instance `i`.",
                    r.name
                );
                let _ = writeln!(
                    s,
                    "    pub const fn {}(i: usize) -> usize {{\n        BASE + i * STRIDE + {}\n    }}",
                    rust_ident(&r.name.to_lowercase()),
                    r.name
                );
            }
            for f in &r.fields {
                s += &wrap(
                    &format!("Field of `{}`: {}", r.name, one_line(&f.doc)),
                    "    /// ",
                    100,
                );
                let _ = writeln!(
                    s,
                    "    pub const {}_{}: u64 = {};",
                    r.name,
                    f.name,
                    hex(f.mask())
                );
            }
        }
        s += "}\n\n";
    }
    s += &rust_words(
        "rx_word",
        "The RX descriptor's 64-bit words (index into the slot as `[u64; 8]`).",
        &map.rx_words,
    );
    s += &rust_words(
        "tx_word",
        "The TX completion slot's 64-bit words (index into the slot as `[u64; 2]`).",
        &map.tx_words,
    );
    for e in &map.enums {
        s += &wrap(&one_line(&e.doc), "/// ", 100);
        let _ = writeln!(s, "pub mod {} {{", upper_snake(&e.name).to_lowercase());
        for v in &e.values {
            s += &wrap(&one_line(&v.doc), "    /// ", 100);
            let _ = writeln!(s, "    pub const {}: u64 = {};", v.name, hex(v.value));
        }
        let _ = writeln!(s, "    /// Every value with its name.");
        let _ = writeln!(
            s,
            "    pub const ALL: [(&str, u64); {}] = [",
            e.values.len()
        );
        for v in &e.values {
            let _ = writeln!(s, "        (\"{}\", {}),", v.name, hex(v.value));
        }
        s += "    ];\n";
        s += "    /// The name of a value, if it has one.\n    pub fn name(v: u64) -> Option<&'static str> {\n        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)\n    }\n}\n\n";
    }
    s += "/// `ERR_STATUS` bit of an error code.\npub const fn err_bit(code: u64) -> u64 {\n    1 << code\n}\n\n";
    let sys = &map.system;
    s += "/// Where the gem5 config (`configs/baremetal.py`) puts the device.\npub mod system {\n";
    let _ = writeln!(
        s,
        "    /// MMIO base of the device (on-chip, on the membus).\n    pub const BASE: u64 = {};",
        hex(sys.base)
    );
    let _ = writeln!(
        s,
        "    /// The SimObject's default access latency (`pio_latency`), in ns.\n    pub const DEFAULT_PIO_LATENCY_NS: u64 = {};",
        sys.default_pio_latency_ns
    );
    let _ = writeln!(
        s,
        "    /// CoroSched event source fired by flow 0's deliveries.\n    pub const FLOW0_SOURCE: usize = {};",
        sys.flow0_source
    );
    let _ = writeln!(
        s,
        "    /// CoroSched event source fired by flow 1's deliveries.\n    pub const FLOW1_SOURCE: usize = {};",
        sys.flow1_source
    );
    let _ = writeln!(
        s,
        "    /// The per-request records file in gem5's output directory.\n    pub const RECORDS_FILE: &str = \"{}\";",
        sys.records_file
    );
    s += "}\n";
    s
}

fn rust_words(module: &str, doc: &str, words: &[Word]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "/// {doc}\npub mod {module} {{");
    for w in words {
        s += &wrap(&one_line(&w.doc), "    /// ", 100);
        let _ = writeln!(s, "    pub const {}: usize = {};", w.name, w.index);
    }
    s += "}\n\n";
    s
}

fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// The generated part of `docs/loadgen-nic.md`.
pub fn nic_markdown_tables(map: &NicMap) -> String {
    let d = &map.device;
    let sys = &map.system;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Window {} bytes at {} (on-chip, membus); ID {} (\"LGENNIC1\"), VERSION {}; {} flows \
         (flow 0 fires CoroSched source {}, flow 1 source {}); RX slots are {} bytes, TX slots {} \
         bytes; records file `{}`. Every register is 64 bits wide and must be accessed with one \
         aligned 8-byte load or store.\n",
        hex(d.window),
        hex(sys.base),
        hex(d.id),
        d.version,
        d.num_flows,
        sys.flow0_source,
        sys.flow1_source,
        d.rx_slot,
        d.tx_slot,
        sys.records_file
    );
    for b in &map.blocks {
        let inst = if b.is_single() {
            format!("at {}", hex(b.base))
        } else {
            format!(
                "{} instances at {} + i × {}",
                b.max_count_fixed(),
                hex(b.base),
                hex(b.stride)
            )
        };
        let _ = writeln!(s, "#### {} (`{}`, {inst})\n", b.title, b.name);
        s += "| offset | register | access | reset | description |\n|---|---|---|---|---|\n";
        for r in &b.regs {
            let off = if b.is_single() {
                hex(b.base + r.offset)
            } else {
                format!("+{}", hex(r.offset))
            };
            let mut desc = cell(&r.doc);
            if let Some(e) = &r.r#enum {
                let _ = write!(desc, " Values: {e}.");
            }
            for f in &r.fields {
                let bits = if f.bits[0] == f.bits[1] {
                    format!("bit {}", f.bits[0])
                } else {
                    format!("bits {}:{}", f.bits[1], f.bits[0])
                };
                let _ = write!(desc, "<br>**{}** ({bits}): {}", f.name, cell(&f.doc));
            }
            let _ = writeln!(
                s,
                "| {off} | `{}` | {} | {} | {desc} |",
                r.name,
                r.access.as_str(),
                cell(&r.reset)
            );
        }
        s += "\n";
    }
    for (title, words) in [
        ("RX descriptor", &map.rx_words),
        ("TX completion slot", &map.tx_words),
    ] {
        let _ = writeln!(
            s,
            "#### {title}\n\n| word | name | meaning |\n|---|---|---|"
        );
        for w in words {
            let _ = writeln!(s, "| {} | `{}` | {} |", w.index, w.name, cell(&w.doc));
        }
        s += "\n";
    }
    for e in &map.enums {
        let _ = writeln!(s, "#### {}\n\n{}\n", e.name, cell(&e.doc));
        s += "| value | name | meaning |\n|---|---|---|\n";
        for v in &e.values {
            let _ = writeln!(s, "| {} | `{}` | {} |", hex(v.value), v.name, cell(&v.doc));
        }
        s += "\n";
    }
    s
}

/// `configs/loadgen_nic_system.py`.
pub fn nic_python_module(map: &NicMap) -> String {
    let sys = &map.system;
    let mut s = String::new();
    s += &wrap(NOTE, "# ", 100);
    s += "\"\"\"The LoadGenNic device's place in the system, for configs/baremetal.py.\"\"\"\n\n";
    let _ = writeln!(
        s,
        "# MMIO base (on-chip, on the membus).\nLOADGEN_BASE = {}",
        hex(sys.base)
    );
    let _ = writeln!(
        s,
        "# The SimObject's default access latency.\nLOADGEN_PIO_LATENCY = \"{}ns\"",
        sys.default_pio_latency_ns
    );
    let _ = writeln!(
        s,
        "# CoroSched event sources fired by each flow's deliveries.\nLOADGEN_SOURCES = ({}, {})",
        sys.flow0_source, sys.flow1_source
    );
    let _ = writeln!(
        s,
        "# The per-request records file in the output directory.\nLOADGEN_RECORDS_FILE = \"{}\"",
        sys.records_file
    );
    s
}
