//! Reading a distribution back from its lines (`DistPrint` and `SparseHistPrint` in gem5's
//! `text.cc`):
//!
//! * histogram (`Hist`): `::samples ::mean ::gmean ::stdev`, buckets, `::total`;
//! * distribution (`Dist`): `::samples ::mean ::stdev ::underflows`, buckets, `::overflows
//!   ::min_value ::max_value ::total`;
//! * deviation (`StandardDeviation`, `AverageDeviation`): `::samples ::mean ::stdev` only;
//! * sparse histogram: `::samples`, then one `::<value>` line per distinct value.
//!
//! A bucket line is `::<low>-<high>`, or `::<low>` when the bucket holds one value. Bounds are
//! C++ `double`s printed with 6 significant digits, so bounds of 1e6 and more are rounded
//! (`::1.04858e+06-2.09715e+06`); [`Bucket::low`] and [`Bucket::high`] are what the file says.
//! A histogram's buckets double in width as samples grow and restart at width 1 at every stats
//! reset, so two dumps of the same histogram usually have different buckets.

use super::{Dump, LookupError};
use serde::{Deserialize, Serialize};

/// Which gem5 distribution type the lines came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    /// `statistics::Histogram`: has `::gmean`, no under/overflows.
    Histogram,
    /// `statistics::Distribution`: fixed buckets with `::underflows` and `::overflows`.
    Distribution,
    /// `StandardDeviation` / `AverageDeviation`: samples, mean and stdev only.
    Deviation,
    /// `statistics::SparseHistogram`: one bucket per distinct value, no mean.
    Sparse,
}

/// One bucket: the samples from `low` to `high`, both included (`low == high` for a bucket of
/// one value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// The lower bound, as printed.
    pub low: f64,
    /// The upper bound, as printed.
    pub high: f64,
    /// The number of samples in the bucket.
    pub count: f64,
}

/// A distribution read back from a dump. Fields the kind does not print are `None`; `mean`
/// and `stdev` are NaN when there are no samples (gem5 prints `nan`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// The name without the `::field` suffix.
    pub name: String,
    /// The gem5 type.
    pub kind: DistKind,
    /// `::samples`.
    #[serde(with = "super::serde_impl::lossless")]
    pub samples: f64,
    /// `::mean`.
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub mean: Option<f64>,
    /// `::gmean` (histograms only).
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub gmean: Option<f64>,
    /// `::stdev`.
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub stdev: Option<f64>,
    /// `::underflows`: samples below the first bucket (distributions only).
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub underflows: Option<f64>,
    /// `::overflows`: samples above the last bucket (distributions only).
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub overflows: Option<f64>,
    /// `::min_value`: the smallest sample, 0 without samples (distributions only).
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub min_value: Option<f64>,
    /// `::max_value`: the largest sample, 0 without samples (distributions only).
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub max_value: Option<f64>,
    /// `::total`: the sum of the bucket counts, under- and overflows included.
    #[serde(with = "super::serde_impl::lossless_opt", default)]
    pub total: Option<f64>,
    /// The buckets, lowest first.
    pub buckets: Vec<Bucket>,
    /// The unit of the samples, e.g. `Tick`.
    pub unit: Option<String>,
}

impl Histogram {
    /// Underflows + bucket counts + overflows: equals `samples` and `total` in a consistent
    /// histogram or distribution.
    pub fn counted(&self) -> f64 {
        self.underflows.unwrap_or(0.0)
            + self.buckets.iter().map(|b| b.count).sum::<f64>()
            + self.overflows.unwrap_or(0.0)
    }
}

/// Parses a bucket key: `5`, `0-1.04858e+06`, `-10--6`. Only digits, `.`, `e`, `E`, `+`, `-`
/// are allowed, so vector element names (`IntAlu`, `nan`) are not taken for buckets.
pub(super) fn parse_bucket(key: &str) -> Option<(f64, f64)> {
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return None;
    }
    if let Ok(v) = key.parse::<f64>() {
        return Some((v, v));
    }
    let b = key.as_bytes();
    (1..b.len())
        .filter(|&i| b[i] == b'-' && !matches!(b[i - 1], b'e' | b'E'))
        .find_map(|i| Some((key[..i].parse().ok()?, key[i + 1..].parse().ok()?)))
}

pub(super) fn read(dump: &Dump, name: &str) -> Result<Histogram, LookupError> {
    let not_dist = |reason: String| LookupError::NotADistribution {
        dump: dump.index(),
        name: name.to_string(),
        reason,
    };
    let prefix = format!("{name}::");
    let mut h = Histogram {
        name: name.to_string(),
        kind: DistKind::Sparse,
        samples: f64::NAN,
        mean: None,
        gmean: None,
        stdev: None,
        underflows: None,
        overflows: None,
        min_value: None,
        max_value: None,
        total: None,
        buckets: Vec::new(),
        unit: None,
    };
    let mut samples = None;
    let (mut bucket_size, mut min_bucket, mut max_bucket) = (None, None, None);
    // (key, count) of bucket lines; bounds are worked out once all lines are read.
    let mut keyed: Vec<(&str, f64)> = Vec::new();
    for s in dump.with_prefix(&prefix) {
        let key = &s.name[prefix.len()..];
        if h.unit.is_none() {
            h.unit = s.unit.clone();
        }
        let slot = match key {
            "samples" => &mut samples,
            "mean" => &mut h.mean,
            "gmean" => &mut h.gmean,
            "stdev" => &mut h.stdev,
            "underflows" => &mut h.underflows,
            "overflows" => &mut h.overflows,
            "min_value" => &mut h.min_value,
            "max_value" => &mut h.max_value,
            "total" => &mut h.total,
            "bucket_size" => &mut bucket_size,
            "min_bucket" => &mut min_bucket,
            "max_bucket" => &mut max_bucket,
            _ => {
                keyed.push((key, s.value));
                continue;
            }
        };
        *slot = Some(s.value);
    }
    let Some(samples) = samples else {
        let reason = if dump.stat(name).is_some() {
            "it is a single value".to_string()
        } else if keyed.is_empty() {
            return Err(LookupError::Missing {
                dump: dump.index(),
                name: format!("{name}::samples"),
                similar: dump.similar_names(&format!("{name}::samples")),
            });
        } else {
            format!("there is no `{name}::samples` line (a vector has `::` elements too)")
        };
        return Err(not_dist(reason));
    };
    h.samples = samples;

    for (key, count) in keyed {
        let (low, high) = match (bucket_size, min_bucket) {
            // A oneline distribution: elements are numbered, bounds follow from the bucket size.
            (Some(size), Some(min)) => {
                let i: f64 = key
                    .parse::<u32>()
                    .map_err(|_| not_dist(format!("unexpected line `{name}::{key}`")))?
                    .into();
                let low = min + i * size;
                let high = low + size - 1.0;
                (low, max_bucket.map_or(high, |m| high.min(m)))
            }
            _ => parse_bucket(key)
                .ok_or_else(|| not_dist(format!("unexpected line `{name}::{key}`")))?,
        };
        h.buckets.push(Bucket { low, high, count });
    }
    h.buckets.sort_by(|a, b| a.low.total_cmp(&b.low));

    h.kind = if h.gmean.is_some() {
        DistKind::Histogram
    } else if h.underflows.is_some() || h.overflows.is_some() || h.min_value.is_some() {
        DistKind::Distribution
    } else if h.mean.is_some() && h.buckets.is_empty() && h.total.is_none() {
        DistKind::Deviation
    } else if h.mean.is_none() {
        DistKind::Sparse
    } else {
        // samples, mean, stdev and buckets but no gmean: a histogram written by a writer that
        // omits gmean, or a distribution with nothing outside its range; both read the same.
        DistKind::Histogram
    };
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::parse_bucket;

    #[test]
    fn bucket_keys() {
        assert_eq!(parse_bucket("5"), Some((5.0, 5.0)));
        assert_eq!(parse_bucket("0-16383"), Some((0.0, 16383.0)));
        assert_eq!(parse_bucket("0-1.04858e+06"), Some((0.0, 1048580.0)));
        assert_eq!(
            parse_bucket("1.04858e+06-2.09715e+06"),
            Some((1048580.0, 2097150.0))
        );
        assert_eq!(parse_bucket("-10--6"), Some((-10.0, -6.0)));
        assert_eq!(parse_bucket("-3"), Some((-3.0, -3.0)));
        assert_eq!(parse_bucket("1e-05-2e-05"), Some((1e-5, 2e-5)));
        assert_eq!(parse_bucket("0.5-1.5"), Some((0.5, 1.5)));
        assert_eq!(parse_bucket("IntAlu"), None);
        assert_eq!(parse_bucket("nan"), None);
        assert_eq!(parse_bucket(""), None);
        assert_eq!(parse_bucket("1-2-3"), None);
    }
}
