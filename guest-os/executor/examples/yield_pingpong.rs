//! E3's coroutine switch on the host: two tasks that `yield_now` to each other through one
//! executor, for counting instructions per switch with a deterministic tool, e.g.
//!
//! ```sh
//! cargo build --release -p executor --example yield_pingpong
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/yield_pingpong 100000
//! ```
//!
//! Run it with two switch counts; the difference of the totals over the difference of the
//! counts is the cost of one switch, without the set-up. A second argument `step` drives the
//! executor with `run_once` instead of `run_while` (see `main`).

use std::sync::atomic::{AtomicU64, Ordering};

use executor::{Executor, Next, Platform};

struct OneCore;

// SAFETY: this program has one thread, which is core 0.
unsafe impl Platform for OneCore {
    fn core_id(&self) -> usize {
        0
    }
    fn pend(&self, _core: usize) {}
    fn now(&self) -> u64 {
        0
    }
}

static PLATFORM: OneCore = OneCore;
static EXECUTOR: Executor = Executor::new(0, &PLATFORM);
static SWITCHES: AtomicU64 = AtomicU64::new(0);

fn main() {
    let switches: u64 = std::env::args()
        .nth(1)
        .map_or(100_000, |s| s.parse().expect("switch count"));
    for _ in 0..2 {
        drop(EXECUTOR.spawn(async move {
            while SWITCHES.load(Ordering::Relaxed) < switches {
                SWITCHES.fetch_add(1, Ordering::Relaxed);
                executor::yield_now().await;
            }
        }));
    }
    // The kernel's busy loop (`run_until`): steps in `run_while`, which walks the two
    // yielding tasks as one FIFO. Pass `step` as the second argument for a loop of
    // `run_once` instead, one step (one round of both tasks) per call.
    let step_by_step = std::env::args().nth(2).as_deref() == Some("step");
    let mut runner = EXECUTOR.runner();
    if step_by_step {
        while runner.run_once() == Next::Run {}
    } else {
        assert_eq!(runner.run_while(&mut || true), Next::Wait);
    }
    println!("{} switches", SWITCHES.load(Ordering::Relaxed));
}
