//! gem5 `stats.txt` files: parsing, lookups and JSON.
//!
//! gem5 (v24, `src/base/stats/text.cc`) appends one block per stats dump to `stats.txt`:
//!
//! ```text
//!
//! ---------- Begin Simulation Statistics ----------
//! simTicks                                    123456000                       # Number of ticks simulated (Tick)
//! system.cpu_cluster.cpus0.numCycles             493824                       # Number of cpu cycles simulated (Cycle)
//! system.cpu_cluster.cpus0.commitStats0.committedInstType::IntAlu          123     45.00%     45.00% # Class of committed instruction. (Count)
//!
//! ---------- End Simulation Statistics   ----------
//! ```
//!
//! Our guest brackets every measured region with m5ops, so one file holds several dumps in
//! order (ARCHITECTURE.md, contract 3). [`StatsFile::parse`] turns the file into a
//! [`Dump`] per block; a dump keeps every line as a [`Stat`]: the full name, the value as
//! printed (`f64`, NaN and ±inf included), the optional pdf/cdf percentages, the description
//! and the unit. Why keep it all rather than only the numbers: the experiments need the
//! values, but a person checking a surprising result needs the description and unit, and the
//! JSON export ([`serde`]) should say everything the text said.
//!
//! Why the parser is strict: a stats file that is silently half-read yields wrong figures,
//! not an error. A truncated file (a `Begin` without its `End`, as when gem5 is killed during
//! a dump), a line that is not a stat line, a value that is not a number, or an empty file is
//! a [`ParseError`] that names the file and the line (`path:line: what is wrong`). A name that
//! appears twice in one dump is an error too, because every lookup by name would be ambiguous.
//!
//! Lookups ([`Dump::get`], [`Dump::value`], [`Dump::sum`], [`Dump::histogram`]) work on the
//! full names. [`Dump::sum`] takes a glob-like pattern, so that one call sums a per-CPU
//! counter whatever the CPUs are called (`cpus` for one core, `cpus0`, `cpus1`, … or
//! `cpus00`… for more); see [`Dump::matching`] for the syntax.
//!
//! Speed: the parser makes one pass over the text, splits lines on whitespace without regular
//! expressions and builds a name index per dump by sorting, so a 50 MB file takes well under a
//! second in a release build.

mod histogram;
mod parse;
mod pattern;
mod serde_impl;

use std::fmt;
use std::path::{Path, PathBuf};

pub use histogram::{Bucket, DistKind, Histogram};

/// All the dumps of one `stats.txt`, in file order (dump 0 first).
///
/// Serializes as `{"dumps": [{"<stat name>": {"value": …, "pdf": …, "cdf": …, "desc": …,
/// "unit": …}, …}, …]}`, with NaN and infinities as the strings `"nan"`, `"inf"`, `"-inf"`;
/// deserializes from the same.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatsFile {
    /// The dumps, in the order gem5 wrote them. A parsed file has at least one.
    pub dumps: Vec<Dump>,
}

/// One line of a dump: a scalar, one element of a vector, or one field of a distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    /// The full name, e.g. `system.cpu_cluster.cpus0.numCycles` or
    /// `system.realview.accel.jobLatency::0-1.04858e+06`.
    pub name: String,
    /// The value as printed: integral values exactly, others with the stat's precision
    /// (6 decimals by default), `nan` as NaN, `inf`/`-inf` as infinities.
    pub value: f64,
    /// The pdf column in percent (`25.00%` → 25.0), when the line has one.
    pub pdf: Option<f64>,
    /// The cdf column in percent, when the line has one.
    pub cdf: Option<f64>,
    /// The text after ` # `, without the unit; `None` when gem5 printed no description.
    pub desc: Option<String>,
    /// The unit without its outer parentheses: `Count`, `Tick`, or `(Tick/Second)` for a
    /// rate (printed as `((Tick/Second))`); `None` when the line has none.
    pub unit: Option<String>,
    /// The 1-based line in the file the stat came from (0 if it did not come from a file,
    /// e.g. read back from JSON). Not serialized.
    pub line: usize,
}

/// One stats dump: the stats of one `Begin … End Simulation Statistics` block.
///
/// Stats keep their file order ([`Dump::stats`]); a sorted index makes lookups by name
/// logarithmic and lets a pattern with a literal prefix scan only the names that share it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dump {
    index: usize,
    begin_line: usize,
    stats: Vec<Stat>,
    /// Indices into `stats`, sorted by name; names are unique.
    sorted: Vec<u32>,
}

impl StatsFile {
    /// Parses the text of a whole `stats.txt`.
    pub fn parse(text: &str) -> Result<StatsFile, ParseError> {
        parse::parse(text).map_err(|(line, kind)| ParseError {
            path: None,
            line,
            kind,
        })
    }

    /// Reads and parses a `stats.txt`. Errors name the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<StatsFile, ParseError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| ParseError {
            path: Some(path.to_path_buf()),
            line: None,
            kind: ParseErrorKind::Io(e),
        })?;
        // gem5 copies descriptions verbatim; do not fail on a stray non-UTF-8 byte in one.
        let text = String::from_utf8_lossy(&bytes);
        Self::parse(&text).map_err(|e| ParseError {
            path: Some(path.to_path_buf()),
            ..e
        })
    }

    /// The dump at `index` (0 = the first one in the file).
    pub fn dump(&self, index: usize) -> Result<&Dump, LookupError> {
        self.dumps.get(index).ok_or(LookupError::NoSuchDump {
            index,
            count: self.dumps.len(),
        })
    }

    /// The last dump, which gem5 writes at exit.
    pub fn last(&self) -> Option<&Dump> {
        self.dumps.last()
    }
}

impl std::str::FromStr for StatsFile {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Dump {
    /// Builds a dump from stats in file order. Fails if a name appears twice; the error
    /// holds the name.
    pub fn new(index: usize, begin_line: usize, stats: Vec<Stat>) -> Result<Dump, DuplicateStat> {
        assert!(
            stats.len() <= u32::MAX as usize,
            "more than 4 billion stats in one dump"
        );
        let mut sorted: Vec<u32> = (0..stats.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| {
            stats[a as usize]
                .name
                .cmp(&stats[b as usize].name)
                .then(a.cmp(&b))
        });
        if let Some(w) = sorted
            .windows(2)
            .find(|w| stats[w[0] as usize].name == stats[w[1] as usize].name)
        {
            let (first, second) = (&stats[w[0] as usize], &stats[w[1] as usize]);
            return Err(DuplicateStat {
                name: second.name.clone(),
                first_line: first.line,
                line: second.line,
            });
        }
        Ok(Dump {
            index,
            begin_line,
            stats,
            sorted,
        })
    }

    /// The position of this dump in its file (0 = first).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The line of this dump's `Begin Simulation Statistics` marker (0 if not from a file).
    pub fn begin_line(&self) -> usize {
        self.begin_line
    }

    /// Every stat, in file order.
    pub fn stats(&self) -> &[Stat] {
        &self.stats
    }

    /// The number of stat lines.
    pub fn len(&self) -> usize {
        self.stats.len()
    }

    /// True if the dump has no stat lines.
    pub fn is_empty(&self) -> bool {
        self.stats.is_empty()
    }

    /// The stat with exactly this full name.
    pub fn stat(&self, name: &str) -> Option<&Stat> {
        self.sorted
            .binary_search_by(|&i| self.stats[i as usize].name.as_str().cmp(name))
            .ok()
            .map(|pos| &self.stats[self.sorted[pos] as usize])
    }

    /// The value of the stat with exactly this full name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.stat(name).map(|s| s.value)
    }

    /// Like [`Dump::get`], but a missing stat is an error that says which dump was searched
    /// and suggests names with the same last component.
    pub fn value(&self, name: &str) -> Result<f64, LookupError> {
        self.get(name).ok_or_else(|| LookupError::Missing {
            dump: self.index,
            name: name.to_string(),
            similar: self.similar_names(name),
        })
    }

    /// The stats whose names match `pattern`, in file order.
    ///
    /// Pattern syntax: `*` matches any run of characters other than `.` and `:` (so it stays
    /// inside one component of the name, and may match nothing); `**` matches any run of
    /// characters at all; every other character matches itself. Examples:
    /// `system.cpu_cluster.cpus*.numCycles` matches `…cpus.numCycles`, `…cpus0.numCycles`
    /// and `…cpus15.numCycles` but not `…cpus0.foo.numCycles`;
    /// `system.**.numCycles` matches that too.
    pub fn matching(&self, pattern: &str) -> Vec<&Stat> {
        let prefix = pattern::literal_prefix(pattern);
        let start = self
            .sorted
            .partition_point(|&i| self.stats[i as usize].name.as_str() < prefix);
        let mut hits: Vec<u32> = self.sorted[start..]
            .iter()
            .copied()
            .take_while(|&i| self.stats[i as usize].name.starts_with(prefix))
            .filter(|&i| pattern::matches(pattern, &self.stats[i as usize].name))
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(|i| &self.stats[i as usize]).collect()
    }

    /// The sum of the values of every stat matching `pattern` (syntax: [`Dump::matching`]),
    /// e.g. `system.cpu_cluster.cpus*.numCycles` for the cycles of all CPUs. A pattern that
    /// matches nothing is an error (a typo must not read as zero). NaN values make the sum NaN.
    pub fn sum(&self, pattern: &str) -> Result<f64, LookupError> {
        let hits = self.matching(pattern);
        if hits.is_empty() {
            return Err(LookupError::NoMatch {
                dump: self.index,
                pattern: pattern.to_string(),
                similar: self.similar_names(pattern),
            });
        }
        Ok(hits.iter().map(|s| s.value).sum())
    }

    /// Reads the histogram, distribution or sparse histogram `name` (the name without
    /// `::samples`) back as buckets and summary fields.
    pub fn histogram(&self, name: &str) -> Result<Histogram, LookupError> {
        histogram::read(self, name)
    }

    /// The stats whose names start with `prefix`, in name order (not file order).
    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Stat> + 'a {
        let start = self
            .sorted
            .partition_point(|&i| self.stats[i as usize].name.as_str() < prefix);
        self.sorted[start..]
            .iter()
            .map(|&i| &self.stats[i as usize])
            .take_while(move |s| s.name.starts_with(prefix))
    }

    /// Up to three names ending with the same last component as `name`, for error messages.
    fn similar_names(&self, name: &str) -> Vec<String> {
        let last = name.rsplit(['.', ':']).next().unwrap_or(name);
        if last.is_empty() || last.contains('*') {
            return Vec::new();
        }
        self.stats
            .iter()
            .filter(|s| s.name.rsplit(['.', ':']).next() == Some(last))
            .take(3)
            .map(|s| s.name.clone())
            .collect()
    }
}

/// Two lines of one dump have the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateStat {
    /// The repeated name.
    pub name: String,
    /// The line of its first occurrence.
    pub first_line: usize,
    /// The line of the repeat.
    pub line: usize,
}

/// A `stats.txt` that could not be read: where (file, line) and what is wrong.
///
/// Displays as `path:line: message`, like a compiler diagnostic.
#[derive(Debug)]
pub struct ParseError {
    /// The file, when parsed with [`StatsFile::from_path`].
    pub path: Option<PathBuf>,
    /// The 1-based line the problem is on, when it is on one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    /// The 1-based line the problem is on, if any.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
}

/// Which column of a stat line held something that is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The value.
    Value,
    /// The pdf percentage.
    Pdf,
    /// The cdf percentage.
    Cdf,
}

/// What is wrong with a `stats.txt`.
#[derive(Debug)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file has no dump at all (it is empty or blank).
    Empty,
    /// A dump was begun and the file ended before its `End` marker.
    Truncated {
        /// The index of the unfinished dump.
        dump: usize,
        /// The line of its `Begin` marker.
        begin_line: usize,
        /// The last line of the file.
        last_line: usize,
    },
    /// A `Begin` marker inside a dump that has not ended.
    NestedBegin {
        /// The line of the unfinished dump's `Begin` marker.
        open_line: usize,
    },
    /// An `End` marker with no dump open.
    EndWithoutBegin,
    /// A stat line (or any other text) outside a `Begin … End` block.
    OutsideDump {
        /// The start of the line.
        text: String,
    },
    /// A line inside a dump that is not a stat line.
    Malformed {
        /// What is missing or unexpected.
        reason: &'static str,
        /// The start of the line.
        text: String,
    },
    /// A value or percentage that is not a number.
    NotANumber {
        /// The stat the line is for.
        name: String,
        /// Which column.
        column: Column,
        /// The text found there.
        text: String,
    },
    /// A name that appears twice in one dump.
    Duplicate {
        /// The repeated name.
        name: String,
        /// The line of its first occurrence.
        first_line: usize,
        /// The dump both lines are in.
        dump: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{l}: ", p.display())?,
            (Some(p), None) => write!(f, "{}: ", p.display())?,
            (None, Some(l)) => write!(f, "line {l}: ")?,
            (None, None) => {}
        }
        match &self.kind {
            ParseErrorKind::Io(e) => write!(f, "cannot read the stats file: {e}"),
            ParseErrorKind::Empty => write!(
                f,
                "no statistics dump in the file (it is empty or blank). gem5 writes stats.txt at \
                 each m5 stats dump and at exit: the simulation probably ended before its first \
                 dump; see gem5.log in the same directory"
            ),
            ParseErrorKind::Truncated {
                dump,
                begin_line,
                last_line,
            } => write!(
                f,
                "dump {dump}, begun at line {begin_line}, has no '---------- End Simulation \
                 Statistics' line: the file ends at line {last_line}. The file is truncated: gem5 \
                 was killed or the disk filled during a dump, or gem5 is still writing it"
            ),
            ParseErrorKind::NestedBegin { open_line } => write!(
                f,
                "'Begin Simulation Statistics' inside the dump begun at line {open_line}, which \
                 has no End line: that dump is truncated, or two gem5 runs wrote the same file"
            ),
            ParseErrorKind::EndWithoutBegin => write!(
                f,
                "'End Simulation Statistics' without a 'Begin Simulation Statistics' line before it"
            ),
            ParseErrorKind::OutsideDump { text } => write!(
                f,
                "text outside a 'Begin … End Simulation Statistics' block: `{text}`; this is not \
                 a gem5 text stats file, or a Begin line is missing"
            ),
            ParseErrorKind::Malformed { reason, text } => {
                write!(f, "not a stat line ({reason}): `{text}`")
            }
            ParseErrorKind::NotANumber { name, column, text } => {
                let what = match column {
                    Column::Value => "value",
                    Column::Pdf => "pdf percentage",
                    Column::Cdf => "cdf percentage",
                };
                write!(
                    f,
                    "the {what} of `{name}` is `{text}`, which is not a number (gem5 prints \
                     e.g. `42`, `0.500000`, `nan`, `inf`{})",
                    if *column == Column::Value {
                        ""
                    } else {
                        " followed by %"
                    }
                )
            }
            ParseErrorKind::Duplicate {
                name,
                first_line,
                dump,
            } => write!(
                f,
                "`{name}` appears twice in dump {dump} (first at line {first_line}); lookups by \
                 name would be ambiguous"
            ),
        }
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ParseErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// A lookup in a parsed file that found nothing usable.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LookupError {
    /// [`StatsFile::dump`] with an index past the end.
    NoSuchDump {
        /// The index asked for.
        index: usize,
        /// How many dumps the file has.
        count: usize,
    },
    /// No stat has this name.
    Missing {
        /// The dump searched.
        dump: usize,
        /// The name asked for.
        name: String,
        /// Names with the same last component, if any.
        similar: Vec<String>,
    },
    /// No stat matches this pattern.
    NoMatch {
        /// The dump searched.
        dump: usize,
        /// The pattern.
        pattern: String,
        /// Names with the same last component, if any.
        similar: Vec<String>,
    },
    /// The name is not a histogram or distribution, or its lines are inconsistent.
    NotADistribution {
        /// The dump searched.
        dump: usize,
        /// The name asked for.
        name: String,
        /// What is missing or unexpected.
        reason: String,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn similar(f: &mut fmt::Formatter<'_>, names: &[String]) -> fmt::Result {
            if !names.is_empty() {
                write!(f, "; similar names: {}", names.join(", "))?;
            }
            Ok(())
        }
        match self {
            LookupError::NoSuchDump { index, count } => write!(
                f,
                "there is no dump {index}: the file has {count} (0..{count}); did the guest \
                 run every measured region?"
            ),
            LookupError::Missing {
                dump,
                name,
                similar: s,
            } => {
                write!(f, "dump {dump} has no stat `{name}`")?;
                similar(f, s)?;
                write!(
                    f,
                    " (gem5 omits stats that are zero with the nozero flag or a zero prereq)"
                )
            }
            LookupError::NoMatch {
                dump,
                pattern,
                similar: s,
            } => {
                write!(f, "no stat in dump {dump} matches `{pattern}`")?;
                similar(f, s)
            }
            LookupError::NotADistribution { dump, name, reason } => {
                write!(
                    f,
                    "`{name}` in dump {dump} is not a readable distribution: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for LookupError {}
