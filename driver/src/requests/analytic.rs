//! The analytic check (issue 10): with `fcfs` and `exp:MEAN` at low and medium load, a run's
//! mean latency must match queueing theory. One worker core serving requests in arrival order
//! is an M/G/1 queue; its mean sojourn time (waiting + service) is Pollaczek–Khinchine's
//!
//! ```text
//!     W = E[S] + λ·E[S²] / (2·(1 − ρ)),   ρ = λ·E[S]
//! ```
//!
//! where S is the time the core is busy per request: the request's service time plus a
//! per-request overhead o (receive, dispatch, completion) measured separately. With
//! exponential service and no overhead (E[S²] = 2·E[S]²) this is M/M/1's W = E[S] / (1 − ρ).
//! Units are the caller's (seconds, ns or ticks), as long as λ is per the same unit.

use serde::{Deserialize, Serialize};

use super::records::{Kind, Record};

/// M/M/1 mean sojourn time: `mean_service / (1 − ρ)`; None unless 0 ≤ ρ < 1 and the inputs
/// are positive and finite.
pub fn mm1_mean_latency(arrival_rate: f64, mean_service: f64) -> Option<f64> {
    mg1_mean_latency(arrival_rate, &ServiceMoments::exponential(mean_service))
}

/// The first two moments of the per-request busy time S.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceMoments {
    /// E[S].
    pub mean: f64,
    /// E[S²].
    pub second: f64,
}

impl ServiceMoments {
    /// Exponential service with this mean (E[S²] = 2·mean²).
    pub fn exponential(mean: f64) -> ServiceMoments {
        ServiceMoments {
            mean,
            second: 2.0 * mean * mean,
        }
    }

    /// Deterministic service.
    pub fn fixed(s: f64) -> ServiceMoments {
        ServiceMoments {
            mean: s,
            second: s * s,
        }
    }

    /// The moments of measured service times, each plus a constant per-request overhead
    /// (E[(X+o)²] = E[X²] + 2·o·E[X] + o²). None for an empty sample.
    pub fn from_samples(samples: &[f64], overhead: f64) -> Option<ServiceMoments> {
        if samples.is_empty() {
            return None;
        }
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let second = samples.iter().map(|x| x * x).sum::<f64>() / n;
        Some(ServiceMoments {
            mean: mean + overhead,
            second: second + 2.0 * overhead * mean + overhead * overhead,
        })
    }

    /// Utilisation at this arrival rate.
    pub fn rho(&self, arrival_rate: f64) -> f64 {
        arrival_rate * self.mean
    }
}

/// M/G/1 mean sojourn time (Pollaczek–Khinchine); None unless 0 ≤ ρ < 1 and the inputs are
/// positive and finite.
pub fn mg1_mean_latency(arrival_rate: f64, s: &ServiceMoments) -> Option<f64> {
    let valid = |x: f64| x.is_finite() && x > 0.0;
    if !(arrival_rate.is_finite() && arrival_rate >= 0.0 && valid(s.mean) && valid(s.second)) {
        return None;
    }
    let rho = s.rho(arrival_rate);
    if rho >= 1.0 {
        return None;
    }
    Some(s.mean + arrival_rate * s.second / (2.0 * (1.0 - rho)))
}

/// A measured mean latency against the model's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticCheck {
    /// Measured arrival rate (per ns).
    pub arrival_rate_per_ns: f64,
    pub moments_ns: ServiceMoments,
    pub rho: f64,
    pub predicted_ns: f64,
    pub measured_ns: f64,
    /// |measured − predicted| / predicted.
    pub relative_error: f64,
    pub tolerance: f64,
    pub passes: bool,
}

/// Checks a run's records against M/G/1: λ from the measured arrivals, S from the drawn service
/// times of every measured SYNTH request (the distribution the device drew, dropped ones too)
/// plus `overhead_ns` per request, the measured mean latency of the completed ones. Err says
/// why no check is possible (no requests, a load at or past saturation, drops).
pub fn check_mg1(
    records: &[Record],
    ticks_per_ns: f64,
    overhead_ns: f64,
    tolerance: f64,
) -> Result<AnalyticCheck, String> {
    let measured: Vec<&Record> = records.iter().filter(|r| !r.warmup).collect();
    if measured.len() < 2 {
        return Err("fewer than two measured requests".into());
    }
    if measured.iter().any(|r| r.kind != Kind::Synth) {
        return Err("the analytic check needs a synthetic workload (exp:MEAN)".into());
    }
    let dropped = measured
        .iter()
        .filter(|r| r.status == super::Status::Dropped)
        .count();
    if dropped > 0 {
        return Err(format!(
            "{dropped} measured requests were dropped: the queue is not M/G/1's infinite one"
        ));
    }
    let first = measured.iter().map(|r| r.arrival_tick).min().unwrap_or(0);
    let last = measured.iter().map(|r| r.arrival_tick).max().unwrap_or(0);
    if last <= first {
        return Err("the measured arrivals span no time".into());
    }
    let lambda = (measured.len() - 1) as f64 / ((last - first) as f64 / ticks_per_ns);
    let service: Vec<f64> = measured
        .iter()
        .map(|r| r.service_ticks as f64 / ticks_per_ns)
        .collect();
    let moments = ServiceMoments::from_samples(&service, overhead_ns).ok_or("no service times")?;
    let predicted = mg1_mean_latency(lambda, &moments).ok_or_else(|| {
        format!(
            "load ρ = {:.3} is at or past saturation: M/G/1 has no finite mean",
            moments.rho(lambda)
        )
    })?;
    let lat: Vec<f64> = measured
        .iter()
        .filter_map(|r| r.latency_ticks())
        .map(|t| t as f64 / ticks_per_ns)
        .collect();
    if lat.is_empty() {
        return Err("no measured request completed".into());
    }
    let measured_ns = lat.iter().sum::<f64>() / lat.len() as f64;
    let relative_error = (measured_ns - predicted).abs() / predicted;
    Ok(AnalyticCheck {
        arrival_rate_per_ns: lambda,
        moments_ns: moments,
        rho: moments.rho(lambda),
        predicted_ns: predicted,
        measured_ns,
        relative_error,
        tolerance,
        passes: relative_error <= tolerance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::records::parse_records;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn mm1_textbook_values() {
        // μ = 1 per µs, λ = 0.5 per µs: W = 1 / (μ − λ) = 2 µs.
        assert!(close(mm1_mean_latency(0.5, 1.0).unwrap(), 2.0));
        // ρ = 0.8: W = S / 0.2 = 5 S.
        assert!(close(mm1_mean_latency(0.8e6, 1e-6).unwrap(), 5e-6));
        // No load: the service time itself.
        assert!(close(mm1_mean_latency(0.0, 3.0).unwrap(), 3.0));
        assert_eq!(mm1_mean_latency(1.0, 1.0), None);
        assert_eq!(mm1_mean_latency(2.0, 1.0), None);
        assert_eq!(mm1_mean_latency(-1.0, 1.0), None);
        assert_eq!(mm1_mean_latency(0.5, 0.0), None);
    }

    #[test]
    fn pollaczek_khinchine_known_cases() {
        // M/D/1 at ρ = 0.5, S = 1: W = 1 + 0.5·1 / (2·0.5) = 1.5 (half M/M/1's wait).
        assert!(close(
            mg1_mean_latency(0.5, &ServiceMoments::fixed(1.0)).unwrap(),
            1.5
        ));
        // Exponential moments give M/M/1.
        let m = ServiceMoments::exponential(2.0);
        assert!(close(mg1_mean_latency(0.25, &m).unwrap(), 4.0));
        // Bimodal 0.5/0.5 of 1 and 3: E[S] = 2, E[S²] = 5; λ = 0.25 → ρ = 0.5,
        // W = 2 + 0.25·5 / 1 = 3.25.
        let b = ServiceMoments::from_samples(&[1.0, 3.0], 0.0).unwrap();
        assert!(close(b.mean, 2.0) && close(b.second, 5.0));
        assert!(close(mg1_mean_latency(0.25, &b).unwrap(), 3.25));
    }

    #[test]
    fn overhead_shifts_both_moments() {
        // Samples 1 and 3 plus 1 of overhead are samples 2 and 4: E = 3, E[S²] = 10.
        let m = ServiceMoments::from_samples(&[1.0, 3.0], 1.0).unwrap();
        assert!(close(m.mean, 3.0) && close(m.second, 10.0));
        assert!(ServiceMoments::from_samples(&[], 1.0).is_none());
    }

    /// Fixed arrivals every 10 µs and fixed 1 µs service: no queueing, W = 1 µs + overhead.
    /// (The arrivals are not Poisson, so M/G/1 predicts some waiting; the check reports it.)
    #[test]
    fn check_against_records() {
        let mut text = String::from(super::super::records::HEADER);
        text.push('\n');
        for i in 1..=5u64 {
            let a = i * 10_000_000;
            text += &format!(
                "{i},0,SYNTH,4000,0,0,{a},{a},{},ok,1000000,4000\n",
                a + 1_200_000
            );
        }
        let recs = parse_records(&text).unwrap();
        let c = check_mg1(&recs, 1000.0, 200.0, 0.1).unwrap();
        assert!(close(c.arrival_rate_per_ns, 1e-4));
        assert!(close(c.moments_ns.mean, 1200.0));
        assert!(close(c.rho, 0.12));
        // W = 1200 + 1e-4 · 1200² / (2 · 0.88) = 1281.818…
        assert!(close(c.predicted_ns, 1200.0 + 1e-4 * 1_440_000.0 / 1.76));
        assert!(close(c.measured_ns, 1200.0));
        assert!(c.passes, "{c:?}");
        let strict = check_mg1(&recs, 1000.0, 200.0, 0.01).unwrap();
        assert!(!strict.passes);
        // Drops and saturation are reported, not checked.
        let dropped = text.replacen("30000000,30000000,31200000,ok", "30000000,0,0,dropped", 1);
        let e = check_mg1(&parse_records(&dropped).unwrap(), 1000.0, 0.0, 0.1).unwrap_err();
        assert!(e.contains("dropped"), "{e}");
        let e = check_mg1(&recs, 1000.0, 20_000.0, 0.1).unwrap_err();
        assert!(e.contains("saturation"), "{e}");
    }
}
