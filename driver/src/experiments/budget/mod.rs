//! `experiment budget` (E5), Tokio's echo-server case: a greedy task reads flow 1, which the
//! NIC keeps full, while latency-sensitive requests arrive on flow 0. Per budget (none, then
//! 8, 16, … 1024): the latency-sensitive p99 and the greedy task's throughput.
//!
//! Without a budget the greedy task never returns `Pending` (the device refills its ring as
//! fast as it drains it), so flow 0's dispatcher never runs: the run ends at its tick limit with
//! the latency-sensitive requests outstanding. That is the result at that end of the curve
//! (`starved`, with what was outstanding), not a failure of the sweep.

mod figure;
pub mod metrics;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

use super::load::budget::{budgets, targets};
use super::load::points::{ServiceRun, spec};
use super::{Experiment, Profile, ResultsFile, typed_records};
use crate::loadgen::{Arrival, LoadGenSpec};
use crate::results::RunResult;
use crate::spec::Cpu;
use crate::sweep::Point;
use metrics::BudgetMetrics;

pub struct Budget;

/// The latency-sensitive flow: exponential 2 µs requests at 100 k/s (20 % of the core), the
/// load of docs/services.md's three device points.
pub const WORKLOAD: &str = "exp:2us";
pub const RATE: u64 = 100_000;
/// The budget whose targets the issue states (Tokio's default).
pub const TARGET_BUDGET: u64 = 128;

/// The sweep's size per profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    pub cpu: Cpu,
    pub requests: u64,
    pub warmup: u64,
}

pub fn sizes(profile: Profile) -> Sizes {
    match profile {
        Profile::Smoke => Sizes {
            cpu: Cpu::Minor,
            requests: 100,
            warmup: 10,
        },
        Profile::Quick => Sizes {
            cpu: Cpu::Minor,
            requests: 200,
            warmup: 30,
        },
        Profile::Full => Sizes {
            cpu: Cpu::O3,
            requests: 10_000,
            warmup: 500,
        },
    }
}

/// The tick limit of a point (it counts from tick 0, boot included): the arrivals' span (at
/// `RATE`) twice over, plus 4 ms for the boot (≈ 3.3 ms on minor with the EL0 split), and at
/// least 5 ms. A budgeted point finishes well within it (at budget 1024 a request waits one
/// 256 µs greedy turn); the no-budget point reaches it.
pub fn max_ticks(s: &Sizes) -> u64 {
    let span_ps = (s.requests + s.warmup) * 1_000_000_000_000 / RATE;
    (2 * span_ps + 4_000_000_000).max(5_000_000_000)
}

/// `none` or the budget.
pub fn budget_label(b: Option<u64>) -> String {
    b.map_or_else(|| "none".into(), |b| b.to_string())
}

/// The policy of a budget: `fcfs` (no budget; yield points do nothing) or `budget:N`.
pub fn policy(b: Option<u64>) -> String {
    b.map_or_else(|| "fcfs".into(), |b| format!("budget:{b}"))
}

pub fn points(profile: Profile) -> Vec<Point> {
    let s = sizes(profile);
    budgets()
        .into_iter()
        .map(|b| {
            let policy = policy(b);
            Point {
                id: format!("{}-budget-{}", s.cpu.name(), budget_label(b)),
                spec: spec(&ServiceRun {
                    cpu: s.cpu,
                    policy: &policy,
                    path: super::load::points::DEFAULT_PATH,
                    complete: super::load::points::DIRECT,
                    nic: LoadGenSpec {
                        arrival: Arrival::Poisson,
                        rate: RATE,
                        workload: WORKLOAD.into(),
                        warmup: s.warmup,
                        requests: s.requests,
                        greedy: true,
                    },
                    max_ticks: max_ticks(&s),
                }),
                labels: BTreeMap::from([
                    ("cpu".to_string(), s.cpu.name().to_string()),
                    ("budget".to_string(), budget_label(b)),
                ]),
            }
        })
        .collect()
}

impl Experiment for Budget {
    fn name(&self) -> &'static str {
        "budget"
    }

    fn about(&self) -> &'static str {
        "E5: latency-sensitive p99 and greedy throughput against the budget (Tokio's case)"
    }

    fn points(&self, profile: Profile) -> Vec<Point> {
        points(profile)
    }

    fn measure(&self, point: &Point, result: &RunResult) -> Result<Value> {
        let budget = point.spec.params.get("policy_arg").copied();
        let budget = (point.spec.mechanism == "budget")
            .then_some(budget)
            .flatten();
        Ok(serde_json::to_value(metrics::measure(budget, result)?)?)
    }

    /// `measure` reads the greedy flow's deliveries from the whole `stats.txt`.
    fn run_files(&self, _point: &Point) -> Vec<&'static str> {
        vec![crate::sim::gem5::STATS]
    }

    fn result_of_failed_run(&self, point: &Point, dir: &Path, error: &str) -> Option<RunResult> {
        if point.spec.mechanism != "fcfs" {
            return None;
        }
        metrics::starved_result(dir, error)
    }

    fn figure(&self, file: &ResultsFile, svg: &Path) -> Result<()> {
        let runs = typed_records::<BudgetMetrics>(file)?;
        let ms: Vec<&BudgetMetrics> = runs.iter().map(|(_, m)| m).collect();
        Ok(figure::p99_chart(&ms).write_svg(svg)?)
    }

    fn figures(&self, file: &ResultsFile, results_dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        let svg = ResultsFile::svg_path(results_dir, self.name());
        self.figure(file, &svg)?;
        let runs = typed_records::<BudgetMetrics>(file)?;
        let ms: Vec<&BudgetMetrics> = runs.iter().map(|(_, m)| m).collect();
        let greedy = results_dir.join("budget-greedy.svg");
        figure::greedy_chart(&ms).write_svg(&greedy)?;
        Ok(vec![svg, greedy])
    }

    fn analyse(&self, file: &ResultsFile) -> Result<Value> {
        let runs = typed_records::<BudgetMetrics>(file)?;
        let pts: Vec<_> = runs.iter().filter_map(|(_, m)| m.point()).collect();
        let starved: Vec<Value> = runs
            .iter()
            .filter(|(_, m)| m.starved)
            .map(|(r, m)| {
                json!({"point": r.id, "outstanding": m.outstanding,
                       "first_outstanding_ids": m.outstanding_ids,
                       "completed": m.completed})
            })
            .collect();
        // A starved no-budget point has no p99 (nothing completed): its latency is at least the
        // run's length, so the improvement target holds for any budget whose p99 is finite.
        let none_starved = runs.iter().any(|(_, m)| m.budget.is_none() && m.starved);
        let t = targets(&pts, TARGET_BUDGET);
        let at = runs
            .iter()
            .find(|(_, m)| m.budget == Some(TARGET_BUDGET))
            .map(|(_, m)| m);
        let none = runs
            .iter()
            .find(|(_, m)| m.budget.is_none())
            .map(|(_, m)| m);
        let kept = at
            .zip(none)
            .and_then(|(a, n)| Some(a.greedy_rps? / n.greedy_rps?));
        Ok(json!({
            "targets": t,
            "no_budget_starved": none_starved,
            "greedy_kept_at_target": kept,
            "p99_improvement_at_target": if none_starved { json!("unbounded: no budget completes none") }
                                         else { json!(t.as_ref().map(|t| t.p99_improvement)) },
            "starved": starved,
            "scaled": format!("{} CPU; {} measured requests per point, {} warm-up; {} at {} k/s",
                sizes(file.profile).cpu.name(), sizes(file.profile).requests,
                sizes(file.profile).warmup, WORKLOAD, RATE / 1000),
        }))
    }

    fn summary(&self, file: &ResultsFile) -> String {
        let runs = match typed_records::<BudgetMetrics>(file) {
            Ok(r) => r,
            Err(e) => return format!("no table: {e:#}\n"),
        };
        let mut out = format!(
            "{:<8} {:>10} {:>10} {:>14} {:>14} {:>14}\n",
            "budget", "p50 µs", "p99 µs", "greedy M/s", "forced yields", "completed"
        );
        for (_, m) in &runs {
            let f = |v: Option<f64>, s: f64| v.map_or("-".into(), |v| format!("{:.2}", v / s));
            out.push_str(&format!(
                "{:<8} {:>10} {:>10} {:>14} {:>14.0} {:>14}{}\n",
                budget_label(m.budget),
                f(m.p50_ns, 1e3),
                f(m.p99_ns, 1e3),
                f(m.greedy_rps, 1e6),
                m.forced_yields,
                m.completed,
                if m.starved {
                    format!("  starved: {} outstanding", m.outstanding)
                } else {
                    String::new()
                }
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_per_budget_with_the_greedy_flow() {
        let pts = points(Profile::Quick);
        let ids: Vec<&str> = pts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"minor-budget-none"));
        assert_eq!(ids.last(), Some(&"minor-budget-1024"));
        assert_eq!(pts.len(), 9);
        assert_eq!(pts[0].spec.mechanism, "fcfs");
        assert_eq!(pts[5].spec.mechanism, "budget");
        assert_eq!(pts[5].spec.params["policy_arg"], 128);
        for p in &pts {
            let nic = p.spec.sim.loadgen().unwrap();
            assert!(nic.greedy && p.spec.params["greedy"] == 1);
            assert_eq!((nic.rate, nic.workload.as_str()), (RATE, WORKLOAD));
            p.spec.check_runnable(1).unwrap();
        }
    }

    #[test]
    fn the_tick_limit_covers_the_arrivals_twice() {
        let s = sizes(Profile::Quick);
        // 230 arrivals at 100 k/s: 2.3 ms; twice plus 4 ms.
        assert_eq!(max_ticks(&s), 8_600_000_000);
        assert_eq!(
            max_ticks(&Sizes {
                requests: 1,
                warmup: 0,
                ..s
            }),
            5_000_000_000
        );
    }
}
