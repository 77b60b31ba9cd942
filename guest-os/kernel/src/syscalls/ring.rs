//! The per-core submission and completion rings of the `fwd` path, in the user region.
//!
//! Request `s` (the `s`-th the core submitted) sits in entry `s % SLOTS` and its completion in
//! completion slot `s % SLOTS`. The user side is the only producer of its core's ring (one
//! executor per core); the kernel side is its only consumer. The protocol:
//!
//! 1. the user side writes the entry, then publishes it by storing `head = s + 1` (Release):
//!    the producer line, the one word a collector reads to learn of submissions;
//! 2. the kernel side reads `head` (Acquire), runs entries `tail..head`, writes each result and
//!    then `done = s + 1` (Release), and stores `tail` past them;
//! 3. the task reads `done == s + 1`, takes its result and stores `collected = s + 1`, which
//!    frees the slot for request `s + SLOTS`.
//!
//! A slot is reused only once its last request was collected, so the ring is full when
//! `head - tail == SLOTS` or the next slot's last request is still uncollected.

use core::sync::atomic::{AtomicU64, Ordering};

/// Entries per core: the largest batch the experiment sweeps (64).
pub const SLOTS: usize = 64;

/// A word on a cache line of its own (the producer and consumer indices must not share a line
/// with anything the other side writes).
#[repr(C, align(64))]
pub struct Line(pub AtomicU64);

/// One request: 64 bytes, one cache line.
#[repr(C, align(64))]
pub struct Request {
    pub nr: AtomicU64,
    pub args: [AtomicU64; 6],
    /// The submitting task's pointer (the executor's `TaskRef::as_ptr`): what the kernel side
    /// hands back for the wake.
    pub task: AtomicU64,
}

/// One completion.
#[repr(C, align(16))]
pub struct Completion {
    pub result: AtomicU64,
    /// `s + 1` once request `s`'s result is in `result`.
    pub done: AtomicU64,
    /// `s + 1` once the task took request `s`'s result.
    pub collected: AtomicU64,
    _pad: AtomicU64,
}

/// One core's rings.
#[repr(C, align(64))]
pub struct CoreRings {
    /// Requests published (written by the user side).
    pub head: Line,
    /// Requests taken by the kernel side.
    pub tail: Line,
    pub requests: [Request; SLOTS],
    pub completions: [Completion; SLOTS],
}

impl Default for CoreRings {
    fn default() -> Self {
        Self::new()
    }
}

impl CoreRings {
    pub const fn new() -> Self {
        CoreRings {
            head: Line(AtomicU64::new(0)),
            tail: Line(AtomicU64::new(0)),
            requests: [const {
                Request {
                    nr: AtomicU64::new(0),
                    args: [const { AtomicU64::new(0) }; 6],
                    task: AtomicU64::new(0),
                }
            }; SLOTS],
            completions: [const {
                Completion {
                    result: AtomicU64::new(0),
                    done: AtomicU64::new(0),
                    collected: AtomicU64::new(0),
                    _pad: AtomicU64::new(0),
                }
            }; SLOTS],
        }
    }

    /// User side: the sequence number the next request would get, if its slot is free.
    pub fn next_free(&self) -> Option<u64> {
        let s = self.head.0.load(Ordering::Relaxed);
        let tail = self.tail.0.load(Ordering::Acquire);
        if s - tail >= SLOTS as u64 {
            return None;
        }
        let slot = &self.completions[slot_of(s)];
        let reusable =
            s < SLOTS as u64 || slot.collected.load(Ordering::Acquire) == s - SLOTS as u64 + 1;
        reusable.then_some(s)
    }

    /// User side: writes request `s` (from [`next_free`](Self::next_free)) and publishes it.
    pub fn submit(&self, s: u64, nr: u64, args: &[u64; 6], task: u64) {
        let r = &self.requests[slot_of(s)];
        r.nr.store(nr, Ordering::Relaxed);
        for (a, v) in r.args.iter().zip(args) {
            a.store(*v, Ordering::Relaxed);
        }
        r.task.store(task, Ordering::Relaxed);
        self.head.0.store(s + 1, Ordering::Release);
    }

    /// User side: request `s`'s result, once it is there; takes it (frees the slot).
    pub fn take_completion(&self, s: u64) -> Option<u64> {
        let c = &self.completions[slot_of(s)];
        if c.done.load(Ordering::Acquire) != s + 1 {
            return None;
        }
        let result = c.result.load(Ordering::Relaxed);
        c.collected.store(s + 1, Ordering::Release);
        Some(result)
    }

    /// Requests published but not yet taken by the kernel side.
    pub fn pending(&self) -> u64 {
        self.head.0.load(Ordering::Acquire) - self.tail.0.load(Ordering::Relaxed)
    }
}

pub fn slot_of(s: u64) -> usize {
    (s % SLOTS as u64) as usize
}

/// Core `core`'s rings.
pub fn of(core: usize) -> &'static CoreRings {
    &super::user::REGION.rings[core]
}

// The SyscallFwd device reads the rings by these offsets (gem5-devices/syscall_fwd/regmap.toml:
// the producer line at RING_BASE, requests from `requests_offset`, the task in `task_word`).
const _: () = assert!(core::mem::offset_of!(CoreRings, head) == 0);
const _: () = assert!(core::mem::offset_of!(CoreRings, requests) == 128);
const _: () = assert!(core::mem::size_of::<Request>() == 64);
const _: () = assert!(core::mem::offset_of!(Request, task) == 7 * 8);
