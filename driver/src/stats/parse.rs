//! The line-level parser. Line shapes, from gem5 v24 `src/base/stats/text.cc`:
//!
//! * markers: `---------- Begin Simulation Statistics ----------` and
//!   `---------- End Simulation Statistics   ----------`, each after a blank line;
//! * a stat line (`ScalarPrint`): `"%-40s %12s %10s %10s # %s (%s)"` = name, value, pdf, cdf,
//!   description, unit. Long names push the rest right, so columns are found by whitespace.
//!   pdf and cdf are `%.2f%%` or blank. ` # desc` is left out when the description is empty or
//!   descriptions are off; ` (unit)` too (units are printed exactly when descriptions are);
//!   with `spaces=False` nothing is padded. The unit of a rate has its own parentheses:
//!   `((Tick/Second))`;
//! * a value (`ValueToString`): `nan`, or fixed-point with the stat's precision (0 decimals
//!   for integral values by default), so also `inf`/`-inf`; we accept anything Rust's `f64`
//!   parser does, which includes `-nan` from other writers;
//! * a `oneline` vector or distribution (only Ruby's Garnet uses the flag): the name, then per
//!   element ` | value pdf cdf` with no element names; elements become `name::0`, `name::1`, …
//!   A oneline distribution also prints `::bucket_size` and `::min_bucket`, from which
//!   [`super::Dump::histogram`] computes the bucket bounds.

use super::{Column, Dump, ParseErrorKind, Stat};

const BEGIN: &str = "---------- Begin Simulation Statistics";
const END: &str = "---------- End Simulation Statistics";

/// An error and the 1-based line it is on.
pub(super) type LineError = (Option<usize>, ParseErrorKind);

pub(super) fn parse(text: &str) -> Result<super::StatsFile, LineError> {
    let mut dumps = Vec::new();
    // The open dump: the line of its Begin marker and its stats so far.
    let mut open: Option<(usize, Vec<Stat>)> = None;
    let mut last_line = 0;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let lineno = i + 1;
        last_line = lineno;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with(BEGIN) {
            if let Some((open_line, _)) = open {
                return Err((Some(lineno), ParseErrorKind::NestedBegin { open_line }));
            }
            open = Some((lineno, Vec::new()));
        } else if line.starts_with(END) {
            let Some((begin_line, stats)) = open.take() else {
                return Err((Some(lineno), ParseErrorKind::EndWithoutBegin));
            };
            let index = dumps.len();
            let dump = Dump::new(index, begin_line, stats).map_err(|d| {
                let kind = ParseErrorKind::Duplicate {
                    name: d.name,
                    first_line: d.first_line,
                    dump: index,
                };
                (Some(d.line), kind)
            })?;
            dumps.push(dump);
        } else if let Some((begin_line, stats)) = open.as_mut() {
            if let Err(kind) = parse_stat_line(line, lineno, stats) {
                // A bad last line without its newline: the file was cut there, mid-write.
                if lines.peek().is_none() && !text.ends_with('\n') {
                    let kind = ParseErrorKind::Truncated {
                        dump: dumps.len(),
                        begin_line: *begin_line,
                        last_line: lineno,
                    };
                    return Err((Some(*begin_line), kind));
                }
                return Err((Some(lineno), kind));
            }
        } else {
            return Err((
                Some(lineno),
                ParseErrorKind::OutsideDump {
                    text: excerpt(line),
                },
            ));
        }
    }
    if let Some((begin_line, _)) = open {
        let kind = ParseErrorKind::Truncated {
            dump: dumps.len(),
            begin_line,
            last_line,
        };
        return Err((Some(begin_line), kind));
    }
    if dumps.is_empty() {
        return Err((None, ParseErrorKind::Empty));
    }
    Ok(super::StatsFile { dumps })
}

/// The start of a line, for error messages.
fn excerpt(line: &str) -> String {
    const MAX: usize = 120;
    if line.len() <= MAX {
        return line.to_string();
    }
    let mut end = MAX;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// Whitespace-separated tokens with their byte offsets.
struct Tokens<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a str) -> Self {
        Tokens { s, pos: 0 }
    }

    /// The offset of the next token (or the end of the line), without consuming it.
    fn rest(&mut self) -> &'a str {
        let bytes = self.s.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        &self.s[self.pos..]
    }

    fn peek(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    }

    fn next(&mut self) -> Option<&'a str> {
        let tok = self.peek()?;
        self.pos += tok.len();
        Some(tok)
    }
}

fn number(name: &str, column: Column, text: &str) -> Result<f64, ParseErrorKind> {
    text.parse::<f64>().map_err(|_| ParseErrorKind::NotANumber {
        name: name.to_string(),
        column,
        text: excerpt(text),
    })
}

/// Reads the optional pdf and cdf columns.
fn percentages(
    name: &str,
    toks: &mut Tokens<'_>,
) -> Result<(Option<f64>, Option<f64>), ParseErrorKind> {
    let mut out = [None, None];
    for (slot, column) in out.iter_mut().zip([Column::Pdf, Column::Cdf]) {
        match toks.peek() {
            Some(t) if t.ends_with('%') => {
                toks.next();
                *slot = Some(number(name, column, &t[..t.len() - 1])?);
            }
            _ => break,
        }
    }
    Ok((out[0], out[1]))
}

fn parse_stat_line(line: &str, lineno: usize, out: &mut Vec<Stat>) -> Result<(), ParseErrorKind> {
    let malformed = |reason| ParseErrorKind::Malformed {
        reason,
        text: excerpt(line),
    };
    let mut toks = Tokens::new(line);
    let Some(name) = toks.next() else {
        unreachable!("blank lines are skipped before")
    };
    if name.starts_with('#') || name.starts_with('(') || name.starts_with('-') {
        return Err(malformed("it does not start with a stat name"));
    }
    let Some(first) = toks.peek() else {
        return Err(malformed("no value after the name"));
    };

    // (value, pdf, cdf) per element: one for an ordinary line, several for a oneline vector.
    let mut values = Vec::with_capacity(1);
    let oneline = first == "|";
    if oneline {
        while toks.peek() == Some("|") {
            toks.next();
            let Some(v) = toks.next() else {
                return Err(malformed("no value after `|`"));
            };
            let v = number(name, Column::Value, v)?;
            let (pdf, cdf) = percentages(name, &mut toks)?;
            values.push((v, pdf, cdf));
        }
    } else {
        toks.next();
        let v = number(name, Column::Value, first)?;
        let (pdf, cdf) = percentages(name, &mut toks)?;
        values.push((v, pdf, cdf));
    }

    let rest = toks.rest();
    let (desc, unit) = if let Some(d) = rest.strip_prefix('#') {
        split_desc_unit(d.trim())
    } else if rest.starts_with('(') {
        match split_desc_unit(rest) {
            (None, Some(unit)) => (None, Some(unit)),
            _ => {
                return Err(malformed(
                    "text after the value is neither `# description` nor `(unit)`",
                ));
            }
        }
    } else if rest.is_empty() {
        (None, None)
    } else {
        return Err(malformed(
            "unexpected text after the value; expected pdf/cdf percentages, `# description` or `(unit)`",
        ));
    };

    if oneline {
        for (i, (value, pdf, cdf)) in values.into_iter().enumerate() {
            out.push(Stat {
                name: format!("{name}::{i}"),
                value,
                pdf,
                cdf,
                desc: desc.clone(),
                unit: unit.clone(),
                line: lineno,
            });
        }
    } else {
        let (value, pdf, cdf) = values[0];
        out.push(Stat {
            name: name.to_string(),
            value,
            pdf,
            cdf,
            desc,
            unit,
            line: lineno,
        });
    }
    Ok(())
}

/// Splits `description (unit)` at the last balanced parenthesised group, if the line ends
/// with one that follows a space (gem5 prints ` (%s)` after the description).
fn split_desc_unit(s: &str) -> (Option<String>, Option<String>) {
    let some = |t: &str| (!t.is_empty()).then(|| t.to_string());
    if !s.ends_with(')') {
        return (some(s), None);
    }
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    if i == 0 || bytes[i - 1] == b' ' {
                        return (some(s[..i].trim_end()), some(&s[i + 1..s.len() - 1]));
                    }
                    break;
                }
            }
            _ => {}
        }
    }
    (some(s), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desc_and_unit() {
        assert_eq!(
            split_desc_unit("Number of ticks simulated (Tick)"),
            (
                Some("Number of ticks simulated".into()),
                Some("Tick".into())
            )
        );
        assert_eq!(
            split_desc_unit("The number of ticks per simulated second ((Tick/Second))"),
            (
                Some("The number of ticks per simulated second".into()),
                Some("(Tick/Second)".into())
            )
        );
        assert_eq!(
            split_desc_unit("from beginning (never reset) (Tick)"),
            (
                Some("from beginning (never reset)".into()),
                Some("Tick".into())
            )
        );
        assert_eq!(split_desc_unit("(Count)"), (None, Some("Count".into())));
        assert_eq!(split_desc_unit("no unit"), (Some("no unit".into()), None));
        assert_eq!(split_desc_unit("f(x)"), (Some("f(x)".into()), None));
        assert_eq!(
            split_desc_unit("unbalanced)"),
            (Some("unbalanced)".into()), None)
        );
    }

    #[test]
    fn tokens() {
        let mut t = Tokens::new("a  b\tc ");
        assert_eq!(t.next(), Some("a"));
        assert_eq!(t.peek(), Some("b"));
        assert_eq!(t.next(), Some("b"));
        assert_eq!(t.rest(), "c ");
        assert_eq!(t.next(), Some("c"));
        assert_eq!(t.next(), None);
        assert_eq!(t.rest(), "");
    }
}
