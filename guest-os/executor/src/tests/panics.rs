//! Panic safety on the host: a panicking task is dropped and counted, its future is dropped
//! once, and the rest of its batch runs.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use super::harness::{DropCounter, leak, setup, step, traced};
use crate::{Executor, JoinError, Next};

/// A future that is ready at once and panics in its `Drop`.
struct PanicOnDrop(&'static AtomicU64);

impl Future for PanicOnDrop {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("drop of a finished future panics");
    }
}

#[test]
fn a_panic_in_a_finished_futures_drop_does_not_drop_it_twice() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let handle = ex.spawn(PanicOnDrop(drops));
    let task = handle.task();
    let waker = task.waker();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(handle.is_finished());
    assert_eq!(ex.stats().panicked, 1);
    // The next wake finds a completed task: no poll, no second drop.
    waker.wake_by_ref();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let mut handle = pin!(handle);
    assert_eq!(
        handle
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(Err(JoinError::Panicked))
    );
}

#[test]
fn a_panicking_poll_drops_the_task_and_the_batch_goes_on() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    ex.spawn(traced(&p.trace, "a", async {}));
    let guard = DropCounter(drops);
    let bad = ex.spawn(traced(&p.trace, "bad", async move {
        let _guard = guard;
        panic!("task fails");
    }));
    ex.spawn(traced(&p.trace, "c", async {}));
    p.trace.take();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll a", "poll bad", "poll c"]);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the panicking future was dropped"
    );
    assert!(bad.is_finished());
    assert_eq!(ex.stats().panicked, 1);
}

#[test]
fn a_panic_in_an_aborted_futures_drop_is_caught_too() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let drops = leak(AtomicU64::new(0));
    let handle = ex.spawn(async move {
        let _bomb = PanicOnDrop(drops);
        std::future::pending::<()>().await;
    });
    let _ = step(ex);
    handle.abort();
    let _ = step(ex);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(ex.stats().panicked, 1);
    assert!(handle.is_finished());
}

/// A waker whose `wake` panics.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("a waker that panics");
    }
}

#[test]
fn a_panic_that_escapes_a_step_leaves_the_rest_of_the_batch_queued() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let first = ex.spawn(traced(&p.trace, "first", async {}));
    ex.spawn(traced(&p.trace, "b", async {}));
    ex.spawn(traced(&p.trace, "c", async {}));
    // The handle's waker is a third party's, run by the executor when `first` completes.
    let waker = Waker::from(std::sync::Arc::new(PanickingWaker));
    let mut first = pin!(first);
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    p.trace.take();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(ex)));
    assert!(unwound.is_err());
    assert_eq!(p.trace.take(), ["poll first"]);
    assert!(ex.has_ready(), "b and c were put back");
    assert_eq!(step(ex), Next::Wait, "and the step guard was released");
    assert_eq!(p.trace.take(), ["poll b", "poll c"]);
}
