//! Text helpers shared by the generators.

use crate::model::{RegMap, Value};

/// `WakeMode` → `WAKE_MODE`, `ErrorCode` → `ERROR_CODE`.
pub(crate) fn upper_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `SRC_TASK` → `srcTask`.
pub(crate) fn lower_camel(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('_').enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut cs = lower.chars();
            if let Some(f) = cs.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(cs);
            }
        }
    }
    out
}

/// A Rust identifier for `s` (raw if `s` is a keyword).
pub(crate) fn rust_ident(s: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
        "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
        "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
        "virtual", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&s) {
        format!("r#{s}")
    } else {
        s.to_string()
    }
}

/// Collapse whitespace (the TOML docs may span lines).
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Word-wrap `text` into comment lines with `prefix`, at most `width` columns.
pub(crate) fn wrap(text: &str, prefix: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(prefix);
    for word in text.split_whitespace() {
        if line.len() > prefix.len() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(prefix);
        }
        if line.len() > prefix.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

pub(crate) fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// Fill a template from the register map: `{key}` is a device constant or system value
/// ([`RegMap::value`]; numbers in decimal, text as is), `{key:x}` a number in hex,
/// `{placements}` a Python dict of the placements' bases and `{path_names}` a Python tuple of
/// the wake paths' names.
pub(crate) fn fill(template: &str, map: &RegMap) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open
            + rest[open..]
                .find('}')
                .unwrap_or_else(|| panic!("unclosed `{{` in a template of {}", map.profile.name));
        let (key, hexed) = match rest[open + 1..close].split_once(':') {
            Some((k, "x")) => (k, true),
            Some((k, f)) => panic!(
                "template of {}: format `{f}` of `{k}` is not `x`",
                map.profile.name
            ),
            None => (&rest[open + 1..close], false),
        };
        match (key, map.value(key)) {
            ("placements", _) => {
                out.push_str("{\n");
                for p in &map.system.placements {
                    out.push_str(&format!("    \"{}\": {},\n", p.name, hex(p.base)));
                }
                out.push('}');
            }
            ("path_names", _) => {
                let names: Vec<String> = map
                    .paths
                    .iter()
                    .map(|p| format!("\"{}\"", p.name))
                    .collect();
                out.push_str(&format!("({})", names.join(", ")));
            }
            (_, Some(Value::Number(n))) if hexed => out.push_str(&hex(n)),
            (_, Some(Value::Number(n))) => out.push_str(&n.to_string()),
            (_, Some(Value::Text(t))) => out.push_str(&t),
            (_, None) => panic!(
                "a template of {} names `{key}`, which its regmap.toml does not define",
                map.profile.name
            ),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}
