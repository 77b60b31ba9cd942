//! Budget, timers and yields under third-party combinators that substitute their own wakers
//! (futures-rs): they go through the per-core context, not the waker.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::future::{Either, join_all, select};
use futures::stream::{FuturesUnordered, StreamExt};

use super::harness::{leak, setup, step};
use crate::{Executor, Next, consume_budget, cooperative, sleep, sleep_until};

/// Runs steps, advancing the clock to the next deadline whenever the executor waits for one,
/// until it has nothing left.
fn run_to_idle(p: &super::harness::TestPlatform, ex: &Executor) {
    loop {
        match step(ex) {
            Next::Run => {}
            Next::WaitUntil(at) => p.set_now(at),
            Next::Wait => return,
        }
    }
}

#[test]
fn sleep_inside_futures_unordered_wakes_its_child() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let done = leak(AtomicU64::new(0));
    let order: &'static std::sync::Mutex<Vec<u64>> = leak(Default::default());
    ex.spawn(async move {
        let mut sleeps: FuturesUnordered<_> = [30u64, 10, 20]
            .into_iter()
            .map(|t| async move {
                sleep_until(t).await;
                t
            })
            .collect();
        while let Some(t) = sleeps.next().await {
            order.lock().unwrap().push(t);
        }
        done.store(1, Ordering::SeqCst);
    });
    run_to_idle(p, ex);
    assert_eq!(done.load(Ordering::SeqCst), 1);
    assert_eq!(*order.lock().unwrap(), [10, 20, 30]);
    assert_eq!(ex.stats().timer_wakes, 3);
}

#[test]
fn sleep_inside_a_large_join_all() {
    // More than 30 futures: join_all switches to FuturesOrdered, with wakers of its own.
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let handle = ex.spawn(async {
        let outs = join_all((0..64u64).map(|i| async move {
            sleep(1 + i % 7).await;
            i
        }))
        .await;
        outs.iter().sum::<u64>()
    });
    run_to_idle(p, ex);
    assert!(handle.is_finished());
    assert_eq!(
        p.now.load(Ordering::SeqCst),
        7,
        "the last sleep ended at its deadline"
    );
}

#[test]
fn sleep_inside_select_and_the_loser_leaves_the_list() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let won = leak(AtomicU64::new(0));
    ex.spawn(async move {
        let short = pin!(sleep_until(5));
        let long = pin!(sleep_until(50));
        match select(long, short).await {
            Either::Left(_) => won.store(50, Ordering::SeqCst),
            Either::Right(_) => won.store(5, Ordering::SeqCst),
        }
    });
    assert_eq!(step(ex), Next::WaitUntil(5));
    p.set_now(5);
    assert_eq!(
        step(ex),
        Next::Wait,
        "the dropped long sleep is no longer armed"
    );
    assert_eq!(won.load(Ordering::SeqCst), 5);
}

#[test]
fn a_budget_aware_leaf_inside_futures_unordered_yields() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(16));
    let items = leak(AtomicU64::new(0));
    let other_saw = leak(AtomicU64::new(u64::MAX));
    // 100,000 items natively; Miri gets a tenth of the leaves and of their items.
    let (leaves, per_leaf) = if cfg!(miri) { (10, 100) } else { (100, 1_000) };
    let total = leaves * per_leaf;
    ex.spawn(async move {
        let mut leaves: FuturesUnordered<_> = (0..leaves)
            .map(|_| async move {
                for _ in 0..per_leaf {
                    cooperative(async {}).await;
                    items.fetch_add(1, Ordering::SeqCst);
                }
            })
            .collect();
        while leaves.next().await.is_some() {}
    });
    ex.spawn(async move {
        other_saw.store(items.load(Ordering::SeqCst), Ordering::SeqCst);
    });
    run_to_idle(p, ex);
    assert_eq!(items.load(Ordering::SeqCst), total);
    assert!(
        ex.forced_yields() >= total / 16 - 1,
        "{} forced yields",
        ex.forced_yields()
    );
    assert!(
        other_saw.load(Ordering::SeqCst) <= 16,
        "the other task ran after at most one budget: {}",
        other_saw.load(Ordering::SeqCst)
    );
}

#[test]
fn consume_budget_inside_join_all_yields() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(8));
    let handle = ex.spawn(async {
        join_all((0..40).map(|_| async {
            for _ in 0..10 {
                consume_budget().await;
            }
        }))
        .await;
    });
    run_to_idle(p, ex);
    assert!(handle.is_finished());
    assert!(ex.forced_yields() >= 400 / 8 - 1, "{}", ex.forced_yields());
}

/// A combinator of our own that polls its child with a waker that wraps the task's.
struct Substitute<F>(F);

struct Wrapped(Waker);

impl Wake for Wrapped {
    fn wake(self: Arc<Self>) {
        self.0.wake_by_ref();
    }
}

impl<F: Future + Unpin> Future for Substitute<F> {
    type Output = F::Output;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let waker = Waker::from(Arc::new(Wrapped(cx.waker().clone())));
        std::pin::Pin::new(&mut self.0).poll(&mut Context::from_waker(&waker))
    }
}

#[test]
fn a_substituted_waker_gets_timers_yields_and_budget() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(4));
    let handle = ex.spawn(Substitute(Box::pin(async {
        sleep(3).await;
        crate::yield_now().await;
        for _ in 0..20 {
            consume_budget().await;
        }
        assert!(crate::current_task().is_some());
    })));
    assert_eq!(step(ex), Next::WaitUntil(3));
    run_to_idle(p, ex);
    assert!(handle.is_finished());
    assert!(ex.forced_yields() >= 4, "{}", ex.forced_yields());
    assert_eq!(ex.stats().panicked, 0);
}

#[test]
fn no_context_outside_a_poll() {
    let (_, ex) = setup(1);
    let _ = step(&ex[0]);
    assert!(crate::current_task().is_none());
}

#[test]
fn sleep_and_budget_inside_the_select_macro() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(4));
    let winner = leak(AtomicU64::new(0));
    ex.spawn(async move {
        use futures::FutureExt;
        let mut timeout = pin!(sleep_until(100).fuse());
        let mut work = pin!(
            async {
                for _ in 0..40 {
                    consume_budget().await;
                }
            }
            .fuse()
        );
        futures::select! {
            () = work => winner.store(1, Ordering::SeqCst),
            () = timeout => winner.store(2, Ordering::SeqCst),
        }
    });
    run_to_idle(p, ex);
    assert_eq!(
        winner.load(Ordering::SeqCst),
        1,
        "the work finished before the timeout"
    );
    assert!(ex.forced_yields() >= 9, "{}", ex.forced_yields());
    assert_eq!(
        p.now.load(Ordering::SeqCst),
        0,
        "the timeout never had to fire"
    );
    assert_eq!(step(ex), Next::Wait, "and its entry left the list with it");
}
