//! Parsing `loadgen_requests.csv`: one header line, then one line per flow-0 request in id
//! order (nic-spec, "Records").

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The header the device writes; any other is an error (a different layout would be misread).
pub const HEADER: &str = "id,flow,kind,arg0,arg1,warmup,arrival_tick,delivered_tick,\
                          completed_tick,status,service_ticks,work_cycles";

/// What a request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Kind {
    /// Synthetic: run for `arg0` CPU cycles.
    Synth,
    /// Key-value GET of key `arg0`.
    Get,
    /// Key-value SCAN of `arg1` items from key `arg0`.
    Scan,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        match s {
            "SYNTH" => Ok(Kind::Synth),
            "GET" => Ok(Kind::Get),
            "SCAN" => Ok(Kind::Scan),
            _ => Err(format!("kind `{s}` is not one of SYNTH, GET, SCAN")),
        }
    }
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Completed: the guest's doorbell stamped it.
    Ok,
    /// The RX ring was full when it arrived.
    Dropped,
    /// Delivered, never completed (the run ended first: a hung guest, or a warm-up request
    /// still in service at END).
    Outstanding,
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        match s {
            "ok" => Ok(Status::Ok),
            "dropped" => Ok(Status::Dropped),
            "outstanding" => Ok(Status::Outstanding),
            _ => Err(format!(
                "status `{s}` is not one of ok, dropped, outstanding"
            )),
        }
    }
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: u64,
    pub flow: u64,
    pub kind: Kind,
    pub arg0: u64,
    pub arg1: u64,
    pub warmup: bool,
    pub arrival_tick: u64,
    pub delivered_tick: u64,
    pub completed_tick: u64,
    pub status: Status,
    /// The drawn service time in ticks (SYNTH); 0 for the key-value kinds.
    pub service_ticks: u64,
    /// The cycles the guest says it spent serving the request (PMU).
    pub work_cycles: u64,
}

impl Record {
    /// Arrival to completion, for a completed request.
    pub fn latency_ticks(&self) -> Option<u64> {
        (self.status == Status::Ok).then(|| self.completed_tick - self.arrival_tick)
    }
}

/// A records file that cannot be used: which line, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsError {
    /// 1-based line number (0: the file as a whole).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RecordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", super::RECORDS_FILE, self.message)
        } else {
            write!(
                f,
                "{} line {}: {}",
                super::RECORDS_FILE,
                self.line,
                self.message
            )
        }
    }
}

impl std::error::Error for RecordsError {}

/// Reads and parses a records file.
pub fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    parse_records(&text).map_err(|e| anyhow::anyhow!("{} ({})", e, path.display()))
}

/// Parses the whole file. Ids must run 1, 2, 3, … (the device writes every request it
/// generated, in order); the ticks must be consistent with the status.
pub fn parse_records(text: &str) -> Result<Vec<Record>, RecordsError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end() == HEADER => {}
        Some((_, h)) => {
            return Err(RecordsError {
                line: 1,
                message: format!("header `{h}` is not `{HEADER}`"),
            });
        }
        None => {
            return Err(RecordsError {
                line: 0,
                message: "empty file (no header)".into(),
            });
        }
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let r = parse_line(line).map_err(|message| RecordsError { line: n, message })?;
        let want = out.len() as u64 + 1;
        if r.id != want {
            return Err(RecordsError {
                line: n,
                message: format!("id {} out of order (expected {want})", r.id),
            });
        }
        out.push(r);
    }
    Ok(out)
}

fn parse_line(line: &str) -> Result<Record, String> {
    let f: Vec<&str> = line.trim_end().split(',').collect();
    if f.len() != 12 {
        return Err(format!("{} fields, expected 12", f.len()));
    }
    let num = |i: usize, name: &str| -> Result<u64, String> {
        f[i].parse::<u64>()
            .map_err(|_| format!("{name} `{}` is not a non-negative integer", f[i]))
    };
    let warmup = match f[5] {
        "0" => false,
        "1" => true,
        w => return Err(format!("warmup `{w}` is not 0 or 1")),
    };
    let r = Record {
        id: num(0, "id")?,
        flow: num(1, "flow")?,
        kind: f[2].parse()?,
        arg0: num(3, "arg0")?,
        arg1: num(4, "arg1")?,
        warmup,
        arrival_tick: num(6, "arrival_tick")?,
        delivered_tick: num(7, "delivered_tick")?,
        completed_tick: num(8, "completed_tick")?,
        status: f[9].parse()?,
        service_ticks: num(10, "service_ticks")?,
        work_cycles: num(11, "work_cycles")?,
    };
    if r.flow != 0 {
        return Err(format!("flow {} (only flow 0 is recorded)", r.flow));
    }
    match r.status {
        Status::Ok if r.completed_tick < r.delivered_tick || r.delivered_tick < r.arrival_tick => {
            Err(format!(
                "ticks out of order: arrival {} delivered {} completed {}",
                r.arrival_tick, r.delivered_tick, r.completed_tick
            ))
        }
        Status::Dropped if r.delivered_tick != 0 || r.completed_tick != 0 => {
            Err("a dropped request with a delivery or completion tick".into())
        }
        Status::Outstanding if r.completed_tick != 0 => {
            Err("an outstanding request with a completion tick".into())
        }
        _ => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "id,flow,kind,arg0,arg1,warmup,arrival_tick,delivered_tick,completed_tick,status,service_ticks,work_cycles
1,0,SYNTH,4000,0,1,1000000,1000000,0,outstanding,1000000,0
2,0,SYNTH,4000,0,0,2000000,2000000,3300000,ok,1000000,1002
3,0,SYNTH,4000,0,0,3000000,0,0,dropped,1000000,0
4,0,GET,17,0,0,4000000,4000000,4500000,ok,0,800
";

    #[test]
    fn parses_the_devices_format() {
        let r = parse_records(SAMPLE).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].status, Status::Outstanding);
        assert!(r[0].warmup);
        assert_eq!(r[1].latency_ticks(), Some(1_300_000));
        assert_eq!(r[2].status, Status::Dropped);
        assert_eq!(r[2].latency_ticks(), None);
        assert_eq!(r[3].kind, Kind::Get);
        assert_eq!(r[3].arg0, 17);
        assert_eq!(r[3].work_cycles, 800);
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let bad = |from: &str, to: &str| parse_records(&SAMPLE.replacen(from, to, 1)).unwrap_err();
        let e = bad("3,0,SYNTH,4000,0,0", "3,0,SYNTH,4k,0,0");
        assert_eq!(e.line, 4);
        assert!(e.to_string().contains("line 4: arg0 `4k`"), "{e}");
        let e = bad(",dropped,", ",lost,");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("ok, dropped, outstanding"));
        let e = bad("4,0,GET", "4,0,PUT");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("SYNTH, GET, SCAN"));
        let e = bad("2,0,SYNTH,4000,0,0,2000000", "2,0,SYNTH,4000,0,2,2000000");
        assert!(e.message.contains("warmup"));
        let e = bad("4,0,GET,17,0,0,", "5,0,GET,17,0,0,");
        assert!(e.message.contains("out of order"), "{e}");
        let e = bad("2000000,3300000", "2000000,1300000");
        assert!(e.message.contains("ticks out of order"));
        let e = bad(",0,800\n", ",0\n");
        assert!(e.message.contains("11 fields"));
        let e = bad("3000000,0,0,dropped", "3000000,3000000,0,dropped");
        assert!(e.message.contains("dropped request"));
        let e = parse_records("id,flow\n1,0\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(parse_records("").unwrap_err().message.contains("empty"));
    }

    #[test]
    fn a_header_alone_is_no_requests() {
        assert!(parse_records(&format!("{HEADER}\n")).unwrap().is_empty());
    }

    /// The file a gem5 run of the device wrote (`configs/baremetal.py --cpu minor --loadgen
    /// --loadgen-selftest --loadgen-rate 1e7 --loadgen-requests 48 --loadgen-workload
    /// bimodal:0.005:0.5us:500us`): the warm-up fills the 16-slot ring, no guest consumes it,
    /// every measured request is dropped.
    #[test]
    fn parses_a_file_the_device_wrote() {
        let text = include_str!("../../tests/fixtures/loadgen_requests_selftest.csv");
        let r = parse_records(text).unwrap();
        assert_eq!(r.len(), 64);
        assert!(
            r[..16]
                .iter()
                .all(|r| r.warmup && r.status == Status::Outstanding)
        );
        assert!(
            r[16..]
                .iter()
                .all(|r| !r.warmup && r.status == Status::Dropped)
        );
        assert!(
            r.iter()
                .all(|r| r.service_ticks == 500_000 || r.service_ticks == 500_000_000)
        );
        // SYNTH arg0 is the service time in 4 GHz cycles.
        assert!(r.iter().all(|r| r.arg0 * 250 == r.service_ticks));
        assert!(r.windows(2).all(|w| w[0].arrival_tick < w[1].arrival_tick));
    }
}
