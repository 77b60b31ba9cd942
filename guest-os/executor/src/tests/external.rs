//! The external ready source (the scheduling device's queue, here a software stand-in).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Mutex;
use std::task::Poll;

use super::harness::{SpawnTask, leak, park, setup, step, traced};
use crate::{Executor, MAX_EXTERNAL_PER_STEP, Next, ReadySource, TaskRef};

/// A FIFO of raw task pointers, as a device would hold them.
#[derive(Default)]
struct FakeDevice {
    queue: Mutex<VecDeque<usize>>,
    pops: Mutex<Vec<usize>>,
}

impl FakeDevice {
    fn push(&self, task: TaskRef) {
        self.queue.lock().unwrap().push_back(task.as_ptr() as usize);
    }
}

impl ReadySource for FakeDevice {
    fn pop(&self, core: usize) -> Option<TaskRef> {
        self.pops.lock().unwrap().push(core);
        let word = self.queue.lock().unwrap().pop_front()?;
        // SAFETY: every word in the queue is a `TaskRef::as_ptr()`.
        Some(unsafe { TaskRef::from_ptr(word as *const ()) })
    }
}

fn parked_forever(
    p: &'static super::harness::TestPlatform,
    name: &'static str,
) -> impl Future<Output = ()> + Send {
    traced(&p.trace, name, async {
        loop {
            park().await;
        }
    })
}

use std::future::Future;

#[test]
fn device_tasks_are_polled_directly_without_a_pend() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(FakeDevice::default());
    ex.set_ready_source(Some(dev));
    let e = ex.spawn_task(parked_forever(p, "e"));
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["pend 0", "poll e"]);
    assert_eq!(
        *dev.pops.lock().unwrap(),
        [0],
        "asked once, on an empty software queue"
    );

    dev.push(e);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(
        p.trace.take(),
        ["poll e"],
        "no pend: the device path bypasses the run queue"
    );
    assert_eq!(ex.stats().external_polls, 1);
    assert_eq!(e.state_bits(), 0, "RUN_QUEUED untouched");

    ex.set_ready_source(None);
    dev.push(e);
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty(), "removed: not asked any more");
}

#[test]
fn completed_device_tasks_are_skipped_and_foreign_ones_forwarded() {
    let (p, ex) = setup(2);
    let dev = leak(FakeDevice::default());
    ex[0].set_ready_source(Some(dev));
    let done = ex[0].spawn_task(traced(&p.trace, "done", async {}));
    let remote = ex[1].spawn_task(parked_forever(p, "remote"));
    let _ = step(&ex[0]);
    let _ = step(&ex[1]);
    assert!(done.is_completed());
    p.trace.take();

    dev.push(done);
    dev.push(remote);
    assert_eq!(step(&ex[0]), Next::Wait);
    assert_eq!(
        p.trace.take(),
        ["pend 1"],
        "the completed task is skipped, the remote forwarded"
    );
    assert_eq!(ex[0].stats().external_polls, 0);
    assert_eq!(step(&ex[1]), Next::Wait);
    assert_eq!(p.trace.take(), ["poll remote"]);
}

#[test]
fn device_tasks_get_a_turn_every_step_beside_a_self_waking_task() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(FakeDevice::default());
    ex.set_ready_source(Some(dev));
    ex.spawn_task(traced(
        &p.trace,
        "spin",
        poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        }),
    ));
    let e = ex.spawn_task(parked_forever(p, "e"));
    let _ = step(ex);
    p.trace.take();
    for _ in 0..3 {
        dev.push(e);
        assert_eq!(step(ex), Next::Run);
        assert_eq!(p.trace.take(), ["poll spin", "pend 0", "poll e"]);
    }
}

#[test]
fn a_busy_device_cannot_starve_the_software_queue() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(FakeDevice::default());
    ex.set_ready_source(Some(dev));
    let e = ex.spawn_task(parked_forever(p, "e"));
    let s = ex.spawn_task(parked_forever(p, "s"));
    let _ = step(ex);
    p.trace.take();
    let extra = 8;
    for _ in 0..MAX_EXTERNAL_PER_STEP + extra {
        dev.push(e);
    }
    assert_eq!(step(ex), Next::Run, "the device may have more");
    assert_eq!(ex.stats().external_polls, MAX_EXTERNAL_PER_STEP as u64);
    s.wake();
    p.trace.take();
    assert_eq!(step(ex), Next::Wait);
    let trace = p.trace.take();
    assert_eq!(trace[0], "poll s", "software first, within the bound");
    assert_eq!(trace.len(), 1 + extra);
    assert!(trace[1..].iter().all(|event| event == "poll e"));
}

#[test]
fn a_device_task_that_spends_its_budget_is_deferred_in_software() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    ex.set_budget(Some(2));
    let dev = leak(FakeDevice::default());
    ex.set_ready_source(Some(dev));
    let e = ex.spawn_task(traced(&p.trace, "e", async {
        park().await;
        for _ in 0..1_000_000 {
            crate::consume_budget().await;
        }
        panic!("never made to yield");
    }));
    let _ = step(ex);
    p.trace.take();
    dev.push(e);
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll e"]);
    assert_eq!(step(ex), Next::Run);
    assert_eq!(p.trace.take(), ["poll e"]);
    assert_eq!(ex.forced_yields(), 2);
    assert_eq!(ex.stats().external_polls, 1);
}
