//! Real threads: concurrent wakes against a polling executor, and two executors on two
//! threads waking each other through `pend`.

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use super::harness::{SpawnTask, TestPlatform, leak, set_core, setup, setup_with};
use crate::{Next, TaskRef, wake_task_ptr};

/// Aborts the test binary if `done` is not set within `limit`: a double enqueue makes a cycle
/// in the run queue (an endless batch) and a lost wake makes the ping-pong hang, and a hang
/// must fail rather than stall the suite.
fn watchdog(name: &'static str, limit: Duration) -> Arc<AtomicBool> {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    thread::spawn(move || {
        let start = std::time::Instant::now();
        while !flag.load(Ordering::SeqCst) {
            if start.elapsed() > limit {
                eprintln!("{name}: no progress after {limit:?} (lost wake or queue cycle)");
                std::process::abort();
            }
            thread::sleep(Duration::from_millis(20));
        }
    });
    done
}

struct Slot {
    /// Incremented by wakers before each wake.
    sent: AtomicU64,
    /// What the task saw at its last poll.
    seen: AtomicU64,
    polls: AtomicU64,
    /// The step in which the task was last polled.
    last_step: AtomicU64,
    /// Polls that happened twice in one step (must stay 0).
    doubled: AtomicU64,
}

#[test]
fn concurrent_wakes_enqueue_each_task_once_and_lose_no_wake() {
    concurrent_wakes(false);
}

/// The same, with tasks that yield on every other poll: they are then polled from the local
/// deferred list keeping their link, and wakes during those polls must still not be lost.
#[test]
fn concurrent_wakes_of_yielding_tasks_lose_no_wake() {
    concurrent_wakes(true);
}

fn concurrent_wakes(yielding: bool) {
    const TASKS: usize = 8;
    const THREADS: usize = 3;
    // Miri runs the same test, much slower: fewer wakes there.
    const WAKES_PER_THREAD: usize = if cfg!(miri) { 200 } else { 30_000 };

    let (p, ex) = setup(1);
    let ex = &ex[0];
    let step_no: &'static AtomicU64 = leak(AtomicU64::new(0));
    let slots: &'static [Slot] = Box::leak(
        (0..TASKS)
            .map(|_| Slot {
                sent: AtomicU64::new(0),
                seen: AtomicU64::new(0),
                polls: AtomicU64::new(0),
                last_step: AtomicU64::new(u64::MAX),
                doubled: AtomicU64::new(0),
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let tasks: Vec<TaskRef> = slots
        .iter()
        .map(|slot| {
            ex.spawn_task(poll_fn(move |cx| {
                let polls = slot.polls.fetch_add(1, Ordering::Relaxed);
                let now = step_no.load(Ordering::Relaxed);
                if slot.last_step.swap(now, Ordering::Relaxed) == now {
                    slot.doubled.fetch_add(1, Ordering::Relaxed);
                }
                // Acquire is not needed for correctness of the test's claim: the executor's
                // dequeue must make the waker's increment visible by itself.
                slot.seen
                    .store(slot.sent.load(Ordering::Relaxed), Ordering::Relaxed);
                if yielding && polls % 2 == 0 {
                    let _ = std::pin::pin!(crate::yield_now()).poll(cx);
                }
                Poll::<()>::Pending
            }))
        })
        .collect();
    let done = watchdog("concurrent wakes", Duration::from_secs(120));

    let finished = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(THREADS + 1));
    let wakers: Vec<_> = (0..THREADS)
        .map(|t| {
            let tasks = tasks.clone();
            let finished = finished.clone();
            let start = start.clone();
            thread::spawn(move || {
                let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ t as u64;
                let mut seen_step = 0;
                start.wait();
                for i in 0..WAKES_PER_THREAD {
                    // Every 64 wakes, wait until the executor has started another step, so
                    // that wakes and polls overlap however the host schedules the threads.
                    if i % 64 == 63 {
                        while step_no.load(Ordering::Relaxed) == seen_step {
                            thread::yield_now();
                        }
                        seen_step = step_no.load(Ordering::Relaxed);
                    }
                    // A short random pause, so that wakes land at every point of a step.
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    for _ in 0..rng % 64 {
                        std::hint::spin_loop();
                    }
                    let k = (i * 7 + t * 3) % TASKS;
                    slots[k].sent.fetch_add(1, Ordering::Relaxed);
                    match i % 3 {
                        0 => tasks[k].wake(),
                        1 => tasks[k].waker().wake(),
                        // SAFETY: the pointer comes from `as_ptr`.
                        _ => unsafe { wake_task_ptr(tasks[k].as_ptr()) },
                    }
                }
                finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();

    set_core(0);
    start.wait();
    let mut steps = 0u64;
    loop {
        let all_done = finished.load(Ordering::SeqCst) == THREADS;
        step_no.store(steps + 1, Ordering::Relaxed);
        let next = ex.run_once();
        steps += 1;
        if all_done && next != Next::Run {
            break;
        }
    }
    for w in wakers {
        w.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);

    let total_wakes = (THREADS * WAKES_PER_THREAD) as u64;
    let total_polls: u64 = slots.iter().map(|s| s.polls.load(Ordering::SeqCst)).sum();
    for (k, slot) in slots.iter().enumerate() {
        assert_eq!(
            slot.doubled.load(Ordering::SeqCst),
            0,
            "task {k} polled twice in a step"
        );
        assert_eq!(
            slot.seen.load(Ordering::SeqCst),
            slot.sent.load(Ordering::SeqCst),
            "task {k}: its last poll missed a wake"
        );
        assert_eq!(tasks[k].state_bits(), 0, "task {k} left queued");
    }
    assert!(!ex.has_ready());
    // Each enqueue yields exactly one poll; there are at most as many enqueues as wakes (plus
    // the spawns), and far fewer, as wakes of a queued task coalesce. A yielding task adds at
    // most one poll of its own per such poll.
    let enqueues = total_wakes + TASKS as u64;
    assert!(total_polls <= if yielding { 2 * enqueues } else { enqueues });
    // The test is only worth something if wakes and polls really overlapped.
    // More polls than the spawns: wakes did lead to polls while the threads ran.
    assert!(total_polls > TASKS as u64, "only {total_polls} polls");
    assert_eq!(ex.stats().polls, total_polls);
    // Every pend comes from an empty-to-non-empty transition, each of which is followed by at
    // least one step that finds the queue non-empty.
    let pends = p.trace.take().len() as u64;
    assert!(
        pends >= 1 && pends <= steps + 1,
        "pends {pends}, steps {steps}"
    );
    eprintln!("{total_wakes} wakes -> {total_polls} polls in {steps} steps, {pends} pends");
}

static PING_PONG_THREADS: [OnceLock<thread::Thread>; 2] = [OnceLock::new(), OnceLock::new()];

fn unpark_core(core: usize) {
    if let Some(thread) = PING_PONG_THREADS[core].get() {
        thread.unpark();
    }
}

#[test]
fn two_cores_ping_pong_through_pend_without_lost_wakes() {
    const ROUNDS: u64 = if cfg!(miri) { 100 } else { 20_000 };

    let platform = TestPlatform {
        on_pend: Some(unpark_core),
        ..TestPlatform::default()
    };
    let (_, ex) = setup_with(platform, 2);
    // The ball: odd values are core 1's turn, even values core 0's.
    let ball: &'static AtomicU64 = leak(AtomicU64::new(0));
    let peers: &'static [OnceLock<TaskRef>; 2] = leak([OnceLock::new(), OnceLock::new()]);

    let player = |me: u64| {
        // One hit per poll, so every hit crosses cores: wake, pend, unpark, step, poll.
        poll_fn(move |_| {
            let peer = peers[(1 - me) as usize].get().unwrap();
            let value = ball.load(Ordering::Acquire);
            if value >= 2 * ROUNDS {
                return Poll::Ready(());
            }
            if value % 2 != me {
                return Poll::Pending; // spurious poll: not our turn
            }
            ball.store(value + 1, Ordering::Release);
            peer.wake();
            if value + 1 == 2 * ROUNDS {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    };
    peers[1].set(ex[1].spawn_task(player(1))).unwrap();
    peers[0].set(ex[0].spawn_task(player(0))).unwrap();
    let done = watchdog("ping-pong", Duration::from_secs(120));

    let cores: Vec<_> = (0..2)
        .map(|core| {
            let executor = &ex[core];
            let task = *peers[core].get().unwrap();
            thread::spawn(move || {
                set_core(core);
                PING_PONG_THREADS[core].set(thread::current()).unwrap();
                // A pend that came before the registration is covered by the first step, which
                // runs without waiting; every later pend unparks us. `park` keeps an unpark that
                // came before it (as WFE keeps a SEV), so a plain park is enough and a lost wake
                // hangs (and trips the watchdog) instead of hiding behind a timeout.
                while !task.is_completed() {
                    match executor.run_once() {
                        Next::Run => {}
                        Next::Wait | Next::WaitUntil(_) => {
                            if !task.is_completed() {
                                thread::park();
                            }
                        }
                    }
                }
                executor.stats()
            })
        })
        .collect();
    let stats: Vec<_> = cores.into_iter().map(|c| c.join().unwrap()).collect();
    done.store(true, Ordering::SeqCst);
    assert_eq!(ball.load(Ordering::SeqCst), 2 * ROUNDS);
    // One hit per poll: each side was polled at least once per round.
    assert!(
        stats[0].polls >= ROUNDS && stats[1].polls >= ROUNDS,
        "{stats:?}"
    );
}
