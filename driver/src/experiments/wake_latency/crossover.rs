//! Where a challenger path stops beating the baseline along the latency axis (the sweep's
//! result, [`super`]).

use serde::{Deserialize, Serialize};

use crate::figures::format_value;

/// Where a challenger path's mean stops beating the baseline's, along the latency axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Crossover {
    /// It beats the baseline below `latency_ns` and not from there on: linear interpolation
    /// of the difference between the bracketing swept latencies (`latency_ns` is the upper one
    /// when the means are equal there).
    Crossed {
        latency_ns: f64,
        bracket_ns: [f64; 2],
    },
    /// None in range: it beats the baseline at every swept latency, up to `up_to_ns`.
    AlwaysBeats { up_to_ns: f64 },
    /// None in range: it does not beat the baseline even at the smallest latency, `from_ns`.
    NeverBeats { from_ns: f64 },
    /// No latency has a mean for both paths.
    NoData,
}

/// The crossover of `points` = (latency, challenger mean, baseline mean), in any order; points
/// with a missing (NaN) mean are left out. "Beats" means a strictly smaller mean.
pub fn crossover(points: &[(f64, f64, f64)]) -> Crossover {
    let mut pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(l, c, b)| l.is_finite() && c.is_finite() && b.is_finite())
        .map(|&(l, c, b)| (l, c - b))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(l0, d0)) = pts.first() else {
        return Crossover::NoData;
    };
    if d0 >= 0.0 {
        return Crossover::NeverBeats { from_ns: l0 };
    }
    for w in pts.windows(2) {
        let ((la, da), (lb, db)) = (w[0], w[1]);
        if db >= 0.0 {
            let latency_ns = if db == 0.0 {
                lb
            } else {
                la + (lb - la) * (-da) / (db - da)
            };
            return Crossover::Crossed {
                latency_ns,
                bracket_ns: [la, lb],
            };
        }
    }
    Crossover::AlwaysBeats {
        up_to_ns: pts[pts.len() - 1].0,
    }
}

pub(super) fn ns(v: f64) -> String {
    format!("{} ns", format_value(v, None))
}

impl Crossover {
    /// One sentence, e.g. `hwq stops beating irq at ≈ 37.5 ns (between 10 ns and 50 ns)`.
    pub fn describe(&self, path: &str, baseline: &str) -> String {
        match self {
            Crossover::Crossed {
                latency_ns,
                bracket_ns: [a, b],
            } => format!(
                "{path} stops beating {baseline} at ≈ {} (between {} and {})",
                ns(*latency_ns),
                ns(*a),
                ns(*b)
            ),
            Crossover::AlwaysBeats { up_to_ns } => format!(
                "none in range: {path} beats {baseline} at every latency up to {}",
                ns(*up_to_ns)
            ),
            Crossover::NeverBeats { from_ns } => format!(
                "none in range: {path} does not beat {baseline} even at {}",
                ns(*from_ns)
            ),
            Crossover::NoData => format!("none: no means of both {path} and {baseline}"),
        }
    }

    /// Short, for a figure title: `≈ 37.5 ns` or `none in range`.
    pub fn short(&self) -> String {
        match self {
            Crossover::Crossed { latency_ns, .. } => format!("≈ {}", ns(*latency_ns)),
            Crossover::NoData => "no data".into(),
            _ => "none in range".into(),
        }
    }
}

/// The crossover of a challenger's (latency, mean) points against one baseline mean for every
/// latency (the fixed irq reference); no baseline is [`Crossover::NoData`].
pub fn crossover_against(points: &[(f64, f64)], baseline: Option<f64>) -> Crossover {
    let b = baseline.unwrap_or(f64::NAN);
    let pts: Vec<(f64, f64, f64)> = points.iter().map(|&(l, m)| (l, m, b)).collect();
    crossover(&pts)
}
