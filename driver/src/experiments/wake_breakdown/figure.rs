//! The breakdown's figure (stacked bars of the net steps) and its table.

use anyhow::Result;
use runconfig::stages::Stage;

use super::{BEFORE_FIRST, BreakdownMetrics, step_label};
use crate::experiments::wake::figure::series_of;
use crate::experiments::{ResultsFile, label_values};
use crate::figures::StackedBarChart;
use crate::figures::format_value;

/// One bar: its name ("cpu path load") and the run's metrics.
pub struct Bar {
    pub name: String,
    pub metrics: BreakdownMetrics,
}

/// The bars, in cpu, load, path order, and per path in the file's (the sweep's variant)
/// order; a run's name says its series ("ring fast-l1").
pub fn bars(file: &ResultsFile) -> Result<Vec<Bar>> {
    let mut out = Vec::new();
    for cpu in label_values(file, "cpu") {
        for load in ["idle", "busy"] {
            for path in label_values(file, "path") {
                for r in file.records.iter().filter(|r| {
                    r.labels.get("cpu") == Some(&cpu)
                        && r.labels.get("path") == Some(&path)
                        && r.labels.get("load").map(String::as_str) == Some(load)
                }) {
                    out.push(Bar {
                        name: format!("{cpu} {} {load}", series_of(r)),
                        metrics: r.metrics_as()?,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The net steps of a run by label (steps of the same label added up).
fn net_steps(m: &BreakdownMetrics) -> Vec<(String, f64)> {
    let mut out = vec![(BEFORE_FIRST.to_string(), m.before_first_stamp.0)];
    for s in &m.steps {
        match out.iter_mut().find(|(l, _)| *l == s.label) {
            Some(e) => e.1 += s.net.0,
            None => out.push((s.label.clone(), s.net.0)),
        }
    }
    out
}

/// Stacked bars: one per run, one segment per step (net of the probe), in stage order.
pub fn chart(bars: &[Bar]) -> StackedBarChart {
    let mut labels: Vec<&'static str> = vec![BEFORE_FIRST];
    labels.extend(Stage::ALL.iter().map(|&s| step_label(s)));
    let per_bar: Vec<Vec<(String, f64)>> = bars.iter().map(|b| net_steps(&b.metrics)).collect();
    let mut chart = StackedBarChart::new(
        "Where a wake's cycles go (event to resume, net of the probe)",
        "cycles (mean)",
        bars.iter().map(|b| b.name.clone()).collect(),
    );
    // Wide enough that each bar's "cpu path load" label fits on its three lines.
    chart.size = (1500, 680);
    for label in labels {
        let values: Vec<f64> = per_bar
            .iter()
            .map(|steps| steps.iter().find(|(l, _)| l == label).map_or(0.0, |s| s.1))
            .collect();
        if values.iter().any(|&v| v > 0.0) {
            chart = chart.segment(label, values);
        }
    }
    chart
}

/// The table printed after a sweep.
pub fn summary(experiment: &str, bars: &[Bar]) -> String {
    let mut out = format!(
        "{experiment}: mean cycles per step of the dominant pattern, net of one probe each\n"
    );
    for b in bars {
        let m = &b.metrics;
        out.push_str(&format!(
            "\n{}: stamped total {}, net total {}, probe {} per stamp, pattern share {}\n",
            b.name,
            fmt(m.stamped_total.0),
            fmt(m.net_total.0),
            fmt(m.probe_cycles.0),
            fmt(m.dominant_share.0),
        ));
        for (label, v) in net_steps(m) {
            out.push_str(&format!("  {label:<48} {:>8}\n", format_value(v, Some(0))));
        }
    }
    out
}

fn fmt(v: f64) -> String {
    format_value(v, Some(2))
}
