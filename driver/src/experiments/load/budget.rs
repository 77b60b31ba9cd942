//! E5, Tokio's budget case: a greedy task reads an always-ready flow (the NIC's saturating
//! flow 1) while latency-sensitive requests arrive on flow 0. Per budget: the latency-sensitive
//! p99 and the greedy task's throughput; the targets compare budget 128 with no budget.

use serde::{Deserialize, Serialize};

/// The budgets of the sweep: none, then 8, 16, 32, … 1024.
pub fn budgets() -> Vec<Option<u64>> {
    std::iter::once(None)
        .chain((3..=10).map(|k| Some(1u64 << k)))
        .collect()
}

/// One E5 point's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetPoint {
    /// None: no budget.
    pub budget: Option<u64>,
    /// The latency-sensitive flow's p99, ns.
    pub p99_ns: f64,
    /// Greedy items consumed per second.
    pub greedy_rps: f64,
}

/// Greedy items consumed per second: the flow-1 descriptors the NIC wrote, less the ring it
/// filled at the start (never consumed for certain), over the simulated seconds.
pub fn greedy_rate(greedy_delivered: f64, ring_size: u64, seconds: f64) -> Option<f64> {
    (seconds > 0.0 && greedy_delivered >= ring_size as f64)
        .then(|| (greedy_delivered - ring_size as f64) / seconds)
}

/// The issue's E5 targets at one budget against no budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetTargets {
    pub budget: u64,
    /// no-budget p99 ÷ this budget's p99 (target ≥ 3).
    pub p99_improvement: f64,
    /// this budget's greedy throughput ÷ no budget's (target ≥ 0.9).
    pub greedy_kept: f64,
    pub passes: bool,
}

/// The targets at `budget` (the issue: 128), if both it and the no-budget point are there.
pub fn targets(points: &[BudgetPoint], budget: u64) -> Option<BudgetTargets> {
    let none = points.iter().find(|p| p.budget.is_none())?;
    let at = points.iter().find(|p| p.budget == Some(budget))?;
    let p99_improvement = none.p99_ns / at.p99_ns;
    let greedy_kept = at.greedy_rps / none.greedy_rps;
    Some(BudgetTargets {
        budget,
        p99_improvement,
        greedy_kept,
        passes: p99_improvement >= 3.0 && greedy_kept >= 0.9,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budgets_of_the_issue() {
        let b = budgets();
        assert_eq!(b.first(), Some(&None));
        assert_eq!(b[1], Some(8));
        assert_eq!(b.last(), Some(&Some(1024)));
        assert_eq!(b.len(), 9);
    }

    #[test]
    fn greedy_rate_excludes_the_initial_fill() {
        assert_eq!(greedy_rate(1064.0, 64, 0.001), Some(1_000_000.0));
        assert_eq!(greedy_rate(10.0, 64, 0.001), None);
        assert_eq!(greedy_rate(100.0, 64, 0.0), None);
    }

    #[test]
    fn targets_compare_with_no_budget() {
        let p = |budget, p99_ns, greedy_rps| BudgetPoint {
            budget,
            p99_ns,
            greedy_rps,
        };
        let pts = [
            p(None, 90_000.0, 1e6),
            p(Some(128), 20_000.0, 0.95e6),
            p(Some(8), 5_000.0, 0.5e6),
        ];
        let t = targets(&pts, 128).unwrap();
        assert!((t.p99_improvement - 4.5).abs() < 1e-12);
        assert!((t.greedy_kept - 0.95).abs() < 1e-12);
        assert!(t.passes);
        let t8 = targets(&pts, 8).unwrap();
        assert!(!t8.passes, "half the greedy throughput is lost");
        assert!(targets(&pts, 64).is_none());
    }
}
