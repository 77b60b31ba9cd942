//! The config's `coro-sched:` line: where it put the CoroSched device and how it configured it,
//! checked against what the driver told the guest (ARCHITECTURE.md, contract 4).

use crate::coro_sched::CoroSchedSpec;

/// What the config says about the CoroSched device on its `coro-sched:` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceLine {
    /// `coro-sched: absent`.
    Absent,
    /// `coro-sched: base=0x2d000000 placement=on-chip pio_latency=2ns queue_depth=16`: every
    /// `key=value` pair of the line.
    Present(std::collections::BTreeMap<String, String>),
}

pub const DEVICE_PREFIX: &str = "coro-sched: ";

/// The last `coro-sched:` line of a log, if the config printed one.
pub fn parse_device_line(log: &str) -> Option<DeviceLine> {
    let rest = log
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(DEVICE_PREFIX))?
        .trim();
    // `absent`, possibly followed by `sources_hash=…` (the binary's, present either way).
    if rest.split_whitespace().next() == Some("absent") {
        return Some(DeviceLine::Absent);
    }
    Some(DeviceLine::Present(
        rest.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    ))
}

/// Checks the config's `coro-sched:` line against the device the run asked for; `Err` says
/// what differs. A log without the line (an older config) passes.
pub fn check_device_line(log: &str, want: Option<&CoroSchedSpec>) -> Result<(), String> {
    let Some(line) = parse_device_line(log) else {
        return Ok(());
    };
    match (line, want) {
        (DeviceLine::Absent, None) => Ok(()),
        (DeviceLine::Absent, Some(d)) => Err(format!(
            "the run asked for the CoroSched device ({}), the config says \"coro-sched: absent\"",
            d.describe()
        )),
        (DeviceLine::Present(_), None) => Err(
            "the run asked for no CoroSched device (--no-coro-sched), the config attached one"
                .into(),
        ),
        (DeviceLine::Present(kv), Some(d)) => {
            let base = kv
                .get("base")
                .and_then(|b| u64::from_str_radix(b.trim_start_matches("0x"), 16).ok());
            let mut diffs = Vec::new();
            if base != Some(d.base()) {
                diffs.push(format!(
                    "base {} (the driver gives the guest {:#x})",
                    kv.get("base").map_or("missing", String::as_str),
                    d.base()
                ));
            }
            let expect = [
                ("placement", d.placement.name().to_string()),
                ("pio_latency", d.pio_latency.to_string()),
                ("queue_depth", d.queue_depth.to_string()),
                ("stash", d.stash.name().to_string()),
            ];
            for (key, want) in expect {
                // A config from before the stash option prints no `stash`: it had none.
                let off = crate::coro_sched::Stash::Off.name().to_string();
                let got = kv.get(key).or((key == "stash").then_some(&off));
                match got {
                    Some(v) if *v == want => {}
                    got => diffs.push(format!(
                        "{key} {} (asked for {want})",
                        got.map_or("missing", String::as_str)
                    )),
                }
            }
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the config's CoroSched device differs from the run's: {}",
                    diffs.join(", ")
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_line_is_checked_against_the_run() {
        let d = CoroSchedSpec::default();
        let line = "coro-sched: base=0x2d000000 placement=on-chip pio_latency=2ns queue_depth=16\n";
        assert_eq!(check_device_line(line, Some(&d)), Ok(()));
        assert_eq!(check_device_line("no line here", Some(&d)), Ok(()));
        assert_eq!(check_device_line("coro-sched: absent\n", None), Ok(()));
        assert!(
            check_device_line("coro-sched: absent\n", Some(&d))
                .unwrap_err()
                .contains("coro-sched: absent")
        );
        assert!(
            check_device_line(line, None)
                .unwrap_err()
                .contains("attached one")
        );
        let other = "coro-sched: base=0x10030000 placement=off-chip pio_latency=2ns queue_depth=8";
        assert_eq!(
            check_device_line(other, Some(&d)).unwrap_err(),
            "the config's CoroSched device differs from the run's: base 0x10030000 (the driver \
             gives the guest 0x2d000000), placement off-chip (asked for on-chip), queue_depth 8 \
             (asked for 16)"
        );
    }
}
