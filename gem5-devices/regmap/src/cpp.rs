//! The C++ header shared by the device's plain core and its gem5 wrapper.

use std::fmt::Write as _;

use crate::model::{Count, RegMap};
use crate::text::{GENERATED_NOTE, hex, lower_camel, one_line, upper_snake, wrap};

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
    s += &wake_paths(map);
    s += "} // namespace regs\n} // namespace coro_sched\n\n#endif // __CORO_SCHED_CORO_SCHED_REGS_HH__\n";
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
