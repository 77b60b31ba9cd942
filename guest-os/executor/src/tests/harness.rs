//! The test platform and helpers shared by the scenario tests.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::string::String;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::vec::Vec;

use crate::{Executor, JoinHandle, Next, Platform, TaskRef};

thread_local! {
    /// The core the current thread pretends to be ([`Platform::core_id`]).
    static SIM_CORE: Cell<usize> = const { Cell::new(0) };
}

/// Makes the current thread report `core` as its core id.
pub fn set_core(core: usize) {
    SIM_CORE.set(core);
}

/// An ordered log of events.
#[derive(Default)]
pub struct Trace(Mutex<Vec<String>>);

impl Trace {
    pub fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    /// Everything recorded since the last `take`.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Records pends, serves a clock the test sets by hand, and reports the thread's simulated
/// core.
#[derive(Default)]
pub struct TestPlatform {
    pub trace: Trace,
    pub now: AtomicU64,
    /// Hook for tests that need a real pend (threads); called after recording.
    pub on_pend: Option<fn(usize)>,
}

impl TestPlatform {
    pub fn set_now(&self, now: u64) {
        self.now.store(now, Ordering::SeqCst);
    }
}

// SAFETY: each test thread stands for the core it set with `set_core`, and the tests never let
// two threads stand for the same core of one executor set at the same time.
unsafe impl Platform for TestPlatform {
    fn core_id(&self) -> usize {
        SIM_CORE.get()
    }

    fn pend(&self, core: usize) {
        self.trace.push(format!("pend {core}"));
        if let Some(hook) = self.on_pend {
            hook(core);
        }
    }

    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// A fresh platform with `cores` executors, leaked (tasks need `&'static Executor`).
pub fn setup(cores: usize) -> (&'static TestPlatform, &'static [Executor]) {
    setup_with(TestPlatform::default(), cores)
}

pub fn setup_with(
    platform: TestPlatform,
    cores: usize,
) -> (&'static TestPlatform, &'static [Executor]) {
    let platform: &'static TestPlatform = Box::leak(Box::new(platform));
    let executors: Vec<Executor> = (0..cores).map(|c| Executor::new(c, platform)).collect();
    (platform, Box::leak(executors.into_boxed_slice()))
}

/// One step of `executor`, on its own (simulated) core.
pub fn step(executor: &Executor) -> Next {
    set_core(executor.core());
    executor.run_once()
}

/// A task body that records `"poll <name>"` at the start of every poll, then runs `body`.
pub fn traced<F>(trace: &'static Trace, name: &'static str, body: F) -> Traced<F> {
    Traced { trace, name, body }
}

pub struct Traced<F> {
    trace: &'static Trace,
    name: &'static str,
    body: F,
}

impl<F: Future<Output = ()>> Future for Traced<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: structural pinning of `body`, which is never moved out; no Drop impl.
        let this = unsafe { self.get_unchecked_mut() };
        this.trace.push(format!("poll {}", this.name));
        // SAFETY: see above.
        unsafe { Pin::new_unchecked(&mut this.body) }.poll(cx)
    }
}

/// Returns `Pending` once without arranging a wake; `Ready` on the next poll. The test wakes
/// the task by hand.
pub fn park() -> impl Future<Output = ()> {
    let mut parked = false;
    std::future::poll_fn(move |_| {
        if parked {
            Poll::Ready(())
        } else {
            parked = true;
            Poll::Pending
        }
    })
}

/// Counts drops, to check that a completed task's future is dropped exactly once.
pub struct DropCounter(pub &'static AtomicU64);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Spawning for tests that watch a task through its [`TaskRef`] after it completes.
pub trait SpawnTask {
    /// Spawns `future` and detaches it, but keeps one reference (a leaked waker), so the task's
    /// slot is never reused and the returned `TaskRef` names this task for the whole test.
    fn spawn_task<F>(&'static self, future: F) -> TaskRef
    where
        F: Future<Output = ()> + Send + 'static;
}

impl SpawnTask for Executor {
    fn spawn_task<F>(&'static self, future: F) -> TaskRef
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle: JoinHandle<()> = self.spawn(future);
        let task = handle.task();
        std::mem::forget(task.waker());
        task
    }
}
