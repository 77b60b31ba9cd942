//! Reading the guest console (ARCHITECTURE.md, contract 2): the `@`-marker lines among the
//! human log. gem5 writes the console to `<run dir>/system.terminal`, QEMU to its stdout.
//!
//! The parser never fails: it records what it saw (including `@result` lines whose JSON does
//! not parse), and the run decides what is an error, so that a broken line is reported with its
//! line number rather than dropped.

use runconfig::{APP_START, DONE, PANIC_PREFIX, RESULT_PREFIX};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the guest said, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Console {
    /// `@app-start` was printed: boot finished.
    pub app_started: bool,
    /// Every `@result` record, in the order printed.
    pub results: Vec<Value>,
    /// The first `@panic` message, with the lines that continue it (Rust's panic message puts
    /// the location on the first line and the reason on the next), joined by spaces.
    pub panic: Option<String>,
    /// `@done` was printed.
    pub done: bool,
    /// `@result` lines whose payload is not one JSON object: (1-based line, error).
    pub malformed: Vec<(usize, String)>,
    /// Number of lines on the console.
    pub lines: usize,
}

/// Lines after `@panic` that can continue its message, at most.
const PANIC_LINES: usize = 32;

impl Console {
    pub fn parse(text: &str) -> Console {
        let mut c = Console::default();
        // Lines still to append to the panic message: until a blank line, a marker or the end.
        let mut continuing = false;
        let mut continued = 0;
        for (i, raw) in text.lines().enumerate() {
            c.lines = i + 1;
            let line = raw.trim_end_matches(['\r', ' ', '\t']);
            if continuing {
                let more = !line.trim().is_empty() && !line.starts_with('@');
                if more
                    && let Some(message) = &mut c.panic
                    && continued < PANIC_LINES
                {
                    continued += 1;
                    message.push(' ');
                    message.push_str(line.trim());
                    continue;
                }
                continuing = false;
            }
            if line == APP_START {
                c.app_started = true;
            } else if line == DONE {
                c.done = true;
            } else if let Some(json) = line.strip_prefix(RESULT_PREFIX) {
                match serde_json::from_str::<Value>(json) {
                    Ok(v @ Value::Object(_)) => c.results.push(v),
                    Ok(_) => c.malformed.push((i + 1, "not a JSON object".into())),
                    Err(e) => c.malformed.push((i + 1, e.to_string())),
                }
            } else if let Some(msg) = line.strip_prefix(PANIC_PREFIX) {
                continuing = c.panic.is_none();
                c.panic.get_or_insert_with(|| msg.trim().to_string());
            } else if line == PANIC_PREFIX.trim_end() {
                continuing = c.panic.is_none();
                c.panic.get_or_insert_with(|| "(no message)".into());
            }
        }
        c
    }

    /// Reads a console file; a file that does not exist is an empty console (the guest never
    /// printed, or the simulator never started it).
    pub fn read(path: &std::path::Path) -> std::io::Result<Console> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Console::parse(&String::from_utf8_lossy(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Console::default()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markers_among_log_lines() {
        let text = "boot: EL3, 4 cores\r\n@app-start\r\nsome log\n@result {\"test\":\"cores_up\",\"ok\":true}\n\
                    @result {\"cycles\": 12}\n@done\n";
        let c = Console::parse(text);
        assert!(c.app_started && c.done);
        assert_eq!(
            c.results,
            vec![json!({"test":"cores_up","ok":true}), json!({"cycles":12})]
        );
        assert_eq!(c.panic, None);
        assert!(c.malformed.is_empty());
        assert_eq!(c.lines, 6);
    }

    #[test]
    fn panic_keeps_the_first_message() {
        let c =
            Console::parse("@app-start\n@panic index out of bounds at app.rs:3\n@panic again\n");
        assert_eq!(c.panic.as_deref(), Some("index out of bounds at app.rs:3"));
        assert!(!c.done);
        assert_eq!(
            Console::parse("@panic\n").panic.as_deref(),
            Some("(no message)")
        );
    }

    #[test]
    fn panic_message_keeps_its_continuation_lines() {
        // What the guest's panic handler prints: the location, then the reason on its own line.
        let text = "@app-start\n\n@panic core 0: panicked at guest-os/kernel/src/smp.rs:30:9:\n\
                    this CPU lacks FEAT_LSE (ID_AA64ISAR0_EL1.Atomic = 0); the guest is built\n\
                    for Armv8.1 atomics\n\nlater log line\n@panic core 1: second\nignored\n";
        let c = Console::parse(text);
        assert_eq!(
            c.panic.as_deref(),
            Some(
                "core 0: panicked at guest-os/kernel/src/smp.rs:30:9: this CPU lacks FEAT_LSE \
                 (ID_AA64ISAR0_EL1.Atomic = 0); the guest is built for Armv8.1 atomics"
            )
        );
        // A marker ends the message too.
        let c = Console::parse("@panic at x.rs:1:\nwhy\n@done\n");
        assert_eq!(c.panic.as_deref(), Some("at x.rs:1: why"));
        assert!(c.done);
    }

    #[test]
    fn markers_must_start_the_line() {
        let c = Console::parse("log @done\n  @app-start\nx@result {}\n@doneish\n");
        assert_eq!(
            c,
            Console {
                lines: 4,
                ..Console::default()
            }
        );
    }

    #[test]
    fn malformed_results_are_recorded_with_their_line() {
        let c = Console::parse("a\n@result {\"x\":\n@result [1,2]\n@result {\"ok\":1}\n");
        assert_eq!(c.results, vec![json!({"ok":1})]);
        assert_eq!(
            c.malformed.iter().map(|m| m.0).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn missing_file_is_empty() {
        let c = Console::read(std::path::Path::new("/nonexistent/system.terminal")).unwrap();
        assert_eq!(c, Console::default());
    }
}
