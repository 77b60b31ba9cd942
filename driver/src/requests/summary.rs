//! A run's request summary: the measured (non-warm-up) requests' exact latency and slowdown
//! percentiles, throughput, drops and what was left outstanding.

use serde::{Deserialize, Serialize};

use super::records::{Kind, Record, Status};

/// How the records' ticks and cycles convert to time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clocks {
    /// Ticks per second (gem5: 10^12).
    pub ticks_per_second: f64,
    /// Ticks per CPU cycle (the device's `cpu_clock`: 250 at 4 GHz), to turn the guest's
    /// `work_cycles` into a service time for the key-value kinds.
    pub ticks_per_cycle: u64,
}

impl Clocks {
    /// gem5's 1 ps tick and a core clock in Hz.
    pub fn gem5(cpu_hz: u64) -> Clocks {
        Clocks {
            ticks_per_second: 1e12,
            ticks_per_cycle: 1_000_000_000_000 / cpu_hz,
        }
    }
    fn ns(&self, ticks: f64) -> f64 {
        ticks * 1e9 / self.ticks_per_second
    }
}

/// Exact order statistics of a sample (nearest rank: the p-quantile of n sorted values is the
/// value at rank ⌈p·n⌉, so p99.9 of 1000 values is the 999th, never an interpolation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    /// None for an empty sample.
    pub fn of(mut values: Vec<f64>) -> Option<Percentiles> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let rank = |p: f64| {
            let r = (p * n as f64).ceil() as usize;
            values[r.clamp(1, n) - 1]
        };
        Some(Percentiles {
            count: n as u64,
            mean: values.iter().sum::<f64>() / n as f64,
            p50: rank(0.5),
            p99: rank(0.99),
            p999: rank(0.999),
            max: values[n - 1],
        })
    }
}

/// What a run's records say about its measured requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Requests the device generated (warm-up included).
    pub generated: u64,
    /// Warm-up requests (excluded from everything below).
    pub warmup: u64,
    pub measured: u64,
    pub completed: u64,
    pub dropped: u64,
    /// Measured requests delivered but never completed (a run that ended early).
    pub outstanding: u64,
    /// The first outstanding measured ids (at most 20), to name in a report.
    pub outstanding_ids: Vec<u64>,
    /// dropped / measured.
    pub drop_fraction: f64,
    /// Measured arrivals per second over the measured arrivals' span.
    pub offered_rps: f64,
    /// Completed measured requests per second, from the first measured arrival to the last
    /// measured completion.
    pub throughput_rps: f64,
    /// Arrival to completion, in ns.
    pub latency_ns: Option<Percentiles>,
    /// Latency ÷ the request's own service time (SYNTH: the drawn time; GET/SCAN: the
    /// guest's work cycles).
    pub slowdown: Option<Percentiles>,
    /// Completed measured requests without a service time (GET/SCAN with 0 work cycles): not
    /// in `slowdown`.
    pub slowdown_excluded: u64,
    /// The service times of the completed measured requests, in ns.
    pub service_ns: Option<Percentiles>,
    /// SYNTH requests whose guest reported work cycles: mean of work time ÷ drawn time (1 when
    /// the guest's loop is calibrated).
    pub work_to_drawn: Option<f64>,
}

/// The summary of a run's records (warm-up requests excluded).
pub fn summarize(records: &[Record], clocks: Clocks) -> RequestSummary {
    let measured: Vec<&Record> = records.iter().filter(|r| !r.warmup).collect();
    let count = |s: Status| measured.iter().filter(|r| r.status == s).count() as u64;
    let completed: Vec<&&Record> = measured.iter().filter(|r| r.status == Status::Ok).collect();
    let service_ticks = |r: &Record| -> Option<f64> {
        match r.kind {
            Kind::Synth if r.service_ticks > 0 => Some(r.service_ticks as f64),
            Kind::Get | Kind::Scan if r.work_cycles > 0 => {
                Some((r.work_cycles * clocks.ticks_per_cycle) as f64)
            }
            _ => None,
        }
    };
    let latency: Vec<f64> = completed
        .iter()
        .filter_map(|r| r.latency_ticks())
        .map(|t| clocks.ns(t as f64))
        .collect();
    let mut slowdown = Vec::new();
    let mut service = Vec::new();
    let mut excluded = 0;
    for r in &completed {
        match (service_ticks(r), r.latency_ticks()) {
            (Some(s), Some(l)) => {
                slowdown.push(l as f64 / s);
                service.push(clocks.ns(s));
            }
            _ => excluded += 1,
        }
    }
    let ratios: Vec<f64> = completed
        .iter()
        .filter(|r| r.kind == Kind::Synth && r.work_cycles > 0 && r.service_ticks > 0)
        .map(|r| (r.work_cycles * clocks.ticks_per_cycle) as f64 / r.service_ticks as f64)
        .collect();
    let seconds = |ticks: u64| ticks as f64 / clocks.ticks_per_second;
    let first_arrival = measured.iter().map(|r| r.arrival_tick).min();
    let last_arrival = measured.iter().map(|r| r.arrival_tick).max();
    let offered_rps = match (first_arrival, last_arrival) {
        (Some(a), Some(b)) if b > a => (measured.len() - 1) as f64 / seconds(b - a),
        _ => 0.0,
    };
    let last_completion = completed.iter().map(|r| r.completed_tick).max();
    let throughput_rps = match (first_arrival, last_completion) {
        (Some(a), Some(c)) if c > a => completed.len() as f64 / seconds(c - a),
        _ => 0.0,
    };
    let outstanding_ids: Vec<u64> = measured
        .iter()
        .filter(|r| r.status == Status::Outstanding)
        .map(|r| r.id)
        .take(20)
        .collect();
    let dropped = count(Status::Dropped);
    RequestSummary {
        generated: records.len() as u64,
        warmup: records.len() as u64 - measured.len() as u64,
        measured: measured.len() as u64,
        completed: completed.len() as u64,
        dropped,
        outstanding: count(Status::Outstanding),
        outstanding_ids,
        drop_fraction: if measured.is_empty() {
            0.0
        } else {
            dropped as f64 / measured.len() as f64
        },
        offered_rps,
        throughput_rps,
        latency_ns: Percentiles::of(latency),
        slowdown: Percentiles::of(slowdown),
        slowdown_excluded: excluded,
        service_ns: Percentiles::of(service),
        work_to_drawn: (!ratios.is_empty())
            .then(|| ratios.iter().sum::<f64>() / ratios.len() as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::records::parse_records;

    /// 4 GHz: 250 ticks a cycle.
    const CLOCKS: Clocks = Clocks {
        ticks_per_second: 1e12,
        ticks_per_cycle: 250,
    };

    #[test]
    fn nearest_rank_percentiles_are_exact() {
        let p = Percentiles::of((1..=1000).map(f64::from).collect()).unwrap();
        assert_eq!((p.p50, p.p99, p.p999, p.max), (500.0, 990.0, 999.0, 1000.0));
        assert_eq!(p.mean, 500.5);
        let p = Percentiles::of(vec![3.0, 1.0, 2.0]).unwrap();
        assert_eq!((p.p50, p.p99, p.p999), (2.0, 3.0, 3.0));
        let one = Percentiles::of(vec![7.0]).unwrap();
        assert_eq!((one.p50, one.p999), (7.0, 7.0));
        assert!(Percentiles::of(Vec::new()).is_none());
    }

    /// A hand-made run: 2 warm-up requests (one very slow, which must not count), 5 measured
    /// ones: 3 SYNTH completed, 1 dropped, 1 GET completed with work cycles.
    const RUN: &str = "id,flow,kind,arg0,arg1,warmup,arrival_tick,delivered_tick,completed_tick,status,service_ticks,work_cycles
1,0,SYNTH,4000,0,1,0,0,900000000,ok,1000000,4000
2,0,SYNTH,4000,0,1,1000000,1000000,0,outstanding,1000000,0
3,0,SYNTH,4000,0,0,10000000,10000000,12000000,ok,1000000,4000
4,0,SYNTH,8000,0,0,20000000,20000000,24000000,ok,2000000,8800
5,0,SYNTH,4000,0,0,30000000,0,0,dropped,1000000,0
6,0,SYNTH,2000,0,0,40000000,40000000,40500000,ok,500000,2000
7,0,GET,5,0,0,50000000,50000000,50400000,ok,0,400
";

    #[test]
    fn summary_of_a_hand_made_run() {
        let s = summarize(&parse_records(RUN).unwrap(), CLOCKS);
        assert_eq!(s.generated, 7);
        assert_eq!(s.warmup, 2);
        assert_eq!(s.measured, 5);
        assert_eq!(s.completed, 4);
        assert_eq!(s.dropped, 1);
        assert_eq!(s.outstanding, 0);
        assert!(s.outstanding_ids.is_empty());
        assert_eq!(s.drop_fraction, 0.2);
        // Latencies 2000, 4000, 500, 400 ns (the warm-up's 900 µs is excluded).
        let l = s.latency_ns.as_ref().unwrap();
        assert_eq!(l.count, 4);
        assert_eq!((l.p50, l.p99, l.max), (500.0, 4000.0, 4000.0));
        assert_eq!(l.mean, 1725.0);
        // Slowdowns 2, 2, 1, and 400 ns / (400 cycles × 0.25 ns) = 4.
        let sd = s.slowdown.as_ref().unwrap();
        assert_eq!((sd.count, sd.p50, sd.max), (4, 2.0, 4.0));
        assert_eq!(s.slowdown_excluded, 0);
        let svc = s.service_ns.as_ref().unwrap();
        assert_eq!((svc.p50, svc.max), (500.0, 2000.0));
        // 5 measured arrivals over 40 µs: 4 gaps of 10 µs = 100 k/s.
        assert!((s.offered_rps - 100_000.0).abs() < 1e-6);
        // 4 completions from 10 µs to 50.4 µs.
        assert!((s.throughput_rps - 4.0 / 40.4e-6).abs() < 1e-3);
        // work/drawn: 1.0, 1.1, 1.0 → mean 1.0333…
        assert!((s.work_to_drawn.unwrap() - 31.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn outstanding_requests_are_named_and_kv_without_work_is_excluded() {
        let run = RUN
            .replace(
                "40000000,40000000,40500000,ok",
                "40000000,40000000,0,outstanding",
            )
            .replace("50400000,ok,0,400", "50400000,ok,0,0");
        let s = summarize(&parse_records(&run).unwrap(), CLOCKS);
        assert_eq!(s.outstanding, 1);
        assert_eq!(s.outstanding_ids, vec![6]);
        assert_eq!(s.completed, 3);
        assert_eq!(s.slowdown_excluded, 1);
        assert_eq!(s.slowdown.unwrap().count, 2);
        assert_eq!(s.latency_ns.unwrap().count, 3);
    }

    #[test]
    fn no_measured_requests_is_an_empty_summary() {
        let s = summarize(&[], CLOCKS);
        assert_eq!((s.measured, s.completed, s.offered_rps), (0, 0, 0.0));
        assert!(s.latency_ns.is_none() && s.slowdown.is_none());
    }

    #[test]
    fn clocks_of_a_4ghz_core() {
        assert_eq!(Clocks::gem5(4_000_000_000), CLOCKS);
    }
}
