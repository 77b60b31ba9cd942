//! The checks every register map passes before a generator copies it: the same rules for
//! every device, with the device's own constants checked as its profile says.

use std::collections::BTreeSet;

use crate::devices::{Check, Const};
use crate::model::{Count, PER_CORE_COUNT, PER_CORE_ROOM, RegMap, Value};

fn ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl RegMap {
    /// Check the description for mistakes a generator would silently copy.
    pub fn validate(&self) -> Result<(), String> {
        self.validate_constants()?;
        self.validate_blocks()?;
        self.validate_enums()?;
        self.validate_words()?;
        if !self.paths.is_empty() {
            self.validate_paths()?;
        }
        self.validate_placements()
    }

    /// The device's params and system values: exactly the ones its profile declares, each
    /// passing the profile's check.
    fn validate_constants(&self) -> Result<(), String> {
        let p = self.profile;
        for (section, consts, present) in [
            (
                "device",
                p.device_consts,
                self.device.params.keys().collect::<Vec<_>>(),
            ),
            (
                "system",
                p.system_consts,
                self.system.values.keys().collect::<Vec<_>>(),
            ),
        ] {
            for key in present {
                if !consts.iter().any(|c| c.key == key) {
                    return Err(format!(
                        "{section}.{key}: unknown key (the {} profile in devices.rs declares {})",
                        p.name,
                        consts.iter().map(|c| c.key).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            for c in consts {
                let v = self
                    .value(c.key)
                    .ok_or_else(|| format!("{section}.{} missing", c.key))?;
                self.check(section, c, &v)?;
            }
        }
        let sources: Vec<u64> = p
            .device_consts
            .iter()
            .chain(p.system_consts)
            .filter(|c| c.check == Check::CoroSource)
            .filter_map(|c| match self.value(c.key) {
                Some(Value::Number(n)) => Some(n),
                _ => None,
            })
            .collect();
        if sources.iter().collect::<BTreeSet<_>>().len() != sources.len() {
            return Err("system: the CoroSched sources must be distinct".into());
        }
        Ok(())
    }

    fn check(&self, section: &str, c: &Const, v: &Value) -> Result<(), String> {
        let key = c.key;
        let n = match (c.check, v) {
            (Check::FileName, Value::Text(t)) => {
                if t.is_empty() || t.contains(['/', '"', '\\']) {
                    return Err(format!("{section}.{key} must be a plain file name"));
                }
                return Ok(());
            }
            (Check::FileName, Value::Number(_)) => {
                return Err(format!("{section}.{key} must be a file name (a string)"));
            }
            (_, Value::Text(_)) => return Err(format!("{section}.{key} must be a number")),
            (_, Value::Number(n)) => *n,
        };
        let ok = match c.check {
            Check::Any | Check::FileName => true,
            Check::Positive => n > 0,
            Check::PowerOfTwo { min } => n.is_power_of_two() && n >= min,
            Check::Range { min, max } => (min..=max).contains(&n),
            Check::Equals(want) => n == want,
            Check::MultipleOf(m) => n.is_multiple_of(m),
            Check::MultipleOfWindow => n.is_multiple_of(self.device.window),
            Check::CoroSource => n < 64,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{section}.{key} = {n}: {}", c.check.requirement()))
        }
    }

    fn validate_blocks(&self) -> Result<(), String> {
        let d = &self.device;
        let p = self.profile;
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
                Count::Named(n) if n == PER_CORE_COUNT && d.params.contains_key(PER_CORE_ROOM) => {}
                Count::Named(n) => {
                    return Err(format!(
                        "block {}: count `{n}` is not a number (or `{PER_CORE_COUNT}` on a device \
                         with `{PER_CORE_ROOM}`)",
                        b.name
                    ));
                }
            }
            for (block, param) in p.block_counts {
                if b.name == *block && b.count != Count::Fixed(d.params[*param]) {
                    return Err(format!("block {block} must have count = device.{param}"));
                }
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
                if !p.widths.contains(&r.width) {
                    return Err(format!("{}: width must be one of {:?}", r.name, p.widths));
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
        for required in p.required_blocks {
            if self.block(required).is_none() {
                return Err(format!("block {required} missing"));
            }
        }
        Ok(())
    }

    fn validate_enums(&self) -> Result<(), String> {
        let mut enames = BTreeSet::new();
        for e in &self.enums {
            if !ident(&e.name) || !enames.insert(e.name.clone()) {
                return Err(format!("enum name `{}` is not a unique identifier", e.name));
            }
            if e.from_paths && self.paths.is_empty() {
                return Err(format!(
                    "enum {} takes its values from the wake paths, but there are none",
                    e.name
                ));
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
        Ok(())
    }

    /// Word tables (parsing admits only the profile's): each present, names unique, indices
    /// unique and inside the slot.
    fn validate_words(&self) -> Result<(), String> {
        for table in self.profile.words {
            let what = table.key;
            let words = self
                .words
                .get(what)
                .ok_or_else(|| format!("[[{what}]] missing"))?;
            let slot = self.device.params[table.slot_param];
            let mut seen = BTreeSet::new();
            let mut idx = BTreeSet::new();
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
                if !idx.insert(w.index) {
                    return Err(format!("{what}: two words share an index"));
                }
            }
        }
        Ok(())
    }

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

    /// Placements: unique names, window-aligned, non-overlapping bases; at least one where
    /// the profile says the config chooses among them.
    fn validate_placements(&self) -> Result<(), String> {
        let placements = &self.system.placements;
        if self.profile.placements && placements.is_empty() {
            return Err("system: no placement".into());
        }
        if !self.profile.placements && !placements.is_empty() {
            return Err(format!(
                "system: the {} profile has no placements",
                self.profile.name
            ));
        }
        let window = self.device.window;
        let mut names = BTreeSet::new();
        let mut windows = Vec::new();
        for p in placements {
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
        overlap_check(&mut windows).map_err(|e| format!("placements: {e}"))
    }
}

fn overlap_check(ranges: &mut [(u64, u64, &str)]) -> Result<(), String> {
    ranges.sort();
    for w in ranges.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(format!(
                "{} and {} overlap (offset {:#x} is taken)",
                w[0].2, w[1].2, w[1].0
            ));
        }
    }
    Ok(())
}
