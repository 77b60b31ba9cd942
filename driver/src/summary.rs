//! Summaries of latency samples: count, mean, min, max and the 50th, 90th, 99th and 99.9th
//! percentiles.
//!
//! The guest reports raw samples (cycles or ticks per operation) in its `@result` lines, and
//! the experiments compare mechanisms by their tails, so the percentiles must be exact: a p99
//! that moves by a bucket width between two runs would read as an effect. [`Summary::from_samples`]
//! therefore computes them from the sorted samples, not from a histogram.
//!
//! Definition (nearest rank, the one HdrHistogram uses): the q-th percentile of n samples is
//! the smallest sample such that at least ⌈q·n⌉ samples are at most it. The rank is worked
//! out in integers (⌈n·99/100⌉, …), so there is no rounding error in `q·n`; every percentile
//! is one of the samples.
//!
//! [`Summary::from_histogram`] summarises an [`hdrhistogram::Histogram`] instead, for samples
//! that were aggregated before they reached us (e.g. merged over many runs): the same
//! definition, but each percentile is the highest value equivalent to the exact one within the
//! histogram's precision (values below 2^17 are exact with 5 significant figures).
//! [`Summary::histogram_of`] builds such a histogram from samples.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Count, mean, extremes and percentiles of a set of `u64` samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The number of samples.
    pub count: u64,
    /// The arithmetic mean.
    pub mean: f64,
    /// The smallest sample.
    pub min: u64,
    /// The largest sample.
    pub max: u64,
    /// The median (50th percentile).
    pub p50: u64,
    /// The 90th percentile.
    pub p90: u64,
    /// The 99th percentile.
    pub p99: u64,
    /// The 99.9th percentile.
    pub p999: u64,
}

/// Why a summary could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SummaryError {
    /// There are no samples: no percentile is defined.
    Empty,
    /// The histogram could not be created (an invalid precision).
    Histogram(String),
}

impl fmt::Display for SummaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SummaryError::Empty => write!(
                f,
                "no samples to summarise: the run reported none (check the iterations parameter \
                 and the @result lines of the guest console)"
            ),
            SummaryError::Histogram(e) => write!(f, "cannot build a histogram: {e}"),
        }
    }
}

impl std::error::Error for SummaryError {}

/// The percentiles a [`Summary`] holds, as `(numerator, denominator)`.
const P50: (u64, u64) = (50, 100);
const P90: (u64, u64) = (90, 100);
const P99: (u64, u64) = (99, 100);
const P999: (u64, u64) = (999, 1000);

/// The 1-based nearest rank of the `num/den` quantile among `n` samples: ⌈n·num/den⌉, at
/// least 1.
fn rank(n: u64, (num, den): (u64, u64)) -> u64 {
    let r = (u128::from(n) * u128::from(num)).div_ceil(u128::from(den));
    // r ≤ n because num ≤ den, so it fits in u64.
    (r as u64).max(1)
}

/// The exact `num/den` quantile (nearest rank) of samples sorted in ascending order, or
/// `None` if there are none. `num` must not exceed `den`.
pub fn quantile_sorted(sorted: &[u64], num: u64, den: u64) -> Option<u64> {
    assert!(
        den > 0 && num <= den,
        "quantile {num}/{den} is not in 0..=1"
    );
    if sorted.is_empty() {
        return None;
    }
    let r = rank(sorted.len() as u64, (num, den));
    Some(sorted[(r - 1) as usize])
}

impl Summary {
    /// Summarises raw samples exactly. The input need not be sorted (a sorted copy is made);
    /// an empty slice is [`SummaryError::Empty`].
    pub fn from_samples(samples: &[u64]) -> Result<Summary, SummaryError> {
        if samples.is_empty() {
            return Err(SummaryError::Empty);
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
        let q = |p: (u64, u64)| quantile_sorted(&sorted, p.0, p.1).expect("not empty");
        Ok(Summary {
            count: sorted.len() as u64,
            mean: sum as f64 / sorted.len() as f64,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            p50: q(P50),
            p90: q(P90),
            p99: q(P99),
            p999: q(P999),
        })
    }

    /// Summarises an HdrHistogram. Percentiles, min and max are within the histogram's
    /// precision (see the module docs); the mean is the histogram's.
    pub fn from_histogram(h: &hdrhistogram::Histogram<u64>) -> Result<Summary, SummaryError> {
        if h.is_empty() {
            return Err(SummaryError::Empty);
        }
        let n = h.len();
        // The quantile whose rank is exactly `rank(n, p)`, so that float rounding in
        // `q * n` inside the histogram cannot move it to the next rank.
        let at = |p: (u64, u64)| {
            let q = (rank(n, p) as f64 - 0.5) / n as f64;
            h.value_at_quantile(q)
        };
        Ok(Summary {
            count: n,
            mean: h.mean(),
            min: h.min(),
            max: h.max(),
            p50: at(P50),
            p90: at(P90),
            p99: at(P99),
            p999: at(P999),
        })
    }

    /// An HdrHistogram of the samples with 5 significant figures (the most it offers), sized
    /// to their maximum, e.g. to merge runs before [`Summary::from_histogram`].
    pub fn histogram_of(samples: &[u64]) -> Result<hdrhistogram::Histogram<u64>, SummaryError> {
        Self::histogram_with_precision(samples, 5)
    }

    /// [`Summary::histogram_of`] with `sigfig` significant figures (0 to 5): values up to
    /// 2·10^`sigfig` are exact, larger ones within one part in 10^`sigfig`.
    pub fn histogram_with_precision(
        samples: &[u64],
        sigfig: u8,
    ) -> Result<hdrhistogram::Histogram<u64>, SummaryError> {
        let max = samples.iter().copied().max().unwrap_or(1).max(2);
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, max, sigfig)
            .map_err(|e| SummaryError::Histogram(format!("{e:?}")))?;
        for &v in samples {
            h.record(v)
                .map_err(|e| SummaryError::Histogram(format!("{e:?}")))?;
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_thousand() {
        // Samples 1..=1000, shuffled: the q-th percentile is ⌈1000 q⌉ itself.
        let mut v: Vec<u64> = (1..=1000).collect();
        v.reverse();
        v.swap(10, 500);
        let s = Summary::from_samples(&v).unwrap();
        assert_eq!(s.count, 1000);
        assert_eq!(s.mean, 500.5);
        assert_eq!((s.min, s.max), (1, 1000));
        assert_eq!((s.p50, s.p90, s.p99, s.p999), (500, 900, 990, 999));
    }

    #[test]
    fn one_to_hundred() {
        let v: Vec<u64> = (1..=100).collect();
        let s = Summary::from_samples(&v).unwrap();
        // p99.9 of 100 samples is rank ⌈99.9⌉ = 100.
        assert_eq!((s.p50, s.p90, s.p99, s.p999), (50, 90, 99, 100));
    }

    #[test]
    fn single_sample() {
        let s = Summary::from_samples(&[42]).unwrap();
        assert_eq!(
            s,
            Summary {
                count: 1,
                mean: 42.0,
                min: 42,
                max: 42,
                p50: 42,
                p90: 42,
                p99: 42,
                p999: 42
            }
        );
    }

    #[test]
    fn outliers_show_in_the_tail_only() {
        // 990 samples of 10 and 10 of 1000: p99 is the last 10 (rank 990), p99.9 the outlier.
        let mut v = vec![10u64; 990];
        v.extend([1000u64; 10]);
        let s = Summary::from_samples(&v).unwrap();
        assert_eq!((s.p50, s.p90, s.p99, s.p999), (10, 10, 10, 1000));
        assert_eq!(s.mean, (990.0 * 10.0 + 10.0 * 1000.0) / 1000.0);
        // One more outlier moves p99.
        v[0] = 1000;
        assert_eq!(Summary::from_samples(&v).unwrap().p99, 1000);
    }

    #[test]
    fn large_values_are_exact() {
        // Values far above HdrHistogram's exact range keep every digit.
        let v: Vec<u64> = (1..=10).map(|i| 1_000_000_007 * i).collect();
        let s = Summary::from_samples(&v).unwrap();
        assert_eq!(s.p50, 5_000_000_035);
        assert_eq!(s.max, 10_000_000_070);
        let extreme = Summary::from_samples(&[u64::MAX, u64::MAX]).unwrap();
        assert_eq!(extreme.mean, u64::MAX as f64);
    }

    #[test]
    fn empty_is_an_error() {
        assert_eq!(Summary::from_samples(&[]), Err(SummaryError::Empty));
        let h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        assert_eq!(Summary::from_histogram(&h), Err(SummaryError::Empty));
        assert!(SummaryError::Empty.to_string().contains("no samples"));
        assert_eq!(quantile_sorted(&[], 1, 2), None);
    }

    #[test]
    fn histogram_agrees_where_it_is_exact() {
        // Below 2^17 a 5-significant-figure histogram has unit buckets: identical results.
        let v: Vec<u64> = (0..10_000u64).map(|i| (i * 7919) % 100_000 + 1).collect();
        let exact = Summary::from_samples(&v).unwrap();
        let h = Summary::histogram_of(&v).unwrap();
        let approx = Summary::from_histogram(&h).unwrap();
        assert_eq!(exact.count, approx.count);
        assert_eq!(
            (
                exact.min, exact.max, exact.p50, exact.p90, exact.p99, exact.p999
            ),
            (
                approx.min,
                approx.max,
                approx.p50,
                approx.p90,
                approx.p99,
                approx.p999
            )
        );
        assert!((exact.mean - approx.mean).abs() < 1e-9 * exact.mean);
        // 1..=100 through a histogram: the same ranks as the exact path.
        let h = Summary::histogram_of(&(1..=100).collect::<Vec<_>>()).unwrap();
        let s = Summary::from_histogram(&h).unwrap();
        assert_eq!((s.p50, s.p90, s.p99, s.p999), (50, 90, 99, 100));
    }

    #[test]
    fn histogram_is_close_above_its_exact_range() {
        let v: Vec<u64> = (1..=1000).map(|i| i * 1_000_003).collect();
        let exact = Summary::from_samples(&v).unwrap();
        let approx = Summary::from_histogram(&Summary::histogram_of(&v).unwrap()).unwrap();
        for (e, a) in [
            (exact.p50, approx.p50),
            (exact.p99, approx.p99),
            (exact.max, approx.max),
        ] {
            assert!(a >= e && (a - e) as f64 <= e as f64 * 1e-4, "{a} vs {e}");
        }
    }

    #[test]
    fn three_significant_figures() {
        // Exact below 2048 (unit buckets), within 0.1 % above; zero is recorded too.
        let mut v: Vec<u64> = (0..=1000).collect();
        v.extend([10_007, 123_456]);
        let h = Summary::histogram_with_precision(&v, 3).unwrap();
        let s = Summary::from_histogram(&h).unwrap();
        let exact = Summary::from_samples(&v).unwrap();
        assert_eq!(
            (s.count, s.min, s.p50, s.p90),
            (exact.count, 0, exact.p50, exact.p90)
        );
        assert!(
            s.max >= 123_456 && s.max as f64 <= 123_456.0 * 1.001,
            "{}",
            s.max
        );
        assert!(Summary::histogram_with_precision(&v, 6).is_err());
    }

    #[test]
    fn serializes() {
        let s = Summary::from_samples(&[1, 2, 3]).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"count":3,"mean":2.0,"min":1,"max":3,"p50":2,"p90":3,"p99":3,"p999":3}"#
        );
        assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), s);
    }
}
