//! The register tables of `docs/coro-sched-device.md`.

use std::fmt::Write as _;

use crate::model::{Count, RegMap};
use crate::text::{hex, one_line};

/// Marker before the generated part of the Markdown document.
pub const MD_BEGIN: &str = "<!-- regmap:begin (generated from gem5-devices/coro_sched/regmap.toml; do not edit by hand) -->";
/// Marker after the generated part of the Markdown document.
pub const MD_END: &str = "<!-- regmap:end -->";

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
    s += "#### Wake paths\n\nHow a wake is delivered; `name` is the samples file's `path` column and \
          the device's stat subname, `code` the C++ core's `Path` (and, with a mode, the \
          `WAKE_MODE` value).\n\n";
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
    let sys = &map.system;
    let _ = writeln!(
        s,
        "\n#### Placement in the system (`configs/baremetal.py`)\n\nSPI INTID {}; samples file \
         `{}`; defaults: `pio_latency` {} ns, `queue_depth` {}.\n",
        sys.spi, sys.samples_file, sys.default_pio_latency_ns, sys.default_queue_depth
    );
    s += "| placement | MMIO base | where |\n|---|---|---|\n";
    for p in &sys.placements {
        let _ = writeln!(s, "| `{}` | {} | {} |", p.name, hex(p.base), cell(&p.doc));
    }
    s
}
