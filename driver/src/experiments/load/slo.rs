//! The throughput a policy sustains at an SLO: the highest throughput among its points that
//! meet the SLO and are not overloaded. On one core a strict SLO may hold only at low load
//! under any policy, so the whole curve is the result and this is its summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::metrics::LoadMetrics;

/// The default SLO: p99.9 slowdown at most 50.
pub const DEFAULT_SLO_P999_SLOWDOWN: f64 = 50.0;

/// One policy's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloThroughput {
    /// The best throughput that met the SLO, None if no point did.
    pub throughput_rps: Option<f64>,
    /// The offered load of that point.
    pub offered_rps: Option<f64>,
    /// Points considered, points that met the SLO.
    pub points: usize,
    pub meeting: usize,
}

/// Per policy (the first element of each pair), the throughput at the SLO.
pub fn throughput_at_slo<'a>(
    points: impl IntoIterator<Item = (&'a str, &'a LoadMetrics)>,
    slo_p999_slowdown: f64,
) -> BTreeMap<String, SloThroughput> {
    let mut out: BTreeMap<String, SloThroughput> = BTreeMap::new();
    for (policy, m) in points {
        let e = out.entry(policy.to_string()).or_insert(SloThroughput {
            throughput_rps: None,
            offered_rps: None,
            points: 0,
            meeting: 0,
        });
        e.points += 1;
        if m.overloaded || m.p999_slowdown > slo_p999_slowdown {
            continue;
        }
        e.meeting += 1;
        if e.throughput_rps.is_none_or(|t| m.throughput_rps > t) {
            e.throughput_rps = Some(m.throughput_rps);
            e.offered_rps = Some(m.offered_rps);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(throughput: f64, p999_slowdown: f64, overloaded: bool) -> LoadMetrics {
        LoadMetrics {
            offered_rps: throughput,
            throughput_rps: throughput,
            measured: 1,
            dropped: 0,
            p50_ns: 1.0,
            p99_ns: 1.0,
            p999_ns: 1.0,
            mean_ns: 1.0,
            p50_slowdown: 1.0,
            p99_slowdown: 1.0,
            p999_slowdown,
            overloaded,
        }
    }

    #[test]
    fn best_point_meeting_the_slo_per_policy() {
        let pts = [
            ("fcfs", m(100.0, 10.0, false)),
            ("fcfs", m(200.0, 400.0, false)),
            ("quantum:5us", m(100.0, 2.0, false)),
            ("quantum:5us", m(300.0, 20.0, false)),
            ("quantum:5us", m(400.0, 10.0, true)), // overloaded: not counted
            ("budget:128", m(100.0, 90.0, false)),
        ];
        let r = throughput_at_slo(pts.iter().map(|(p, m)| (*p, m)), DEFAULT_SLO_P999_SLOWDOWN);
        assert_eq!(r["fcfs"].throughput_rps, Some(100.0));
        assert_eq!((r["fcfs"].points, r["fcfs"].meeting), (2, 1));
        assert_eq!(r["quantum:5us"].throughput_rps, Some(300.0));
        assert_eq!(r["budget:128"].throughput_rps, None);
        assert_eq!(r["budget:128"].meeting, 0);
    }
}
