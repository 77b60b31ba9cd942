//! The server's dispatchers: one task per request under the cooperative policies, stackful
//! request threads under `preempt`; and the greedy task of E5.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use kernel::nic::RxQueue;
use kernel::request_threads::{Ran, RequestThreads};
use nic_ring::{Kind, RxDescriptor};

use super::policy::Policy;
use super::{State, work};
use kernel::quantum::QuantumPolled;

/// Set when END arrived: the dispatcher receives no more requests (some may still be in
/// flight; see [`finished`]).
pub static DONE: AtomicBool = AtomicBool::new(false);
/// Requests completed (measured and warm-up): the run's progress.
pub static COMPLETED: AtomicU64 = AtomicU64::new(0);
/// Sum of the completions' work cycles, measured requests only.
pub static WORK_CYCLES: AtomicU64 = AtomicU64::new(0);
/// Items the greedy task consumed.
pub static GREEDY_ITEMS: AtomicU64 = AtomicU64::new(0);
/// Requests of the measured part that the dispatcher received, and the warm-up ones.
pub static RECEIVED: AtomicU64 = AtomicU64::new(0);
/// Stack of each preemptive request thread.
const THREAD_STACK: usize = 16 * 1024;
/// Requests received and not yet completed at most: beyond it the dispatcher stops receiving,
/// so the RX ring fills and the NIC drops (an overloaded server shows drops, not a heap that
/// grows until it is exhausted).
pub const MAX_IN_FLIGHT: u64 = 1024;

fn in_flight() -> u64 {
    RECEIVED.load(Relaxed) - COMPLETED.load(Relaxed)
}

/// Whether the run is over: END arrived and every request received was answered. The NIC
/// sends END once the measured requests resolved, so a warm-up request (a long one, or one a
/// policy kept behind the others) may still be in flight then; the run waits for it, so that
/// every request the NIC delivered is completed.
pub fn finished() -> bool {
    DONE.load(Relaxed) && in_flight() == 0
}

async fn complete(s: &State, d: &RxDescriptor, work_cycles: u64) {
    s.completer.send(&s.nic, d.id, work_cycles).await;
    if !d.is_warmup() {
        WORK_CYCLES.fetch_add(work_cycles, Relaxed);
    }
    COMPLETED.fetch_add(1, Relaxed);
}

fn check_request(d: &RxDescriptor) {
    assert!(
        matches!(d.kind, Kind::Synth | Kind::Get | Kind::Scan),
        "flow 0 delivered request {} of kind {:?}: the server serves SYNTH, GET and SCAN",
        d.id,
        d.kind
    );
    RECEIVED.fetch_add(1, Relaxed);
}

/// Cooperative policies: a task per request, spawned as it arrives (the executor frees it).
pub async fn cooperative(mut rx: RxQueue, s: &'static State) {
    loop {
        while in_flight() >= MAX_IN_FLIGHT {
            executor::yield_now().await;
        }
        let d = rx.recv().await;
        if d.kind == Kind::End {
            break;
        }
        check_request(&d);
        let request = async move {
            let w = work::serve(&d, &s.store, &s.policy, s.chunk).await;
            complete(s, &d, w).await;
        };
        match s.policy {
            Policy::Quantum(q) => drop(kernel::runtime::spawn(QuantumPolled::new(q, request))),
            _ => drop(kernel::runtime::spawn(request)),
        }
    }
    rx.flush();
    DONE.store(true, Relaxed);
}

/// `preempt`: requests on stackful threads, the timer preempting them every quantum. The
/// dispatcher takes arrivals between slices, so a preempted request queues behind them.
pub async fn preemptive(mut rx: RxQueue, s: &'static State, quantum_ticks: u64) -> u64 {
    fn work_of(d: &RxDescriptor) -> u64 {
        work::serve_plain(d, &super::state().store)
    }
    let mut threads = RequestThreads::new(work_of, quantum_ticks, THREAD_STACK);
    let mut end = false;
    loop {
        while in_flight() < MAX_IN_FLIGHT
            && let Some(d) = rx.try_recv()
        {
            if d.kind == Kind::End {
                end = true;
            } else {
                check_request(&d);
                threads.submit(d);
            }
        }
        if threads.pending() == 0 {
            if end {
                break;
            }
            let d = rx.recv().await;
            if d.kind == Kind::End {
                end = true;
            } else {
                check_request(&d);
                threads.submit(d);
            }
            continue;
        }
        if let Ran::Completed(d, w) = threads.run_one() {
            if s.completer.is_forwarded() {
                // A forwarded completion waits for its batch: not in the dispatcher's way.
                drop(kernel::runtime::spawn(
                    async move { complete(s, &d, w).await },
                ));
            } else {
                complete(s, &d, w).await;
            }
        }
    }
    rx.flush();
    DONE.store(true, Relaxed);
    threads.preemptions()
}

/// E5's greedy task: reads the always-ready flow 1 and does one chunk of work per item.
pub async fn greedy(mut rx: RxQueue, chunk: u64) {
    while !DONE.load(Relaxed) {
        let d = rx.recv().await;
        assert!(
            d.kind == Kind::Greedy,
            "flow 1 delivered a descriptor of kind {:?}, not GREEDY",
            d.kind
        );
        work::greedy_item(chunk);
        GREEDY_ITEMS.fetch_add(1, Relaxed);
    }
}
