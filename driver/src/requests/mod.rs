//! The LoadGenNic's per-request records (`loadgen_requests.csv` in a gem5 run directory,
//! docs/loadgen-nic.md) and what the driver makes of them: exact latency and slowdown
//! percentiles, throughput and drops of the measured (non-warm-up) requests ([`summary`]), and
//! the queueing-theory means a run is checked against ([`analytic`]).
//!
//! [`records`] parses the file strictly: a malformed line is an error naming its number, never
//! skipped, so that a summary always covers every request the device generated.

pub mod analytic;
pub mod records;
pub mod summary;

pub use analytic::{
    AnalyticCheck, ServiceMoments, check_mg1, idle_overhead_ns, mg1_mean_latency, mm1_mean_latency,
};
pub use records::{Kind, Record, RecordsError, Status, parse_records, read_records};
pub use summary::Clocks;
pub use summary::{Percentiles, RequestSummary, summarize};

/// The records file in the run directory (the SimObject's `records_file`, generated from
/// `[system]` of gem5-devices/loadgen_nic/regmap.toml).
pub const RECORDS_FILE: &str = loadgen_nic_regs::system::RECORDS_FILE;
