//! What a stored wake point costs: a realistic E1 run (a committed quick-profile record's
//! measured dump and its archived samples, with boot and exit dumps of the same stats as gem5
//! writes them) and the same run with 25 times the wakes, as the full profile makes. Prints the
//! sizes (`cargo test -p driver stored_point_sizes -- --nocapture`) and checks the stored JSON
//! is a small part of what the run's `result.json` holds.

use std::io::{Read, Write};
use std::path::Path;

use crate::coro_sched::SAMPLES_FILE;
use crate::coro_sched::recorded::RecordedSamples;
use crate::coro_sched::samples::Samples;
use crate::experiments::ResultsFile;
use crate::results::{self, DumpStats, RunResult, Window};

const POINT: &str = "minor-irq-idle";

fn committed() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../results"))
}

/// The archived samples file of `POINT`.
fn samples_csv() -> String {
    let path = crate::raw_samples::dir(committed(), "wake")
        .join(format!("{POINT}{}", crate::raw_samples::SUFFIX));
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// `csv` with its last window's samples (the measured region) `times` times over, each copy
/// later in ticks than the one before and each copy's latencies varied a little (as another
/// stretch of the same run's would be): the full profile's longer run.
fn more_wakes(csv: &str, times: u64) -> String {
    let lines: Vec<&str> = csv.lines().collect();
    let reset = lines
        .iter()
        .rposition(|l| l.starts_with("# reset"))
        .unwrap();
    let end = (reset + 1..lines.len())
        .find(|&i| lines[i].starts_with('#'))
        .unwrap();
    let block = &lines[reset + 1..end];
    let field = |l: &str, i: usize| -> u64 { l.split(',').nth(i).unwrap().parse().unwrap() };
    let (n, span) = (
        block.len() as u64,
        field(block[block.len() - 1], 5) - field(block[0], 4) + 100_000,
    );
    let period = 250;
    let mut out: Vec<String> = lines[..=reset].iter().map(|l| l.to_string()).collect();
    let mut lcg: u64 = 1;
    for k in 0..times {
        for l in block {
            // 0..64 cycles more, from a fixed linear congruential sequence.
            let extra = if k == 0 { 0 } else { (lcg >> 33) % 64 };
            lcg = lcg
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let f: Vec<&str> = l.split(',').collect();
            out.push(format!(
                "{},{},{},{},{},{},{}",
                field(l, 0) + k * n,
                f[1],
                f[2],
                f[3],
                field(l, 4) + k * span,
                field(l, 5) + k * span + extra * period,
                field(l, 6) + extra
            ));
        }
    }
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    out.join("\n") + "\n"
}

/// `dump` as the `window` dump `index`, its numbers other than the measured window's.
fn unmeasured(dump: &DumpStats, index: usize, window: Window) -> DumpStats {
    let change = |v: f64| (v * 3.0 + 7.0).round();
    DumpStats {
        index,
        window,
        cycles: dump.cycles.map(change),
        insts: dump.insts.map(change),
        stats: dump
            .stats
            .iter()
            .map(|(k, v)| {
                let v = v.as_f64().map_or_else(|| v.clone(), |n| change(n).into());
                (k.clone(), v)
            })
            .collect(),
    }
}

/// The run's result as `result.json` holds it, its samples parsed from `csv`.
fn run_result(csv: &str) -> RunResult {
    let file: ResultsFile = results::read_json(&ResultsFile::path(committed(), "wake")).unwrap();
    let record = file.records.iter().find(|r| r.id == POINT).unwrap();
    let measured = &record.windows[0];
    let dir = Path::new("/work/runs/full/wake").join(POINT);
    RunResult {
        results: record.guest_results.clone(),
        stats: Some(vec![
            unmeasured(measured, 0, Window::Boot),
            measured.clone(),
            unmeasured(measured, measured.index + 1, Window::Exit),
        ]),
        device_samples: Some(RecordedSamples::of(
            &dir.join(SAMPLES_FILE),
            &Samples::parse(csv).unwrap(),
        )),
        ..results::tests::sample_result(&dir, record.spec.clone())
    }
}

/// How git stores a blob: zlib at its default level.
fn zlib(bytes: &[u8]) -> usize {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap().len()
}

#[test]
fn stored_point_sizes() {
    let csv = samples_csv();
    for (profile, times) in [("quick", 1), ("full (25x wakes)", 25)] {
        let csv = more_wakes(&csv, times);
        let run = run_result(&csv);
        let whole = serde_json::to_string(&run).unwrap();
        let stored = serde_json::to_string(&super::stored_form(&run)).unwrap();
        let gz = crate::raw_samples::gzip(csv.as_bytes()).unwrap().len();
        println!(
            "{POINT}, {profile}: {} wakes; result JSON whole {} B (git blob {} B), stored {} B \
             (git blob {} B); samples CSV {} B, stored gzipped {} B (the raw archive's blob)",
            run.device_samples.as_ref().unwrap().len(),
            whole.len(),
            zlib(whole.as_bytes()),
            stored.len(),
            zlib(stored.as_bytes()),
            csv.len(),
            gz
        );
        assert!(stored.len() * 2 < whole.len(), "{profile}");
    }
}
