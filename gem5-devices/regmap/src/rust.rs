//! The guest crate `coro-sched-regs`: `no_std` constants, offsets and enums.

use std::fmt::Write as _;

use crate::model::RegMap;
use crate::text::{GENERATED_NOTE, hex, one_line, rust_ident, upper_snake, wrap};

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
        let _ = writeln!(
            s,
            "    pub const ALL: [(&str, u64); {}] = [",
            e.values.len()
        );
        for v in &e.values {
            let _ = writeln!(s, "        (\"{}\", {}),", v.name, v.value);
        }
        s += "    ];\n";
        let _ = writeln!(
            s,
            "    /// The name of a value, if it has one.\n    pub fn name(v: u64) -> Option<&'static str> {{\n        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)\n    }}"
        );
        s += "}\n\n";
    }
    s += "/// `ERR_STATUS` bit of an error code.\npub const fn err_bit(code: u64) -> u64 {\n    1 << code\n}\n";
    s
}
