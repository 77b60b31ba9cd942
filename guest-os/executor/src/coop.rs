//! Cooperative scheduling: an operation budget per poll, after Tokio's `task::coop`.
//!
//! # The problem
//!
//! A poll runs until the future returns. A future that is always ready (a receive loop on a
//! source that always has data, a server whose socket always has a request) never returns
//! `Pending`, so its poll never ends and every other task on the core starves: batches
//! ([`crate::run_queue`]) bound how often a task is polled, not how long one poll takes. This
//! is the Tokio echo-server case, and experiment E5 measures it (a greedy task beside
//! latency-sensitive ones).
//!
//! # The budget
//!
//! Each core's executor holds a budget: a number of operations the task being polled may
//! perform before it must yield. The executor resets it before *every* poll (so it is
//! effectively per poll, and one task's spending never shortens another's turn). Leaf futures
//! (a queue receive, a timer, a device wait: the places where a task would otherwise find data
//! ready again and again) call [`poll_proceed`] before doing their operation:
//!
//! - budget left: it is decremented and the leaf gets a [`RestoreOnPending`] guard. If the leaf
//!   then does its operation it calls [`RestoreOnPending::made_progress`] and the unit stays
//!   spent; if it returns `Pending` without progress, dropping the guard refunds the unit, so a
//!   failed attempt is free;
//! - budget spent: the task is woken *deferred* (see below) and the leaf returns `Pending`. The
//!   task's poll unwinds to the executor, the other tasks run, and the next poll starts with a
//!   full budget. The executor counts these forced yields ([`Executor::forced_yields`]).
//!
//! [`consume_budget`] is the same thing as an `.await` for CPU loops that have no leaf future.
//! [`has_budget_remaining`] lets a combinator check, say, its timeout even after the inner
//! future has spent the budget. [`cooperative`] makes any future spend budget.
//!
//! **Deferred wake.** A task that runs out of budget (and one that calls [`yield_now`]) is not
//! put straight back on the run queue (inside its own poll it takes the executor's core-local
//! list, see [`Executor`]). It goes onto a per-core deferred list, which the next
//! step appends *after* the tasks woken meanwhile and the timers that expired (Tokio's
//! `defer`). Otherwise a greedy task would be polled again before a timer-woken,
//! latency-sensitive one, which is what the budget is there to prevent.
//!
//! # The value
//!
//! [`DEFAULT_BUDGET`] is 128, Tokio's value. Tokio calls it "chosen somewhat arbitrarily": high
//! enough to amortise the cost of a yield (here no atomic RMW, a few plain stores and an
//! indirect call, tens of cycles against 128 operations of hundreds of cycles each) and low
//! enough that a ready task waits at most one batch of 128-operation turns. Because the right
//! value depends on the operation cost and the latency target, it is a run-time parameter
//! ([`Executor::set_budget`]); E5 sweeps it from 8 to 1024 and `None` (no budget, the `fcfs`
//! policy).
//!
//! # Placing yield points
//!
//! (Tokio's advice holds.) Call [`poll_proceed`] in *leaf* futures, the ones that would return
//! `Ready` immediately when data is waiting; not in combinators, so one operation is not
//! counted twice. Call it *before* the operation and commit with `made_progress` after it, so
//! that the operation that exhausts the budget is not lost. Spend budget only when work was
//! done: a `Pending` that registered a waker must not cost anything. In a CPU loop without any
//! leaf, put `consume_budget().await` once per iteration, after the iteration's work.
//!
//! # Opting out
//!
//! [`unconstrained`] polls a future with no budget (for the executor's own plumbing, and for
//! measurement baselines); [`Executor::set_budget`]`(None)` turns the budget off on a core.
//!
//! # Differences from Tokio
//!
//! - The budget lives in the executor (one per core). These functions find it through the task
//!   being polled: the one the waker names if it is one of ours, else the one the per-core
//!   context ([`crate::context`]) records. So they work under any combinator, including those
//!   that substitute their own waker (`FuturesUnordered`, `join_all`). Outside any task they
//!   behave as Tokio does outside a runtime: no budget, always proceed.
//! - A forced yield defers the task (intrusively, no allocation) and, when the waker is a
//!   combinator's, also wakes that waker, so the combinator polls the yielding child again on
//!   the task's next turn (Tokio defers the waker itself, in a list).
//! - Dropping a [`RestoreOnPending`] gives back one unit (capped at the configured budget)
//!   rather than restoring a saved value, so an inner leaf's progress between the two is not
//!   undone.
//! - Forced yields are counted when [`poll_proceed`] actually returns `Pending`, not when the
//!   budget reaches zero.
//!
//! [`Executor::forced_yields`]: crate::Executor::forced_yields
//! [`Executor::set_budget`]: crate::Executor::set_budget

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use crate::context;
use crate::executor::Executor;
use crate::task::TaskRef;
use crate::waker::{is_poll_waker_of, poll_waker_task, task_from_waker};

/// Operations a task may perform per poll unless configured otherwise (see the module docs).
pub const DEFAULT_BUDGET: u32 = 128;

/// The encoding of "no budget" in the budget words.
const UNCONSTRAINED: u64 = u64::MAX;

fn encode(budget: Option<u32>) -> u64 {
    budget.map_or(UNCONSTRAINED, u64::from)
}

fn decode(word: u64) -> Option<u32> {
    // Only `encode`d values and values below them are ever stored.
    (word != UNCONSTRAINED).then_some(word as u32)
}

/// Adds one to a counter that only one core writes: a load and a store, not an RMW, so it costs
/// no more than a plain `+= 1`. Readers on other cores see a recent value.
pub(crate) fn bump(counter: &AtomicU64) {
    add(counter, 1);
}

/// Adds `n` to a counter that only one core writes (see [`bump`]).
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// One core's budget. Written by the owning core only (the executor between polls, the leaf
/// futures of the task it polls), read from anywhere; `Relaxed` atomics compile to plain loads
/// and stores.
pub(crate) struct Budget {
    /// The configured budget per poll.
    initial: AtomicU64,
    /// What is left of it in the current poll.
    remaining: AtomicU64,
    forced_yields: AtomicU64,
}

impl Budget {
    pub(crate) const fn new() -> Self {
        Budget {
            initial: AtomicU64::new(DEFAULT_BUDGET as u64),
            remaining: AtomicU64::new(DEFAULT_BUDGET as u64),
            forced_yields: AtomicU64::new(0),
        }
    }

    pub(crate) fn set(&self, budget: Option<u32>) {
        self.initial.store(encode(budget), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Option<u32> {
        decode(self.initial.load(Ordering::Relaxed))
    }

    /// Before each poll: a full budget. Most polls spend none, so the store is skipped when
    /// nothing changed (a load is cheaper than a store that dirties the line).
    pub(crate) fn reset(&self) {
        let initial = self.initial.load(Ordering::Relaxed);
        if self.remaining.load(Ordering::Relaxed) != initial {
            self.remaining.store(initial, Ordering::Relaxed);
        }
    }

    pub(crate) fn remaining(&self) -> Option<u32> {
        decode(self.remaining.load(Ordering::Relaxed))
    }

    pub(crate) fn forced_yields(&self) -> u64 {
        self.forced_yields.load(Ordering::Relaxed)
    }

    /// Gives back one unit (a [`RestoreOnPending`] dropped without progress).
    fn refund(&self) {
        let remaining = self.remaining.load(Ordering::Relaxed);
        if remaining != UNCONSTRAINED {
            let cap = self.initial.load(Ordering::Relaxed);
            self.remaining
                .store((remaining + 1).min(cap), Ordering::Relaxed);
        }
    }
}

/// The task being polled: the one `cx`'s waker names if it is one of ours, else the one this
/// core's context records (see the module docs).
pub(crate) fn current_task(cx: &Context<'_>) -> Option<TaskRef> {
    task_from_waker(cx.waker()).or_else(context::current_task)
}

/// The executor of the task being polled.
fn executor_of(cx: &Context<'_>) -> Option<&'static Executor> {
    current_task(cx).map(|task| task.executor())
}

/// Makes the current task yield: defer it behind the tasks woken meanwhile, and, if `cx`'s
/// waker is a combinator's, wake that too so that the combinator polls this child again.
#[inline]
fn defer(task: TaskRef, cx: &Context<'_>) {
    if is_poll_waker_of(cx.waker(), task) {
        // Inside the task's own poll: the core-local list, no lock-free push, no pend.
        task.executor().defer_local(task);
        return;
    }
    defer_elsewhere(task, cx);
}

/// The yield path when `cx`'s waker is not the task's poll waker.
#[inline(never)]
fn defer_elsewhere(task: TaskRef, cx: &Context<'_>) {
    if context::current_task() == Some(task) {
        // This core is polling the task (a combinator substituted the waker): the local path.
        task.executor().defer_local(task);
    } else {
        task.executor().defer(task);
    }
    if task_from_waker(cx.waker()) != Some(task) {
        cx.waker().wake_by_ref();
    }
}

/// Asks to perform one operation: `Ready(guard)` if the current poll has budget left,
/// `Pending` (with the task woken deferred) if it has spent it. See the module docs.
///
/// ```
/// # use core::task::{Context, Poll, ready};
/// # struct Queue; impl Queue { fn try_pop(&self) -> Option<u32> { Some(1) } fn register(&self, _: &Context<'_>) {} }
/// fn poll_recv(queue: &Queue, cx: &mut Context<'_>) -> Poll<u32> {
///     let restore = ready!(executor::poll_proceed(cx));
///     match queue.try_pop() {
///         Some(item) => {
///             restore.made_progress();
///             Poll::Ready(item)
///         }
///         None => {
///             queue.register(cx);
///             Poll::Pending // `restore` is dropped: the unit is refunded
///         }
///     }
/// }
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let Some(task) = current_task(cx) else {
        return Poll::Ready(RestoreOnPending(Cell::new(None)));
    };
    let executor = task.executor();
    let budget = &executor.budget;
    match budget.remaining.load(Ordering::Relaxed) {
        UNCONSTRAINED => Poll::Ready(RestoreOnPending(Cell::new(None))),
        0 => {
            bump(&budget.forced_yields);
            defer(task, cx);
            Poll::Pending
        }
        left => {
            budget.remaining.store(left - 1, Ordering::Relaxed);
            Poll::Ready(RestoreOnPending(Cell::new(Some(executor))))
        }
    }
}

/// The unit of budget a [`poll_proceed`] took; refunded on drop unless
/// [`made_progress`](RestoreOnPending::made_progress) was called.
///
/// Drop it within the poll that created it.
#[must_use = "dropping the guard at once refunds the unit; call made_progress() after the operation"]
#[derive(Debug)]
pub struct RestoreOnPending(Cell<Option<&'static Executor>>);

impl RestoreOnPending {
    /// The operation happened: keep the unit spent.
    pub fn made_progress(&self) {
        self.0.set(None);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(executor) = self.0.get() {
            executor.budget.refund();
        }
    }
}

/// Whether the current poll may still perform an operation (always `true` without a budget, or
/// outside a task of this executor). Unlike Tokio's, it takes the `Context`, whose waker names
/// the task when it is one of ours (the per-core context is the fallback).
pub fn has_budget_remaining(cx: &Context<'_>) -> bool {
    executor_of(cx).is_none_or(|executor| executor.budget.remaining() != Some(0))
}

/// Spends one unit of budget, yielding first if there is none: a yield point for loops that
/// have no leaf future doing it for them.
///
/// ```
/// # async fn f(items: &mut [u64]) {
/// for item in items.iter_mut() {
///     *item = item.wrapping_mul(31);
///     executor::consume_budget().await;
/// }
/// # }
/// ```
pub fn consume_budget() -> ConsumeBudget {
    ConsumeBudget { done: false }
}

/// Future of [`consume_budget`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct ConsumeBudget {
    done: bool,
}

impl Future for ConsumeBudget {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.done {
            let restore = core::task::ready!(poll_proceed(cx));
            restore.made_progress();
            self.done = true;
        }
        Poll::Ready(())
    }
}

/// Polls `future` without a budget: its leaf futures always proceed and never force a yield.
///
/// The budget of the surrounding poll is set aside while `future` is polled and put back after,
/// so what the surrounding code spends is unaffected.
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { inner: future }
}

/// Future of [`unconstrained`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning of the only field: `inner` is never moved out of the
        // pinned `Unconstrained`, which has no Drop impl, and is `Unpin` exactly when `F` is.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        let Some(executor) = executor_of(cx) else {
            return inner.poll(cx);
        };
        // Single writer (this core): a load and a store, no RMW.
        let word = &executor.budget.remaining;
        let _restore = PutBack {
            word,
            value: word.load(Ordering::Relaxed),
        };
        word.store(UNCONSTRAINED, Ordering::Relaxed);
        inner.poll(cx)
    }
}

/// Puts a budget word back when dropped (also if the inner poll panics, on the host).
struct PutBack<'a> {
    word: &'a AtomicU64,
    value: u64,
}

impl Drop for PutBack<'_> {
    fn drop(&mut self) {
        self.word.store(self.value, Ordering::Relaxed);
    }
}

/// Makes `future` spend one unit of budget each time it completes, and yield (before polling
/// it) when the budget is spent: for leaf futures that do not call [`poll_proceed`] themselves.
pub fn cooperative<F: Future>(future: F) -> Cooperative<F> {
    Cooperative { inner: future }
}

/// Future of [`cooperative`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Cooperative<F> {
    inner: F,
}

impl<F: Future> Future for Cooperative<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let restore = core::task::ready!(poll_proceed(cx));
        // SAFETY: structural pinning of the only field, as in `Unconstrained::poll`.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        let output = core::task::ready!(inner.poll(cx));
        restore.made_progress();
        Poll::Ready(output)
    }
}

/// Yields once: the task returns `Pending`, goes to the back of its core's queue (deferred,
/// behind the tasks woken meanwhile and the expired timers) and continues on its next poll.
///
/// It does not touch the budget.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// Future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    /// Inlined into the caller's state machine: the fast path (the poll's own waker) is a few
    /// loads and stores, cheaper than the call it would otherwise cost.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // The fast path first: the poll's own waker names the task being polled.
        if let Some(task) = poll_waker_task(cx.waker()) {
            task.executor().defer_local(task);
        } else {
            yield_through_other_waker(cx);
        }
        Poll::Pending
    }
}

/// [`YieldNow`]'s slow path: a combinator's waker (or no executor at all).
#[inline(never)]
fn yield_through_other_waker(cx: &Context<'_>) {
    match current_task(cx) {
        Some(task) => defer_elsewhere(task, cx),
        None => cx.waker().wake_by_ref(),
    }
}
