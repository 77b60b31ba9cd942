//! The service app's run parameters (E4/E5): the policy with its argument, the wake path, the
//! yield-point spacing, the greedy flow, and the software NIC's workload when the machine has no
//! NIC. `docs/services.md` describes the app.

use crate::names::{Choice, Mechanism, ParamSpec, WakePath};

/// Default budget of `budget` (Tokio's), quantum of `quantum` and `preempt` (ns).
pub const DEFAULT_BUDGET: u64 = 128;
pub const DEFAULT_QUANTUM_NS: u64 = 5_000;

/// The software NIC's workloads (`soft_workload`).
pub const SOFT_FIXED: u64 = 0;
pub const SOFT_EXP: u64 = 1;
pub const SOFT_KV: u64 = 2;
/// Keys of the software NIC's key-value workload, and its mix: GETs per 1000 requests (the
/// rest SCANs) and items per SCAN.
pub const SOFT_KV_KEYS: u64 = 1024;
pub const SOFT_KV_GET_PER_MILLE: u64 = 995;
pub const SOFT_KV_SCAN_LEN: u64 = 64;

pub(crate) const SERVICE_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "wake_path",
        default: WakePath::Hwq.code() as u64,
        help: "code of the wake path of the NIC's arrival events (0 irq, 1 poll, 2 hwq, 3 ring); hwq and ring need the CoroSched device",
    },
    ParamSpec {
        name: "policy_arg",
        default: 0,
        help: "budget: operations per poll (0: 128); quantum, preempt: the quantum in ns (0: 5000); fcfs: unused",
    },
    ParamSpec {
        name: "chunk_ns",
        default: 250,
        help: "work between two yield points of a synthetic request, in ns (the greedy task's work per item too)",
    },
    ParamSpec {
        name: "greedy",
        default: 0,
        help: "1: a greedy task also reads the always-ready flow 1 (E5); its item count is reported at the end",
    },
    ParamSpec {
        name: "nic",
        default: 0,
        help: "physical base of the LoadGenNic (0x2D010000 on gem5 with --loadgen); 0: no NIC, core 1 plays it in software (needs 2 cores)",
    },
    ParamSpec {
        name: "soft_workload",
        default: SOFT_EXP,
        help: "software NIC only: 0 fixed service time, 1 exponential, 2 key-value (99.5% GET, 0.5% SCAN of 64 over 1024 keys)",
    },
    ParamSpec {
        name: "soft_service_ns",
        default: 2_000,
        help: "software NIC only: the (mean) service time of a synthetic request, in ns",
    },
    ParamSpec {
        name: "soft_interval_ns",
        default: 10_000,
        help: "software NIC only: mean time between arrivals (Poisson), in ns",
    },
    ParamSpec {
        name: "complete",
        default: COMPLETE_DIRECT,
        help: "how a request's completion reaches the NIC: 0 direct (the task writes the TX ring), 1 svc (the nic_send system call, trapped), 2 fwd (nic_send forwarded in batches of fwd_batch)",
    },
    ParamSpec {
        name: "fwd_batch",
        default: 16,
        help: "complete = 2: requests per batch of the forwarded calls (B, 1..=64)",
    },
    ParamSpec {
        name: "fwd_side",
        default: FWD_SIDE_KERNEL_CORE,
        help: "complete = 2: who collects the forwarded calls: 0 the software collector on a kernel core of its own (the last core: one more core than without), 1 the worker core at its idle point",
    },
    ParamSpec {
        name: "fwd_timeout_ns",
        default: 1_000,
        help: "complete = 2: how long a pending forwarded call waits for a full batch before a partial batch runs, in ns",
    },
];

/// `complete`'s codes.
pub const COMPLETE_DIRECT: u64 = 0;
pub const COMPLETE_SVC: u64 = 1;
pub const COMPLETE_FWD: u64 = 2;
/// `fwd_side`'s codes.
pub const FWD_SIDE_KERNEL_CORE: u64 = 0;
pub const FWD_SIDE_SAME_CORE: u64 = 1;
/// Largest `fwd_batch` (the submission ring's slots).
pub const MAX_FWD_BATCH: u64 = 64;

/// A completion mode as the command line names it: `direct`, `svc`, `fwd:B`. Returns the
/// `complete` parameter and the batch (`fwd_batch`; 0 for the others).
pub fn parse_completion(s: &str) -> Result<(u64, u64), CompletionError> {
    match s.split_once(':') {
        None if s == "direct" => Ok((COMPLETE_DIRECT, 0)),
        None if s == "svc" => Ok((COMPLETE_SVC, 0)),
        Some(("fwd", b)) => b
            .parse::<u64>()
            .ok()
            .filter(|b| (1..=MAX_FWD_BATCH).contains(b))
            .map(|b| (COMPLETE_FWD, b))
            .ok_or(CompletionError),
        _ => Err(CompletionError),
    }
}

/// A completion mode that is not `direct`, `svc` or `fwd:B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompletionError;

impl core::fmt::Display for CompletionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "unknown completion mode; valid modes: direct, svc, fwd:B (B from 1 to {MAX_FWD_BATCH})"
        )
    }
}

/// The `complete` field of results: `direct`, `svc`, `fwd:16`.
pub fn completion_label(complete: u64, batch: u64) -> CompletionLabel {
    CompletionLabel(complete, batch)
}

pub struct CompletionLabel(u64, u64);

impl core::fmt::Display for CompletionLabel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            COMPLETE_DIRECT => write!(f, "direct"),
            COMPLETE_SVC => write!(f, "svc"),
            COMPLETE_FWD => write!(f, "fwd:{}", self.1),
            c => write!(f, "complete={c}"),
        }
    }
}

/// `policy_arg` with 0 replaced by the policy's default (the value a run uses).
pub fn effective_arg(mech: Mechanism, arg: u64) -> u64 {
    match (mech, arg) {
        (Mechanism::Budget, 0) => DEFAULT_BUDGET,
        (Mechanism::Quantum | Mechanism::Preempt, 0) => DEFAULT_QUANTUM_NS,
        (Mechanism::Fcfs, _) => 0,
        (_, a) => a,
    }
}

/// A policy as the command line names it: `fcfs`, `budget:N`, `quantum:Q`, `preempt:Q` (Q with
/// a unit: `5us`, `500ns`). Returns the mechanism and the `policy_arg` parameter.
pub fn parse_policy(s: &str) -> Result<(Mechanism, u64), PolicyError> {
    let (name, arg) = match s.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (s, None),
    };
    let mech = match name {
        "fcfs" => Mechanism::Fcfs,
        "budget" => Mechanism::Budget,
        "quantum" => Mechanism::Quantum,
        "preempt" => Mechanism::Preempt,
        _ => return Err(PolicyError::Unknown),
    };
    let arg = match (mech, arg) {
        (Mechanism::Fcfs, None) => 0,
        (Mechanism::Fcfs, Some(_)) => return Err(PolicyError::Malformed),
        (Mechanism::Budget, None) => DEFAULT_BUDGET,
        (Mechanism::Budget, Some(a)) => a
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0 && n < u64::from(u32::MAX))
            .ok_or(PolicyError::Malformed)?,
        (_, None) => DEFAULT_QUANTUM_NS,
        (_, Some(a)) => parse_ns(a).ok_or(PolicyError::Malformed)?,
    };
    Ok((mech, arg))
}

/// `500ns`, `5us`, `1.5us`, `2ms` → ns (positive).
fn parse_ns(s: &str) -> Option<u64> {
    let (num, scale) = if let Some(n) = s.strip_suffix("ns") {
        (n, 1u64)
    } else if let Some(n) = s.strip_suffix("us") {
        (n, 1_000)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1_000_000)
    } else {
        return None;
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ns = int.checked_mul(scale)?;
    let mut unit = scale;
    for d in frac.chars() {
        unit /= 10;
        ns = ns.checked_add(u64::from(d.to_digit(10)?) * unit)?;
    }
    (ns > 0).then_some(ns)
}

/// Why a policy was refused; its message lists the valid forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyError {
    Unknown,
    Malformed,
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let what = match self {
            PolicyError::Unknown => "unknown policy",
            PolicyError::Malformed => "malformed policy argument",
        };
        write!(
            f,
            "{what}; valid policies: fcfs, budget:N (N > 0 operations per poll, default {DEFAULT_BUDGET}), quantum:Q, preempt:Q (Q a positive time with unit ns, us or ms, e.g. 5us)"
        )
    }
}

/// The `policy` field of results: `fcfs`, `budget:128`, `quantum:5000ns` (with the default
/// for an argument of 0).
pub fn policy_label(mech: Mechanism, arg: u64) -> PolicyLabel {
    PolicyLabel(mech, effective_arg(mech, arg))
}

pub struct PolicyLabel(Mechanism, u64);

impl core::fmt::Display for PolicyLabel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Mechanism::Budget => write!(f, "budget:{}", self.1),
            Mechanism::Quantum | Mechanism::Preempt => write!(f, "{}:{}ns", self.0.name(), self.1),
            m => write!(f, "{}", m.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn policies_parse_with_defaults_and_units() {
        assert_eq!(parse_policy("fcfs"), Ok((Mechanism::Fcfs, 0)));
        assert_eq!(parse_policy("budget"), Ok((Mechanism::Budget, 128)));
        assert_eq!(parse_policy("budget:8"), Ok((Mechanism::Budget, 8)));
        assert_eq!(parse_policy("quantum:5us"), Ok((Mechanism::Quantum, 5_000)));
        assert_eq!(
            parse_policy("preempt:2.5us"),
            Ok((Mechanism::Preempt, 2_500))
        );
        assert_eq!(parse_policy("preempt:500ns"), Ok((Mechanism::Preempt, 500)));
        assert_eq!(
            parse_policy("quantum:1ms"),
            Ok((Mechanism::Quantum, 1_000_000))
        );
    }

    #[test]
    fn bad_policies_are_refused_with_the_choices() {
        for bad in [
            "rr",
            "budget:0",
            "budget:x",
            "quantum:5",
            "quantum:0us",
            "fcfs:3",
            "preempt:us",
        ] {
            let e = parse_policy(bad).unwrap_err();
            let msg = std::format!("{e}");
            assert!(msg.contains("fcfs, budget:N"), "{bad}: {msg}");
        }
        assert_eq!(parse_policy("rr"), Err(PolicyError::Unknown));
    }

    #[test]
    fn labels_name_the_argument() {
        assert_eq!(
            std::format!("{}", policy_label(Mechanism::Budget, 0)),
            "budget:128"
        );
        assert_eq!(
            std::format!("{}", policy_label(Mechanism::Quantum, 5000)),
            "quantum:5000ns"
        );
        assert_eq!(std::format!("{}", policy_label(Mechanism::Fcfs, 0)), "fcfs");
    }

    #[test]
    fn completion_modes_parse_and_label_round_trip() {
        assert_eq!(parse_completion("direct"), Ok((COMPLETE_DIRECT, 0)));
        assert_eq!(parse_completion("svc"), Ok((COMPLETE_SVC, 0)));
        assert_eq!(parse_completion("fwd:16"), Ok((COMPLETE_FWD, 16)));
        for bad in ["fwd", "fwd:0", "fwd:65", "fwd:x", "svc:2", "trap"] {
            assert_eq!(parse_completion(bad), Err(CompletionError), "{bad}");
        }
        let msg = std::format!("{CompletionError}");
        assert!(msg.contains("direct, svc, fwd:B"), "{msg}");
        for mode in ["direct", "svc", "fwd:16"] {
            let (c, b) = parse_completion(mode).unwrap();
            assert_eq!(std::format!("{}", completion_label(c, b)), mode);
        }
    }

    #[test]
    fn the_service_app_runs_the_four_policies() {
        let names: std::vec::Vec<_> = crate::App::Service
            .mechanisms()
            .iter()
            .map(|m| m.name())
            .collect();
        assert_eq!(names, ["fcfs", "budget", "quantum", "preempt"]);
        assert!(crate::App::Service.params().len() <= crate::NUM_PARAMS);
    }
}
