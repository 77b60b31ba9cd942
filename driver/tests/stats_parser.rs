//! Tests of the gem5 stats.txt parser: small inline samples of every line shape, malformed
//! input (with the line number in the error), and every fixture file in
//! tests/fixtures/stats/*.txt (synthetic-*.txt written by tests/fixtures/gen_synthetic_stats.py
//! in gem5's exact format; gem5-*.txt captured from real runs).

use driver::stats::{Column, DistKind, LookupError, ParseErrorKind, StatsFile};
use std::path::{Path, PathBuf};

const BEGIN: &str = "---------- Begin Simulation Statistics ----------";
const END: &str = "---------- End Simulation Statistics   ----------";

/// One dump around `body`, as gem5 writes it (a blank line before each marker).
fn dump(body: &str) -> String {
    format!("\n{BEGIN}\n{body}\n\n{END}\n")
}

fn parse(text: &str) -> StatsFile {
    StatsFile::parse(text).unwrap_or_else(|e| panic!("parse failed: {e}\n{text}"))
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats")
}

// ---------------------------------------------------------------------------------------------
// Line shapes

#[test]
fn scalar_line_keeps_value_description_and_unit() {
    let f = parse(&dump(
        "simTicks                                    123456000                       # Number of ticks simulated (Tick)\n\
         finalTick                                    223456000                       # Number of ticks from beginning of simulation (restored from checkpoints and never reset) (Tick)\n\
         simFreq                                  1000000000000                       # The number of ticks per simulated second ((Tick/Second))\n\
         hostSeconds                                      0.42                       # Real time elapsed on the host (Second)\n\
         simSeconds                                   0.000123                       # Number of seconds simulated (Second)",
    ));
    assert_eq!(f.dumps.len(), 1);
    let d = &f.dumps[0];
    assert_eq!(d.len(), 5);
    let s = d.stat("simTicks").unwrap();
    assert_eq!(s.value, 123456000.0);
    assert_eq!(s.desc.as_deref(), Some("Number of ticks simulated"));
    assert_eq!(s.unit.as_deref(), Some("Tick"));
    assert_eq!((s.pdf, s.cdf), (None, None));
    assert_eq!(s.line, 3);
    let s = d.stat("finalTick").unwrap();
    assert_eq!(
        s.desc.as_deref(),
        Some(
            "Number of ticks from beginning of simulation (restored from checkpoints and never reset)"
        )
    );
    assert_eq!(s.unit.as_deref(), Some("Tick"));
    assert_eq!(
        d.stat("simFreq").unwrap().unit.as_deref(),
        Some("(Tick/Second)")
    );
    assert_eq!(d.get("simFreq"), Some(1e12));
    assert_eq!(d.get("hostSeconds"), Some(0.42));
    assert_eq!(d.get("simSeconds"), Some(0.000123));
    // File order is kept.
    let names: Vec<&str> = d.stats().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "simTicks",
            "finalTick",
            "simFreq",
            "hostSeconds",
            "simSeconds"
        ]
    );
}

#[test]
fn vector_with_pdf_cdf_and_total() {
    let f = parse(&dump(
        "system.cpu_cluster.cpus0.commitStats0.committedInstType::No_OpClass            0      0.00%      0.00% # Class of committed instruction. (Count)\n\
         system.cpu_cluster.cpus0.commitStats0.committedInstType::IntAlu          123     45.05%     45.05% # Class of committed instruction. (Count)\n\
         system.cpu_cluster.cpus0.commitStats0.committedInstType::MemRead         150     54.95%    100.00% # Class of committed instruction. (Count)\n\
         system.cpu_cluster.cpus0.commitStats0.committedInstType::total           273                       # Class of committed instruction. (Count)",
    ));
    let d = &f.dumps[0];
    let s = d
        .stat("system.cpu_cluster.cpus0.commitStats0.committedInstType::IntAlu")
        .unwrap();
    assert_eq!((s.value, s.pdf, s.cdf), (123.0, Some(45.05), Some(45.05)));
    assert_eq!(s.desc.as_deref(), Some("Class of committed instruction."));
    let s = d
        .stat("system.cpu_cluster.cpus0.commitStats0.committedInstType::total")
        .unwrap();
    assert_eq!((s.value, s.pdf, s.cdf), (273.0, None, None));
    // Summing the elements but not the total.
    let sum = d
        .sum("system.cpu_cluster.cpus0.commitStats0.committedInstType::*")
        .unwrap();
    assert_eq!(sum, 273.0 * 2.0);
    let elements: f64 = d
        .matching("system.cpu_cluster.cpus0.commitStats0.committedInstType::*")
        .iter()
        .filter(|s| !s.name.ends_with("::total"))
        .map(|s| s.value)
        .sum();
    assert_eq!(elements, 273.0);
}

#[test]
fn nan_and_infinities() {
    let f = parse(&dump(
        "a.ipc                                             nan                       # IPC (Count/Cycle)\n\
         a.cpi                                             inf                       # CPI ((Cycle/Count))\n\
         a.neg                                            -inf                       # negative (Ratio)\n\
         a.negnan                                         -nan                       # from an older writer (Ratio)\n\
         a.negative                                   -12.500000                       # a negative value (Ratio)",
    ));
    let d = &f.dumps[0];
    assert!(d.get("a.ipc").unwrap().is_nan());
    assert_eq!(d.get("a.cpi"), Some(f64::INFINITY));
    assert_eq!(d.get("a.neg"), Some(f64::NEG_INFINITY));
    assert!(d.get("a.negnan").unwrap().is_nan());
    assert_eq!(d.get("a.negative"), Some(-12.5));
    assert_eq!(
        d.stat("a.cpi").unwrap().unit.as_deref(),
        Some("(Cycle/Count)")
    );
}

#[test]
fn optional_parts_of_a_line() {
    // spaces=False, a description-less line with a unit, desc=False (no # and no unit), a
    // name longer than 40 characters, tabs, CRLF line ends.
    let text = dump(
        "compact 5 # Compact line (Count)\n\
         compact.vec::a 1 25.00% 25.00% # Compact vector (Count)\n\
         nodesc                                              7                       (Count)\n\
         bare 8\n\
         system.cpu_cluster.cpus0.dcache.overallMshrMissLatency::cpu_cluster.cpus0.data      1234567                       # a long name (Tick)\n\
         tabs\t9\t# tab separated (Count)",
    )
    .replace('\n', "\r\n");
    let f = parse(&text);
    let d = &f.dumps[0];
    let s = d.stat("compact").unwrap();
    assert_eq!(
        (s.value, s.desc.as_deref(), s.unit.as_deref()),
        (5.0, Some("Compact line"), Some("Count"))
    );
    let s = d.stat("compact.vec::a").unwrap();
    assert_eq!((s.pdf, s.cdf), (Some(25.0), Some(25.0)));
    let s = d.stat("nodesc").unwrap();
    assert_eq!(
        (s.value, s.desc.as_deref(), s.unit.as_deref()),
        (7.0, None, Some("Count"))
    );
    let s = d.stat("bare").unwrap();
    assert_eq!(
        (s.value, s.desc.as_deref(), s.unit.as_deref()),
        (8.0, None, None)
    );
    assert_eq!(
        d.get("system.cpu_cluster.cpus0.dcache.overallMshrMissLatency::cpu_cluster.cpus0.data"),
        Some(1234567.0)
    );
    assert_eq!(
        d.stat("tabs").unwrap().desc.as_deref(),
        Some("tab separated")
    );
}

#[test]
fn several_dumps_in_order() {
    let text = [
        dump("simTicks 100 # Number of ticks simulated (Tick)\nsystem.cpu_cluster.cpus.numCycles 50 # c (Cycle)"),
        dump("simTicks 200 # Number of ticks simulated (Tick)\nsystem.cpu_cluster.cpus.numCycles 70 # c (Cycle)"),
        dump("simTicks 300 # Number of ticks simulated (Tick)\nsystem.cpu_cluster.cpus.numCycles 90 # c (Cycle)"),
    ]
    .concat();
    let f = parse(&text);
    assert_eq!(f.dumps.len(), 3);
    for (i, d) in f.dumps.iter().enumerate() {
        assert_eq!(d.index(), i);
        assert_eq!(d.get("simTicks"), Some(100.0 * (i + 1) as f64));
    }
    assert_eq!(f.dumps[0].begin_line(), 2);
    assert_eq!(f.dumps[1].begin_line(), 8);
    assert_eq!(
        f.last().unwrap().get("system.cpu_cluster.cpus.numCycles"),
        Some(90.0)
    );
    assert_eq!(f.dump(1).unwrap().get("simTicks"), Some(200.0));
    let err = f.dump(3).unwrap_err();
    assert_eq!(err, LookupError::NoSuchDump { index: 3, count: 3 });
    assert!(err.to_string().contains("has 3"), "{err}");
    // FromStr works too.
    let g: StatsFile = text.parse().unwrap();
    assert_eq!(g.dumps.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Lookups

#[test]
fn sum_over_cpus_whatever_they_are_called() {
    let one = parse(&dump(
        "system.cpu_cluster.cpus.numCycles 1000 # c (Cycle)\n\
         system.cpu_cluster.cpus.commitStats0.numInsts 400 # i (Count)",
    ));
    assert_eq!(
        one.dumps[0].sum("system.cpu_cluster.cpus*.numCycles"),
        Ok(1000.0)
    );

    let two = parse(&dump(
        "system.cpu_cluster.cpus0.numCycles 1000 # c (Cycle)\n\
         system.cpu_cluster.cpus0.icache.numCycles 999999 # a nested counter that must not count (Cycle)\n\
         system.cpu_cluster.cpus1.numCycles 1500 # c (Cycle)\n\
         system.cpu_cluster.cpus0.commitStats0.numInsts 400 # i (Count)",
    ));
    let d = &two.dumps[0];
    assert_eq!(d.sum("system.cpu_cluster.cpus*.numCycles"), Ok(2500.0));
    // cpus1 retired nothing: its numInsts line is omitted (prereq), the sum is cpus0's.
    assert_eq!(
        d.sum("system.cpu_cluster.cpus*.commitStats0.numInsts"),
        Ok(400.0)
    );
    assert_eq!(d.sum("system.**.numCycles"), Ok(2500.0 + 999999.0));
    let names: Vec<&str> = d
        .matching("system.cpu_cluster.cpus*.numCycles")
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "system.cpu_cluster.cpus0.numCycles",
            "system.cpu_cluster.cpus1.numCycles"
        ]
    );

    let padded: String = (0..16)
        .map(|i| {
            format!(
                "system.cpu_cluster.cpus{i:02}.numCycles {} # c (Cycle)\n",
                i * 10
            )
        })
        .collect();
    let sixteen = parse(&dump(&padded));
    assert_eq!(
        sixteen.dumps[0].sum("system.cpu_cluster.cpus*.numCycles"),
        Ok(1200.0)
    );

    // An exact name is a pattern too.
    assert_eq!(d.sum("system.cpu_cluster.cpus1.numCycles"), Ok(1500.0));
}

#[test]
fn missing_names_are_errors_that_help() {
    let f = parse(&dump(
        "system.cpu_cluster.cpus0.numCycles 1000 # c (Cycle)\n\
         system.cpu_cluster.cpus0.ipc nan # i ((Count/Cycle))",
    ));
    let d = &f.dumps[0];
    assert_eq!(d.get("system.cpu.numCycles"), None);
    let err = d.value("system.cpu.numCycles").unwrap_err();
    match &err {
        LookupError::Missing {
            dump,
            name,
            similar,
        } => {
            assert_eq!((*dump, name.as_str()), (0, "system.cpu.numCycles"));
            assert_eq!(similar, &["system.cpu_cluster.cpus0.numCycles".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("system.cpu_cluster.cpus0.numCycles"),
        "{err}"
    );
    let err = d.sum("system.cpu*.numCycles").unwrap_err();
    assert!(matches!(err, LookupError::NoMatch { .. }), "{err:?}");
    assert!(err.to_string().contains("system.cpu*.numCycles"), "{err}");
    // NaN propagates through a sum rather than vanishing.
    assert!(d.sum("system.cpu_cluster.cpus*.ipc").unwrap().is_nan());
}

// ---------------------------------------------------------------------------------------------
// Distributions

const HIST: &str = "\
system.realview.accel.jobLatency::samples            4                       # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::mean        5150000                       # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::gmean  4677678.527471                       # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::stdev  2735568.192046                       # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::0-1.04858e+06            0      0.00%      0.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::1.04858e+06-2.09715e+06            0      0.00%      0.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::2.09715e+06-3.14573e+06            1     25.00%     25.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::3.14573e+06-4.1943e+06            0      0.00%     25.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::4.1943e+06-5.24288e+06            2     50.00%     75.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::5.24288e+06-6.29146e+06            1     25.00%    100.00% # Start-to-done latency of a job (Tick)
system.realview.accel.jobLatency::total             4                       # Start-to-done latency of a job (Tick)
system.realview.accel.jobSize::samples              4                       # Bytes per job (Byte)
system.realview.accel.jobSize::mean             22620                       # Bytes per job (Byte)
system.realview.accel.jobSize::stdev     31645.628155                       # Bytes per job (Byte)
system.realview.accel.jobSize::underflows            0      0.00%      0.00% # Bytes per job (Byte)
system.realview.accel.jobSize::0-16383              3     75.00%     75.00% # Bytes per job (Byte)
system.realview.accel.jobSize::16384-32767            0      0.00%     75.00% # Bytes per job (Byte)
system.realview.accel.jobSize::32768-49151            0      0.00%     75.00% # Bytes per job (Byte)
system.realview.accel.jobSize::49152-65535            0      0.00%     75.00% # Bytes per job (Byte)
system.realview.accel.jobSize::overflows            1     25.00%    100.00% # Bytes per job (Byte)
system.realview.accel.jobSize::min_value         4096                       # Bytes per job (Byte)
system.realview.accel.jobSize::max_value        70000                       # Bytes per job (Byte)
system.realview.accel.jobSize::total                4                       # Bytes per job (Byte)
system.empty::samples                               0                       # An empty histogram (Tick)
system.empty::mean                                nan                       # An empty histogram (Tick)
system.empty::gmean                               nan                       # An empty histogram (Tick)
system.empty::stdev                               nan                       # An empty histogram (Tick)
system.empty::0                                     0                       # An empty histogram (Tick)
system.empty::1                                     0                       # An empty histogram (Tick)
system.empty::2                                     0                       # An empty histogram (Tick)
system.empty::total                                 0                       # An empty histogram (Tick)
system.dev::samples                                 3                       # A standard deviation (Count)
system.dev::mean                             2.000000                       # A standard deviation (Count)
system.dev::stdev                            1.000000                       # A standard deviation (Count)
system.sparse::samples                              3                       # A sparse histogram (Count)
system.sparse::7                                    2                       # A sparse histogram (Count)
system.sparse::100                                  1                       # A sparse histogram (Count)
system.jobs                                         4                       # Jobs (Count)";

#[test]
fn histogram_read_back() {
    let f = parse(&dump(HIST));
    let d = &f.dumps[0];
    let h = d.histogram("system.realview.accel.jobLatency").unwrap();
    assert_eq!(h.kind, DistKind::Histogram);
    assert_eq!(h.samples, 4.0);
    assert_eq!(h.mean, Some(5150000.0));
    assert_eq!(h.gmean, Some(4677678.527471));
    assert_eq!(h.stdev, Some(2735568.192046));
    assert_eq!(
        (h.underflows, h.overflows, h.min_value, h.max_value),
        (None, None, None, None)
    );
    assert_eq!(h.total, Some(4.0));
    assert_eq!(h.unit.as_deref(), Some("Tick"));
    assert_eq!(h.buckets.len(), 6);
    // Bounds are what the file says: 6 significant digits.
    assert_eq!((h.buckets[0].low, h.buckets[0].high), (0.0, 1048580.0));
    assert_eq!(
        (h.buckets[4].low, h.buckets[4].high, h.buckets[4].count),
        (4194300.0, 5242880.0, 2.0)
    );
    assert_eq!(h.counted(), 4.0);
}

#[test]
fn distribution_read_back() {
    let f = parse(&dump(HIST));
    let h = f.dumps[0]
        .histogram("system.realview.accel.jobSize")
        .unwrap();
    assert_eq!(h.kind, DistKind::Distribution);
    assert_eq!((h.samples, h.mean, h.gmean), (4.0, Some(22620.0), None));
    assert_eq!((h.underflows, h.overflows), (Some(0.0), Some(1.0)));
    assert_eq!((h.min_value, h.max_value), (Some(4096.0), Some(70000.0)));
    let b: Vec<(f64, f64, f64)> = h.buckets.iter().map(|b| (b.low, b.high, b.count)).collect();
    assert_eq!(
        b,
        [
            (0.0, 16383.0, 3.0),
            (16384.0, 32767.0, 0.0),
            (32768.0, 49151.0, 0.0),
            (49152.0, 65535.0, 0.0)
        ]
    );
    assert_eq!(h.counted(), 4.0);
}

#[test]
fn empty_deviation_and_sparse_distributions() {
    let f = parse(&dump(HIST));
    let d = &f.dumps[0];
    let h = d.histogram("system.empty").unwrap();
    assert_eq!(h.kind, DistKind::Histogram);
    assert_eq!(h.samples, 0.0);
    assert!(h.mean.unwrap().is_nan() && h.stdev.unwrap().is_nan());
    let b: Vec<(f64, f64)> = h.buckets.iter().map(|b| (b.low, b.high)).collect();
    assert_eq!(b, [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]);

    let h = d.histogram("system.dev").unwrap();
    assert_eq!(h.kind, DistKind::Deviation);
    assert_eq!(
        (h.samples, h.mean, h.stdev, h.buckets.len()),
        (3.0, Some(2.0), Some(1.0), 0)
    );

    let h = d.histogram("system.sparse").unwrap();
    assert_eq!(h.kind, DistKind::Sparse);
    let b: Vec<(f64, f64)> = h.buckets.iter().map(|b| (b.low, b.count)).collect();
    assert_eq!(b, [(7.0, 2.0), (100.0, 1.0)]);
}

#[test]
fn not_a_distribution() {
    let f = parse(&dump(&format!(
        "{HIST}\nsystem.vec::a 1 # v (Count)\nsystem.vec::b 2 # v (Count)"
    )));
    let d = &f.dumps[0];
    let err = d.histogram("system.jobs").unwrap_err();
    assert!(
        matches!(err, LookupError::NotADistribution { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("single value"), "{err}");
    let err = d.histogram("system.vec").unwrap_err();
    assert!(err.to_string().contains("::samples"), "{err}");
    let err = d.histogram("system.nothing").unwrap_err();
    assert!(matches!(err, LookupError::Missing { .. }), "{err:?}");
}

#[test]
fn oneline_vectors_and_distributions() {
    // The `oneline` flag (Ruby's Garnet network): element names are not printed.
    let f = parse(&dump(
        "net.packets_received                     |           3     75.00%     75.00% |           1     25.00%    100.00% # Packets received (Count)\n\
         net.packets_received::total                         4                       # Packets received (Count)\n\
         net.lat::bucket_size                               10                       # Latency (Tick)\n\
         net.lat::min_bucket                                 0                       # Latency (Tick)\n\
         net.lat::max_bucket                                29                       # Latency (Tick)\n\
         net.lat::samples                                    3                       # Latency (Tick)\n\
         net.lat::mean                               12.000000                       # Latency (Tick)\n\
         net.lat::stdev                               7.000000                       # Latency (Tick)\n\
         net.lat::underflows                                 0      0.00%      0.00% # Latency (Tick)\n\
         net.lat                                  |           1     33.33%     33.33% |           2     66.67%    100.00% |           0      0.00%    100.00% # Latency (Tick)\n\
         net.lat::overflows                                  0      0.00%    100.00% # Latency (Tick)\n\
         net.lat::min_value                                  3                       # Latency (Tick)\n\
         net.lat::max_value                                 19                       # Latency (Tick)\n\
         net.lat::total                                      3                       # Latency (Tick)",
    ));
    let d = &f.dumps[0];
    let s = d.stat("net.packets_received::1").unwrap();
    assert_eq!((s.value, s.pdf, s.cdf), (1.0, Some(25.0), Some(100.0)));
    assert_eq!(s.desc.as_deref(), Some("Packets received"));
    assert_eq!(d.get("net.packets_received::0"), Some(3.0));
    let h = d.histogram("net.lat").unwrap();
    assert_eq!(h.kind, DistKind::Distribution);
    let b: Vec<(f64, f64, f64)> = h.buckets.iter().map(|b| (b.low, b.high, b.count)).collect();
    assert_eq!(b, [(0.0, 9.0, 1.0), (10.0, 19.0, 2.0), (20.0, 29.0, 0.0)]);
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn json_keeps_everything_the_line_had() {
    let f = parse(&dump(
        "simTicks 1000 # Number of ticks simulated (Tick)\n\
         a.ipc nan # IPC ((Count/Cycle))\n\
         a.cpi inf # CPI ((Cycle/Count))\n\
         v::x 3 75.00% 75.00% # v (Count)\n\
         bare 8",
    ));
    let json = serde_json::to_value(&f).unwrap();
    let d = &json["dumps"][0];
    assert_eq!(
        d["simTicks"],
        serde_json::json!({"value": 1000.0, "desc": "Number of ticks simulated", "unit": "Tick"})
    );
    assert_eq!(d["a.ipc"]["value"], "nan");
    assert_eq!(d["a.cpi"]["value"], "inf");
    assert_eq!(d["a.cpi"]["unit"], "(Cycle/Count)");
    assert_eq!(d["v::x"]["pdf"], 75.0);
    assert_eq!(d["bare"], serde_json::json!({"value": 8.0}));
    assert_eq!(d.as_object().unwrap().len(), 5);
    // On its own, a stat carries its name.
    let s = serde_json::to_value(f.dumps[0].stat("a.ipc").unwrap()).unwrap();
    assert_eq!(
        s,
        serde_json::json!({"name": "a.ipc", "value": "nan", "desc": "IPC", "unit": "(Count/Cycle)"})
    );
    // The text keeps file order.
    let text = serde_json::to_string(&f.dumps[0]).unwrap();
    assert!(
        text.find("simTicks").unwrap() < text.find("a.ipc").unwrap()
            && text.find("a.ipc").unwrap() < text.find("bare").unwrap()
    );

    let text = serde_json::to_string(&f).unwrap();
    let back: StatsFile = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    let d = &back.dumps[0];
    assert!(d.get("a.ipc").unwrap().is_nan());
    assert_eq!(d.get("a.cpi"), Some(f64::INFINITY));
    assert_eq!(d.stat("v::x").unwrap().cdf, Some(75.0));

    let h = f.dumps[0].histogram("v");
    assert!(h.is_err());
    let hist = parse(&dump(HIST)).dumps[0]
        .histogram("system.empty")
        .unwrap();
    let v = serde_json::to_value(&hist).unwrap();
    assert_eq!(v["mean"], "nan");
    assert_eq!(v["kind"], "histogram");
    assert_eq!(v["underflows"], serde_json::Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Malformed input: each error names the line.

fn parse_err(text: &str) -> driver::stats::ParseError {
    match StatsFile::parse(text) {
        Ok(_) => panic!("parsed without error:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn truncated_file() {
    // A dump without its End: gem5 killed during a dump.
    let text = format!(
        "{}\n{BEGIN}\nsimTicks 100 # t (Tick)\nsystem.x 1 # x (Count)\n",
        dump("simTicks 5 # t (Tick)")
    );
    let e = parse_err(&text);
    assert!(
        matches!(
            e.kind(),
            ParseErrorKind::Truncated {
                dump: 1,
                begin_line: 7,
                last_line: 9
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.line(), Some(7));
    let msg = e.to_string();
    assert!(
        msg.starts_with("line 7: ") && msg.contains("truncated"),
        "{msg}"
    );
    // Cut in the middle of a line.
    let whole = dump("simTicks 5 # t (Tick)\nsystem.x 1 # x (Count)");
    let cut = &whole[..whole.find("system.x 1").unwrap() + 5];
    let e = parse_err(cut);
    assert!(
        matches!(e.kind(), ParseErrorKind::Truncated { .. }),
        "{e:?}"
    );
}

#[test]
fn non_numeric_value() {
    let text = dump(
        "simTicks 100 # t (Tick)\nsystem.cpu.numCycles 12x34 # Number of cpu cycles simulated (Cycle)",
    );
    let e = parse_err(&text);
    assert_eq!(e.line(), Some(4));
    match e.kind() {
        ParseErrorKind::NotANumber { name, column, text } => {
            assert_eq!(
                (name.as_str(), *column, text.as_str()),
                ("system.cpu.numCycles", Column::Value, "12x34")
            );
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("line 4") && msg.contains("12x34") && msg.contains("system.cpu.numCycles"),
        "{msg}"
    );

    let e = parse_err(&dump("v::a 1 2x.00% 50.00% # v (Count)"));
    assert!(
        matches!(
            e.kind(),
            ParseErrorKind::NotANumber {
                column: Column::Pdf,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.line(), Some(3));
    let e = parse_err(&dump("\n\nv::a 1 50.00% y% # v (Count)"));
    assert!(
        matches!(
            e.kind(),
            ParseErrorKind::NotANumber {
                column: Column::Cdf,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.line(), Some(5));
}

#[test]
fn malformed_lines() {
    for (body, line) in [
        ("simTicks 1 # t (Tick)\nsystem.only.a.name", 4),
        ("system.x 1 trailing words # x (Count)", 3),
        ("# a comment line", 3),
        (
            "simTicks 1 # t (Tick)\n---------- Something Else ----------",
            4,
        ),
        ("system.x 1 (Count) junk", 3),
        ("system.x | 1 |", 3),
    ] {
        let e = parse_err(&dump(body));
        assert!(
            matches!(e.kind(), ParseErrorKind::Malformed { .. }),
            "{body}: {e:?}"
        );
        assert_eq!(e.line(), Some(line), "{body}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("line {line}: not a stat line")),
            "{e}"
        );
    }
}

#[test]
fn structure_errors() {
    let e = parse_err("simTicks 1 # t (Tick)\n");
    assert!(
        matches!(e.kind(), ParseErrorKind::OutsideDump { .. }),
        "{e:?}"
    );
    assert_eq!(e.line(), Some(1));

    let e = parse_err(&format!("{}{END}\n", dump("simTicks 1 # t (Tick)")));
    assert!(matches!(e.kind(), ParseErrorKind::EndWithoutBegin), "{e:?}");
    assert_eq!(e.line(), Some(6));

    let e = parse_err(&format!(
        "\n{BEGIN}\nsimTicks 1 # t (Tick)\n{BEGIN}\nsimTicks 2 # t (Tick)\n{END}\n"
    ));
    assert!(
        matches!(e.kind(), ParseErrorKind::NestedBegin { open_line: 2 }),
        "{e:?}"
    );
    assert_eq!(e.line(), Some(4));

    let e = parse_err(&dump(
        "simTicks 1 # t (Tick)\nsystem.x 1 # x (Count)\nsimTicks 2 # t (Tick)",
    ));
    match e.kind() {
        ParseErrorKind::Duplicate {
            name,
            first_line,
            dump,
        } => {
            assert_eq!((name.as_str(), *first_line, *dump), ("simTicks", 3, 0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.line(), Some(5));
}

#[test]
fn empty_file() {
    for text in ["", "\n\n   \n"] {
        let e = parse_err(text);
        assert!(matches!(e.kind(), ParseErrorKind::Empty), "{e:?}");
        assert_eq!(e.line(), None);
        assert!(e.to_string().contains("no statistics dump"), "{e}");
    }
    // Begin and End with nothing between is a dump with no stats: allowed.
    let f = parse(&dump(""));
    assert!(f.dumps[0].is_empty());
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stats.txt");
    std::fs::write(
        &path,
        dump("simTicks 1 # t (Tick)\nsystem.x nope # x (Count)"),
    )
    .unwrap();
    let e = StatsFile::from_path(&path).unwrap_err();
    assert_eq!(e.path.as_deref(), Some(path.as_path()));
    assert!(
        e.to_string()
            .starts_with(&format!("{}:4: ", path.display())),
        "{e}"
    );

    let e = StatsFile::from_path(dir.path().join("missing.txt")).unwrap_err();
    assert!(matches!(e.kind(), ParseErrorKind::Io(_)), "{e:?}");
    assert!(e.to_string().contains("missing.txt"), "{e}");
    assert!(std::error::Error::source(&e).is_some());
}

// ---------------------------------------------------------------------------------------------
// Fixture files: every tests/fixtures/stats/*.txt

/// Stats gem5 prints as plain numbers, never `nan`.
fn never_nan(name: &str) -> bool {
    matches!(
        name,
        "simTicks"
            | "finalTick"
            | "simFreq"
            | "simSeconds"
            | "hostSeconds"
            | "hostMemory"
            | "simInsts"
            | "simOps"
    ) || name.ends_with(".numCycles")
        || name.ends_with(".numInsts")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/stats exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_parses_with_basic_invariants() {
    let files = fixture_files();
    assert!(
        !files.is_empty(),
        "no fixture in {}",
        fixtures_dir().display()
    );
    for path in &files {
        let f = StatsFile::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        let file = path.display();
        assert!(!f.dumps.is_empty(), "{file}: no dump");
        let mut final_tick = 0.0;
        let has_cpu_cluster = f.dumps[0]
            .stats()
            .iter()
            .any(|s| s.name.starts_with("system.cpu_cluster.cpus"));
        for d in &f.dumps {
            let at = format!("{file}, dump {}", d.index());
            let ticks = d.value("simTicks").unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(
                ticks.is_finite() && ticks >= 0.0,
                "{at}: simTicks = {ticks}"
            );
            if let Some(ft) = d.get("finalTick") {
                assert!(
                    ft >= final_tick,
                    "{at}: finalTick went back from {final_tick} to {ft}"
                );
                assert!(ft >= ticks, "{at}: finalTick {ft} < simTicks {ticks}");
                final_tick = ft;
            }
            if has_cpu_cluster {
                let cycles = d
                    .sum("system.cpu_cluster.cpus*.numCycles")
                    .unwrap_or_else(|e| panic!("{at}: {e}"));
                assert!(cycles >= 0.0, "{at}: cycles {cycles}");
            }
            for s in d.stats() {
                assert!(
                    !s.name.is_empty() && !s.name.contains(char::is_whitespace),
                    "{at}: name {:?}",
                    s.name
                );
                assert!(s.line > 0, "{at}: {} has no line", s.name);
                if never_nan(&s.name) {
                    assert!(
                        !s.value.is_nan(),
                        "{at}, line {}: {} is nan",
                        s.line,
                        s.name
                    );
                }
                for p in [s.pdf, s.cdf].into_iter().flatten() {
                    assert!(
                        p.is_finite() && (-0.005..=100.005).contains(&p),
                        "{at}, line {}: {p}%",
                        s.line
                    );
                }
                // A line with a pdf is an element of a vector with a nonzero total: a number.
                if s.pdf.is_some() {
                    assert!(
                        s.value.is_finite(),
                        "{at}, line {}: {} = {}",
                        s.line,
                        s.name,
                        s.value
                    );
                }
            }
            // Every distribution reads back, and its counts agree.
            for s in d.stats().iter().filter(|s| s.name.ends_with("::samples")) {
                let name = s.name.trim_end_matches("::samples");
                let h = d.histogram(name).unwrap_or_else(|e| panic!("{at}: {e}"));
                assert!(!h.samples.is_nan(), "{at}: {name}::samples is nan");
                for b in &h.buckets {
                    assert!(
                        b.count.is_finite() && b.count >= 0.0 && b.low <= b.high,
                        "{at}: {name} bucket {b:?}"
                    );
                }
                if matches!(h.kind, DistKind::Histogram | DistKind::Distribution) {
                    let total = h
                        .total
                        .unwrap_or_else(|| panic!("{at}: {name} has no ::total"));
                    assert_eq!(
                        h.counted(),
                        total,
                        "{at}: {name}: buckets do not add up to ::total"
                    );
                    assert_eq!(h.samples, total, "{at}: {name}: ::samples != ::total");
                    if h.samples == 0.0 {
                        assert!(h.mean.unwrap().is_nan(), "{at}: {name}: mean of no samples");
                    } else {
                        assert!(h.mean.unwrap().is_finite(), "{at}: {name}: mean");
                    }
                    // Buckets are ordered and do not overlap (bounds are rounded to 6
                    // significant digits). They need not be contiguous: gem5 leaves out the
                    // empty buckets of distributions printed with its `nozero` flag (seen in
                    // the real o3 capture: lsq0.loadToUse goes from 0-9 to 120-129).
                    for w in h.buckets.windows(2) {
                        let gap = w[1].low - w[0].high;
                        let tol = 1e-5 * w[1].low.abs().max(1.0);
                        assert!(gap >= -tol, "{at}: {name}: {:?} then {:?}", w[0], w[1]);
                    }
                }
                if h.kind == DistKind::Distribution && h.samples > 0.0 {
                    assert!(h.min_value <= h.max_value, "{at}: {name}: min > max");
                }
            }
        }
        // The JSON form round-trips.
        let json = serde_json::to_string(&f).unwrap();
        let back: StatsFile = serde_json::from_str(&json).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            json,
            "{file}: JSON round trip"
        );
    }
}

#[test]
fn synthetic_one_cpu_values() {
    let f = StatsFile::from_path(fixtures_dir().join("synthetic-one-cpu.txt")).unwrap();
    assert_eq!(f.dumps.len(), 3);
    let boot = &f.dumps[0];
    assert_eq!(boot.get("simTicks"), Some(52_000_000.0));
    assert_eq!(
        boot.sum("system.cpu_cluster.cpus*.commitStats0.numInsts"),
        Ok(80_211.0)
    );
    let roi = &f.dumps[1];
    assert_eq!(roi.sum("system.cpu_cluster.cpus*.numCycles"), Ok(2460.0));
    assert_eq!(roi.get("system.cpu_cluster.cpus.cpi"), Some(4.92));
    let lat = roi.histogram("system.realview.accel.jobLatency").unwrap();
    assert_eq!((lat.samples, lat.buckets.len()), (13.0, 10));
    assert_eq!(
        (
            lat.buckets[1].low,
            lat.buckets[1].high,
            lat.buckets[1].count
        ),
        (16384.0, 32767.0, 3.0)
    );
    let size = roi.histogram("system.realview.accel.jobSize").unwrap();
    assert_eq!((size.overflows, size.max_value), (Some(1.0), Some(70000.0)));
    let exit = f.last().unwrap();
    assert_eq!(exit.get("hostTickRate"), Some(f64::INFINITY));
    assert_eq!(exit.get("system.cpu_cluster.cpus.cpi"), Some(f64::INFINITY));
    // No instructions retired: the numInsts line is omitted, so the sum has nothing to add.
    assert!(matches!(
        exit.sum("system.cpu_cluster.cpus*.commitStats0.numInsts"),
        Err(LookupError::NoMatch { .. })
    ));
}

#[test]
fn synthetic_two_cpus_values() {
    let f = StatsFile::from_path(fixtures_dir().join("synthetic-two-cpus.txt")).unwrap();
    assert_eq!(f.dumps.len(), 2);
    let d = &f.dumps[1];
    assert_eq!(d.sum("system.cpu_cluster.cpus*.numCycles"), Ok(7_900_000.0));
    assert_eq!(
        d.sum("system.cpu_cluster.cpus*.commitStats0.numInsts"),
        Ok(4_600_000.0)
    );
    let h = d.histogram("system.cpu_cluster.cpus0.wakeLatency").unwrap();
    assert_eq!(h.samples, 59.0);
    assert_eq!(h.buckets.len(), 20);
    assert_eq!(h.buckets[2].low, 2.09715e6);
    assert_eq!(
        f.dumps[0]
            .histogram("system.cpu_cluster.cpus0.wakeLatency")
            .unwrap()
            .buckets[2]
            .low,
        1.04858e6
    );
    assert_eq!(
        d.get("system.cpu_cluster.l2.tags.occupanciesTaskId_1024::4"),
        Some(5.0)
    );
    assert_eq!(
        d.get("system.cpu_cluster.l2.tags.occupanciesTaskId::total"),
        Some(10.0)
    );
    // cpus1 retired nothing in dump 0: its numInsts line is absent and cpi is inf.
    let d0 = &f.dumps[0];
    assert_eq!(
        d0.get("system.cpu_cluster.cpus1.commitStats0.numInsts"),
        None
    );
    assert_eq!(d0.get("system.cpu_cluster.cpus1.cpi"), Some(f64::INFINITY));
    assert_eq!(
        d0.sum("system.cpu_cluster.cpus*.commitStats0.numInsts"),
        Ok(1_200_000.0)
    );
}

// ---------------------------------------------------------------------------------------------
// Speed

/// A ~50 MB file parses in well under a second in a release build:
/// `cargo test -p driver --release --test stats_parser -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn parses_50_mb_quickly() {
    let one = std::fs::read_to_string(fixtures_dir().join("synthetic-two-cpus.txt")).unwrap();
    // Many dumps of the fixture: the same line shapes, at scale.
    let copies = 50_000_000 / one.len() + 1;
    let text = one.repeat(copies);
    let t = std::time::Instant::now();
    let f = StatsFile::parse(&text).unwrap();
    let dt = t.elapsed();
    let lines: usize = f.dumps.iter().map(|d| d.len()).sum();
    println!(
        "{} MB, {} dumps, {lines} stats in {dt:?}",
        text.len() / 1_000_000,
        f.dumps.len()
    );
    assert!(dt.as_secs_f64() < 5.0, "{dt:?}");
}

/// Real files captured from this project's gem5 v24.0.0.1 runs: exact values read by hand.
#[test]
fn real_gem5_captures_parse_to_the_values_gem5_printed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats");

    let o3 = StatsFile::from_path(dir.join("gem5-o3-ctxswitch-3dumps.txt")).unwrap();
    assert_eq!(o3.dumps.len(), 3, "boot, measured window, exit");
    let cycles: Vec<f64> = o3
        .dumps
        .iter()
        .map(|d| d.get("system.cpu_cluster.cpus.numCycles").unwrap())
        .collect();
    assert_eq!(cycles, vec![1_455_822.0, 2_996_523.0, 3_755_779.0]);

    let smp = StatsFile::from_path(dir.join("gem5-atomic-2cores-selftest.txt")).unwrap();
    assert_eq!(smp.dumps.len(), 2);
    let boot = &smp.dumps[0];
    assert_eq!(
        boot.get("system.cpu_cluster.cpus0.numCycles"),
        Some(15_654.0)
    );
    assert_eq!(
        boot.sum("system.cpu_cluster.cpus*.numCycles").unwrap(),
        15_654.0 + 14_221.0
    );
}
