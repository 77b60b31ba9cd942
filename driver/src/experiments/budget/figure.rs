//! E5's figures: the latency-sensitive p99 and the greedy task's throughput against the budget
//! (log₂ axis). The no-budget point has no budget to plot at; it is named in the title (a
//! starved one has no p99 at all).

use super::metrics::BudgetMetrics;
use crate::figures::LineChart;

fn no_budget_note(ms: &[&BudgetMetrics], f: impl Fn(&BudgetMetrics) -> Option<f64>) -> String {
    match ms.iter().find(|m| m.budget.is_none()) {
        None => String::new(),
        Some(m) if m.starved => format!(
            "; no budget: starved, {} of {} requests outstanding",
            m.outstanding,
            m.outstanding + m.completed + m.dropped
        ),
        Some(m) => f(m).map_or_else(String::new, |v| format!("; no budget: {v:.2}")),
    }
}

fn curve(ms: &[&BudgetMetrics], f: &impl Fn(&BudgetMetrics) -> Option<f64>) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = ms
        .iter()
        .filter_map(|m| Some((m.budget? as f64, f(m)?)))
        .filter(|p| p.1.is_finite() && p.1 > 0.0)
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

/// The latency-sensitive requests' p99 (µs) against the budget.
pub fn p99_chart(ms: &[&BudgetMetrics]) -> LineChart {
    let f = |m: &BudgetMetrics| m.p99_ns.map(|v| v / 1e3);
    LineChart::new(
        format!(
            "E5: latency-sensitive p99 vs budget, beside a greedy flow{}",
            no_budget_note(ms, f)
        ),
        "budget (operations per poll, log)",
        "p99 latency (µs, log)",
    )
    .log_x(true)
    .log_y(true)
    .series("p99 (flow 0)", curve(ms, &f))
}

/// The greedy task's throughput (M items/s) against the budget.
pub fn greedy_chart(ms: &[&BudgetMetrics]) -> LineChart {
    let f = |m: &BudgetMetrics| m.greedy_rps.map(|v| v / 1e6);
    LineChart::new(
        format!(
            "E5: greedy task's throughput vs budget{}",
            no_budget_note(ms, f)
        ),
        "budget (operations per poll, log)",
        "greedy items per second (M/s)",
    )
    .log_x(true)
    .series("greedy (flow 1)", curve(ms, &f))
}
