//! `Runner::run_while`: the same polls, in the same order, as a loop of `run_once`, also when
//! it walks the yielded tasks as one FIFO; it stops only between two rounds.

use std::future::poll_fn;
use std::string::String;
use std::sync::Mutex;
use std::task::{Poll, Waker};
use std::vec::Vec;

use super::harness::{SpawnTask, TestPlatform, leak, park, set_core, setup, step, traced};
use crate::{Executor, Next, WALK_CHECK_POLLS, consume_budget, yield_now};

/// Tasks that yield, wake each other, spawn, wake themselves and run out of budget, so that
/// the walk of yielded tasks meets every kind of other work in the middle of a round.
fn mixed(p: &'static TestPlatform, ex: &'static Executor) {
    ex.set_budget(Some(3));
    let parked: &'static Mutex<Option<Waker>> = leak(Mutex::new(None));
    ex.spawn_task(traced(&p.trace, "w", async move {
        poll_fn(|cx| {
            *parked.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        })
        .await;
        park().await; // woken by "b" through the stored waker
    }));
    ex.spawn_task(traced(&p.trace, "a", async {
        for _ in 0..7 {
            yield_now().await;
        }
    }));
    ex.spawn_task(traced(&p.trace, "b", async move {
        for i in 0..8 {
            if i == 3 {
                parked.lock().unwrap().take().unwrap().wake();
            }
            yield_now().await;
        }
    }));
    ex.spawn_task(traced(&p.trace, "c", async move {
        for i in 0..6 {
            if i == 2 {
                ex.spawn_task(traced(&p.trace, "d", async {
                    for _ in 0..2 {
                        yield_now().await;
                    }
                }));
            }
            yield_now().await;
        }
    }));
    ex.spawn_task(traced(&p.trace, "e", async {
        for i in 0..9 {
            if i % 4 == 1 {
                // A self-wake, not a yield: the task goes to the shared run queue.
                let mut woke = false;
                poll_fn(|cx| {
                    if woke {
                        Poll::Ready(())
                    } else {
                        woke = true;
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                })
                .await;
            } else {
                yield_now().await;
            }
        }
    }));
    ex.spawn_task(traced(&p.trace, "f", async {
        for _ in 0..10 {
            consume_budget().await; // forced yields every third operation
        }
    }));
}

/// The trace and the executor's counters after running `mixed` to the end, step by step or
/// with `run_while`.
fn run_mixed(use_run_while: bool) -> (Vec<String>, u64, u64, u64) {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    mixed(p, ex);
    if use_run_while {
        set_core(0);
        let mut runner = ex.runner();
        assert_eq!(runner.run_while(&mut || true), Next::Wait);
    } else {
        while step(ex) == Next::Run {}
    }
    let stats = ex.stats();
    (
        p.trace.take(),
        stats.steps,
        stats.polls,
        stats.forced_yields,
    )
}

#[test]
fn run_while_polls_as_a_loop_of_run_once() {
    let (by_step, steps, polls, forced) = run_mixed(false);
    let (by_run_while, steps_rw, polls_rw, forced_rw) = run_mixed(true);
    assert_eq!(by_run_while, by_step);
    assert_eq!(polls_rw, polls);
    assert_eq!(forced_rw, forced);
    assert!(forced > 0, "the scenario spends budget");
    // Each round of the walk counts as the step it stands for.
    assert_eq!(steps_rw, steps);
    // Every task ran to its end.
    for name in ["w", "a", "b", "c", "d", "e", "f"] {
        assert!(by_step.iter().any(|e| e == &format!("poll {name}")));
    }
}

#[test]
fn run_while_stops_between_two_rounds_and_asks_keep_going_while_walking() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    for name in ["a", "b", "c"] {
        ex.spawn_task(traced(&p.trace, name, async {
            loop {
                yield_now().await;
            }
        }));
    }
    set_core(0);
    let mut runner = ex.runner();
    let mut asked = 0;
    let stopped = runner.run_while(&mut || {
        asked += 1;
        asked < 3
    });
    assert_eq!(stopped, Next::Run, "keep_going stopped it");
    let polls: Vec<String> = p
        .trace
        .take()
        .into_iter()
        .filter(|e| e.starts_with("poll"))
        .collect();
    // Asked before the first step (which polled the three), then by the walk after
    // WALK_CHECK_POLLS polls (yes) and after as many more (no: the walk finished its round),
    // then once more before the next step.
    assert_eq!(asked, 4);
    let walked = 2 * WALK_CHECK_POLLS as usize;
    assert_eq!(
        polls.len(),
        3 + walked.div_ceil(3) * 3,
        "whole rounds only: {polls:?}"
    );
    for (i, poll) in polls.iter().enumerate() {
        assert_eq!(
            poll,
            &format!("poll {}", ["a", "b", "c"][i % 3]),
            "poll {i}"
        );
    }
    drop(runner);
    // The next step starts a new round with the first task.
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll a", "poll b", "poll c"]);
}

#[test]
fn a_wake_from_outside_ends_the_walk_at_the_round_boundary() {
    let (p, ex) = setup(1);
    let ex = &ex[0];
    let sleeper = ex.spawn_task(traced(&p.trace, "s", async {
        loop {
            park().await;
        }
    }));
    let trace = &p.trace;
    ex.spawn_task(traced(trace, "a", async move {
        let mut n = 0;
        loop {
            n += 1;
            if n == 5 {
                // As an interrupt handler would: a wake of another task, mid-round.
                sleeper.wake();
            }
            yield_now().await;
        }
    }));
    ex.spawn_task(traced(trace, "b", async {
        loop {
            yield_now().await;
        }
    }));
    set_core(0);
    let mut runner = ex.runner();
    let mut steps = 0;
    let _ = runner.run_while(&mut || {
        steps += 1;
        steps < 3
    });
    let polls: Vec<String> = p
        .trace
        .take()
        .into_iter()
        .filter(|e| e.starts_with("poll"))
        .collect();
    // "a" woke "s" in its fifth poll: "b" still had its turn in that round, then "s" ran
    // first in the next step, as it would have step by step.
    let first_s = polls.iter().position(|e| e == "poll s").unwrap();
    let a5 = polls
        .iter()
        .enumerate()
        .filter(|(_, e)| *e == "poll a")
        .nth(4)
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(polls[a5 + 1], "poll b");
    assert_eq!(polls[a5 + 2], "poll s", "{polls:?}");
    assert_eq!(
        first_s, 0,
        "the sleeper's first poll came first, in the first step"
    );
}
