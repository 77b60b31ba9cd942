//! The LoadGenNic register map (`gem5-devices/loadgen_nic/regmap.toml`): the same blocks,
//! registers and enums as CoroSched's description, with the NIC's own device constants, its
//! descriptor layouts (`[[rx_word]]`, `[[tx_word]]`) and its place in the system.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::model::{Block, Count, Enum};
use crate::workspace_root;

/// The whole description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicMap {
    pub device: NicDevice,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
    #[serde(rename = "enum")]
    pub enums: Vec<Enum>,
    /// The RX descriptor, by 64-bit word.
    #[serde(rename = "rx_word")]
    pub rx_words: Vec<Word>,
    /// The TX completion slot, by 64-bit word.
    #[serde(rename = "tx_word")]
    pub tx_words: Vec<Word>,
    pub system: NicSystem,
}

/// Device-wide constants.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicDevice {
    pub name: String,
    pub id: u64,
    pub version: u64,
    pub window: u64,
    pub num_flows: u64,
    pub rx_slot: u64,
    pub tx_slot: u64,
    pub doc: String,
}

/// One 64-bit word of a descriptor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Word {
    pub name: String,
    pub index: u64,
    pub doc: String,
}

/// Where the system puts the device and how the config wires it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicSystem {
    pub base: u64,
    pub default_pio_latency_ns: u64,
    pub flow0_source: u64,
    pub flow1_source: u64,
    pub records_file: String,
}

/// Path of the NIC's `regmap.toml`.
pub fn nic_regmap_path() -> std::path::PathBuf {
    workspace_root().join("gem5-devices/loadgen_nic/regmap.toml")
}

impl NicMap {
    /// Parse a description (does not validate).
    pub fn parse(text: &str) -> Result<NicMap, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Read, parse and validate the NIC's `regmap.toml`.
    pub fn load() -> Result<NicMap, String> {
        let path = nic_regmap_path();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map = NicMap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        map.validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(map)
    }

    pub fn enum_by_name(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// Check the description for mistakes a generator would silently copy.
    pub fn validate(&self) -> Result<(), String> {
        let d = &self.device;
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        for (what, v) in [("rx_slot", d.rx_slot), ("tx_slot", d.tx_slot)] {
            if !v.is_power_of_two() || v < 8 {
                return Err(format!("device.{what} must be a power of two >= 8"));
            }
        }
        let mut names = BTreeSet::new();
        let mut extents: Vec<(u64, u64, String)> = Vec::new();
        for b in &self.blocks {
            if !ident(&b.name) || !names.insert(b.name.to_uppercase()) {
                return Err(format!(
                    "block name `{}` is not a unique identifier",
                    b.name
                ));
            }
            let count = match &b.count {
                Count::Fixed(n) if *n > 0 => *n,
                _ => return Err(format!("block {}: count must be a positive number", b.name)),
            };
            if b.name == "flow" && count != d.num_flows {
                return Err("block flow must have count = device.num_flows".into());
            }
            if b.stride == 0 || b.base % 8 != 0 || b.stride % 8 != 0 {
                return Err(format!(
                    "block {}: base and stride must be non-zero multiples of 8",
                    b.name
                ));
            }
            let end = b.base + b.stride * count;
            if end > d.window {
                return Err(format!(
                    "block {} ends at {end:#x}, past the window {:#x}",
                    b.name, d.window
                ));
            }
            extents.push((b.base, end, b.name.clone()));
            let mut offs: Vec<(u64, u64, String)> = Vec::new();
            for r in &b.regs {
                if !ident(&r.name) || !names.insert(r.name.clone()) {
                    return Err(format!(
                        "register name `{}` is not a unique identifier",
                        r.name
                    ));
                }
                if r.width != 64 {
                    return Err(format!("{}: width must be 64", r.name));
                }
                if r.offset % 8 != 0 || r.offset + 8 > b.stride {
                    return Err(format!(
                        "{}: offset {:#x} not aligned or outside its block instance",
                        r.name, r.offset
                    ));
                }
                offs.push((r.offset, r.offset + 8, r.name.clone()));
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
            if !ident(&e.name) || !enames.insert(e.name.clone()) || e.from_paths {
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
        for (what, words, slot) in [
            ("rx_word", &self.rx_words, d.rx_slot),
            ("tx_word", &self.tx_words, d.tx_slot),
        ] {
            let mut seen = BTreeSet::new();
            for w in words {
                if !ident(&w.name) || !seen.insert(w.name.clone()) {
                    return Err(format!("{what} `{}` is not a unique identifier", w.name));
                }
                if (w.index + 1) * 8 > slot {
                    return Err(format!(
                        "{what} {}: index {} past the slot",
                        w.name, w.index
                    ));
                }
            }
            let mut idx: Vec<u64> = words.iter().map(|w| w.index).collect();
            idx.sort_unstable();
            idx.dedup();
            if idx.len() != words.len() {
                return Err(format!("{what}: two words share an index"));
            }
        }
        let s = &self.system;
        if !s.base.is_multiple_of(d.window) {
            return Err("system.base must be a multiple of the window".into());
        }
        if s.records_file.is_empty() || s.records_file.contains(['/', '"', '\\']) {
            return Err("system.records_file must be a plain file name".into());
        }
        if s.flow0_source == s.flow1_source || s.flow0_source >= 64 || s.flow1_source >= 64 {
            return Err("system.flow*_source must be two distinct CoroSched sources < 64".into());
        }
        Ok(())
    }
}

fn overlap_check(ranges: &mut [(u64, u64, String)]) -> Result<(), String> {
    ranges.sort();
    for w in ranges.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(format!("{} and {} overlap", w[0].2, w[1].2));
        }
    }
    Ok(())
}

impl Block {
    /// Instances of a block with a fixed count (the NIC's blocks all have one); 0 otherwise.
    pub fn max_count_fixed(&self) -> u64 {
        match self.count {
            Count::Fixed(n) => n,
            Count::Named(_) => 0,
        }
    }
}
