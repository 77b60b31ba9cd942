//! The devices whose register maps this crate generates, and what differs between them: which
//! device-wide constants and `[system]` values each has (and how they are spelled and checked),
//! which descriptor-word tables, and the prose and table style of each generated file. Every
//! generator reads its device's [`Profile`]; none names a device.

use std::path::PathBuf;

use crate::workspace_root;

/// What a generator needs to know about one device besides its `regmap.toml`.
#[derive(Debug)]
pub struct Profile {
    /// The device's directory under `gem5-devices/` and its C++ namespace (`coro_sched`); the
    /// header is `<name>_regs.hh`, the guest crate `guest-os/<name with ->-regs`, the Python
    /// module `configs/<name>_system.py`.
    pub name: &'static str,
    /// `[device]` keys besides name, id, version, window and doc, in the order they are emitted.
    pub device_consts: &'static [Const],
    /// `[system]` keys besides the placements, in the order they are emitted.
    pub system_consts: &'static [Const],
    /// The config chooses among `[[system.placement]]`s (and there must be one).
    pub placements: bool,
    /// Blocks whose count must equal a device constant: (block, key).
    pub block_counts: &'static [(&'static str, &'static str)],
    /// Blocks the device's code relies on.
    pub required_blocks: &'static [&'static str],
    /// Register widths the device decodes.
    pub widths: &'static [u32],
    /// Descriptor layouts (`[[<key>]]` arrays of 64-bit words).
    pub words: &'static [WordTable],
    /// Enum values are written in hex (else decimal) in every output.
    pub hex_enum_values: bool,
    pub cpp: CppStyle,
    /// The guest crate, if the device has one.
    pub rust: Option<RustStyle>,
    /// The document whose register tables are generated, if any.
    pub markdown: Option<MarkdownStyle>,
    /// The gem5 config's Python module, as a template (see `text::fill`), if any.
    pub python: Option<&'static str>,
}

/// One named device constant or system value.
#[derive(Debug)]
pub struct Const {
    /// Its key in `regmap.toml`.
    pub key: &'static str,
    pub check: Check,
    /// Written in hex (else decimal).
    pub hex: bool,
    /// Its C++ constant (name and type), if the header has one.
    pub cpp: Option<(&'static str, CppType)>,
    /// Its Rust constant (name, type, doc), if the guest crate has one.
    pub rust: Option<(&'static str, &'static str, &'static str)>,
}

/// What a constant's value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Any,
    Positive,
    PowerOfTwo {
        min: u64,
    },
    Range {
        min: u64,
        max: u64,
    },
    Equals(u64),
    MultipleOf(u64),
    MultipleOfWindow,
    /// A plain file name in gem5's output directory.
    FileName,
    /// A CoroSched event source (< 64), distinct from the device's other sources.
    CoroSource,
}

impl Check {
    pub fn requirement(self) -> String {
        match self {
            Check::Any | Check::FileName => "ok".into(),
            Check::Positive => "must be at least 1".into(),
            Check::PowerOfTwo { min } => format!("must be a power of two >= {min}"),
            Check::Range { min, max } => format!("must be in {min}..={max}"),
            Check::Equals(v) => format!("must be {v}"),
            Check::MultipleOf(m) => format!("must be a multiple of {m}"),
            Check::MultipleOfWindow => "must be a multiple of the window".into(),
            Check::CoroSource => {
                "must be a CoroSched source (< 64), distinct from the others".into()
            }
        }
    }
}

/// The C++ type of a generated constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CppType {
    U64,
    Unsigned,
    Str,
}

/// A descriptor layout: `[[<key>]]` entries are 64-bit words of a `<slot_param>`-byte slot.
#[derive(Debug)]
pub struct WordTable {
    pub key: &'static str,
    /// C++ constants are `<prefix>_WORD_<name>`.
    pub cpp_prefix: &'static str,
    pub slot_param: &'static str,
    /// Doc of the Rust module `<key>`.
    pub rust_doc: &'static str,
    /// Heading of its Markdown table.
    pub md_title: &'static str,
}

/// How much of the register map the C++ header tabulates for the core's decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CppTables {
    /// Constants only.
    None,
    /// `RegInfo {name, offset, access}` per block with `<BLOCK>_NUM_REGS`.
    PerBlock,
    /// `RegInfo` with the width, and `BlockInfo BLOCKS[]` over all blocks.
    WithBlockIndex,
}

#[derive(Debug)]
pub struct CppStyle {
    pub tables: CppTables,
    /// `<REG>_<FIELD>_SHIFT` beside each field mask.
    pub field_shifts: bool,
    /// `<ENUM>_MAX` after each enum.
    pub enum_max: bool,
}

#[derive(Debug)]
pub struct RustStyle {
    /// Crate doc before the device's doc.
    pub intro: &'static str,
    /// Crate doc after it (how to access the registers, where the programming model is).
    pub access: &'static str,
    /// Constants that are the guest's convention, not the map's (after the device constants).
    pub extra: &'static str,
    /// Doc of each block module's `COUNT`.
    pub count_doc: &'static str,
    /// Doc of `mod system`.
    pub system_doc: &'static str,
}

#[derive(Debug)]
pub struct MarkdownStyle {
    /// The document, relative to the workspace root.
    pub path: &'static str,
    /// The paragraph before the tables (a template).
    pub intro: &'static str,
    /// The part after the tables (a template; the placement table follows it).
    pub system: &'static str,
}

impl Profile {
    pub fn regmap_path(&self) -> PathBuf {
        workspace_root().join(self.regmap_rel())
    }

    /// `gem5-devices/<name>/regmap.toml`.
    pub fn regmap_rel(&self) -> String {
        format!("gem5-devices/{}/regmap.toml", self.name)
    }

    pub fn header_rel(&self) -> String {
        format!("gem5-devices/{0}/{0}_regs.hh", self.name)
    }

    pub fn rust_rel(&self) -> String {
        format!("guest-os/{}-regs/src/lib.rs", self.name.replace('_', "-"))
    }

    pub fn python_rel(&self) -> String {
        format!("configs/{}_system.py", self.name)
    }

    /// The marker before the generated part of the device's document.
    pub fn md_begin(&self) -> String {
        format!(
            "<!-- regmap:begin (generated from {}; do not edit by hand) -->",
            self.regmap_rel()
        )
    }

    /// The note at the top of every generated file.
    pub fn generated_note(&self) -> String {
        format!(
            "Generated from {} by the coro-sched-regmap crate. Do not edit: change regmap.toml, \
             then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.",
            self.regmap_rel()
        )
    }
}

const fn konst(key: &'static str, check: Check) -> Const {
    Const {
        key,
        check,
        hex: false,
        cpp: None,
        rust: None,
    }
}

/// Every device, in the order their files are checked.
pub const DEVICES: [&Profile; 3] = [&CORO_SCHED, &LOADGEN_NIC, &SYSCALL_FWD];

/// The coroutine-scheduling and wake device.
pub static CORO_SCHED: Profile = Profile {
    name: "coro_sched",
    device_consts: &[
        Const {
            cpp: Some(("DEV_NUM_SOURCES", CppType::Unsigned)),
            rust: Some((
                "NUM_SOURCES",
                "usize",
                "Number of event sources (binding-table slots).",
            )),
            ..konst("num_sources", Check::Range { min: 1, max: 64 })
        },
        Const {
            cpp: Some(("DEV_MAX_CORES", CppType::Unsigned)),
            rust: Some(("MAX_CORES", "usize", "Largest number of per-core banks.")),
            ..konst("max_cores", Check::Positive)
        },
        Const {
            cpp: Some(("DEV_TASK_ALIGN", CppType::U64)),
            rust: Some((
                "TASK_ALIGN",
                "u64",
                "Task pointers written to `SRC_TASK` must be multiples of this.",
            )),
            ..konst("task_align", Check::PowerOfTwo { min: 1 })
        },
        Const {
            cpp: Some(("DEV_RING_SLOT", CppType::U64)),
            rust: Some((
                "RING_SLOT",
                "usize",
                "Bytes per ready-ring slot (one cache line; the task pointer is its first 8 bytes).",
            )),
            ..konst("ring_slot", Check::PowerOfTwo { min: 8 })
        },
    ],
    system_consts: &[
        Const {
            rust: Some((
                "SPI_INTID",
                "u32",
                "GIC INTID of the device's SPI (the irq path and the hwq/ring fallbacks).",
            )),
            ..konst("spi", Check::Range { min: 32, max: 1019 })
        },
        Const {
            rust: Some((
                "SAMPLES_FILE",
                "&str",
                "The samples file in gem5's output directory (the SimObject's `samples_file`).",
            )),
            ..konst("samples_file", Check::FileName)
        },
        Const {
            rust: Some((
                "DEFAULT_PIO_LATENCY_NS",
                "u64",
                "The SimObject's default access latency (`pio_latency`), in ns.",
            )),
            ..konst("default_pio_latency_ns", Check::Any)
        },
        Const {
            rust: Some((
                "DEFAULT_QUEUE_DEPTH",
                "u64",
                "The SimObject's default entries per hardware ready queue (`queue_depth`).",
            )),
            ..konst("default_queue_depth", Check::Positive)
        },
    ],
    placements: true,
    block_counts: &[("source", "num_sources")],
    required_blocks: &["global", "generator", "source", "percore"],
    widths: &[32, 64],
    words: &[],
    hex_enum_values: false,
    cpp: CppStyle {
        tables: CppTables::WithBlockIndex,
        field_shifts: true,
        enum_max: true,
    },
    rust: Some(RustStyle {
        intro: "//! Register map of the CoroSched device (gem5 `CoroSched` SimObject): byte offsets from\n\
                //! the device's MMIO base, field masks, enum values and error codes.\n//!\n",
        access: "//!\n//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or\n\
                 //! store (`read_volatile`/`write_volatile` of a `u64`). Any other size, an unknown offset, a\n\
                 //! read of a write-only or a write of a read-only register stops the simulation with a panic\n\
                 //! naming the register. The programming model is in `docs/coro-sched-device.md`.\n",
        extra: "",
        count_doc: "Instances the map has room for.",
        system_doc: "/// Where the gem5 config (`configs/baremetal.py`) puts the device: what it, the driver and\n\
                     /// the guest agree on.\n",
    }),
    markdown: Some(MarkdownStyle {
        path: "docs/coro-sched-device.md",
        intro: "Window {window:x} bytes; ID {id:x} (\"COROSCHD\"), VERSION {version}; {num_sources} \
                sources; up to {max_cores} cores; task pointers must be multiples of {task_align}; \
                ready-ring slots are {ring_slot} bytes. Every register is 64 bits wide and must be \
                accessed with one aligned 8-byte load or store.\n\n",
        system: "\n#### Placement in the system (`configs/baremetal.py`)\n\nSPI INTID {spi}; samples \
                 file `{samples_file}`; defaults: `pio_latency` {default_pio_latency_ns} ns, \
                 `queue_depth` {default_queue_depth}.\n\n",
    }),
    python: Some(
        "\"\"\"The {name} device's place in the system, for configs/baremetal.py.\"\"\"\n\n\
         # MMIO base of each placement (--coro-placement).\nCORO_BASE = {placements}\n\
         # GIC INTID of the device's SPI.\nCORO_SPI = {spi}\n\
         # The SimObject's defaults.\nDEFAULT_PIO_LATENCY = \"{default_pio_latency_ns}ns\"\n\
         DEFAULT_QUEUE_DEPTH = {default_queue_depth}\n\
         # The file in the output directory that receives the wake samples.\n\
         SAMPLES_FILE = \"{samples_file}\"\n\
         # The wake paths, by code (the samples file's `path` column).\nWAKE_PATHS = {path_names}\n",
    ),
};

/// The load-generator NIC.
pub static LOADGEN_NIC: Profile = Profile {
    name: "loadgen_nic",
    device_consts: &[
        Const {
            cpp: Some(("DEV_NUM_FLOWS", CppType::Unsigned)),
            rust: Some(("NUM_FLOWS", "usize", "Number of flows.")),
            ..konst("num_flows", Check::Range { min: 1, max: 64 })
        },
        Const {
            cpp: Some(("DEV_RX_SLOT", CppType::U64)),
            rust: Some((
                "RX_SLOT",
                "usize",
                "Bytes per RX descriptor slot (one cache line, written whole by the device).",
            )),
            ..konst("rx_slot", Check::PowerOfTwo { min: 8 })
        },
        Const {
            cpp: Some(("DEV_TX_SLOT", CppType::U64)),
            rust: Some(("TX_SLOT", "usize", "Bytes per TX completion slot.")),
            ..konst("tx_slot", Check::PowerOfTwo { min: 8 })
        },
    ],
    system_consts: &[
        Const {
            hex: true,
            cpp: Some(("SYS_BASE", CppType::U64)),
            rust: Some((
                "BASE",
                "u64",
                "MMIO base of the device (on-chip, on the membus).",
            )),
            ..konst("base", Check::MultipleOfWindow)
        },
        Const {
            rust: Some((
                "DEFAULT_PIO_LATENCY_NS",
                "u64",
                "The SimObject's default access latency (`pio_latency`), in ns.",
            )),
            ..konst("default_pio_latency_ns", Check::Any)
        },
        Const {
            cpp: Some(("SYS_FLOW0_SOURCE", CppType::Unsigned)),
            rust: Some((
                "FLOW0_SOURCE",
                "usize",
                "CoroSched event source fired by flow 0's deliveries.",
            )),
            ..konst("flow0_source", Check::CoroSource)
        },
        Const {
            cpp: Some(("SYS_FLOW1_SOURCE", CppType::Unsigned)),
            rust: Some((
                "FLOW1_SOURCE",
                "usize",
                "CoroSched event source fired by flow 1's deliveries.",
            )),
            ..konst("flow1_source", Check::CoroSource)
        },
        Const {
            cpp: Some(("SYS_RECORDS_FILE", CppType::Str)),
            rust: Some((
                "RECORDS_FILE",
                "&str",
                "The per-request records file in gem5's output directory.",
            )),
            ..konst("records_file", Check::FileName)
        },
    ],
    placements: false,
    block_counts: &[("flow", "num_flows")],
    required_blocks: &[],
    widths: &[64],
    words: &[
        WordTable {
            key: "rx_word",
            cpp_prefix: "RX",
            slot_param: "rx_slot",
            rust_doc: "The RX descriptor's 64-bit words (index into the slot as `[u64; 8]`).",
            md_title: "RX descriptor",
        },
        WordTable {
            key: "tx_word",
            cpp_prefix: "TX",
            slot_param: "tx_slot",
            rust_doc: "The TX completion slot's 64-bit words (index into the slot as `[u64; 2]`).",
            md_title: "TX completion slot",
        },
    ],
    hex_enum_values: true,
    cpp: CppStyle {
        tables: CppTables::PerBlock,
        field_shifts: false,
        enum_max: false,
    },
    rust: Some(RustStyle {
        intro: "//! Register map of the LoadGenNic device (gem5 `LoadGenNic` SimObject): byte offsets from\n\
                //! the device's MMIO base, field masks, descriptor layouts, enum values and error codes.\n//!\n",
        access: "//!\n//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or\n\
                 //! store. Any other access, an unknown offset, a read of a write-only or a write of a\n\
                 //! read-only register stops the simulation with a panic naming the register. The\n\
                 //! programming model is in `docs/loadgen-nic.md`.\n",
        extra: "/// Descriptor id of END.\npub const END_ID: u64 = u64::MAX;\n\
                /// `FLAGS` bit of a warm-up request.\npub const DESC_FLAG_WARMUP: u64 = 1;\n",
        count_doc: "Instances.",
        system_doc: "/// Where the gem5 config (`configs/baremetal.py`) puts the device.\n",
    }),
    markdown: Some(MarkdownStyle {
        path: "docs/loadgen-nic.md",
        intro: "Window {window:x} bytes at {base:x} (on-chip, membus); ID {id:x} (\"LGENNIC1\"), \
                VERSION {version}; {num_flows} flows (flow 0 fires CoroSched source {flow0_source}, \
                flow 1 source {flow1_source}); RX slots are {rx_slot} bytes, TX slots {tx_slot} \
                bytes; records file `{records_file}`. Every register is 64 bits wide and must be \
                accessed with one aligned 8-byte load or store.\n\n",
        system: "",
    }),
    python: Some(
        "\"\"\"The {name} device's place in the system, for configs/baremetal.py.\"\"\"\n\n\
         # MMIO base (on-chip, on the membus).\nLOADGEN_BASE = {base:x}\n\
         # The SimObject's default access latency.\n\
         LOADGEN_PIO_LATENCY = \"{default_pio_latency_ns}ns\"\n\
         # CoroSched event sources fired by each flow's deliveries.\n\
         LOADGEN_SOURCES = ({flow0_source}, {flow1_source})\n\
         # The per-request records file in the output directory.\n\
         LOADGEN_RECORDS_FILE = \"{records_file}\"\n",
    ),
};

/// The system-call forwarding device (C++ header only: the kernel's driver spells its offsets
/// by hand, checked against this map by `tests/generated_fwd.rs`).
pub static SYSCALL_FWD: Profile = Profile {
    name: "syscall_fwd",
    device_consts: &[
        Const {
            cpp: Some(("DEV_RING_SLOTS", CppType::U64)),
            ..konst("ring_slots", Check::PowerOfTwo { min: 1 })
        },
        Const {
            cpp: Some(("DEV_REQUEST_SLOT", CppType::U64)),
            ..konst("request_slot", Check::Equals(64))
        },
        Const {
            cpp: Some(("DEV_REQUESTS_OFFSET", CppType::U64)),
            ..konst("requests_offset", Check::MultipleOf(64))
        },
        Const {
            cpp: Some(("DEV_TASK_WORD", CppType::U64)),
            ..konst("task_word", Check::Range { min: 0, max: 7 })
        },
        Const {
            cpp: Some(("DEV_NUM_CORES", CppType::Unsigned)),
            ..konst("num_cores", Check::Range { min: 1, max: 64 })
        },
    ],
    system_consts: &[],
    placements: false,
    block_counts: &[("core", "num_cores")],
    required_blocks: &[],
    widths: &[64],
    words: &[],
    hex_enum_values: true,
    cpp: CppStyle {
        tables: CppTables::None,
        field_shifts: false,
        enum_max: false,
    },
    rust: None,
    markdown: None,
    python: None,
};
