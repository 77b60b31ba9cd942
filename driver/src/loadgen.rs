//! The LoadGenNic as the driver sees it (docs/loadgen-nic.md): what a run asks of it (arrival
//! process, offered load, workload, warm-up and measured requests, the greedy flow), the
//! `--loadgen-*` options of `configs/baremetal.py` that say so, and the names of its outputs.
//!
//! The workload strings are checked here, with the same rules as the device's parser
//! (gem5-devices/loadgen_nic/workload.cc), so that a bad one fails before gem5 starts, with the
//! forms listed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The SimObject a gem5 built with this repo's `gem5-devices/` knows.
pub const SIM_OBJECT: &str = "LoadGenNic";
/// gem5 stats of the NIC (the config attaches it as `system.realview.loadgen_nic`).
pub const STATS_PATTERN: &str = "system.**loadgen_nic.**";
/// The per-request records file in the run directory.
pub const RECORDS_FILE: &str = loadgen_nic_regs::system::RECORDS_FILE;

/// The cores' clock: `configs/baremetal.py --cpu-freq`'s default, which the driver keeps; the
/// NIC counts SYNTH service times and the guest its work in cycles of it.
pub const CPU_HZ: u64 = 4_000_000_000;

/// The summary of the records a run with the NIC left in its directory.
pub fn request_summary(dir: &std::path::Path) -> anyhow::Result<crate::requests::RequestSummary> {
    let records = crate::requests::read_records(&dir.join(RECORDS_FILE))?;
    Ok(crate::requests::summarize(
        &records,
        crate::requests::Clocks::gem5(CPU_HZ),
    ))
}

/// The accepted workload forms, for messages.
pub const WORKLOAD_FORMS: &str = "fixed:T, exp:MEAN, bimodal:P:SHORT:LONG (P = fraction of \
     LONG), lognormal:MEAN:SIGMA, kv:GET_FRACTION:SCAN_LEN:KEYS:uniform, \
     kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S (T, MEAN, SHORT, LONG with a unit ns or us, e.g. \
     bimodal:0.005:0.5us:500us)";

/// Flow 0's arrival process.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// Exponential gaps: open-loop Poisson arrivals.
    #[default]
    Poisson,
    /// A fixed interval (debugging).
    Fixed,
}

impl Arrival {
    pub fn name(self) -> &'static str {
        match self {
            Arrival::Poisson => "poisson",
            Arrival::Fixed => "fixed",
        }
    }
}

/// A parsed workload.
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    Fixed {
        ns: f64,
    },
    Exp {
        mean_ns: f64,
    },
    Bimodal {
        p_long: f64,
        short_ns: f64,
        long_ns: f64,
    },
    Lognormal {
        mean_ns: f64,
        sigma: f64,
    },
    Kv {
        get_fraction: f64,
        scan_len: u64,
        keys: u64,
        zipf: Option<f64>,
    },
}

/// Largest key space for Zipf keys (the device's table).
pub const MAX_ZIPF_KEYS: u64 = 1 << 24;

impl Workload {
    /// Parses a workload string; the error names the problem and lists the forms.
    pub fn parse(text: &str) -> Result<Workload, String> {
        let p: Vec<&str> = text.split(':').collect();
        let fail = |why: String| Err(format!("workload `{text}`: {why}"));
        let form = |f: &str| format!("workload `{text}`: {} takes the form {f}", p[0]);
        let w = match p[0] {
            "fixed" | "exp" => {
                if p.len() != 2 {
                    return Err(form(if p[0] == "fixed" {
                        "fixed:T"
                    } else {
                        "exp:MEAN"
                    }));
                }
                let t = duration_ns(p[1], if p[0] == "fixed" { "T" } else { "MEAN" });
                match (p[0], t) {
                    (_, Err(e)) => return fail(e),
                    ("fixed", Ok(ns)) => Workload::Fixed { ns },
                    (_, Ok(mean_ns)) => Workload::Exp { mean_ns },
                }
            }
            "bimodal" => {
                if p.len() != 4 {
                    return Err(form("bimodal:P:SHORT:LONG"));
                }
                let parsed = (|| {
                    Ok::<_, String>(Workload::Bimodal {
                        p_long: fraction(p[1], "P")?,
                        short_ns: duration_ns(p[2], "SHORT")?,
                        long_ns: duration_ns(p[3], "LONG")?,
                    })
                })();
                match parsed {
                    Ok(w) => w,
                    Err(e) => return fail(e),
                }
            }
            "lognormal" => {
                if p.len() != 3 {
                    return Err(form("lognormal:MEAN:SIGMA"));
                }
                let mean_ns = match duration_ns(p[1], "MEAN") {
                    Ok(m) => m,
                    Err(e) => return fail(e),
                };
                match p[2].parse::<f64>() {
                    Ok(sigma) if sigma > 0.0 && sigma <= 4.0 => {
                        Workload::Lognormal { mean_ns, sigma }
                    }
                    _ => return fail(format!("SIGMA `{}` is not a number in (0, 4]", p[2])),
                }
            }
            "kv" => {
                if p.len() < 5 {
                    return Err(form(
                        "kv:GET_FRACTION:SCAN_LEN:KEYS:uniform or kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S",
                    ));
                }
                let get_fraction = match fraction(p[1], "GET_FRACTION") {
                    Ok(f) => f,
                    Err(e) => return fail(e),
                };
                let count = |s: &str, name: &str| match s.parse::<u64>() {
                    Ok(n) if n > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
                    _ => Err(format!("{name} `{s}` is not a positive integer")),
                };
                let (scan_len, keys) = match (count(p[2], "SCAN_LEN"), count(p[3], "KEYS")) {
                    (Ok(s), Ok(k)) => (s, k),
                    (Err(e), _) | (_, Err(e)) => return fail(e),
                };
                let zipf = match (p[4], p.len()) {
                    ("uniform", 5) => None,
                    ("zipf", 6) => match p[5].parse::<f64>() {
                        Ok(s) if s > 0.0 && s <= 10.0 => {
                            if keys > MAX_ZIPF_KEYS {
                                return fail(format!(
                                    "zipf keys are limited to {MAX_ZIPF_KEYS} (KEYS is {keys})"
                                ));
                            }
                            Some(s)
                        }
                        _ => return fail(format!("zipf S `{}` is not a number in (0, 10]", p[5])),
                    },
                    _ => {
                        return fail(format!(
                            "the key distribution `{}` is not one of: uniform, zipf:S",
                            p[4..].join(":")
                        ));
                    }
                };
                Workload::Kv {
                    get_fraction,
                    scan_len,
                    keys,
                    zipf,
                }
            }
            _ => {
                return Err(format!(
                    "unknown workload `{text}`; the choices are {WORKLOAD_FORMS}"
                ));
            }
        };
        Ok(w)
    }

    /// The mean service time of a synthetic workload, in ns (None for key-value: its service
    /// time is what the guest's store takes).
    pub fn mean_service_ns(&self) -> Option<f64> {
        match *self {
            Workload::Fixed { ns } => Some(ns),
            Workload::Exp { mean_ns } | Workload::Lognormal { mean_ns, .. } => Some(mean_ns),
            Workload::Bimodal {
                p_long,
                short_ns,
                long_ns,
            } => Some((1.0 - p_long) * short_ns + p_long * long_ns),
            Workload::Kv { .. } => None,
        }
    }
}

/// A positive duration with a unit ns or us, in ns.
fn duration_ns(s: &str, what: &str) -> Result<f64, String> {
    let (num, scale) = if let Some(n) = s.strip_suffix("ns") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("us") {
        (n, 1000.0)
    } else {
        return Err(format!(
            "{what} `{s}` needs a unit: ns or us (e.g. 500ns, 1.5us)"
        ));
    };
    match num.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && !num.is_empty() => Ok(v * scale),
        _ => Err(format!(
            "{what} `{s}` is not a positive number of {}",
            &s[s.len() - 2..]
        )),
    }
}

fn fraction(s: &str, what: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{what} `{s}` is not a fraction in [0, 1]")),
    }
}

/// clap value parser for `--loadgen-workload`: a checked workload string.
pub fn parse_workload(s: &str) -> Result<String, String> {
    Workload::parse(s).map(|_| s.to_string())
}

/// clap value parser for `--loadgen-rate`: requests per second, a positive whole number
/// (`250000`, `250_000` or `250k`, `1.5M`).
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (num, scale) = match clean.strip_suffix(['k', 'K']) {
        Some(n) => (n.to_string(), 1e3),
        None => match clean.strip_suffix('M') {
            Some(n) => (n.to_string(), 1e6),
            None => (clean.clone(), 1.0),
        },
    };
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() && v * scale >= 1.0 => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "load `{s}` is not a positive number of requests per second (e.g. 200000, 200k, 1.5M)"
        )),
    }
}

/// The NIC of a gem5 run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoadGenSpec {
    pub arrival: Arrival,
    /// Flow 0's offered load, requests per second.
    pub rate: u64,
    /// A workload string ([`Workload::parse`] accepts it).
    pub workload: String,
    pub warmup: u64,
    pub requests: u64,
    /// Flow 1 is a saturating (greedy) flow.
    pub greedy: bool,
}

impl LoadGenSpec {
    /// The config's options for this NIC; `seed` is the run's.
    pub fn gem5_args(&self, seed: u64) -> Vec<String> {
        let mut a = vec![
            "--loadgen".to_string(),
            "--loadgen-seed".into(),
            seed.to_string(),
            "--loadgen-arrival".into(),
            self.arrival.name().into(),
            "--loadgen-rate".into(),
            self.rate.to_string(),
            "--loadgen-workload".into(),
            self.workload.clone(),
            "--loadgen-warmup".into(),
            self.warmup.to_string(),
            "--loadgen-requests".into(),
            self.requests.to_string(),
        ];
        if self.greedy {
            a.push("--loadgen-greedy".into());
        }
        a
    }
}

impl fmt::Display for LoadGenSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} req/s, {}, {} warm-up + {} measured{}",
            self.arrival.name(),
            self.rate,
            self.workload,
            self.warmup,
            self.requests,
            if self.greedy { ", greedy flow" } else { "" }
        )
    }
}

/// `driver run`'s `--loadgen-*` options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LoadGenArgs {
    /// gem5: add the LoadGenNic load generator (implied by any --loadgen-* option)
    #[arg(long)]
    pub loadgen: bool,
    /// gem5: the NIC's arrival process [default: poisson]
    #[arg(long, value_enum, value_name = "PROCESS")]
    pub loadgen_arrival: Option<Arrival>,
    /// gem5: the NIC's offered load in requests per second (200000, 200k, 1.5M)
    /// [default: 100k]
    #[arg(long, value_parser = parse_rate, value_name = "RPS")]
    pub loadgen_rate: Option<u64>,
    /// gem5: the NIC's workload (fixed:T, exp:MEAN, bimodal:P:SHORT:LONG,
    /// lognormal:MEAN:SIGMA, kv:GET_FRACTION:SCAN_LEN:KEYS:uniform|zipf:S) [default: exp:1us]
    #[arg(long, value_parser = parse_workload, value_name = "WORKLOAD")]
    pub loadgen_workload: Option<String>,
    /// gem5: warm-up requests, excluded from the measurement [default: 0]
    #[arg(long, value_name = "N")]
    pub loadgen_warmup: Option<u64>,
    /// gem5: measured requests [default: 1000]
    #[arg(long, value_name = "N")]
    pub loadgen_requests: Option<u64>,
    /// gem5: flow 1 is a saturating (greedy) flow
    #[arg(long)]
    pub loadgen_greedy: bool,
}

impl LoadGenArgs {
    /// The NIC the options ask for, or None when no option was given.
    pub fn spec(&self) -> Result<Option<LoadGenSpec>, String> {
        let any = self.loadgen
            || self.loadgen_arrival.is_some()
            || self.loadgen_rate.is_some()
            || self.loadgen_workload.is_some()
            || self.loadgen_warmup.is_some()
            || self.loadgen_requests.is_some()
            || self.loadgen_greedy;
        if !any {
            return Ok(None);
        }
        let requests = self.loadgen_requests.unwrap_or(1000);
        if requests == 0 {
            return Err("--loadgen-requests must be at least 1".into());
        }
        Ok(Some(LoadGenSpec {
            arrival: self.loadgen_arrival.unwrap_or_default(),
            rate: self.loadgen_rate.unwrap_or(100_000),
            workload: self
                .loadgen_workload
                .clone()
                .unwrap_or_else(|| "exp:1us".into()),
            warmup: self.loadgen_warmup.unwrap_or(0),
            requests,
            greedy: self.loadgen_greedy,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_parse_like_the_device() {
        assert_eq!(
            Workload::parse("exp:1us"),
            Ok(Workload::Exp { mean_ns: 1000.0 })
        );
        assert_eq!(
            Workload::parse("fixed:250ns"),
            Ok(Workload::Fixed { ns: 250.0 })
        );
        let b = Workload::parse("bimodal:0.005:0.5us:500us").unwrap();
        assert_eq!(
            b,
            Workload::Bimodal {
                p_long: 0.005,
                short_ns: 500.0,
                long_ns: 500_000.0
            }
        );
        assert!((b.mean_service_ns().unwrap() - (0.995 * 500.0 + 0.005 * 500_000.0)).abs() < 1e-9);
        assert_eq!(
            Workload::parse("kv:0.995:100:25000:zipf:0.99"),
            Ok(Workload::Kv {
                get_fraction: 0.995,
                scan_len: 100,
                keys: 25_000,
                zipf: Some(0.99)
            })
        );
        assert_eq!(
            Workload::parse("kv:0.9:8:10:uniform")
                .unwrap()
                .mean_service_ns(),
            None
        );
        assert!(Workload::parse("lognormal:2us:1").is_ok());
    }

    #[test]
    fn bad_workloads_say_what_is_wrong_and_list_the_forms() {
        let e = |s: &str| Workload::parse(s).unwrap_err();
        assert!(e("pareto:1us").contains("bimodal:P:SHORT:LONG"));
        assert!(e("exp:1").contains("needs a unit"));
        assert!(e("exp:-1us").contains("positive"));
        assert!(e("exp:us").contains("positive"));
        assert!(e("bimodal:2:1us:2us").contains("fraction"));
        assert!(e("bimodal:0.1:1us").contains("takes the form bimodal:P:SHORT:LONG"));
        assert!(e("kv:0.9:8:10:gauss").contains("uniform, zipf:S"));
        assert!(e("kv:0.9:0:10:uniform").contains("SCAN_LEN"));
        assert!(e("kv:0.9:8:99999999:zipf:1").contains("limited"));
        assert!(e("lognormal:1us:9").contains("SIGMA"));
    }

    #[test]
    fn rates_are_positive_numbers() {
        assert_eq!(parse_rate("200000"), Ok(200_000));
        assert_eq!(parse_rate("200k"), Ok(200_000));
        assert_eq!(parse_rate("1.5M"), Ok(1_500_000));
        assert_eq!(parse_rate("250_000"), Ok(250_000));
        for bad in ["0", "-5", "fast", "", "0.1"] {
            assert!(
                parse_rate(bad).unwrap_err().contains("positive number"),
                "{bad}"
            );
        }
    }

    #[test]
    fn config_options_say_everything() {
        let spec = LoadGenSpec {
            arrival: Arrival::Poisson,
            rate: 250_000,
            workload: "exp:1us".into(),
            warmup: 100,
            requests: 2000,
            greedy: true,
        };
        assert_eq!(
            spec.gem5_args(7).join(" "),
            "--loadgen --loadgen-seed 7 --loadgen-arrival poisson --loadgen-rate 250000 \
             --loadgen-workload exp:1us --loadgen-warmup 100 --loadgen-requests 2000 \
             --loadgen-greedy"
        );
        assert_eq!(LoadGenArgs::default().spec(), Ok(None));
        let some = LoadGenArgs {
            loadgen_rate: Some(5),
            ..LoadGenArgs::default()
        }
        .spec()
        .unwrap()
        .unwrap();
        assert_eq!(
            (some.rate, some.requests, some.workload.as_str()),
            (5, 1000, "exp:1us")
        );
    }

    #[test]
    fn a_run_without_the_nic_is_recorded_as_before() {
        use crate::spec::{Cpu, RunSpec, SimSpec, SpecRequest};
        let spec = RunSpec::new(SpecRequest {
            app: runconfig::App::SelfTest,
            mechanism: None,
            cores: 1,
            iterations: 1,
            seed: 1,
            params: &[],
            sim: SimSpec::gem5(Cpu::Atomic, 1),
        })
        .unwrap();
        let json = serde_json::to_value(&spec).unwrap();
        assert!(json.get("loadgen").is_none(), "{json}");
        let with = RunSpec {
            sim: SimSpec::Gem5 {
                cpu: Cpu::Atomic,
                max_ticks: 1,
                coro_sched: None,
                loadgen: LoadGenArgs {
                    loadgen: true,
                    ..LoadGenArgs::default()
                }
                .spec()
                .unwrap(),
            },
            ..spec.clone()
        };
        let json = serde_json::to_value(&with).unwrap();
        assert_eq!(json["loadgen"]["workload"], "exp:1us");
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), with);
        assert_ne!(with, spec, "the NIC is part of what a run is");
    }
}
