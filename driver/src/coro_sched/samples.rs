//! The device's raw wake samples, `<run dir>/coro_sched_wakes.csv` (written by
//! `gem5-devices/coro_sched/coro_sched.cc`, documented in docs/coro-sched-device.md):
//!
//! ```text
//! # CoroSched wake samples of system.realview.coro_sched: cycles = (resume_tick - fire_tick) / 250 ticks
//! # lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps
//! seq,path,core,source,fire_tick,resume_tick,cycles
//! # reset tick=0
//! 0,hwq,0,1,1000,26000,100
//! # dump tick=30000
//! ```
//!
//! One line per completed wake (a `RESUME` write that matched an outstanding wake), in resume
//! order, never reset. `path` is the way the wake was delivered (`irq`, `poll`, `hwq`, `ring`,
//! or `fallback` for a hwq/ring wake that fell back to the interrupt). The marker lines cut the
//! samples into the same windows as `stats.txt` (ARCHITECTURE.md, contract 3): the k-th
//! `# dump` line is written just before the k-th stats dump, and the samples of that dump are
//! those after the last `# reset` before it ([`Samples::dump_windows`]).
//!
//! The parser is strict, like the stats parser: a line that is not a comment, the header or a
//! sample with a number in every numeric column and a known path is a [`SamplesError`] naming
//! the file and the line; so is a sample whose `cycles` disagrees with its ticks and the
//! period of the first comment line. Columns are found by their names in the header (extra
//! columns are ignored).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How a wake was delivered: the register map's wake paths (`[[path]]` in
/// gem5-devices/coro_sched/regmap.toml, the device's `coro_sched::Path`).
pub use coro_sched_regs::WakePath;

/// One completed wake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// 0, 1, 2, … in resume order (never reset).
    pub seq: u64,
    pub path: WakePath,
    /// The core that wrote `RESUME`.
    pub core: u64,
    pub source: u64,
    /// The tick the event fired (or was latched).
    pub fire_tick: u64,
    /// The tick the `RESUME` write reached the device.
    pub resume_tick: u64,
    /// (resume_tick − fire_tick) / cycle period, rounded down.
    pub cycles: u64,
    /// The 1-based line in the file.
    pub line: usize,
}

/// A `# reset tick=T` or `# dump tick=T` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkerKind {
    Reset,
    Dump,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub kind: MarkerKind,
    pub tick: u64,
    /// The 1-based line in the file.
    pub line: usize,
    /// How many samples precede the marker (the index of the first sample after it).
    pub samples_before: usize,
}

/// A parsed samples file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Samples {
    /// Ticks per cycle, from the first comment line, when it says.
    pub period_ticks: Option<u64>,
    /// Every sample, in file (resume) order.
    pub samples: Vec<Sample>,
    /// Every reset and dump marker, in file order.
    pub markers: Vec<Marker>,
}

/// A samples file that cannot be read or parsed; displays as `path:line: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamplesError {
    pub path: Option<PathBuf>,
    /// The 1-based line, when the problem is on one line.
    pub line: Option<usize>,
    pub message: String,
    /// The file does not exist (a run without the device has none).
    pub not_found: bool,
}

impl fmt::Display for SamplesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{l}: {}", p.display(), self.message),
            (Some(p), None) => write!(f, "{}: {}", p.display(), self.message),
            (None, Some(l)) => write!(f, "line {l}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SamplesError {}

/// The columns the driver needs, by header name.
pub const COLUMNS: [&str; 7] = [
    "seq",
    "path",
    "core",
    "source",
    "fire_tick",
    "resume_tick",
    "cycles",
];

fn at(line: usize, message: impl Into<String>) -> SamplesError {
    SamplesError {
        path: None,
        line: Some(line),
        message: message.into(),
        not_found: false,
    }
}

/// `… / 250 ticks` in the first comment line.
fn period_of(comment: &str) -> Option<u64> {
    let (_, rest) = comment.rsplit_once("/ ")?;
    rest.trim().strip_suffix("ticks")?.trim().parse().ok()
}

impl Samples {
    /// Parses the text of a samples file.
    pub fn parse(text: &str) -> Result<Samples, SamplesError> {
        let mut out = Samples::default();
        // Positions of COLUMNS in a line, and the number of fields, once the header is seen.
        let mut header: Option<([usize; 7], usize)> = None;
        let mut first_comment = true;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let comment = comment.trim();
                if first_comment {
                    out.period_ticks = period_of(comment);
                    first_comment = false;
                }
                for (word, kind) in [("reset", MarkerKind::Reset), ("dump", MarkerKind::Dump)] {
                    let Some(rest) = comment.strip_prefix(word) else {
                        continue;
                    };
                    let Some(tick) = rest.trim().strip_prefix("tick=") else {
                        continue;
                    };
                    let tick = tick.trim().parse().map_err(|_| {
                        at(
                            n,
                            format!("marker '{line}': tick '{}' is not a number", tick.trim()),
                        )
                    })?;
                    out.markers.push(Marker {
                        kind,
                        tick,
                        line: n,
                        samples_before: out.samples.len(),
                    });
                }
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let Some((cols, width)) = header else {
                let mut cols = [0usize; 7];
                for (c, name) in COLUMNS.iter().enumerate() {
                    cols[c] = fields.iter().position(|f| f == name).ok_or_else(|| {
                        at(
                            n,
                            format!(
                                "expected the header line (columns {}), found '{line}' (no column '{name}')",
                                COLUMNS.join(",")
                            ),
                        )
                    })?;
                }
                header = Some((cols, fields.len()));
                continue;
            };
            if fields.len() != width {
                return Err(at(
                    n,
                    format!(
                        "'{line}' has {} fields, the header has {width}",
                        fields.len()
                    ),
                ));
            }
            let num = |c: usize| -> Result<u64, SamplesError> {
                let f = fields[cols[c]];
                f.parse().map_err(|_| {
                    at(
                        n,
                        format!("column {} is '{f}', not a non-negative integer", COLUMNS[c]),
                    )
                })
            };
            let path_name = fields[cols[1]];
            let path = WakePath::from_name(path_name).ok_or_else(|| {
                let known: Vec<&str> = WakePath::ALL.iter().map(|p| p.name()).collect();
                at(
                    n,
                    format!(
                        "unknown wake path '{path_name}' (known: {})",
                        known.join(", ")
                    ),
                )
            })?;
            let sample = Sample {
                seq: num(0)?,
                path,
                core: num(2)?,
                source: num(3)?,
                fire_tick: num(4)?,
                resume_tick: num(5)?,
                cycles: num(6)?,
                line: n,
            };
            if let Some(period) = out.period_ticks.filter(|p| *p > 0) {
                let expect = sample.resume_tick.saturating_sub(sample.fire_tick) / period;
                if expect != sample.cycles {
                    return Err(at(
                        n,
                        format!(
                            "cycles {} disagrees with the ticks: ({} - {}) / {period} = {expect}",
                            sample.cycles, sample.resume_tick, sample.fire_tick
                        ),
                    ));
                }
            }
            out.samples.push(sample);
        }
        if header.is_none() {
            return Err(SamplesError {
                path: None,
                line: None,
                message: format!("no header line (columns {})", COLUMNS.join(",")),
                not_found: false,
            });
        }
        Ok(out)
    }

    /// Reads and parses a samples file; errors name it.
    pub fn read(path: &Path) -> Result<Samples, SamplesError> {
        let bytes = std::fs::read(path).map_err(|e| SamplesError {
            path: Some(path.to_path_buf()),
            line: None,
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?;
        Samples::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| SamplesError {
            path: Some(path.to_path_buf()),
            ..e
        })
    }

    /// The samples of each stats dump, in dump order: for the k-th `# dump` marker, the
    /// indices of the samples after the last `# reset` before it (from the start of the file
    /// if there was none). Stats that were not reset between two dumps accumulate, and so do
    /// these windows.
    pub fn dump_windows(&self) -> Vec<Range<usize>> {
        let mut start = 0;
        let mut out = Vec::new();
        for m in &self.markers {
            match m.kind {
                MarkerKind::Reset => start = m.samples_before,
                MarkerKind::Dump => out.push(start..m.samples_before),
            }
        }
        out
    }

    /// Cycles by path, in sample order.
    pub fn cycles_by_path<'a>(
        samples: impl IntoIterator<Item = &'a Sample>,
    ) -> BTreeMap<WakePath, Vec<u64>> {
        let mut out: BTreeMap<WakePath, Vec<u64>> = BTreeMap::new();
        for s in samples {
            out.entry(s.path).or_default().push(s.cycles);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# CoroSched wake samples of system.realview.coro_sched: cycles = (resume_tick - fire_tick) / 250 ticks
# lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps
seq,path,core,source,fire_tick,resume_tick,cycles
# reset tick=0
0,irq,0,0,1000,26000,100
# dump tick=30000
# reset tick=30000
1,hwq,0,0,40000,42500,10
2,fallback,0,0,50000,75250,101

3,hwq,1,2,80000,80250,1
# dump tick=90000
4,hwq,0,0,95000,95500,2
# dump tick=99000
";

    #[test]
    fn parses_samples_markers_and_windows() {
        let s = Samples::parse(FILE).unwrap();
        assert_eq!(s.period_ticks, Some(250));
        assert_eq!(s.samples.len(), 5);
        assert_eq!(
            s.samples[2],
            Sample {
                seq: 2,
                path: WakePath::Fallback,
                core: 0,
                source: 0,
                fire_tick: 50000,
                resume_tick: 75250,
                cycles: 101,
                line: 9
            }
        );
        assert_eq!(s.markers.len(), 5);
        assert_eq!(s.markers[1].kind, MarkerKind::Dump);
        assert_eq!(s.markers[1].tick, 30000);
        // Dump 0: sample 0; dump 1: samples 1..4 (after the reset); dump 2: no reset since
        // dump 1, so its window accumulates 1..5.
        assert_eq!(s.dump_windows(), vec![0..1, 1..4, 1..5]);
        let by_path = Samples::cycles_by_path(&s.samples[1..4]);
        assert_eq!(by_path[&WakePath::Hwq], vec![10, 1]);
        assert_eq!(by_path[&WakePath::Fallback], vec![101]);
        assert!(!by_path.contains_key(&WakePath::Irq));
    }

    #[test]
    fn columns_are_found_by_name() {
        let text =
            "cycles,path,extra,seq,core,source,fire_tick,resume_tick\n7,ring,x,0,0,0,0,1750\n";
        let s = Samples::parse(text).unwrap();
        assert_eq!(s.period_ticks, None, "no comment: no period check");
        assert_eq!(
            (s.samples[0].cycles, s.samples[0].path),
            (7, WakePath::Ring)
        );
        assert!(s.dump_windows().is_empty());
    }

    fn error_of(text: &str) -> String {
        Samples::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line_number() {
        let head = "# x: cycles = (resume_tick - fire_tick) / 250 ticks\nseq,path,core,source,fire_tick,resume_tick,cycles\n";
        assert_eq!(
            error_of(&format!("{head}0,irq,0,0,0,2500,10\n1,irq,0,0,0,2500\n")),
            "line 4: '1,irq,0,0,0,2500' has 6 fields, the header has 7"
        );
        assert_eq!(
            error_of(&format!("{head}0,irq,0,0,0,25x0,10\n")),
            "line 3: column resume_tick is '25x0', not a non-negative integer"
        );
        assert_eq!(
            error_of(&format!("{head}\n0,tlb,0,0,0,2500,10\n")),
            "line 4: unknown wake path 'tlb' (known: irq, poll, hwq, ring, fallback)"
        );
        assert_eq!(
            error_of(&format!("{head}0,irq,0,0,0,2500,11\n")),
            "line 3: cycles 11 disagrees with the ticks: (2500 - 0) / 250 = 10"
        );
        assert_eq!(
            error_of(&format!("{head}# dump tick=soon\n")),
            "line 3: marker '# dump tick=soon': tick 'soon' is not a number"
        );
        assert!(
            error_of("# only a comment\n0,irq,0,0,0,2500,10\n")
                .starts_with("line 2: expected the header line (columns seq,path,core,source,fire_tick,resume_tick,cycles), found '0,irq,0,0,0,2500,10'")
        );
        assert_eq!(
            error_of("# nothing\n"),
            "no header line (columns seq,path,core,source,fire_tick,resume_tick,cycles)"
        );
    }

    #[test]
    fn read_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coro_sched_wakes.csv");
        std::fs::write(
            &path,
            "seq,path,core,source,fire_tick,resume_tick,cycles\n0,irq\n",
        )
        .unwrap();
        let e = Samples::read(&path).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2: '0,irq' has 2 fields, the header has 7",
                path.display()
            )
        );
        let missing = Samples::read(&dir.path().join("none.csv")).unwrap_err();
        assert!(missing.to_string().contains("none.csv: "), "{missing}");
    }
}
