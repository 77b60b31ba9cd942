//! Poll order, wake semantics, task life cycle, cross-core wakes, the waker API.

use std::future::{Future, pending, poll_fn};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};

use super::harness::{DropCounter, SpawnTask, leak, park, set_core, setup, step, traced};
use crate::state::{COMPLETED, RUN_QUEUED};
use crate::{Executor, Next, PlatformFns, TaskRef, task_from_waker, wake_task, wake_task_ptr};

#[test]
fn spawn_pends_once_and_polls_in_spawn_order() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    for name in ["a", "b", "c"] {
        ex.spawn_task(traced(&p.trace, name, pending()));
    }
    // Only the first push found the queue empty.
    assert_eq!(p.trace.take(), ["pend 0"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll a", "poll b", "poll c"]);
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty());
}

#[test]
fn batch_is_fifo_in_wake_order() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let tasks: Vec<TaskRef> = ["a", "b", "c", "d"]
        .into_iter()
        .map(|name| {
            ex.spawn_task(traced(&p.trace, name, async {
                loop {
                    park().await;
                }
            }))
        })
        .collect();
    let _ = step(ex);
    p.trace.take();
    // Wake in an order that is neither spawn order nor its reverse.
    for i in [2, 0, 3, 1] {
        tasks[i].wake();
    }
    assert_eq!(p.trace.take(), ["pend 0"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll c", "poll a", "poll d", "poll b"]);
}

#[test]
fn task_woken_during_a_batch_runs_in_the_next_batch() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let x = ex.spawn_task(traced(&p.trace, "x", async {
        loop {
            park().await;
        }
    }));
    let _ = step(ex);
    assert_eq!(p.trace.take(), ["pend 0", "poll x"]);

    // `a` wakes `x` and then itself on its first poll; `b` is polled after `a` in the same
    // batch; `x` and `a` must wait for the next batch, in wake order.
    let mut first = true;
    ex.spawn_task(traced(
        &p.trace,
        "a",
        poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                x.wake();
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        }),
    ));
    ex.spawn_task(traced(&p.trace, "b", pending()));
    assert_eq!(p.trace.take(), ["pend 0"]);
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll a", "pend 0", "poll b"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll x", "poll a"]);
}

#[test]
fn wake_of_a_task_already_in_the_batch_does_not_poll_it_twice() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let b_cell: &'static Mutex<Option<TaskRef>> = leak(Mutex::new(None));
    ex.spawn_task(traced(
        &p.trace,
        "a",
        poll_fn(move |_| {
            // `b` is queued behind us in this batch: the wake finds RUN_QUEUED set.
            b_cell.lock().unwrap().unwrap().wake();
            Poll::Pending
        }),
    ));
    let b = ex.spawn_task(traced(&p.trace, "b", pending()));
    *b_cell.lock().unwrap() = Some(b);
    p.trace.take();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll a", "poll b"]);
}

#[test]
fn self_waking_tasks_alternate() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    for name in ["a", "b"] {
        ex.spawn_task(traced(
            &p.trace,
            name,
            poll_fn(|cx| {
                cx.waker().wake_by_ref();
                Poll::<()>::Pending
            }),
        ));
    }
    p.trace.take();
    for _ in 0..3 {
        assert_eq!(step(ex), Next::Run);
    }
    let polls: Vec<String> = p
        .trace
        .take()
        .into_iter()
        .filter(|e| e.starts_with("poll"))
        .collect();
    assert_eq!(
        polls,
        ["poll a", "poll b", "poll a", "poll b", "poll a", "poll b"]
    );
}

#[test]
fn many_wakes_before_a_poll_cost_one_pend_and_one_poll() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let t = ex.spawn_task(traced(&p.trace, "t", async {
        loop {
            park().await;
        }
    }));
    let _ = step(ex);
    p.trace.take();
    let waker = t.waker();
    for _ in 0..5 {
        t.wake();
        waker.wake_by_ref();
        let clone = waker.clone(); // the vtable's `clone`, then `wake` (by value)
        clone.wake();
    }
    assert_eq!(p.trace.take(), ["pend 0"]);
    assert_eq!(t.state_bits(), RUN_QUEUED);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll t"]);
    assert_eq!(ex.stats().polls, 2);
}

#[test]
fn wake_during_own_poll_polls_again_exactly_once() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let mut polls = 0;
    ex.spawn_task(traced(
        &p.trace,
        "t",
        poll_fn(move |cx| {
            polls += 1;
            if polls == 1 {
                // Three wakes, three paths, during the poll.
                cx.waker().wake_by_ref();
                task_from_waker(cx.waker()).unwrap().wake();
                let clone = cx.waker().clone();
                clone.wake();
            }
            Poll::<()>::Pending
        }),
    ));
    p.trace.take();
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll t", "pend 0"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll t"]);
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty());
}

#[test]
fn wake_of_a_completed_task_neither_enqueues_nor_polls() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let guard = DropCounter(drops);
    let t = ex.spawn_task(traced(&p.trace, "t", async move {
        let _guard = guard;
    }));
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["pend 0", "poll t"]);
    assert!(t.is_completed());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the future is dropped at completion"
    );
    assert_eq!(t.state_bits(), COMPLETED | RUN_QUEUED);

    t.wake();
    t.waker().wake();
    wake_task(t);
    // SAFETY: the pointer comes from `as_ptr`.
    unsafe { wake_task_ptr(t.as_ptr()) };
    assert!(p.trace.take().is_empty(), "no pend");
    assert!(!ex.has_ready(), "no enqueue");
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty(), "no poll");
    assert_eq!(ex.stats().polls, 1);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(t.state_bits(), COMPLETED | RUN_QUEUED);
}

#[test]
fn task_woken_in_its_last_poll_is_not_polled_after_completing() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let guard = DropCounter(drops);
    let t = ex.spawn_task(traced(
        &p.trace,
        "t",
        poll_fn(move |cx| {
            let _ = &guard;
            cx.waker().wake_by_ref();
            Poll::Ready(())
        }),
    ));
    p.trace.take();
    // The self-wake queued it again, so the step reports work...
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll t", "pend 0"]);
    assert!(t.is_completed());
    // ...but the queued copy is skipped, and the bit stays set.
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(t.state_bits(), COMPLETED | RUN_QUEUED);
    t.wake();
    assert!(!ex.has_ready());
}

#[test]
fn cross_core_wake_pends_the_target_core() {
    let (p, ex) = setup(2);
    let remote = ex[1].spawn_task(traced(&p.trace, "r", async {
        loop {
            park().await;
        }
    }));
    assert_eq!(step(&ex[1]), Next::Wait);
    assert_eq!(p.trace.take(), ["pend 1", "poll r"]);
    assert_eq!(remote.core(), 1);

    ex[0].spawn_task(traced(
        &p.trace,
        "a",
        poll_fn(move |_| {
            remote.wake();
            Poll::<()>::Pending
        }),
    ));
    assert_eq!(step(&ex[0]), Next::Wait, "core 0 has nothing left");
    assert_eq!(p.trace.take(), ["pend 0", "poll a", "pend 1"]);
    assert!(ex[1].has_ready());
    remote.wake();
    assert!(p.trace.take().is_empty(), "already queued: no second pend");
    assert_eq!(step(&ex[1]), Next::Wait);
    assert_eq!(p.trace.take(), ["poll r"]);
}

#[test]
#[should_panic(expected = "the executor of core 0 was run on core 1")]
fn run_once_on_another_core_panics() {
    let (_, ex) = setup(1);
    set_core(1);
    let _ = ex[0].run_once();
}

#[test]
fn run_once_inside_a_task_panics_and_the_task_is_dropped() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let handle = ex.spawn(async move {
        let _ = ex.run_once();
    });
    assert_eq!(step(ex), Next::Wait);
    assert!(handle.is_finished());
    assert_eq!(
        ex.stats().panicked,
        1,
        "the re-entry check panicked inside the poll"
    );
    let mut handle = std::pin::pin!(handle);
    let out = handle
        .as_mut()
        .poll(&mut std::task::Context::from_waker(Waker::noop()));
    assert_eq!(out, Poll::Ready(Err(crate::JoinError::Panicked)));
}

#[test]
fn waker_is_the_task_pointer() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let seen: &'static Mutex<Option<TaskRef>> = leak(Mutex::new(None));
    let t = ex.spawn_task(poll_fn(move |cx| {
        *seen.lock().unwrap() = task_from_waker(cx.waker());
        assert_eq!(
            cx.waker().data(),
            task_from_waker(cx.waker()).unwrap().as_ptr()
        );
        Poll::<()>::Pending
    }));
    let _ = step(ex);
    assert_eq!(*seen.lock().unwrap(), Some(t));
    assert_eq!(task_from_waker(&t.waker()), Some(t));
    assert_eq!(task_from_waker(Waker::noop()), None);

    // The pointer round trip a device would make.
    let word = t.as_ptr() as usize as u64;
    // SAFETY: `word` is `t.as_ptr()`.
    let back = unsafe { TaskRef::from_ptr(word as usize as *const ()) };
    assert_eq!(back, t);
    assert!(std::ptr::eq(back.executor(), ex));
    p.trace.take();
    // SAFETY: as above.
    unsafe { wake_task_ptr(word as usize as *const ()) };
    assert_eq!(p.trace.take(), ["pend 0"]);
    assert!(ex.has_ready());
}

#[test]
fn run_queue_is_fifo_and_deferred_tasks_come_last() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let tasks: Vec<TaskRef> = ["a", "b", "c", "d"]
        .into_iter()
        .map(|name| ex.spawn_task(traced(&p.trace, name, pending())))
        .collect();
    let _ = step(ex);
    p.trace.take();
    // Deferred first, then woken: the woken ones still come first in the batch.
    ex.defer(tasks[3]);
    ex.defer(tasks[1]);
    tasks[2].wake();
    tasks[0].wake();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(
        p.trace.take(),
        ["pend 0", "pend 0", "poll c", "poll a", "poll d", "poll b"]
    );
}

// SAFETY: only one test thread runs these executors, and it calls itself core 0 for each in
// turn, never two at once.
static CONST_PLATFORM: PlatformFns = unsafe { PlatformFns::new(|| 0, |_| {}, || 0) };
static CONST_EXECUTORS: [Executor; 3] = Executor::per_core(&CONST_PLATFORM);

#[test]
fn executors_can_be_built_in_statics() {
    let cores: Vec<usize> = CONST_EXECUTORS.iter().map(Executor::core).collect();
    assert_eq!(cores, [0, 1, 2]);
    assert_eq!(CONST_EXECUTORS[1].budget(), Some(crate::DEFAULT_BUDGET));
    let t = CONST_EXECUTORS[0].spawn_task(async {});
    assert_eq!(CONST_EXECUTORS[0].run_once(), Next::Wait);
    assert!(t.is_completed());
}
