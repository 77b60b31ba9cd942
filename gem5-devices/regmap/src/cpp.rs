//! The C++ header shared by a device's plain core and its gem5 wrapper (no gem5 headers).

use std::fmt::Write as _;

use crate::devices::{Const, CppTables, CppType};
use crate::model::{Count, RegMap, Value};
use crate::text::{hex, lower_camel, one_line, upper_snake, wrap};

/// `gem5-devices/<name>/<name>_regs.hh`.
pub fn cpp_header(map: &RegMap) -> String {
    let p = map.profile;
    let d = &map.device;
    let ns = p.name;
    let guard = format!("__{0}_{0}_REGS_HH__", ns.to_uppercase());
    let mut s = String::new();
    s += &wrap(&p.generated_note(), "// ", 96);
    s += "//\n";
    s += &wrap(&one_line(&d.doc), "// ", 96);
    let _ = write!(s, "\n#ifndef {guard}\n#define {guard}\n\n");
    let _ = write!(
        s,
        "#include <cstdint>\n\nnamespace {ns}\n{{\nnamespace regs\n{{\n\n"
    );
    let _ = writeln!(s, "constexpr uint64_t DEV_ID = {}ULL;", hex(d.id));
    let _ = writeln!(s, "constexpr uint64_t DEV_VERSION = {};", d.version);
    let _ = writeln!(s, "constexpr uint64_t DEV_WINDOW_SIZE = {};", hex(d.window));
    for c in p.device_consts.iter().chain(p.system_consts) {
        s += &constant(map, c);
    }
    s += "\n";
    s += &table_types(p.cpp.tables);
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
                if p.cpp.field_shifts {
                    let _ = writeln!(
                        s,
                        "constexpr unsigned {}_{}_SHIFT = {};",
                        r.name,
                        f.name,
                        f.lsb()
                    );
                }
            }
        }
        if p.cpp.tables == CppTables::None {
            s += "\n";
            continue;
        }
        let with_width = p.cpp.tables == CppTables::WithBlockIndex;
        let _ = writeln!(s, "inline constexpr RegInfo {up}_REGS[] = {{");
        for r in &b.regs {
            let width = if with_width {
                format!(" {},", r.width)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "    {{\"{}\", {},{width} Access::{}}},",
                r.name,
                hex(r.offset),
                r.access.as_str()
            );
        }
        if with_width {
            s += "};\n\n";
        } else {
            let _ = writeln!(
                s,
                "}};\nconstexpr unsigned {up}_NUM_REGS = {};\n",
                b.regs.len()
            );
        }
    }
    if p.cpp.tables == CppTables::WithBlockIndex {
        s += &block_index(map);
    }
    for table in p.words {
        let prefix = table.cpp_prefix;
        let _ = writeln!(s, "// ---- {prefix} slot words (64-bit word index)");
        for w in &map.words[table.key] {
            s += &wrap(&one_line(&w.doc), "// ", 96);
            let _ = writeln!(
                s,
                "constexpr unsigned {prefix}_WORD_{} = {};",
                w.name, w.index
            );
        }
        s += "\n";
    }
    s += &enums(map);
    if !map.paths.is_empty() {
        s += &wake_paths(map);
    }
    let _ = write!(
        s,
        "}} // namespace regs\n}} // namespace {ns}\n\n#endif // {guard}\n"
    );
    s
}

/// One device constant or system value.
fn constant(map: &RegMap, c: &Const) -> String {
    let Some((name, ty)) = c.cpp else {
        return String::new();
    };
    let v = match map.value(c.key) {
        Some(Value::Number(n)) if c.hex => hex(n),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Text(t)) => format!("\"{t}\""),
        None => unreachable!("validated: {} is present", c.key),
    };
    match ty {
        CppType::U64 => format!("constexpr uint64_t {name} = {v};\n"),
        CppType::Unsigned => format!("constexpr unsigned {name} = {v};\n"),
        CppType::Str => format!("constexpr const char *{name} = {v};\n"),
    }
}

/// `Access`, `RegInfo` and `BlockInfo`, as far as the header tabulates the map.
fn table_types(tables: CppTables) -> String {
    let mut s = String::new();
    if tables == CppTables::None {
        return s;
    }
    s += "/** Access type of a register. */\nenum class Access : uint8_t { RO, WO, RW, W1C };\n\n";
    s += "/** One register of a block; offset is relative to the block instance. */\n";
    s += "struct RegInfo\n{\n    const char *name;\n    uint64_t offset;\n";
    if tables == CppTables::WithBlockIndex {
        s += "    unsigned width; // bits\n";
    }
    s += "    Access access;\n};\n\n";
    if tables == CppTables::WithBlockIndex {
        s += "/** A block of registers, repeated count times every stride bytes from base. */\n";
        s += "struct BlockInfo\n{\n    const char *name;\n    uint64_t base;\n    uint64_t stride;\n";
        s += "    unsigned count; // instances the map has room for\n";
        s += "    bool perCore;   // true: only num_cores instances exist\n";
        s += "    const RegInfo *regs;\n    unsigned numRegs;\n};\n\n";
    }
    s
}

/// `BLOCKS[]` and `NUM_BLOCKS`.
fn block_index(map: &RegMap) -> String {
    let mut s = String::from("inline constexpr BlockInfo BLOCKS[] = {\n");
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
    s
}

/// Each enum as an `enum class`, its `<ENUM>_MAX` if the device has them, and `<enum>Name`.
fn enums(map: &RegMap) -> String {
    let p = map.profile;
    let val = |v: u64| {
        if p.hex_enum_values {
            hex(v)
        } else {
            v.to_string()
        }
    };
    let mut s = String::new();
    for e in &map.enums {
        s += &wrap(&one_line(&e.doc), "// ", 96);
        let _ = writeln!(s, "enum class {} : uint64_t\n{{", e.name);
        for v in &e.values {
            s += &wrap(&one_line(&v.doc), "    // ", 96);
            let _ = writeln!(s, "    {} = {},", v.name, val(v.value));
        }
        s += "};\n";
        if p.cpp.enum_max {
            let max = e.values.iter().map(|v| v.value).max().unwrap_or(0);
            let _ = writeln!(
                s,
                "constexpr uint64_t {}_MAX = {};",
                upper_snake(&e.name),
                val(max)
            );
        }
        let _ = writeln!(
            s,
            "inline const char *\n{}Name(uint64_t v)\n{{\n    switch (v) {{",
            lower_camel(&upper_snake(&e.name))
        );
        for v in &e.values {
            let _ = writeln!(s, "      case {}: return \"{}\";", val(v.value), v.name);
        }
        s += "      default: return \"?\";\n    }\n}\n\n";
    }
    s
}

/// `enum class Path`, `NUM_PATHS` and `pathName`: the wake paths as the core records them.
fn wake_paths(map: &RegMap) -> String {
    let mut s = String::new();
    s += "/** How one wake was delivered: the path of a latency sample. The first ones are the\n";
    s += " *  WakeMode values with the same numbers. */\nenum class Path : uint8_t\n{\n";
    for p in &map.paths {
        s += &wrap(&one_line(&p.doc), "    // ", 96);
        let _ = writeln!(s, "    {} = {},", p.variant(), p.code);
    }
    s += "};\n";
    let _ = writeln!(s, "constexpr unsigned NUM_PATHS = {};", map.paths.len());
    let names: Vec<String> = map
        .paths
        .iter()
        .map(|p| format!("\"{}\"", p.name))
        .collect();
    s += &wrap(
        &format!(
            "The path's name in the samples file and the stats: {}.",
            names.join(", ")
        ),
        "// ",
        96,
    );
    s += "inline const char *\npathName(Path p)\n{\n    switch (p) {\n";
    for p in &map.paths {
        let _ = writeln!(
            s,
            "      case Path::{}: return \"{}\";",
            p.variant(),
            p.name
        );
    }
    s += "    }\n    return \"?\";\n}\n\n";
    s
}
