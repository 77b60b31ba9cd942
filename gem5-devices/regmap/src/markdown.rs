//! The register tables of a device's document, spliced between its markers.

use std::fmt::Write as _;

use crate::model::{Count, RegMap};
use crate::text::{fill, hex, one_line};

/// Marker after the generated part of a device's document (the same for every device; the
/// begin marker names the device's `regmap.toml`: [`Profile::md_begin`](crate::devices::Profile::md_begin)).
pub const MD_END: &str = "<!-- regmap:end -->";

/// Escape `|` for a table cell.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// The register tables (the generated part of the device's document). Only for a device whose
/// profile has a document.
pub fn markdown_tables(map: &RegMap) -> String {
    let p = map.profile;
    let style = p
        .markdown
        .as_ref()
        .unwrap_or_else(|| panic!("the {} profile has no document", p.name));
    let d = &map.device;
    let val = |v: u64| {
        if p.hex_enum_values {
            hex(v)
        } else {
            v.to_string()
        }
    };
    let mut s = fill(style.intro, map);
    for b in &map.blocks {
        let inst = match &b.count {
            Count::Fixed(1) => format!("at {}", hex(b.base)),
            Count::Fixed(n) => format!("{n} instances at {} + i × {}", hex(b.base), hex(b.stride)),
            Count::Named(n) => format!(
                "`{n}` instances (≤ {}) at {} + i × {}",
                b.max_count(d),
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
    for table in p.words {
        let _ = writeln!(
            s,
            "#### {}\n\n| word | name | meaning |\n|---|---|---|",
            table.md_title
        );
        for w in &map.words[table.key] {
            let _ = writeln!(s, "| {} | `{}` | {} |", w.index, w.name, cell(&w.doc));
        }
        s += "\n";
    }
    for e in &map.enums {
        let _ = writeln!(s, "#### {}\n\n{}\n", e.name, cell(&e.doc));
        s += "| value | name | meaning |\n|---|---|---|\n";
        for v in &e.values {
            let _ = writeln!(s, "| {} | `{}` | {} |", val(v.value), v.name, cell(&v.doc));
        }
        s += "\n";
    }
    if !map.paths.is_empty() {
        s += &wake_paths(map);
    }
    s += &fill(style.system, map);
    if !map.system.placements.is_empty() {
        s += "| placement | MMIO base | where |\n|---|---|---|\n";
        for p in &map.system.placements {
            let _ = writeln!(s, "| `{}` | {} | {} |", p.name, hex(p.base), cell(&p.doc));
        }
    }
    s
}

/// The wake paths' table.
fn wake_paths(map: &RegMap) -> String {
    let mut s = String::from(
        "#### Wake paths\n\nHow a wake is delivered; `name` is the samples file's `path` column and \
         the device's stat subname, `code` the C++ core's `Path` (and, with a mode, the \
         `WAKE_MODE` value).\n\n",
    );
    s += "| code | name | WakeMode | uses the binding | meaning |\n|---|---|---|---|---|\n";
    for p in &map.paths {
        let mode = p
            .mode
            .as_ref()
            .map_or("–".to_string(), |m| format!("`{m}`"));
        let binding = if p.binding { "yes" } else { "no" };
        let _ = writeln!(
            s,
            "| {} | `{}` | {mode} | {binding} | {} |",
            p.code,
            p.name,
            cell(&p.doc)
        );
    }
    s
}
