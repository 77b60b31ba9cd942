//! The SyscallFwd register map (`gem5-devices/syscall_fwd/regmap.toml`): blocks, registers and
//! enums as CoroSched's description, with the device's ring layout, and the C++ header
//! generated from it (`gem5-devices/syscall_fwd/syscall_fwd_regs.hh`).

use std::fmt::Write as _;

use serde::Deserialize;

use crate::model::{Block, Count, Enum};
use crate::text::{hex, lower_camel, one_line, upper_snake, wrap};
use crate::workspace_root;

/// The whole description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FwdMap {
    pub device: FwdDevice,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
    #[serde(rename = "enum")]
    pub enums: Vec<Enum>,
}

/// Device-wide constants, the submission ring's layout among them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FwdDevice {
    pub name: String,
    pub id: u64,
    pub version: u64,
    pub window: u64,
    pub num_cores: u64,
    pub ring_slots: u64,
    pub request_slot: u64,
    pub requests_offset: u64,
    pub task_word: u64,
    pub doc: String,
}

/// The generated header, relative to the workspace root.
pub const FWD_HEADER: &str = "gem5-devices/syscall_fwd/syscall_fwd_regs.hh";

/// Path of the device's `regmap.toml`.
pub fn fwd_regmap_path() -> std::path::PathBuf {
    workspace_root().join("gem5-devices/syscall_fwd/regmap.toml")
}

impl FwdMap {
    pub fn parse(text: &str) -> Result<FwdMap, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Read, parse and validate the device's `regmap.toml`.
    pub fn load() -> Result<FwdMap, String> {
        let path = fwd_regmap_path();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map = FwdMap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        map.validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(map)
    }

    /// Checks what the generated header and the core rely on.
    pub fn validate(&self) -> Result<(), String> {
        let d = &self.device;
        if !d.ring_slots.is_power_of_two() || d.request_slot != 64 || d.task_word * 8 >= 64 {
            return Err("ring_slots must be a power of two, request_slot 64, task_word < 8".into());
        }
        if !d.requests_offset.is_multiple_of(64) {
            return Err("requests_offset must be a multiple of 64".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for b in &self.blocks {
            let count = match b.count {
                Count::Fixed(n) if n > 0 => n,
                _ => return Err(format!("block {}: count must be a positive number", b.name)),
            };
            if b.name == "core" && count != d.num_cores {
                return Err("block core must have count = device.num_cores".into());
            }
            if b.base + b.stride * count > d.window {
                return Err(format!("block {} ends past the window", b.name));
            }
            let mut offs = std::collections::BTreeSet::new();
            for r in &b.regs {
                if !seen.insert(r.name.clone()) {
                    return Err(format!("register {} is defined twice", r.name));
                }
                if r.width != 64 || !r.offset.is_multiple_of(8) || r.offset + 8 > b.stride {
                    return Err(format!(
                        "{}: not a 64-bit register inside its block",
                        r.name
                    ));
                }
                if !offs.insert(r.offset) {
                    return Err(format!("{}: offset {:#x} is taken", r.name, r.offset));
                }
            }
        }
        let errs = self
            .enums
            .iter()
            .find(|e| e.name == "ErrorCode")
            .ok_or("enum ErrorCode missing")?;
        if errs.values.iter().any(|v| v.value >= 64) {
            return Err("ErrorCode values are bit numbers of ERR_STATUS: must be < 64".into());
        }
        Ok(())
    }
}

const NOTE: &str = "Generated from gem5-devices/syscall_fwd/regmap.toml by the coro-sched-regmap crate. Do not edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.";

/// `gem5-devices/syscall_fwd/syscall_fwd_regs.hh`.
pub fn fwd_cpp_header(map: &FwdMap) -> String {
    let d = &map.device;
    let mut s = String::new();
    s += &wrap(NOTE, "// ", 96);
    s += "//\n";
    s += &wrap(&one_line(&d.doc), "// ", 96);
    s += "\n#ifndef __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__\n#define __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__\n\n";
    s += "#include <cstdint>\n\nnamespace syscall_fwd\n{\nnamespace regs\n{\n\n";
    for (name, v) in [
        ("DEV_ID", format!("{}ULL", hex(d.id))),
        ("DEV_VERSION", d.version.to_string()),
        ("DEV_WINDOW_SIZE", hex(d.window)),
        ("DEV_RING_SLOTS", d.ring_slots.to_string()),
        ("DEV_REQUEST_SLOT", d.request_slot.to_string()),
        ("DEV_REQUESTS_OFFSET", d.requests_offset.to_string()),
        ("DEV_TASK_WORD", d.task_word.to_string()),
    ] {
        let _ = writeln!(s, "constexpr uint64_t {name} = {v};");
    }
    let _ = writeln!(s, "constexpr unsigned DEV_NUM_CORES = {};\n", d.num_cores);
    for b in &map.blocks {
        let up = b.name.to_uppercase();
        let count = match b.count {
            Count::Fixed(n) => n,
            Count::Named(_) => 0,
        };
        let _ = writeln!(s, "// ---- block {}: {}", b.name, b.title);
        let _ = writeln!(s, "constexpr uint64_t {up}_BASE = {};", hex(b.base));
        let _ = writeln!(s, "constexpr uint64_t {up}_STRIDE = {};", hex(b.stride));
        let _ = writeln!(s, "constexpr unsigned {up}_COUNT = {count};");
        for r in &b.regs {
            let line = format!(
                "{} {}-bit. {}",
                r.access.as_str(),
                r.width,
                one_line(&r.doc)
            );
            s += &wrap(&line, "// ", 96);
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
        s += "\n";
    }
    for e in &map.enums {
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
    }
    s += "} // namespace regs\n} // namespace syscall_fwd\n\n#endif // __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__\n";
    s
}
