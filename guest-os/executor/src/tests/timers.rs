//! Timers: deadline order, re-registration, the deadline reported to the kernel.

use std::future::{Future, pending, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::harness::{SpawnTask, park, setup, step, traced};
use crate::{Executor, Next, sleep, sleep_until};

#[test]
fn timers_fire_in_deadline_order() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    // Registered in an order unrelated to the deadlines; two share a deadline.
    let cases: [(&str, u64); 5] = [
        ("t30", 30),
        ("t10", 10),
        ("t20a", 20),
        ("t20b", 20),
        ("t25", 25),
    ];
    for (name, deadline) in cases {
        ex.spawn_task(async move {
            if name == "t25" {
                sleep(25).await; // relative: 0 + 25
            } else {
                sleep_until(deadline).await;
            }
            p.trace.push(format!("fired {name} at {}", ex.now()));
        });
    }
    p.trace.take();
    assert_eq!(step(ex), Next::WaitUntil(10));
    assert!(p.trace.take().is_empty());

    p.set_now(9);
    assert_eq!(step(ex), Next::WaitUntil(10), "nothing due yet");
    assert!(p.trace.take().is_empty());

    p.set_now(15);
    assert_eq!(step(ex), Next::WaitUntil(20));
    assert_eq!(p.trace.take(), ["fired t10 at 15"]);

    p.set_now(100);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(
        p.trace.take(),
        [
            "fired t20a at 100",
            "fired t20b at 100",
            "fired t25 at 100",
            "fired t30 at 100"
        ]
    );
    assert_eq!(ex.stats().timer_wakes, 5);
}

#[test]
fn a_task_is_registered_once_at_its_earliest_deadline() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.spawn_task(traced(&p.trace, "t", async {
        let mut long = pin!(sleep_until(50));
        let mut short = pin!(sleep_until(5));
        // Wait for whichever comes first (a hand-written select).
        poll_fn(|cx| {
            if long.as_mut().poll(cx).is_ready() || short.as_mut().poll(cx).is_ready() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        long.await;
    }));
    p.trace.take();
    assert_eq!(
        step(ex),
        Next::WaitUntil(5),
        "the later registration does not win"
    );
    p.set_now(5);
    assert_eq!(
        step(ex),
        Next::WaitUntil(50),
        "the long sleep registers again"
    );
    p.set_now(50);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll t", "poll t", "poll t"]);
    assert_eq!(ex.stats().timer_wakes, 2);
}

#[test]
fn each_sleep_of_a_task_has_its_own_entry_in_deadline_order() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.spawn_task(traced(&p.trace, "other", async {
        sleep_until(20).await;
    }));
    let t = ex.spawn_task(traced(&p.trace, "t", async {
        let mut long = pin!(sleep_until(30));
        poll_fn(|cx| {
            let _ = long.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        park().await; // woken by the test
        sleep_until(10).await;
        pending::<()>().await;
    }));
    assert_eq!(step(ex), Next::WaitUntil(20));
    // t's entry (30) sits behind other's (20); now t asks for 10 with a second sleep.
    t.wake();
    assert_eq!(step(ex), Next::WaitUntil(10));
    p.trace.take();
    p.set_now(10);
    assert_eq!(step(ex), Next::WaitUntil(20));
    assert_eq!(p.trace.take(), ["poll t"]);
    // `long` is still alive (pinned in t's future), so its entry still fires, after other's.
    p.set_now(30);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll other", "poll t"]);
    assert_eq!(ex.stats().timer_wakes, 3);
}

#[test]
fn a_dropped_sleep_leaves_the_list() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let t = ex.spawn_task(traced(&p.trace, "t", async {
        let mut nap = pin!(sleep(10));
        // Register the timer, then leave on the next poll, dropping it.
        poll_fn(|cx| {
            let _ = nap.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        park().await;
    }));
    assert_eq!(step(ex), Next::WaitUntil(10));
    t.wake();
    let _ = step(ex);
    assert!(t.is_completed());
    assert_eq!(p.trace.take(), ["pend 0", "poll t", "pend 0", "poll t"]);
    assert!(ex.timers.is_empty(), "dropping the Sleep unlinked it");
    p.set_now(10);
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty(), "no pend, no poll");
    assert_eq!(ex.stats().timer_wakes, 0);
    assert_eq!(ex.stats().polls, 2);
}

#[test]
fn a_deadline_that_passes_during_the_step_reports_run() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.spawn_task(async move {
        sleep(5).await;
    });
    ex.spawn_task(async move {
        p.set_now(7); // the clock moves while the batch runs
    });
    assert_eq!(step(ex), Next::Run);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(ex.stats().timer_wakes, 1);
}

#[test]
fn a_zero_sleep_is_ready_at_once_but_spends_budget() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(3));
    let t = ex.spawn_task(async {
        for _ in 0..7 {
            sleep(0).await;
        }
    });
    let mut steps = 1;
    while step(ex) == Next::Run {
        steps += 1;
    }
    assert!(t.is_completed());
    assert_eq!(steps, 3);
    assert_eq!(ex.forced_yields(), 2);
    assert_eq!(ex.stats().timer_wakes, 0, "never registered");
}

#[test]
fn sleep_until_never_does_not_arm_a_timer() {
    let (_, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.spawn_task(sleep_until(u64::MAX));
    assert_eq!(step(ex), Next::Wait);
}

#[test]
#[should_panic(expected = "outside an executor task")]
fn sleep_outside_a_task_panics() {
    let mut cx = Context::from_waker(Waker::noop());
    let _ = pin!(sleep(1)).poll(&mut cx);
}
