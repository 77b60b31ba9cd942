//! A device's register map as its `regmap.toml` writes it: the same description for every
//! device. What one device has and another lacks (wake paths, descriptor words, a `[system]`)
//! is simply absent from the other's file; what the device-wide constants mean is said by the
//! device's [`Profile`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::devices::Profile;

/// The whole description of one device, with the profile that says how to check and render it.
#[derive(Debug)]
pub struct RegMap {
    pub profile: &'static Profile,
    pub device: Device,
    pub blocks: Vec<Block>,
    pub enums: Vec<Enum>,
    /// The ways a wake is delivered, in code order (CoroSched only; empty elsewhere).
    pub paths: Vec<WakePathDef>,
    /// Where the system puts the device (`[system]`; empty when the file has none).
    pub system: System,
    /// Descriptor layouts by 64-bit word (`[[rx_word]]`, …), keyed by their table name.
    pub words: BTreeMap<String, Vec<Word>>,
}

/// The file's shape; [`RegMap::parse`] adds the profile.
#[derive(Debug, Deserialize)]
struct Description {
    device: Device,
    #[serde(rename = "block")]
    blocks: Vec<Block>,
    #[serde(rename = "enum")]
    enums: Vec<Enum>,
    #[serde(default, rename = "path")]
    paths: Vec<WakePathDef>,
    #[serde(default)]
    system: System,
    /// Every other table must be a word table the profile names.
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

/// Device-wide constants: the four every device has, and its own named numbers (`params`),
/// which its profile declares.
#[derive(Debug, Deserialize)]
pub struct Device {
    pub name: String,
    pub id: u64,
    pub version: u64,
    pub window: u64,
    pub doc: String,
    #[serde(flatten)]
    pub params: BTreeMap<String, u64>,
}

/// `[system]`: named values (numbers or file names) the profile declares, and the places the
/// gem5 config can put the device.
#[derive(Debug, Default, Deserialize)]
pub struct System {
    #[serde(default, rename = "placement")]
    pub placements: Vec<PlacementDef>,
    #[serde(flatten)]
    pub values: BTreeMap<String, Value>,
}

/// A `[system]` value.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum Value {
    Number(u64),
    Text(String),
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

/// One 64-bit word of a descriptor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Word {
    pub name: String,
    pub index: u64,
    pub doc: String,
}

/// How many instances of a block exist.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum Count {
    Fixed(u64),
    /// `"num_cores"`: one per core, up to the device's `max_cores`.
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

/// The named count a block may have instead of a number, and the device constant that bounds it.
pub const PER_CORE_COUNT: &str = "num_cores";
pub const PER_CORE_ROOM: &str = "max_cores";

impl Block {
    /// Number of instances the register map has room for.
    pub fn max_count(&self, dev: &Device) -> u64 {
        match &self.count {
            Count::Fixed(n) => *n,
            Count::Named(_) => dev.params.get(PER_CORE_ROOM).copied().unwrap_or(0),
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
    /// Parse a description of the device `profile` describes (does not validate).
    pub fn parse(profile: &'static Profile, text: &str) -> Result<RegMap, String> {
        let d: Description = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut words = BTreeMap::new();
        for (key, value) in d.other {
            if !profile.words.iter().any(|w| w.key == key) {
                return Err(format!(
                    "unknown table `{key}`: the {} profile in devices.rs has no such word table",
                    profile.name
                ));
            }
            let table: Vec<Word> = value.try_into().map_err(|e| format!("[[{key}]]: {e}"))?;
            words.insert(key, table);
        }
        let mut map = RegMap {
            profile,
            device: d.device,
            blocks: d.blocks,
            enums: d.enums,
            paths: d.paths,
            system: d.system,
            words,
        };
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

    /// Read, parse and validate the device's `regmap.toml`.
    pub fn load(profile: &'static Profile) -> Result<RegMap, String> {
        let path = profile.regmap_path();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map = RegMap::parse(profile, &text).map_err(|e| format!("{}: {e}", path.display()))?;
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

    /// A device constant or `[system]` value by its key (`id`, `version`, `window`, the
    /// device's params, the system's values).
    pub fn value(&self, key: &str) -> Option<Value> {
        let d = &self.device;
        match key {
            "id" => Some(Value::Number(d.id)),
            "version" => Some(Value::Number(d.version)),
            "window" => Some(Value::Number(d.window)),
            "name" => Some(Value::Text(d.name.clone())),
            _ => d
                .params
                .get(key)
                .map(|v| Value::Number(*v))
                .or_else(|| self.system.values.get(key).cloned()),
        }
    }
}
