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
//!   [`MD_BEGIN`] and [`MD_END`].
//!
//! The generated files are committed. The test `tests/generated.rs` fails when one is stale;
//! `REGMAP_BLESS=1 cargo test -p coro-sched-regmap` rewrites them. [`outputs`] lists them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Marker before the generated part of the Markdown document.
pub const MD_BEGIN: &str = "<!-- regmap:begin (generated from gem5-devices/coro_sched/regmap.toml; do not edit by hand) -->";
/// Marker after the generated part of the Markdown document.
pub const MD_END: &str = "<!-- regmap:end -->";

/// The whole description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegMap {
    pub device: Device,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
    #[serde(rename = "enum")]
    pub enums: Vec<Enum>,
}

/// Device-wide constants.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub name: String,
    pub id: u64,
    pub version: u64,
    pub window: u64,
    pub num_sources: u64,
    pub max_cores: u64,
    pub task_align: u64,
    pub ring_slot: u64,
    pub doc: String,
}

/// How many instances of a block exist.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum Count {
    Fixed(u64),
    /// `"num_cores"`: one per core, up to `device.max_cores`.
    Named(String),
}

/// A group of registers, possibly repeated (per source, per core).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub name: String,
    pub title: String,
    pub base: u64,
    pub stride: u64,
    pub count: Count,
    #[serde(rename = "reg")]
    pub regs: Vec<Reg>,
}

/// Access type of a register.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    RO,
    WO,
    RW,
    W1C,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::RO => "RO",
            Access::WO => "WO",
            Access::RW => "RW",
            Access::W1C => "W1C",
        }
    }
}

/// One register.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reg {
    pub name: String,
    pub offset: u64,
    pub access: Access,
    pub width: u32,
    pub reset: String,
    pub doc: String,
    #[serde(default)]
    pub r#enum: Option<String>,
    #[serde(default, rename = "field")]
    pub fields: Vec<Field>,
}

/// A bit field of a register: `bits = [lsb, msb]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub bits: [u32; 2],
    pub doc: String,
}

/// A named set of values (register values, error codes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enum {
    pub name: String,
    pub doc: String,
    #[serde(rename = "value")]
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub name: String,
    pub value: u64,
    pub doc: String,
}

impl Block {
    /// Number of instances the register map has room for.
    pub fn max_count(&self, dev: &Device) -> u64 {
        match &self.count {
            Count::Fixed(n) => *n,
            Count::Named(_) => dev.max_cores,
        }
    }

    /// True for a block with one instance (its offsets are absolute).
    pub fn is_single(&self) -> bool {
        self.count == Count::Fixed(1)
    }
}

impl Field {
    pub fn lsb(&self) -> u32 {
        self.bits[0]
    }
    pub fn width(&self) -> u32 {
        self.bits[1] - self.bits[0] + 1
    }
    pub fn mask(&self) -> u64 {
        let ones = if self.width() == 64 {
            u64::MAX
        } else {
            (1u64 << self.width()) - 1
        };
        ones << self.lsb()
    }
}

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
    ]
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

impl RegMap {
    /// Parse a description (does not validate).
    pub fn parse(text: &str) -> Result<RegMap, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Read, parse and validate `regmap.toml`.
    pub fn load() -> Result<RegMap, String> {
        let path = regmap_path();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map = RegMap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        map.validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(map)
    }

    pub fn enum_by_name(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Check the description for mistakes a generator would silently copy.
    pub fn validate(&self) -> Result<(), String> {
        let d = &self.device;
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !d.ring_slot.is_power_of_two() || d.ring_slot < 8 {
            return Err("device.ring_slot must be a power of two >= 8".into());
        }
        if !d.task_align.is_power_of_two() {
            return Err("device.task_align must be a power of two".into());
        }
        if d.num_sources == 0 || d.num_sources > 64 {
            return Err(
                "device.num_sources must be 1..=64 (EVT_PENDING is one 64-bit register)".into(),
            );
        }
        let mut names = BTreeSet::new();
        let mut extents: Vec<(u64, u64, &str)> = Vec::new();
        for b in &self.blocks {
            if !ident(&b.name) || !names.insert(b.name.to_uppercase()) {
                return Err(format!(
                    "block name `{}` is not a unique identifier",
                    b.name
                ));
            }
            match &b.count {
                Count::Fixed(0) => return Err(format!("block {}: count 0", b.name)),
                Count::Fixed(_) => {}
                Count::Named(n) if n == "num_cores" => {}
                Count::Named(n) => return Err(format!("block {}: unknown count `{n}`", b.name)),
            }
            if b.name == "source" && b.count != Count::Fixed(d.num_sources) {
                return Err("block source must have count = device.num_sources".into());
            }
            if b.stride == 0 || b.base % 8 != 0 || b.stride % 8 != 0 {
                return Err(format!(
                    "block {}: base and stride must be non-zero multiples of 8",
                    b.name
                ));
            }
            let end = b.base + b.stride * b.max_count(d);
            if end > d.window {
                return Err(format!(
                    "block {} ends at {end:#x}, past the window {:#x}",
                    b.name, d.window
                ));
            }
            extents.push((b.base, end, &b.name));
            let mut offs: Vec<(u64, u64, &str)> = Vec::new();
            for r in &b.regs {
                if !ident(&r.name) || !names.insert(r.name.clone()) {
                    return Err(format!(
                        "register name `{}` is not a unique identifier",
                        r.name
                    ));
                }
                if r.width != 64 && r.width != 32 {
                    return Err(format!("{}: width must be 32 or 64", r.name));
                }
                let bytes = u64::from(r.width / 8);
                if r.offset % bytes != 0 {
                    return Err(format!(
                        "{}: offset {:#x} not aligned to its width",
                        r.name, r.offset
                    ));
                }
                if r.offset + bytes > b.stride {
                    return Err(format!(
                        "{}: offset {:#x} outside its block instance",
                        r.name, r.offset
                    ));
                }
                offs.push((r.offset, r.offset + bytes, &r.name));
                if let Some(e) = &r.r#enum
                    && self.enum_by_name(e).is_none()
                {
                    return Err(format!("{}: unknown enum {e}", r.name));
                }
                if r.doc.trim().is_empty() {
                    return Err(format!("{}: empty doc", r.name));
                }
                let mut used = 0u64;
                for f in &r.fields {
                    if !ident(&f.name) || f.bits[0] > f.bits[1] || f.bits[1] >= r.width {
                        return Err(format!("{}.{}: bad field", r.name, f.name));
                    }
                    if used & f.mask() != 0 {
                        return Err(format!("{}.{}: overlaps another field", r.name, f.name));
                    }
                    used |= f.mask();
                }
            }
            overlap_check(&mut offs).map_err(|e| format!("block {}: {e}", b.name))?;
        }
        overlap_check(&mut extents).map_err(|e| format!("blocks: {e}"))?;
        let mut enames = BTreeSet::new();
        for e in &self.enums {
            if !ident(&e.name) || !enames.insert(e.name.clone()) {
                return Err(format!("enum name `{}` is not a unique identifier", e.name));
            }
            let mut vals = BTreeSet::new();
            let mut vnames = BTreeSet::new();
            for v in &e.values {
                if !ident(&v.name) || !vnames.insert(&v.name) || !vals.insert(v.value) {
                    return Err(format!("enum {}: value {} is not unique", e.name, v.name));
                }
            }
        }
        let errs = self
            .enum_by_name("ErrorCode")
            .ok_or("enum ErrorCode missing")?;
        if errs.values.iter().any(|v| v.value >= 64) {
            return Err("ErrorCode values are bit numbers of ERR_STATUS: must be < 64".into());
        }
        for required in ["global", "generator", "source", "percore"] {
            if self.block(required).is_none() {
                return Err(format!("block {required} missing"));
            }
        }
        Ok(())
    }
}

fn overlap_check(ranges: &mut [(u64, u64, &str)]) -> Result<(), String> {
    ranges.sort();
    for w in ranges.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(format!("{} and {} overlap", w[0].2, w[1].2));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Text helpers

/// `WakeMode` → `WAKE_MODE`, `ErrorCode` → `ERROR_CODE`.
fn upper_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `SRC_TASK` → `srcTask`.
fn lower_camel(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('_').enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut cs = lower.chars();
            if let Some(f) = cs.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(cs);
            }
        }
    }
    out
}

/// A Rust identifier for `s` (raw if `s` is a keyword).
fn rust_ident(s: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
        "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
        "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
        "virtual", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&s) {
        format!("r#{s}")
    } else {
        s.to_string()
    }
}

/// Collapse whitespace (the TOML docs may span lines).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Word-wrap `text` into comment lines with `prefix`, at most `width` columns.
fn wrap(text: &str, prefix: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(prefix);
    for word in text.split_whitespace() {
        if line.len() > prefix.len() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(prefix);
        }
        if line.len() > prefix.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

const GENERATED_NOTE: &str = "Generated from gem5-devices/coro_sched/regmap.toml by the coro-sched-regmap crate. Do not edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.";

// ------------------------------------------------------------------------------------------
// C++

/// The C++ header shared by the plain core and the gem5 wrapper (no gem5 headers).
pub fn cpp_header(map: &RegMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    s += &wrap(GENERATED_NOTE, "// ", 96);
    s += "//\n";
    s += &wrap(&one_line(&d.doc), "// ", 96);
    s += "\n#ifndef __CORO_SCHED_CORO_SCHED_REGS_HH__\n#define __CORO_SCHED_CORO_SCHED_REGS_HH__\n\n";
    s += "#include <cstdint>\n\nnamespace coro_sched\n{\nnamespace regs\n{\n\n";
    let _ = writeln!(s, "constexpr uint64_t DEV_ID = {}ULL;", hex(d.id));
    let _ = writeln!(s, "constexpr uint64_t DEV_VERSION = {};", d.version);
    let _ = writeln!(s, "constexpr uint64_t DEV_WINDOW_SIZE = {};", hex(d.window));
    let _ = writeln!(s, "constexpr unsigned DEV_NUM_SOURCES = {};", d.num_sources);
    let _ = writeln!(s, "constexpr unsigned DEV_MAX_CORES = {};", d.max_cores);
    let _ = writeln!(s, "constexpr uint64_t DEV_TASK_ALIGN = {};", d.task_align);
    let _ = writeln!(s, "constexpr uint64_t DEV_RING_SLOT = {};", d.ring_slot);
    s +=
        "\n/** Access type of a register. */\nenum class Access : uint8_t { RO, WO, RW, W1C };\n\n";
    s += "/** One register of a block; offset is relative to the block instance. */\n";
    s += "struct RegInfo\n{\n    const char *name;\n    uint64_t offset;\n    unsigned width; // bits\n    Access access;\n};\n\n";
    s += "/** A block of registers, repeated count times every stride bytes from base. */\n";
    s += "struct BlockInfo\n{\n    const char *name;\n    uint64_t base;\n    uint64_t stride;\n";
    s += "    unsigned count; // instances the map has room for\n";
    s += "    bool perCore;   // true: only num_cores instances exist\n";
    s += "    const RegInfo *regs;\n    unsigned numRegs;\n};\n\n";

    for b in &map.blocks {
        let up = b.name.to_uppercase();
        let _ = writeln!(s, "// ---- block {}: {}", b.name, b.title);
        let _ = writeln!(s, "constexpr uint64_t {up}_BASE = {};", hex(b.base));
        let _ = writeln!(s, "constexpr uint64_t {up}_STRIDE = {};", hex(b.stride));
        let _ = writeln!(
            s,
            "constexpr unsigned {up}_COUNT = {};",
            b.max_count(&map.device)
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
                let _ = writeln!(
                    s,
                    "constexpr unsigned {}_{}_SHIFT = {};",
                    r.name,
                    f.name,
                    f.lsb()
                );
            }
        }
        let _ = writeln!(s, "inline constexpr RegInfo {up}_REGS[] = {{");
        for r in &b.regs {
            let _ = writeln!(
                s,
                "    {{\"{}\", {}, {}, Access::{}}},",
                r.name,
                hex(r.offset),
                r.width,
                r.access.as_str()
            );
        }
        s += "};\n\n";
    }
    s += "inline constexpr BlockInfo BLOCKS[] = {\n";
    for b in &map.blocks {
        let up = b.name.to_uppercase();
        let _ = writeln!(
            s,
            "    {{\"{}\", {up}_BASE, {up}_STRIDE, {up}_COUNT, {}, {up}_REGS, {}}},",
            b.name,
            matches!(b.count, Count::Named(_)),
            b.regs.len()
        );
    }
    s += "};\n";
    let _ = writeln!(s, "constexpr unsigned NUM_BLOCKS = {};\n", map.blocks.len());
    for e in &map.enums {
        s += &wrap(&one_line(&e.doc), "// ", 96);
        let _ = writeln!(s, "enum class {} : uint64_t\n{{", e.name);
        for v in &e.values {
            s += &wrap(&one_line(&v.doc), "    // ", 96);
            let _ = writeln!(s, "    {} = {},", v.name, v.value);
        }
        s += "};\n";
        let max = e.values.iter().map(|v| v.value).max().unwrap_or(0);
        let _ = writeln!(
            s,
            "constexpr uint64_t {}_MAX = {max};",
            upper_snake(&e.name)
        );
        let _ = writeln!(
            s,
            "inline const char *\n{}Name(uint64_t v)\n{{\n    switch (v) {{",
            lower_camel(&upper_snake(&e.name))
        );
        for v in &e.values {
            let _ = writeln!(s, "      case {}: return \"{}\";", v.value, v.name);
        }
        s += "      default: return \"?\";\n    }\n}\n\n";
    }
    s += "} // namespace regs\n} // namespace coro_sched\n\n#endif // __CORO_SCHED_CORO_SCHED_REGS_HH__\n";
    s
}

// ------------------------------------------------------------------------------------------
// Rust (guest)

/// The guest crate `coro-sched-regs` (its whole `src/lib.rs`).
pub fn rust_module(map: &RegMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    s += &wrap(GENERATED_NOTE, "// ", 100);
    s += "\n";
    s += "//! Register map of the CoroSched device (gem5 `CoroSched` SimObject): byte offsets from\n";
    s += "//! the device's MMIO base, field masks, enum values and error codes.\n//!\n";
    s += &wrap(&one_line(&d.doc), "//! ", 100);
    s += "//!\n//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or\n";
    s += "//! store (`read_volatile`/`write_volatile` of a `u64`). Any other size, an unknown offset, a\n";
    s += "//! read of a write-only or a write of a read-only register stops the simulation with a panic\n";
    s += "//! naming the register. The programming model is in `docs/coro-sched-device.md`.\n";
    s += "#![no_std]\n\n";
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
        "/// Number of event sources (binding-table slots).\npub const NUM_SOURCES: usize = {};",
        d.num_sources
    );
    let _ = writeln!(
        s,
        "/// Largest number of per-core banks.\npub const MAX_CORES: usize = {};",
        d.max_cores
    );
    let _ = writeln!(
        s,
        "/// Task pointers written to `SRC_TASK` must be multiples of this.\npub const TASK_ALIGN: u64 = {};",
        d.task_align
    );
    let _ = writeln!(
        s,
        "/// Bytes per ready-ring slot (one cache line; the task pointer is its first 8 bytes).\npub const RING_SLOT: usize = {};\n",
        d.ring_slot
    );
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
            "    /// Instances the map has room for.\n    pub const COUNT: usize = {};",
            b.max_count(d)
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
    for e in &map.enums {
        s += &wrap(&one_line(&e.doc), "/// ", 100);
        let _ = writeln!(s, "pub mod {} {{", upper_snake(&e.name).to_lowercase());
        for v in &e.values {
            s += &wrap(&one_line(&v.doc), "    /// ", 100);
            let _ = writeln!(s, "    pub const {}: u64 = {};", v.name, v.value);
        }
        let _ = writeln!(s, "    /// Every value with its name.");
        // Laid out as rustfmt lays it out: on one line when that fits in 100 columns.
        let items: Vec<String> = e
            .values
            .iter()
            .map(|v| format!("(\"{}\", {})", v.name, v.value))
            .collect();
        let head = format!("    pub const ALL: [(&str, u64); {}] = [", e.values.len());
        let one_line = format!("{head}{}];", items.join(", "));
        if one_line.len() <= 100 {
            let _ = writeln!(s, "{one_line}");
        } else {
            let _ = writeln!(s, "{head}");
            for item in &items {
                let _ = writeln!(s, "        {item},");
            }
            s += "    ];\n";
        }
        let _ = writeln!(
            s,
            "    /// The name of a value, if it has one.\n    pub fn name(v: u64) -> Option<&'static str> {{\n        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)\n    }}"
        );
        s += "}\n\n";
    }
    s += "/// `ERR_STATUS` bit of an error code.\npub const fn err_bit(code: u64) -> u64 {\n    1 << code\n}\n";
    s
}

// ------------------------------------------------------------------------------------------
// Markdown

/// Escape `|` for a table cell.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// The register tables (the generated part of `docs/coro-sched-device.md`).
pub fn markdown_tables(map: &RegMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Window {} bytes; ID {} (\"COROSCHD\"), VERSION {}; {} sources; up to {} cores; task \
         pointers must be multiples of {}; ready-ring slots are {} bytes. Every register is 64 \
         bits wide and must be accessed with one aligned 8-byte load or store.\n",
        hex(d.window),
        hex(d.id),
        d.version,
        d.num_sources,
        d.max_cores,
        d.task_align,
        d.ring_slot
    );
    for b in &map.blocks {
        let inst = match &b.count {
            Count::Fixed(1) => format!("at {}", hex(b.base)),
            Count::Fixed(n) => format!("{n} instances at {} + i × {}", hex(b.base), hex(b.stride)),
            Count::Named(n) => format!(
                "`{n}` instances (≤ {}) at {} + i × {}",
                d.max_cores,
                hex(b.base),
                hex(b.stride)
            ),
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
    for e in &map.enums {
        let _ = writeln!(s, "#### {}\n\n{}\n", e.name, cell(&e.doc));
        s += "| value | name | meaning |\n|---|---|---|\n";
        for v in &e.values {
            let _ = writeln!(s, "| {} | `{}` | {} |", v.value, v.name, cell(&v.doc));
        }
        s += "\n";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
