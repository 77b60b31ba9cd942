//! The register map's description as `regmap.toml` writes it, and the checks a generator
//! relies on.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::regmap_path;

/// The whole description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegMap {
    pub device: Device,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
    #[serde(rename = "enum")]
    pub enums: Vec<Enum>,
    /// The ways a wake is delivered, in code order.
    #[serde(rename = "path")]
    pub paths: Vec<WakePathDef>,
    pub system: System,
}

/// A way a wake is delivered (`[[path]]`): the one definition of the wake paths.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WakePathDef {
    /// Lower-case name: the samples file's `path` column, the device's stat subnames and the
    /// run's mechanism.
    pub name: String,
    /// Its number in the C++ core (`Path`); for a wake mode, also its `WAKE_MODE` value.
    pub code: u64,
    /// The name of its `WakeMode` value, when a run can select the path; none for `fallback`.
    #[serde(default)]
    pub mode: Option<String>,
    /// The device consumes the source's binding and delivers the task pointer itself.
    #[serde(default)]
    pub binding: bool,
    pub doc: String,
}

impl WakePathDef {
    /// `irq` → `Irq`: the variant name in C++ and Rust.
    pub fn variant(&self) -> String {
        self.name
            .split('-')
            .map(|part| {
                let mut cs = part.chars();
                cs.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// Where the system puts the device (`[system]`): what the gem5 config, the driver and the
/// guest agree on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// GIC INTID of the device's SPI.
    pub spi: u32,
    /// The samples file in gem5's output directory (the SimObject's `samples_file`).
    pub samples_file: String,
    /// The SimObject's default `pio_latency`, in ns.
    pub default_pio_latency_ns: u64,
    /// The SimObject's default `queue_depth`.
    pub default_queue_depth: u64,
    #[serde(rename = "placement")]
    pub placements: Vec<PlacementDef>,
}

/// One place the gem5 config can put the device.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementDef {
    /// Its name on the command line (`--coro-placement`).
    pub name: String,
    /// The MMIO base there.
    pub base: u64,
    pub doc: String,
}

impl PlacementDef {
    /// `on-chip` → `ON_CHIP`.
    pub fn constant(&self) -> String {
        self.name.replace('-', "_").to_uppercase()
    }
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
    /// The values are the wake paths that have a `mode` (listed there, not here).
    #[serde(default)]
    pub from_paths: bool,
    #[serde(default, rename = "value")]
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

impl RegMap {
    /// Parse a description (does not validate).
    pub fn parse(text: &str) -> Result<RegMap, String> {
        let mut map: RegMap = toml::from_str(text).map_err(|e| e.to_string())?;
        for e in map.enums.iter_mut().filter(|e| e.from_paths) {
            if !e.values.is_empty() {
                return Err(format!(
                    "enum {} takes its values from the wake paths; list none",
                    e.name
                ));
            }
            e.values = map
                .paths
                .iter()
                .filter_map(|p| {
                    Some(EnumValue {
                        name: p.mode.clone()?,
                        value: p.code,
                        doc: p.doc.clone(),
                    })
                })
                .collect();
        }
        Ok(map)
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
        self.validate_paths()?;
        self.validate_system()?;
        for required in ["global", "generator", "source", "percore"] {
            if self.block(required).is_none() {
                return Err(format!("block {required} missing"));
            }
        }
        Ok(())
    }
}

impl RegMap {
    /// Wake paths: unique lower-case names, codes 0, 1, 2, … in order (the C++ core indexes
    /// arrays by them), unique modes, and exactly one enum made from them (`WakeMode`).
    fn validate_paths(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        let mut modes = BTreeSet::new();
        for (i, p) in self.paths.iter().enumerate() {
            let lower = p
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !lower || !p.name.starts_with(|c: char| c.is_ascii_lowercase()) {
                return Err(format!("path `{}`: name must be lower-case", p.name));
            }
            if !names.insert(&p.name) {
                return Err(format!("path `{}` is listed twice", p.name));
            }
            if p.code != i as u64 {
                return Err(format!(
                    "path `{}` has code {}; codes must be 0, 1, 2, … in order",
                    p.name, p.code
                ));
            }
            if let Some(m) = &p.mode
                && !modes.insert(m)
            {
                return Err(format!("path `{}`: mode {m} is taken", p.name));
            }
            if p.binding && p.mode.is_none() {
                return Err(format!(
                    "path `{}` uses the binding but has no mode",
                    p.name
                ));
            }
            if p.doc.trim().is_empty() {
                return Err(format!("path `{}`: empty doc", p.name));
            }
        }
        if modes.is_empty() {
            return Err("no wake path has a mode".into());
        }
        match self.enums.iter().filter(|e| e.from_paths).count() {
            1 => Ok(()),
            n => Err(format!(
                "{n} enums are made from the wake paths; one must be"
            )),
        }
    }

    /// The system: a valid SPI, a plain samples file name, placements with unique names and
    /// window-aligned, non-overlapping bases.
    fn validate_system(&self) -> Result<(), String> {
        let s = &self.system;
        if !(32..1020).contains(&s.spi) {
            return Err(format!(
                "system.spi {} is not an SPI INTID (32..1019)",
                s.spi
            ));
        }
        if s.samples_file.is_empty() || s.samples_file.contains(['/', '"', '\\']) {
            return Err("system.samples_file must be a plain file name".into());
        }
        if s.default_queue_depth == 0 {
            return Err("system.default_queue_depth must be at least 1".into());
        }
        let window = self.device.window;
        let mut names = BTreeSet::new();
        let mut windows = Vec::new();
        for p in &s.placements {
            if !names.insert(&p.name) || p.name.is_empty() {
                return Err(format!("placement `{}` is not unique", p.name));
            }
            if p.base % window != 0 {
                return Err(format!(
                    "placement {}: base {:#x} is not a multiple of the window",
                    p.name, p.base
                ));
            }
            windows.push((p.base, p.base + window, p.name.as_str()));
        }
        if s.placements.is_empty() {
            return Err("system: no placement".into());
        }
        overlap_check(&mut windows).map_err(|e| format!("placements: {e}"))
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
