//! The stages of one wake, and the per-stage breakdown the guest reports (`stages` in the wake
//! app's `@result`).
//!
//! The guest's probe (kernel `probe`) stamps the cycle counter when a wake passes each
//! [`Stage`]; a stage a wake does not pass stays 0. The stages a wake passed, in the order of
//! their stamps, are its *pattern*: the enum order is the usual one, but not the only one (an
//! idle core can leave WFE on the pending interrupt and take the interrupt only a few
//! instructions later, after the idle-exit stamp). [`Breakdown`] groups the wakes by pattern and
//! sums, per pattern, the cycles from each stage to the next, so `sum / wakes` is the mean cost
//! of that step. The driver reads the same names back.

/// The points of a wake, in the order a wake passes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Stage {
    /// The exception vector, after its first register pair is saved.
    VectorEntry = 0,
    /// The IRQ handler entered: the full context is saved.
    HandlerEntry = 1,
    /// The GIC's IAR read: the interrupt is acknowledged.
    GicAcked = 2,
    /// The device's pending event bits read and acknowledged (irq handler or poller).
    EventTaken = 3,
    /// The waiting task is on the executor's run queue.
    TaskWoken = 4,
    /// The GIC's EOI written.
    Eoi = 5,
    /// The context restored, just before `eret`.
    VectorExit = 6,
    /// The core's idle wait (WFE) returned.
    IdleExit = 7,
    /// The executor asks its ready source (`hwq`, `ring`) for a task.
    SourceCheck = 8,
    /// The ready source handed the executor the task (`hwq`: the MMIO pop returned it; `ring`:
    /// the slot read found it).
    SourcePopped = 9,
    /// The woken task's first instruction after its `.await`.
    TaskResumed = 10,
}

/// Number of [`Stage`]s.
pub const STAGES: usize = 11;

impl Stage {
    pub const ALL: [Stage; STAGES] = [
        Stage::VectorEntry,
        Stage::HandlerEntry,
        Stage::GicAcked,
        Stage::EventTaken,
        Stage::TaskWoken,
        Stage::Eoi,
        Stage::VectorExit,
        Stage::IdleExit,
        Stage::SourceCheck,
        Stage::SourcePopped,
        Stage::TaskResumed,
    ];

    /// The name results use.
    pub fn name(self) -> &'static str {
        match self {
            Stage::VectorEntry => "vector_entry",
            Stage::HandlerEntry => "handler_entry",
            Stage::GicAcked => "gic_acked",
            Stage::EventTaken => "event_taken",
            Stage::TaskWoken => "task_woken",
            Stage::Eoi => "eoi",
            Stage::VectorExit => "vector_exit",
            Stage::IdleExit => "idle_exit",
            Stage::SourceCheck => "source_check",
            Stage::SourcePopped => "source_popped",
            Stage::TaskResumed => "task_resumed",
        }
    }

    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The most patterns a [`Breakdown`] keeps apart; wakes of further patterns are only counted.
pub const MAX_PATTERNS: usize = 6;

/// The wakes that passed the same stages in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The stages, in time order (`len` of them).
    pub order: [Stage; STAGES],
    pub len: usize,
    pub wakes: u64,
    /// `sum[k]`: cycles from `order[k - 1]` to `order[k]`, summed over the wakes (`sum[0]` = 0).
    pub sum: [u64; STAGES],
}

impl Pattern {
    pub fn stages(&self) -> &[Stage] {
        &self.order[..self.len]
    }
}

/// Per-pattern sums over many wakes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    /// Wakes summed into a pattern.
    pub wakes: u64,
    /// Wakes without any stamp.
    pub skipped: u64,
    /// Wakes of a pattern beyond the first [`MAX_PATTERNS`].
    pub other: u64,
    patterns: [Pattern; MAX_PATTERNS],
    used: usize,
}

impl Default for Breakdown {
    fn default() -> Self {
        Breakdown::new()
    }
}

impl Breakdown {
    pub const fn new() -> Breakdown {
        const EMPTY: Pattern = Pattern {
            order: [Stage::VectorEntry; STAGES],
            len: 0,
            wakes: 0,
            sum: [0; STAGES],
        };
        Breakdown {
            wakes: 0,
            skipped: 0,
            other: 0,
            patterns: [EMPTY; MAX_PATTERNS],
            used: 0,
        }
    }

    /// The patterns seen, in order of first appearance.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns[..self.used]
    }

    /// Adds one wake's stamps (indexed by [`Stage`], 0 = not passed). Returns whether it was
    /// summed into a pattern.
    pub fn add(&mut self, stamps: &[u64; STAGES]) -> bool {
        // The passed stages in time order (ties keep stage order).
        let mut order = [Stage::VectorEntry; STAGES];
        let mut len = 0;
        for s in Stage::ALL {
            let t = stamps[s as usize];
            if t == 0 {
                continue;
            }
            let mut k = len;
            while k > 0 && stamps[order[k - 1] as usize] > t {
                order[k] = order[k - 1];
                k -= 1;
            }
            order[k] = s;
            len += 1;
        }
        if len == 0 {
            self.skipped += 1;
            return false;
        }
        let found = self.patterns[..self.used]
            .iter()
            .position(|p| p.stages() == &order[..len]);
        let index = match found {
            Some(i) => i,
            None if self.used < MAX_PATTERNS => {
                let p = &mut self.patterns[self.used];
                p.order = order;
                p.len = len;
                self.used += 1;
                self.used - 1
            }
            None => {
                self.other += 1;
                return false;
            }
        };
        let p = &mut self.patterns[index];
        p.wakes += 1;
        for k in 1..len {
            p.sum[k] += stamps[order[k] as usize] - stamps[order[k - 1] as usize];
        }
        self.wakes += 1;
        true
    }

    /// Writes the breakdown as one JSON object: `{"wakes":..,"skipped":..,"other":..,
    /// "patterns":[{"stages":[name,..],"wakes":..,"sums":[..]},..]}`.
    pub fn write_json(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        write!(
            out,
            "{{\"wakes\":{},\"skipped\":{},\"other\":{},\"patterns\":[",
            self.wakes, self.skipped, self.other
        )?;
        for (i, p) in self.patterns().iter().enumerate() {
            if i > 0 {
                out.write_char(',')?;
            }
            out.write_str("{\"stages\":[")?;
            for (k, s) in p.stages().iter().enumerate() {
                write!(out, "{}\"{}\"", if k > 0 { "," } else { "" }, s.name())?;
            }
            write!(out, "],\"wakes\":{},\"sums\":[", p.wakes)?;
            for (k, v) in p.sum[..p.len].iter().enumerate() {
                write!(out, "{}{v}", if k > 0 { "," } else { "" })?;
            }
            out.write_str("]}")?;
        }
        out.write_str("]}")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn stamps(pairs: &[(Stage, u64)]) -> [u64; STAGES] {
        let mut s = [0; STAGES];
        for &(st, t) in pairs {
            s[st as usize] = t;
        }
        s
    }

    #[test]
    fn sums_steps_of_one_pattern() {
        let mut b = Breakdown::new();
        assert!(b.add(&stamps(&[
            (Stage::VectorEntry, 100),
            (Stage::HandlerEntry, 150),
            (Stage::VectorExit, 400),
            (Stage::TaskResumed, 500),
        ])));
        assert!(b.add(&stamps(&[
            (Stage::VectorEntry, 1000),
            (Stage::HandlerEntry, 1070),
            (Stage::VectorExit, 1300),
            (Stage::TaskResumed, 1420),
        ])));
        assert_eq!((b.wakes, b.patterns().len()), (2, 1));
        let p = &b.patterns()[0];
        assert_eq!(
            p.stages(),
            &[
                Stage::VectorEntry,
                Stage::HandlerEntry,
                Stage::VectorExit,
                Stage::TaskResumed
            ]
        );
        assert_eq!(p.wakes, 2);
        assert_eq!(&p.sum[..4], &[0, 120, 480, 220]);
    }

    #[test]
    fn orders_by_time_and_keeps_patterns_apart() {
        let mut b = Breakdown::new();
        // The core left WFE before it took the interrupt.
        b.add(&stamps(&[
            (Stage::VectorEntry, 500),
            (Stage::IdleExit, 480),
            (Stage::TaskResumed, 600),
        ]));
        b.add(&stamps(&[
            (Stage::VectorEntry, 500),
            (Stage::IdleExit, 550),
            (Stage::TaskResumed, 600),
        ]));
        let ps = b.patterns();
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0].stages(),
            &[Stage::IdleExit, Stage::VectorEntry, Stage::TaskResumed]
        );
        assert_eq!(&ps[0].sum[..3], &[0, 20, 100]);
        assert_eq!(
            ps[1].stages(),
            &[Stage::VectorEntry, Stage::IdleExit, Stage::TaskResumed]
        );
        assert_eq!(&ps[1].sum[..3], &[0, 50, 50]);
    }

    #[test]
    fn counts_wakes_without_stamps_and_beyond_the_pattern_limit() {
        let mut b = Breakdown::new();
        assert!(!b.add(&[0; STAGES]));
        for i in 0..=MAX_PATTERNS {
            // A different set of stages each time: a new pattern.
            let mut s = [0; STAGES];
            s[i] = 10;
            s[Stage::TaskResumed as usize] = 20;
            b.add(&s);
        }
        assert_eq!((b.wakes, b.skipped, b.other), (MAX_PATTERNS as u64, 1, 1));
    }

    #[test]
    fn json_lists_patterns() {
        let mut b = Breakdown::new();
        b.add(&stamps(&[
            (Stage::IdleExit, 10),
            (Stage::SourcePopped, 40),
            (Stage::TaskResumed, 45),
        ]));
        let mut s = String::new();
        b.write_json(&mut s).unwrap();
        assert_eq!(
            s,
            "{\"wakes\":1,\"skipped\":0,\"other\":0,\"patterns\":[{\"stages\":[\"idle_exit\",\"source_popped\",\"task_resumed\"],\"wakes\":1,\"sums\":[0,30,5]}]}"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_name(s.name()), Some(s));
            assert_eq!(Stage::ALL[s as usize], s);
        }
        assert_eq!(Stage::from_name("nope"), None);
    }
}
