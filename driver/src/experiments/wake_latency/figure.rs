//! The latency sweep's figure and the summary's reference line.

use runconfig::{Choice, Mechanism};

use super::{
    BASELINE, Crossover, challengers, crossovers, crossovers_same_latency, latency_of, mean_of, ns,
    reference, reference_mean, reference_name, same_latency_name, series,
};
use crate::experiments::{ResultsFile, label_values};
use crate::figures::LineChart;

/// The summary's line about `cpu`'s irq reference: its mean, or that it is missing.
pub(super) fn reference_line(file: &ResultsFile, cpu: &str) -> String {
    match reference(file, cpu).and_then(|r| Some((r, mean_of(r)?))) {
        Some((r, m)) => format!(
            "{cpu}: reference {}: {m:.1} cycles ({})\n",
            reference_name(),
            r.id
        ),
        None => format!(
            "{cpu}: no reference {} in the file; run `driver experiment wake-latency` again \
             (it resumes, running only the missing points) to compare against it\n",
            reference_name()
        ),
    }
}

/// The fixed reference of `cpu` as a horizontal line across the latencies swept on it.
fn reference_series(file: &ResultsFile, cpu: &str) -> Option<Vec<(f64, f64)>> {
    let mean = reference_mean(file, cpu)?;
    let lats = file
        .records
        .iter()
        .filter(|r| r.labels.get("cpu").map(String::as_str) == Some(cpu))
        .filter_map(latency_of);
    let (lo, hi) = lats.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), l| {
        (lo.min(l), hi.max(l))
    });
    Some(vec![(lo, mean), (hi, mean)])
}

/// Mean cycles against device latency (log x), one line per (CPU, path), a horizontal line per
/// CPU at the fixed irq reference, and a vertical line at each crossover (against the
/// reference, and against irq at the same latency).
pub fn chart(file: &ResultsFile) -> LineChart {
    let cpus = label_values(file, "cpu");
    let mut paths = vec![BASELINE.name()];
    paths.extend(challengers(file));
    let wakes = file.records.first().map_or(0, |r| r.spec.iterations);
    let found = crossovers(file);
    let notes: Vec<String> = found
        .iter()
        .filter(|(_, p, _)| *p == Mechanism::Hwq.name())
        .map(|(cpu, _, c)| format!("{cpu} {}", c.short()))
        .collect();
    let title = format!(
        "E1 vs device latency (idle, {wakes} wakes/point): hwq = {} at {}",
        reference_name(),
        if notes.is_empty() {
            "-".to_string()
        } else {
            notes.join(", ")
        }
    );
    let mut chart = LineChart::new(
        title,
        "scheduler device access latency pio_latency [ns] (log)",
        "mean cycles from event to resume",
    )
    .log_x(true);
    let mut top = 0f64;
    for cpu in &cpus {
        for p in &paths {
            let pts = series(file, cpu, p);
            top = pts.iter().fold(top, |t, &(_, m)| t.max(m));
            if !pts.is_empty() {
                chart = chart.series(format!("{cpu} {p}"), pts);
            }
        }
        if let Some(line) = reference_series(file, cpu) {
            chart = chart.series(format!("{cpu} {}", reference_name()), line);
        }
    }
    let marked = [
        (reference_name(), found),
        (same_latency_name(), crossovers_same_latency(file)),
    ];
    for (versus, list) in marked {
        for (cpu, path, c) in list {
            if let Crossover::Crossed { latency_ns, .. } = c {
                chart = chart.series(
                    format!("{cpu} {path} = {versus}: {}", ns(latency_ns)),
                    vec![(latency_ns, 0.0), (latency_ns, top)],
                );
            }
        }
    }
    chart
}
