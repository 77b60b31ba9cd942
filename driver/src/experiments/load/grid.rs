//! The E4 sweep's workloads and loads, and the LoadGenNic of a point.

use crate::loadgen::{Arrival, LoadGenSpec, Workload};

/// The workloads: Shinjuku's bimodal, exponential with a 1 µs mean, and the key-value
/// mix (99.5 % GET, 0.5 % SCAN).
pub const WORKLOADS: &[&str] = &[
    "bimodal:0.005:0.5us:500us",
    "exp:1us",
    "kv:0.995:100:25000:zipf:0.99",
];

/// Offered loads, as fractions of one core's capacity (1 / mean service time), from light to
/// beyond saturation (a point past 1 is legal and shows as drops and growing latency).
pub const LOAD_FRACTIONS: &[f64] = &[0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.2];

/// Requests per second that offer `fraction` of one core's capacity for a synthetic workload
/// (capacity = 1 / its mean service time); None for key-value, whose service time is the
/// store's (its loads are given in requests per second).
pub fn rate_for(workload: &str, fraction: f64) -> Option<u64> {
    let mean_ns = Workload::parse(workload).ok()?.mean_service_ns()?;
    let rate = fraction * 1e9 / mean_ns;
    (rate >= 1.0).then(|| rate.round() as u64)
}

/// The NIC of one E4 point: Poisson arrivals, this workload and rate, `warmup` then `requests`.
pub fn nic(workload: &str, rate: u64, warmup: u64, requests: u64) -> LoadGenSpec {
    LoadGenSpec {
        arrival: Arrival::Poisson,
        rate,
        workload: workload.into(),
        warmup,
        requests,
        greedy: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_parses() {
        for w in WORKLOADS {
            Workload::parse(w).unwrap();
        }
    }

    #[test]
    fn loads_are_fractions_of_the_mean_service_rate() {
        // exp:1us: 1 M requests/s is one core's capacity.
        assert_eq!(rate_for("exp:1us", 0.5), Some(500_000));
        // Shinjuku's bimodal: mean 0.995 × 0.5 µs + 0.005 × 500 µs = 2.9975 µs.
        assert_eq!(rate_for("bimodal:0.005:0.5us:500us", 1.0), Some(333_611));
        assert_eq!(rate_for("kv:0.995:100:25000:zipf:0.99", 0.5), None);
        assert_eq!(rate_for("nonsense", 0.5), None);
        let n = nic("exp:1us", 500_000, 100, 1000);
        assert_eq!(
            (n.rate, n.warmup, n.requests, n.greedy),
            (500_000, 100, 1000, false)
        );
    }
}
