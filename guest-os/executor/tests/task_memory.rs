//! A server that spawns a task per request must run in constant memory: a million spawn /
//! complete cycles, with outputs taken, handles dropped, tasks aborted and wakers cloned, and
//! the live heap bytes (counted by this test binary's global allocator) must not grow after
//! the warm-up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Context, Poll, Waker};

use executor::{JoinHandle, Next};

/// The system allocator, counting the bytes it has handed out and not got back on the test's
/// own thread (the executor and every task run there). The test harness's other threads
/// allocate when they like (output capture, progress reports), which is not the executor's
/// memory and would make the count depend on timing.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

std::thread_local! {
    /// Whether this thread's allocations are counted (the test's thread only).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    // `try_with`: a thread being torn down may allocate after its thread-locals are gone.
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to `System`, which upholds GlobalAlloc's contract; the counter is a side
// effect only (a const-initialised thread-local without destructor does not allocate).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

mod one_core;
use one_core::EXECUTOR;

fn run_until_idle() {
    while EXECUTOR.run_once() == Next::Run {}
}

fn take<T>(handle: JoinHandle<T>) -> T {
    let mut handle = pin!(handle);
    match handle
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(Ok(out)) => out,
        other => panic!("task not finished: {:?}", other.map(|r| r.err())),
    }
}

/// `requests` cycles in rounds of 64 tasks of four kinds: awaited by the test, detached,
/// aborted while waiting, and one whose waker clone outlives it.
fn serve(requests: usize) {
    const ROUND: usize = 64;
    let mut kept_wakers = Vec::with_capacity(ROUND);
    for round in 0..requests / ROUND {
        let mut awaited = Vec::with_capacity(ROUND);
        let mut aborted = Vec::with_capacity(ROUND);
        for i in 0..ROUND {
            let request = round * ROUND + i;
            match i % 4 {
                0 => awaited.push(EXECUTOR.spawn(async move {
                    executor::yield_now().await;
                    request.to_string()
                })),
                1 => drop(EXECUTOR.spawn(async move {
                    executor::consume_budget().await;
                    vec![request; 3]
                })),
                2 => aborted.push(EXECUTOR.spawn(std::future::pending::<u64>())),
                _ => {
                    let handle = EXECUTOR.spawn(async move { request });
                    kept_wakers.push(handle.task().waker());
                }
            }
        }
        run_until_idle();
        for handle in aborted.drain(..) {
            handle.abort();
        }
        run_until_idle();
        for (k, handle) in awaited.into_iter().enumerate() {
            assert_eq!(take(handle), (round * ROUND + 4 * k).to_string());
        }
        // Late wakes of finished tasks through wakers that kept them.
        for waker in kept_wakers.drain(..) {
            waker.wake();
        }
        assert!(!EXECUTOR.has_ready());
    }
}

#[test]
fn a_million_spawned_tasks_leave_live_heap_bytes_flat() {
    let total = if cfg!(miri) { 2_048 } else { 1_000_000 };
    COUNTED.with(|counted| counted.set(true));
    serve(1_024); // warm-up: the pool reaches its working size
    let warm = LIVE.load(Ordering::Relaxed);
    let slots = EXECUTOR.stats().task_slots;
    serve(total);
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "live heap bytes: {warm} after warm-up, {after} after {total} more tasks; {} task slots \
         ({} bytes)",
        EXECUTOR.stats().task_slots,
        EXECUTOR.stats().task_slot_bytes
    );
    assert_eq!(after, warm, "live heap bytes grew over {total} tasks");
    assert_eq!(EXECUTOR.stats().task_slots, slots, "the pool did not grow");
    assert_eq!(EXECUTOR.stats().panicked, 0);
}
