//! JoinHandle, spawn_local, and how long a task's slot lives.

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use super::harness::{DropCounter, leak, park, set_core, setup, step};
use crate::{Executor, JoinError, JoinHandle, Next};

/// Polls a handle once with a no-op waker.
fn poll_handle<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    pin!(handle).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn awaiting_the_handle_gives_the_output() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let inner = ex.spawn(async {
        crate::yield_now().await;
        String::from("forty-two")
    });
    let outer = ex.spawn(async move { inner.await.unwrap().len() });
    let mut outer = outer;
    assert_eq!(poll_handle(&mut outer), Poll::Pending);
    while step(ex) == Next::Run {}
    assert_eq!(poll_handle(&mut outer), Poll::Ready(Ok(9)));
}

#[test]
#[should_panic(expected = "after it returned the output")]
fn polling_a_handle_after_its_output_panics() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let mut handle = ex.spawn(async { 1 });
    while step(ex) == Next::Run {}
    assert_eq!(poll_handle(&mut handle), Poll::Ready(Ok(1)));
    let _ = poll_handle(&mut handle);
}

#[test]
fn abort_drops_the_future_on_its_core_without_polling_it_again() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let polls = leak(AtomicU64::new(0));
    let guard = DropCounter(drops);
    let mut handle = ex.spawn(async move {
        let _guard = guard;
        loop {
            polls.fetch_add(1, Ordering::SeqCst);
            park().await;
        }
    });
    let _ = step(ex);
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    handle.abort();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "dropped by its executor, not here"
    );
    assert!(ex.has_ready(), "abort wakes the task");
    let _ = step(ex);
    assert_eq!(polls.load(Ordering::SeqCst), 1, "not polled again");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(
        poll_handle(&mut handle),
        Poll::Ready(Err(JoinError::Cancelled))
    );
    handle.abort(); // a no-op once finished
    assert!(!ex.has_ready());
}

#[test]
fn dropping_the_handle_detaches_and_the_output_is_dropped_at_completion() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let handle = ex.spawn(async move {
        crate::yield_now().await;
        DropCounter(drops)
    });
    drop(handle);
    let _ = step(ex);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "still running");
    let _ = step(ex);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "output dropped by the executor"
    );
}

#[test]
fn an_output_never_taken_is_dropped_with_the_handle() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let handle = ex.spawn(async move { DropCounter(drops) });
    let _ = step(ex);
    assert!(handle.is_finished());
    assert_eq!(drops.load(Ordering::SeqCst), 0, "kept for the handle");
    drop(handle);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn the_handle_is_woken_when_the_task_finishes() {
    let (_, ex) = setup(2);
    let worker = ex[1].spawn(async {
        crate::yield_now().await;
        7u32
    });
    let waiter = ex[0].spawn(async move { worker.await.unwrap() + 1 });
    let mut waiter = waiter;
    let _ = step(&ex[0]); // registers its waker in the worker's slot
    let _ = step(&ex[1]);
    assert!(!ex[0].has_ready());
    let _ = step(&ex[1]); // the worker finishes and wakes the waiter
    assert!(ex[0].has_ready());
    let _ = step(&ex[0]);
    assert_eq!(poll_handle(&mut waiter), Poll::Ready(Ok(8)));
}

#[test]
fn spawn_local_runs_a_non_send_future_on_its_core() {
    let (_, ex) = setup(2);
    let ex1: &'static Executor = &ex[1];
    set_core(1);
    let shared = Rc::new(5);
    let mut handle = ex1.spawn_local({
        let shared = shared.clone();
        async move {
            crate::yield_now().await;
            *shared * 2
        }
    });
    while step(ex1) == Next::Run {}
    assert_eq!(poll_handle(&mut handle), Poll::Ready(Ok(10)));
    assert_eq!(
        Rc::strong_count(&shared),
        1,
        "the future, and its Rc, were dropped"
    );
}

#[test]
#[should_panic(expected = "spawn_local for the executor of core 1 called on core 0")]
fn spawn_local_on_another_core_panics() {
    let (_, ex) = setup(2);
    set_core(0);
    drop(ex[1].spawn_local(async {}));
}

#[test]
fn a_slot_is_reused_once_the_task_and_its_references_are_gone() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let first = ex.spawn(async {});
    let first_task = first.task();
    let kept = first_task.waker();
    drop(first);
    let _ = step(ex);
    assert!(first_task.is_completed());
    assert_eq!(first_task.refs(), 1, "only the kept waker holds it");
    // A task of the same size while the waker lives: a new slot.
    let second = ex.spawn(async {});
    assert_ne!(second.task(), first_task);
    assert_eq!(ex.stats().task_slots, 2);
    drop(second);
    while step(ex) == Next::Run {}
    // A late wake through the kept waker is exact: the completed task is not enqueued.
    kept.wake_by_ref();
    assert!(!ex.has_ready());
    drop(kept);
    // Both slots are back in the pool: two more spawns reuse them, no new slot.
    let third = ex.spawn(async {});
    let fourth = ex.spawn(async {});
    assert_eq!(ex.stats().task_slots, 2);
    assert!([third.task(), fourth.task()].contains(&first_task));
}

#[test]
fn a_raw_pointer_to_a_vacant_slot_wakes_nothing() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let handle = ex.spawn(async {});
    let raw = handle.task().as_ptr();
    drop(handle);
    let _ = step(ex);
    p.trace.take();
    // SAFETY: `raw` came from `as_ptr`; the slot is vacant now, and stays a task header.
    unsafe { crate::wake_task_ptr(raw) };
    assert!(!ex.has_ready());
    assert!(p.trace.take().is_empty());
}
