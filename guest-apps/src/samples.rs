//! Cycle samples recorded in measured loops, and their exact summary (sorted, not binned).

use alloc::{boxed::Box, vec::Vec};
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// A fixed-capacity sample buffer that interrupt-preempted code can append to without a lock.
pub struct Samples {
    buf: Box<[AtomicU32]>,
    len: AtomicUsize,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Self {
        Samples {
            buf: (0..n).map(|_| AtomicU32::new(0)).collect(),
            len: AtomicUsize::new(0),
        }
    }

    /// Records one sample; samples past the capacity are dropped (and counted by `len`).
    #[inline(always)]
    pub fn push(&self, cycles: u64) {
        let i = self.len.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = self.buf.get(i) {
            slot.store(cycles.min(u32::MAX as u64) as u32, Ordering::Relaxed);
        }
    }

    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed).min(self.buf.len())
    }

    pub fn clear(&self) {
        self.len.store(0, Ordering::Relaxed);
    }

    pub fn summary(&self) -> Summary {
        let mut v: Vec<u32> = self.buf[..self.len()]
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .collect();
        v.sort_unstable();
        Summary::of_sorted(&v)
    }
}

/// Exact order statistics of a set of cycle counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub min: u32,
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
    pub max: u32,
}

impl Summary {
    fn of_sorted(v: &[u32]) -> Summary {
        if v.is_empty() {
            return Summary::default();
        }
        // Nearest-rank percentile: the smallest value with at least q of the samples at or
        // below it.
        // q in parts per ten thousand.
        let rank = |q: usize| v[(q * v.len()).div_ceil(10_000).clamp(1, v.len()) - 1];
        Summary {
            count: v.len(),
            mean: v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64,
            min: v[0],
            p50: rank(5_000),
            p90: rank(9_000),
            p99: rank(9_900),
            max: v[v.len() - 1],
        }
    }

    /// The summary as JSON object members (no braces), for an `@result` line.
    pub fn json_fields(&self) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        let _ = write!(
            s,
            "\"count\":{},\"mean\":{:.2},\"min\":{},\"p50\":{},\"p90\":{},\"p99\":{},\"max\":{}",
            self.count, self.mean, self.min, self.p50, self.p90, self.p99, self.max
        );
        s
    }
}
