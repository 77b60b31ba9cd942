//! A device's guest crate (`guest-os/<device>-regs`): `no_std` constants, offsets and enums.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::devices::{Const, RustStyle};
use crate::model::{RegMap, Value};
use crate::text::{hex, one_line, rust_ident, upper_snake, wrap};

/// The device's guest crate (its whole `src/lib.rs`), formatted by rustfmt so that
/// `cargo fmt --check` passes on it. Only for a device whose profile has a guest crate.
pub fn rust_module(map: &RegMap) -> String {
    rustfmt(&unformatted(map)).unwrap_or_else(|e| panic!("{e}"))
}

/// Formats Rust source with rustfmt (`$RUSTFMT`, else `rustfmt` on the PATH, which rustup
/// provides: rust-toolchain.toml lists the component), edition 2024 like the workspace.
pub fn rustfmt(source: &str) -> Result<String, String> {
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let mut child = Command::new(&program)
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{program}` to format the generated Rust: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let text = source.to_string();
    // Written from another thread: rustfmt may fill its stdout pipe before it reads all of
    // stdin.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("running `{program}`: {e}"))?;
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| format!("writing to `{program}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{program}` failed on the generated Rust: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("`{program}` wrote non-UTF-8: {e}"))
}

/// The crate as generated, before rustfmt.
fn unformatted(map: &RegMap) -> String {
    let p = map.profile;
    let style = p
        .rust
        .as_ref()
        .unwrap_or_else(|| panic!("the {} profile has no guest crate", p.name));
    let d = &map.device;
    let val = |v: u64| {
        if p.hex_enum_values {
            hex(v)
        } else {
            v.to_string()
        }
    };
    let mut s = String::new();
    s += &wrap(&p.generated_note(), "// ", 100);
    s += "\n";
    s += style.intro;
    s += &wrap(&one_line(&d.doc), "//! ", 100);
    s += style.access;
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
    for c in p.device_consts {
        s += &constant(map, c, "");
    }
    s += style.extra;
    s += "\n";
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
            "    /// {}\n    pub const COUNT: usize = {};",
            style.count_doc,
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
    for table in p.words {
        let _ = writeln!(s, "/// {}\npub mod {} {{", table.rust_doc, table.key);
        for w in &map.words[table.key] {
            s += &wrap(&one_line(&w.doc), "    /// ", 100);
            let _ = writeln!(s, "    pub const {}: usize = {};", w.name, w.index);
        }
        s += "}\n\n";
    }
    for e in &map.enums {
        s += &wrap(&one_line(&e.doc), "/// ", 100);
        let _ = writeln!(s, "pub mod {} {{", upper_snake(&e.name).to_lowercase());
        for v in &e.values {
            s += &wrap(&one_line(&v.doc), "    /// ", 100);
            let _ = writeln!(s, "    pub const {}: u64 = {};", v.name, val(v.value));
        }
        let _ = writeln!(s, "    /// Every value with its name.");
        let _ = writeln!(
            s,
            "    pub const ALL: [(&str, u64); {}] = [",
            e.values.len()
        );
        for v in &e.values {
            let _ = writeln!(s, "        (\"{}\", {}),", v.name, val(v.value));
        }
        s += "    ];\n";
        let _ = writeln!(
            s,
            "    /// The name of a value, if it has one.\n    pub fn name(v: u64) -> Option<&'static str> {{\n        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)\n    }}"
        );
        s += "}\n\n";
    }
    s += "/// `ERR_STATUS` bit of an error code.\npub const fn err_bit(code: u64) -> u64 {\n    1 << code\n}\n\n";
    if !map.paths.is_empty() {
        s += &wake_paths(map);
    }
    s += &system(map, style);
    s
}

/// A device constant or system value with its doc, indented by `indent`.
fn constant(map: &RegMap, c: &Const, indent: &str) -> String {
    let Some((name, ty, doc)) = c.rust else {
        return String::new();
    };
    let v = match map.value(c.key) {
        Some(Value::Number(n)) if c.hex => hex(n),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Text(t)) => format!("\"{t}\""),
        None => unreachable!("validated: {} is present", c.key),
    };
    format!("{indent}/// {doc}\n{indent}pub const {name}: {ty} = {v};\n")
}

/// `enum WakePath`: names, codes, modes; serde (feature `serde`) by name.
fn wake_paths(map: &RegMap) -> String {
    let mut s = String::new();
    let n = map.paths.len();
    let all: Vec<String> = map
        .paths
        .iter()
        .map(|p| format!("WakePath::{}", p.variant()))
        .collect();
    s += "/// How one wake is delivered: a run's wake path (the ones with a [`WakePath::mode`]) or\n";
    s += "/// the path the device recorded for a wake (`fallback` too).\n";
    s += "#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]\n";
    s += "#[cfg_attr(feature = \"serde\", derive(serde::Serialize, serde::Deserialize))]\n";
    s += "#[repr(u8)]\npub enum WakePath {\n";
    for p in &map.paths {
        s += &wrap(&one_line(&p.doc), "    /// ", 100);
        let _ = writeln!(
            s,
            "    #[cfg_attr(feature = \"serde\", serde(rename = \"{}\"))]\n    {} = {},",
            p.name,
            p.variant(),
            p.code
        );
    }
    s += "}\n\nimpl WakePath {\n";
    let _ = writeln!(
        s,
        "    /// Every path, in code order.\n    pub const ALL: [WakePath; {n}] = [{}];",
        all.join(", ")
    );
    s += "\n    /// The name the samples file, the device's stats, the guest and the driver use.\n";
    s += "    pub const fn name(self) -> &'static str {\n        match self {\n";
    for p in &map.paths {
        let _ = writeln!(
            s,
            "            WakePath::{} => \"{}\",",
            p.variant(),
            p.name
        );
    }
    s += "        }\n    }\n\n";
    s += "    /// The path of a name.\n    pub fn from_name(name: &str) -> Option<WakePath> {\n";
    s += "        WakePath::ALL.into_iter().find(|p| p.name() == name)\n    }\n\n";
    s += "    /// The path's number (the C++ core's `Path`).\n    pub const fn code(self) -> u8 {\n        self as u8\n    }\n\n";
    s += "    /// The path of a number.\n    pub fn from_code(code: u64) -> Option<WakePath> {\n";
    s += "        WakePath::ALL.into_iter().find(|p| u64::from(p.code()) == code)\n    }\n\n";
    s += "    /// The `WAKE_MODE` value that selects the path, if a run can select it.\n";
    s += "    pub const fn mode(self) -> Option<u64> {\n        match self {\n";
    for p in &map.paths {
        let mode = p
            .mode
            .as_ref()
            .map_or("None".to_string(), |m| format!("Some(wake_mode::{m})"));
        let _ = writeln!(s, "            WakePath::{} => {mode},", p.variant());
    }
    s += "        }\n    }\n\n";
    s += "    /// Whether the device consumes the source's binding and delivers the task pointer\n";
    s += "    /// itself (the path needs the scheduler, not only the event source).\n";
    let binding: Vec<String> = map
        .paths
        .iter()
        .filter(|p| p.binding)
        .map(|p| format!("WakePath::{}", p.variant()))
        .collect();
    let _ = writeln!(
        s,
        "    pub const fn uses_binding(self) -> bool {{\n        matches!(self, {})\n    }}\n}}\n",
        binding.join(" | ")
    );
    s += "impl core::fmt::Display for WakePath {\n";
    s += "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n";
    s += "        f.write_str(self.name())\n    }\n}\n\n";
    s
}

/// `mod system`: where the gem5 config puts the device.
fn system(map: &RegMap, style: &RustStyle) -> String {
    let placements = &map.system.placements;
    let mut s = String::new();
    s += style.system_doc;
    s += "pub mod system {\n";
    for c in map.profile.system_consts {
        s += &constant(map, c, "    ");
    }
    for p in placements {
        s += &wrap(
            &format!(
                "MMIO base of the `{}` placement. {}",
                p.name,
                one_line(&p.doc)
            ),
            "    /// ",
            100,
        );
        let _ = writeln!(
            s,
            "    pub const {}_BASE: u64 = {};",
            p.constant(),
            hex(p.base)
        );
    }
    if !placements.is_empty() {
        let all: Vec<String> = placements
            .iter()
            .map(|p| format!("(\"{}\", {}_BASE)", p.name, p.constant()))
            .collect();
        let _ = writeln!(
            s,
            "    /// Every placement's name and base.\n    pub const PLACEMENTS: [(&str, u64); {}] = [{}];",
            all.len(),
            all.join(", ")
        );
    }
    s += "}\n";
    s
}
