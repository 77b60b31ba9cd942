//! The cooperative budget: exhaustion, reset, refund, opt-out, deferral order.

use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker, ready};

use super::harness::{SpawnTask, leak, park, setup, step, traced};
use crate::{
    Executor, Next, consume_budget, cooperative, has_budget_remaining, poll_proceed, sleep,
    unconstrained, yield_now,
};

/// A source that always has an item: the greedy task's input (E5's "always-ready source").
struct Firehose {
    served: AtomicU64,
}

impl Firehose {
    fn new() -> &'static Firehose {
        leak(Firehose {
            served: AtomicU64::new(0),
        })
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<u64> {
        let restore = ready!(poll_proceed(cx));
        restore.made_progress();
        let served = self.served.fetch_add(1, Ordering::SeqCst);
        // Turn "the budget never stopped it" into a failure instead of a hung test.
        assert!(
            served < 1_000_000,
            "the greedy task was never made to yield"
        );
        Poll::Ready(served)
    }

    async fn recv(&self) -> u64 {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }
}

/// A task that never stops receiving.
async fn greedy(source: &'static Firehose) {
    loop {
        source.recv().await;
    }
}

#[test]
fn spent_budget_makes_a_greedy_task_yield_to_others() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    ex.set_budget(Some(4));
    let source = Firehose::new();
    ex.spawn_task(traced(&p.trace, "greedy", greedy(source)));
    ex.spawn_task(traced(
        &p.trace,
        "b",
        poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        }),
    ));
    p.trace.take();

    assert_eq!(step(ex), Next::Run);
    assert_eq!(source.served(), 4, "four operations, then the yield");
    assert_eq!(ex.forced_yields(), 1);
    assert_eq!(p.trace.take(), ["poll greedy", "poll b", "pend 0"]);

    assert_eq!(step(ex), Next::Run);
    assert_eq!(source.served(), 8, "a fresh budget for the next poll");
    assert_eq!(ex.forced_yields(), 2);
    // b was woken before greedy yielded; greedy (deferred) goes behind it.
    assert_eq!(p.trace.take(), ["poll b", "pend 0", "poll greedy"]);
}

#[test]
fn budget_is_reset_before_every_poll() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(4));
    let a = ex.spawn_task(async move {
        loop {
            for _ in 0..3 {
                consume_budget().await;
            }
            p.trace.push(format!("a left {:?}", ex.budget_remaining()));
            park().await;
        }
    });
    ex.spawn_task(async move {
        loop {
            p.trace
                .push(format!("b starts with {:?}", ex.budget_remaining()));
            consume_budget().await;
            park().await;
        }
    });
    p.trace.take();
    let _ = step(ex);
    assert_eq!(p.trace.take(), ["a left Some(1)", "b starts with Some(4)"]);
    a.wake();
    let _ = step(ex);
    assert_eq!(p.trace.take(), ["pend 0", "a left Some(1)"]);
    assert_eq!(ex.forced_yields(), 0);
}

#[test]
fn consume_budget_in_a_cpu_loop_yields_every_budget_operations() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    ex.set_budget(Some(8));
    let iterations = leak(AtomicU64::new(0));
    let t = ex.spawn_task(traced(&p.trace, "loop", async move {
        for _ in 0..20 {
            iterations.fetch_add(1, Ordering::SeqCst);
            consume_budget().await;
        }
    }));
    let mut after_each_step = Vec::new();
    while step(ex) == Next::Run {
        after_each_step.push(iterations.load(Ordering::SeqCst));
    }
    after_each_step.push(iterations.load(Ordering::SeqCst));
    // The 9th consume_budget finds the budget spent: the iteration that called it resumes
    // in the next poll.
    assert_eq!(after_each_step, [9, 17, 20]);
    assert!(t.is_completed());
    assert_eq!(ex.forced_yields(), 2);
    assert_eq!(ex.stats().polls, 3);
}

#[test]
fn unconstrained_never_yields_and_restores_the_outer_budget() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(4));
    let source = Firehose::new();
    let t = ex.spawn_task(async move {
        consume_budget().await;
        unconstrained(async {
            for _ in 0..10_000 {
                source.recv().await;
            }
            p.trace.push(format!("inside {:?}", ex.budget_remaining()));
        })
        .await;
        p.trace.push(format!("outside {:?}", ex.budget_remaining()));
    });
    p.trace.take();
    assert_eq!(step(ex), Next::Wait);
    assert!(t.is_completed());
    assert_eq!(source.served(), 10_000);
    assert_eq!(ex.forced_yields(), 0);
    assert_eq!(ex.stats().polls, 1);
    assert_eq!(p.trace.take(), ["inside None", "outside Some(3)"]);
}

#[test]
fn no_budget_means_no_forced_yield_and_changes_apply_from_the_next_poll() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(None);
    assert_eq!(ex.budget(), None);
    let source = Firehose::new();
    let t = ex.spawn_task(async move {
        for _ in 0..1000 {
            source.recv().await;
        }
        // Takes effect at the next poll, not in this one.
        ex.set_budget(Some(2));
        for _ in 0..1000 {
            source.recv().await;
        }
        park().await;
        p.trace
            .push(format!("resumed with {:?}", ex.budget_remaining()));
        greedy(source).await;
    });
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(source.served(), 2000);
    assert_eq!(ex.forced_yields(), 0);
    p.trace.take();
    t.wake();
    assert_eq!(step(ex), Next::Run);
    // The forced yield inside its own poll takes the core-local path: no pend.
    assert_eq!(p.trace.take(), ["pend 0", "resumed with Some(2)"]);
    assert_eq!(source.served(), 2002);
    assert_eq!(ex.forced_yields(), 1);
}

#[test]
fn restore_on_pending_refunds_unless_progress_was_made() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(2));
    let mut polls = 0;
    ex.spawn_task(poll_fn(move |cx| {
        polls += 1;
        if polls == 1 {
            assert_eq!(ex.budget_remaining(), Some(2));
            let Poll::Ready(guard) = poll_proceed(cx) else {
                panic!()
            };
            assert_eq!(ex.budget_remaining(), Some(1));
            drop(guard);
            assert_eq!(ex.budget_remaining(), Some(2), "no progress: refunded");
            let Poll::Ready(guard) = poll_proceed(cx) else {
                panic!()
            };
            guard.made_progress();
            drop(guard);
            assert_eq!(ex.budget_remaining(), Some(1), "progress: spent");
            assert!(has_budget_remaining(cx));
            let Poll::Ready(guard) = poll_proceed(cx) else {
                panic!()
            };
            guard.made_progress();
            assert!(!has_budget_remaining(cx));
            assert!(poll_proceed(cx).is_pending(), "spent: yield");
            assert_eq!(ex.forced_yields(), 1);
            assert_eq!(
                ex.budget_remaining(),
                Some(0),
                "a failed attempt costs nothing"
            );
            p.trace.push("first poll done");
            Poll::Pending
        } else {
            assert_eq!(ex.budget_remaining(), Some(2));
            p.trace.push("re-polled");
            Poll::Ready(())
        }
    }));
    p.trace.take();
    assert_eq!(step(ex), Next::Run, "the forced yield re-queued the task");
    assert_eq!(p.trace.take(), ["first poll done"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["re-polled"]);
}

#[test]
fn outside_a_task_there_is_no_budget() {
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        let Poll::Ready(guard) = poll_proceed(&mut cx) else {
            panic!()
        };
        guard.made_progress();
    }
    assert!(has_budget_remaining(&cx));
}

#[test]
fn a_forced_yield_goes_behind_woken_and_timer_tasks() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    ex.set_budget(Some(3));
    let source = Firehose::new();
    ex.spawn_task(traced(&p.trace, "timer", async {
        sleep(5).await;
        pending::<()>().await;
    }));
    let c = ex.spawn_task(traced(&p.trace, "c", async {
        loop {
            park().await;
        }
    }));
    let _ = step(ex);
    p.trace.take();

    ex.spawn_task(traced(&p.trace, "greedy", greedy(source)));
    ex.spawn_task(traced(
        &p.trace,
        "waker",
        poll_fn(move |_| {
            c.wake();
            Poll::<()>::Pending
        }),
    ));
    let _ = step(ex);
    assert_eq!(
        p.trace.take(),
        ["pend 0", "poll greedy", "poll waker", "pend 0"]
    );
    p.set_now(5);
    let _ = step(ex);
    // Without the deferral, greedy (re-queued first) would run first.
    assert_eq!(p.trace.take(), ["poll c", "poll timer", "poll greedy"]);
}

#[test]
fn yield_now_goes_behind_tasks_woken_meanwhile() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let c = ex.spawn_task(traced(&p.trace, "c", async {
        loop {
            park().await;
        }
    }));
    let _ = step(ex);
    ex.spawn_task(traced(&p.trace, "a", async {
        yield_now().await;
        pending::<()>().await;
    }));
    ex.spawn_task(traced(
        &p.trace,
        "b",
        poll_fn(move |_| {
            c.wake();
            Poll::<()>::Pending
        }),
    ));
    p.trace.take();
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll a", "poll b", "pend 0"]);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll c", "poll a"]);
    assert_eq!(ex.forced_yields(), 0, "yield_now is not a forced yield");
}

#[test]
fn cooperative_makes_any_future_spend_budget() {
    let (_, ex) = setup(1);
    let ex = &ex[0];
    ex.set_budget(Some(5));
    let done = leak(AtomicU64::new(0));
    ex.spawn_task(async move {
        for _ in 0..12 {
            cooperative(std::future::ready(())).await;
            done.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut after_each_step = Vec::new();
    while step(ex) == Next::Run {
        after_each_step.push(done.load(Ordering::SeqCst));
    }
    after_each_step.push(done.load(Ordering::SeqCst));
    assert_eq!(after_each_step, [5, 10, 12]);
    assert_eq!(ex.forced_yields(), 2);
}
