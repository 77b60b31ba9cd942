//! The long help of the command line: the valid apps, mechanisms, app parameters and
//! experiments, read from `runconfig` and the experiment registry so that `--help` can never
//! list a name the driver would refuse, and worked examples.

use runconfig::{App, Choice};

use crate::experiments::{self, ALL_NAME};

/// After `driver --help`: what to run first.
pub const MAIN_EXAMPLES: &str = "\
Examples:
  driver doctor                                   check the set-up and say what is missing
  driver build                                    build the guest image
  driver run --sim qemu --app selftest --cores 4 --out runs/try
  driver experiment context-switch --profile quick
  driver test-tier qemu                           the QEMU system tests of `just test`

Exit status: 0 on success, 2 for a command-line mistake, 1 when something failed.";

/// After `driver run --help`: every app with its mechanisms and parameters, then examples.
pub fn run_help() -> String {
    let mut text = String::from("Apps, their mechanisms and parameters (--param NAME=VALUE):\n");
    for app in App::ALL {
        let mechanisms: Vec<&str> = app.mechanisms().iter().map(|m| m.name()).collect();
        text.push_str(&format!(
            "  {}: mechanisms {}\n",
            app.name(),
            mechanisms.join(", ")
        ));
        for p in app.params() {
            text.push_str(&format!("      {}={} {}\n", p.name, p.default, p.help));
        }
    }
    text.push_str(&format!(
        "\nAt most {} cores (the guest's limit). The wake paths hwq and ring need the CoroSched \
         device (gem5 only); without it the wake app needs 2 cores or more.\n",
        runconfig::MAX_CORES
    ));
    text.push_str(
        "\nExamples:\n  \
         driver run --sim qemu --app selftest --cores 4 --out runs/try\n  \
         driver run --app ctxswitch --mechanism thread-preempt --cpu o3 --param quantum_ticks=8 \
         --out runs/e3\n  \
         driver run --app wake --mechanism hwq --cpu o3 --iterations 1000 \
         --coro-pio-latency 10ns --out runs/hwq",
    );
    text
}

/// After `driver experiment --help`: every experiment and what it measures.
pub fn experiment_help() -> String {
    let mut text = String::from("Experiments:\n");
    for exp in experiments::ALL {
        text.push_str(&format!("  {:<16} {}\n", exp.name(), exp.about()));
    }
    text.push_str(&format!(
        "  {ALL_NAME:<16} every one of them, in this order\n"
    ));
    text.push_str(
        "\nExamples:\n  driver experiment all --profile quick\n  \
         driver experiment wake-latency --profile full --jobs 2",
    );
    text
}

/// After `driver test-tier --help`.
pub const TEST_TIER_HELP: &str = "\
Tiers:
  qemu   boots the self-test on 1 and 4 cores, runs the irq and poll wake paths and each E3
         mechanism on QEMU, and checks every @result record (needs qemu-system-aarch64)
  gem5   the self-test with and without the CoroSched device, a tiny E3, the hwq and ring
         paths, the stage probe, and one point run twice to check that gem5 is deterministic;
         skipped (and says so) when no gem5 is found (GEM5 or gem5.fast on PATH)

Examples:
  driver test-tier qemu
  GEM5=/path/to/gem5.fast driver test-tier gem5 --jobs 2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_name_the_driver_accepts() {
        let run = run_help();
        for app in App::ALL {
            assert!(run.contains(app.name()), "{run}");
            for m in app.mechanisms() {
                assert!(run.contains(m.name()), "{run}");
            }
            for p in app.params() {
                assert!(run.contains(&format!("{}={}", p.name, p.default)), "{run}");
            }
        }
        let exp = experiment_help();
        for e in experiments::ALL {
            assert!(exp.contains(e.name()) && exp.contains(e.about()), "{exp}");
        }
    }
}
