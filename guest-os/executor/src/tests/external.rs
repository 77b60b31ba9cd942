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

/// A source whose ready hint is a word the test sets by hand, and that counts its pops.
#[derive(Default)]
struct HintedDevice {
    inner: FakeDevice,
    hint: std::sync::atomic::AtomicU64,
}

impl ReadySource for HintedDevice {
    fn pop(&self, core: usize) -> Option<TaskRef> {
        self.inner.pop(core)
    }
    fn ready_hint(&self, _core: usize) -> Option<&std::sync::atomic::AtomicU64> {
        Some(&self.hint)
    }
}

impl HintedDevice {
    fn pops(&self) -> usize {
        self.inner.pops.lock().unwrap().len()
    }
}

#[test]
fn a_zero_hint_skips_the_pop_and_a_set_one_pops() {
    use std::sync::atomic::Ordering::Relaxed;
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(HintedDevice::default());
    ex.set_ready_source(Some(dev));
    let e = ex.spawn_task(parked_forever(p, "e"));
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(dev.pops(), 0, "a zero hint: the source is not called");

    // A task in the source behind a zero hint is not seen (the hint's contract)...
    dev.inner.push(e);
    p.trace.take();
    assert_eq!(step(ex), Next::Wait);
    assert!(p.trace.take().is_empty());
    // ...and is once the hint says so.
    dev.hint.store(1, Relaxed);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll e"]);
    assert_eq!(
        dev.pops(),
        2,
        "one pop that found the task, one that found none"
    );
}

#[test]
fn a_busy_core_checks_the_source_every_kth_step_and_always_when_idle() {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    static SPIN: AtomicBool = AtomicBool::new(true);
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(FakeDevice::default());
    ex.set_ready_source(Some(dev));
    ex.set_source_check_every(3);
    assert_eq!(ex.source_check_every(), 3);
    ex.spawn_task(traced(
        &p.trace,
        "spin",
        poll_fn(|cx| {
            if !SPIN.load(Relaxed) {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }),
    ));
    let e = ex.spawn_task(parked_forever(p, "e"));
    let _ = step(ex);
    dev.pops.lock().unwrap().clear();
    for _ in 0..9 {
        assert_eq!(step(ex), Next::Run);
    }
    assert_eq!(dev.pops.lock().unwrap().len(), 3, "every third busy step");

    // Idle: every step checks, and the step after a wait checks first.
    SPIN.store(false, Relaxed);
    while step(ex) == Next::Run {}
    p.trace.take();
    dev.push(e);
    e.wake();
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(
        p.trace.take(),
        ["pend 0", "poll e", "poll e"],
        "after a wait the device's task runs before the software queue"
    );
}

#[test]
#[should_panic(expected = "pass at least 1")]
fn checking_every_zero_steps_is_refused() {
    let (_p, ex) = setup(1);
    ex[0].set_source_check_every(0);
}

/// A ring-like source: its hint is non-zero exactly while its queue is not empty.
#[derive(Default)]
struct RingLikeDevice {
    inner: FakeDevice,
    hint: std::sync::atomic::AtomicU64,
}

impl RingLikeDevice {
    fn push(&self, task: TaskRef) {
        self.inner.push(task);
        self.hint.store(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl ReadySource for RingLikeDevice {
    fn pop(&self, core: usize) -> Option<TaskRef> {
        let task = self.inner.pop(core);
        if self.inner.queue.lock().unwrap().is_empty() {
            self.hint.store(0, std::sync::atomic::Ordering::Relaxed);
        }
        task
    }
    fn ready_hint(&self, _core: usize) -> Option<&std::sync::atomic::AtomicU64> {
        Some(&self.hint)
    }
}

#[test]
fn an_exact_hint_spares_the_pop_that_would_find_nothing() {
    let (p, ex) = setup(1);
    let ex: &'static Executor = &ex[0];
    let dev = leak(RingLikeDevice::default());
    ex.set_ready_source(Some(dev));
    let a = ex.spawn_task(parked_forever(p, "a"));
    let b = ex.spawn_task(parked_forever(p, "b"));
    assert_eq!(step(ex), Next::Wait);
    p.trace.take();
    dev.push(a);
    dev.push(b);
    assert_eq!(step(ex), Next::Wait);
    assert_eq!(p.trace.take(), ["poll a", "poll b"]);
    assert_eq!(
        dev.inner.pops.lock().unwrap().len(),
        2,
        "one pop per task, none to find the source empty"
    );
}
