//! One E4 run's numbers, from the request summary the run left in `result.json`.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::requests::RequestSummary;
use crate::results::RunResult;

/// A point counts as overloaded (marked in the figures, never plotted silently) when requests
/// were dropped or the throughput fell this far below the offered load.
pub const OVERLOAD_THROUGHPUT_RATIO: f64 = 0.95;

/// What E4 records for one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadMetrics {
    pub offered_rps: f64,
    pub throughput_rps: f64,
    pub measured: u64,
    pub dropped: u64,
    pub p50_ns: f64,
    pub p99_ns: f64,
    pub p999_ns: f64,
    pub mean_ns: f64,
    pub p50_slowdown: f64,
    pub p99_slowdown: f64,
    pub p999_slowdown: f64,
    pub overloaded: bool,
}

impl LoadMetrics {
    /// From a summary; Err when no measured request completed.
    pub fn of(s: &RequestSummary) -> Result<LoadMetrics> {
        let lat = s
            .latency_ns
            .as_ref()
            .context("no measured request completed")?;
        let sd = s
            .slowdown
            .as_ref()
            .context("no completed request has a service time (no slowdown)")?;
        let overloaded = s.dropped > 0
            || s.outstanding > 0
            || s.throughput_rps < OVERLOAD_THROUGHPUT_RATIO * s.offered_rps;
        Ok(LoadMetrics {
            offered_rps: s.offered_rps,
            throughput_rps: s.throughput_rps,
            measured: s.measured,
            dropped: s.dropped,
            p50_ns: lat.p50,
            p99_ns: lat.p99,
            p999_ns: lat.p999,
            mean_ns: lat.mean,
            p50_slowdown: sd.p50,
            p99_slowdown: sd.p99,
            p999_slowdown: sd.p999,
            overloaded,
        })
    }

    /// From a run's result (which must have the NIC).
    pub fn of_run(result: &RunResult) -> Result<LoadMetrics> {
        let s = result
            .requests
            .as_ref()
            .context("the run has no request summary (was the LoadGenNic attached?)")?;
        LoadMetrics::of(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::{Clocks, parse_records, summarize};

    fn summary(lines: &[(u64, u64, &str)]) -> RequestSummary {
        // (arrival µs, latency µs or 0 for dropped, kind)
        let mut text = String::from(crate::requests::records::HEADER);
        text.push('\n');
        for (i, (a, l, _)) in lines.iter().enumerate() {
            let a = a * 1_000_000;
            if *l == 0 {
                text += &format!("{},0,SYNTH,4000,0,0,{a},0,0,dropped,1000000,0\n", i + 1);
            } else {
                text += &format!(
                    "{},0,SYNTH,4000,0,0,{a},{a},{},ok,1000000,4000\n",
                    i + 1,
                    a + l * 1_000_000
                );
            }
        }
        summarize(&parse_records(&text).unwrap(), Clocks::gem5(4_000_000_000))
    }

    #[test]
    fn metrics_of_a_light_and_an_overloaded_run() {
        let light = LoadMetrics::of(&summary(&[(0, 1, ""), (10, 2, ""), (20, 1, "")])).unwrap();
        assert!(!light.overloaded);
        assert_eq!((light.p50_ns, light.p999_ns), (1000.0, 2000.0));
        assert_eq!(light.p999_slowdown, 2.0);
        let dropped = LoadMetrics::of(&summary(&[(0, 1, ""), (10, 0, ""), (20, 1, "")])).unwrap();
        assert!(dropped.overloaded);
        assert_eq!(dropped.dropped, 1);
        // Completions far behind the arrivals: throughput well under the offered load.
        let slow = LoadMetrics::of(&summary(&[(0, 30, ""), (1, 60, ""), (2, 90, "")])).unwrap();
        assert!(slow.overloaded, "{slow:?}");
        assert!(LoadMetrics::of(&summary(&[(0, 0, ""), (1, 0, "")])).is_err());
    }
}
