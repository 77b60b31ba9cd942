//! A per-core run queue: an intrusive, lock-free, multi-producer stack that its one consumer
//! empties in one swap; and `LocalQueue`, the core-local FIFO of tasks that yielded inside
//! their own poll, which needs no atomic RMW at all.
//!
//! # Operations
//!
//! - `push` (any core, any context, including interrupt handlers): link the
//!   task in front of the head and publish it with a `compare_exchange` (a Treiber stack push).
//!   It never blocks and never allocates: the link lives in the task header. An interrupt that
//!   arrives in the middle of a push on the same core can push too; the interrupted push's CAS
//!   then fails and retries. It returns whether the queue was empty, so that the caller pends
//!   the core once per empty → non-empty transition, not once per wake.
//! - `take_all` (the owning core only): swap the head with null, taking
//!   every queued task at once, then reverse the list in place so the batch is in wake order
//!   (FIFO), which embassy does not do.
//!
//! The stack is safe against ABA without tags: there is no single-element pop, and a push's CAS
//! succeeding means that its task's `next` is the current head, whatever happened in between.
//! A task is in at most one queue at a time because only the waker that flips its `RUN_QUEUED`
//! bit 0 → 1 may push it (it holds the `EnqueueToken`); a second push of a queued task would
//! make a cycle.
//!
//! # Why batches are fair
//!
//! The executor polls one batch at a time and takes the next batch only when the current one is
//! done. A task woken while the batch runs (by itself, by another task, by an interrupt) goes
//! onto the now-empty shared stack, not into the batch being walked. So every task that was
//! ready when the batch was taken is polled before any task woken during it, and a task that
//! wakes itself on every poll is polled once per batch: between two of its polls, every other
//! ready task is polled once. That bounds how long a ready task waits (one batch) without any
//! budget; the cooperative budget ([`crate::coop`]) then bounds how long each poll in the batch
//! may take. (The argument is embassy's; the FIFO order within a batch is ours: it keeps the
//! wake order, which matters for tail latency when many tasks are woken at once.)
//!
//! # Ordering
//!
//! The push's `Release` CAS publishes the link it wrote; the take's `Acquire` swap sees every
//! link pushed before it (each later push's CAS is an RMW that continues the release sequence).
//! The consumer reads a task's link before it clears the task's `RUN_QUEUED` bit
//! (`Batch::next` returns a task only after stepping past it), and that clear is `Release`,
//! so the next waker's write to the link cannot race with the read.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::task::{EnqueueToken, TaskHeader, TaskRef};

/// An intrusive MPSC run queue (see the module docs).
pub(crate) struct RunQueue {
    head: AtomicPtr<TaskHeader>,
}

impl RunQueue {
    pub(crate) const fn new() -> Self {
        RunQueue {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Pushes the task; returns `true` if the queue was empty before.
    pub(crate) fn push(&self, token: EnqueueToken) -> bool {
        let task = token.task();
        let header = task.header();
        let new = task.as_ptr().cast_mut().cast::<TaskHeader>();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // We own the link (the token), so nobody else writes it.
            header.run_next.store(head, Ordering::Relaxed);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return head.is_null(),
                Err(current) => head = current,
            }
        }
    }

    /// Takes every queued task, in the order they were pushed. Owning core only.
    ///
    /// An empty queue is seen with a plain load and left alone: an idle step then makes no
    /// exclusive store, which matters because a store-exclusive sets the event register (gem5
    /// models the monitor's clear as an event), so the `WFE` after such a step would return at
    /// once and the core would spin instead of sleeping. A push that races with the load is
    /// taken in the next step; the push pends the core, so that step comes.
    pub(crate) fn take_all(&self) -> Batch {
        if self.is_empty() {
            return Batch {
                head: ptr::null_mut(),
                tail: ptr::null_mut(),
            };
        }
        let mut rest = self.head.swap(ptr::null_mut(), Ordering::Acquire);
        // Reverse the LIFO chain in place. The tasks are still RUN_QUEUED, so their links are
        // ours to rewrite.
        let tail = rest;
        let mut head: *mut TaskHeader = ptr::null_mut();
        while let Some(task) = to_task(rest) {
            let link = &task.header().run_next;
            rest = link.load(Ordering::Relaxed);
            link.store(head, Ordering::Relaxed);
            head = task.as_ptr().cast_mut().cast();
        }
        Batch { head, tail }
    }

    /// Whether the queue is empty right now (a hint: a push may come at any time).
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }

    /// The head's address (0: empty), a hint as for [`is_empty`](Self::is_empty), for a test
    /// of several words at once.
    #[inline(always)]
    pub(crate) fn head_word(&self) -> usize {
        self.head.load(Ordering::Relaxed).addr()
    }
}

fn to_task(ptr: *mut TaskHeader) -> Option<TaskRef> {
    // SAFETY: every non-null pointer in a run queue or batch was pushed from a TaskRef.
    (!ptr.is_null()).then(|| unsafe { TaskRef::from_ptr(ptr.cast_const().cast()) })
}

/// Tasks taken from a run queue, in FIFO order, still marked `RUN_QUEUED`.
///
/// The consumer must call [`run_dequeue`](crate::state::State::run_dequeue) for every task
/// it gets (the executor does, before polling); a batch dropped half-walked would leave its
/// remaining tasks marked queued, and so never woken again.
pub(crate) struct Batch {
    head: *mut TaskHeader,
    tail: *mut TaskHeader,
}

impl Batch {
    /// Appends `other` after the last task of `self`.
    pub(crate) fn append(&mut self, other: Batch) {
        match to_task(self.tail) {
            None => *self = other,
            Some(tail) if !other.head.is_null() => {
                // The tail is still RUN_QUEUED and in our batch: its link is ours.
                tail.header().run_next.store(other.head, Ordering::Relaxed);
                self.tail = other.tail;
            }
            Some(_) => {}
        }
    }
}

impl Iterator for Batch {
    type Item = TaskRef;

    /// The next task. Its link has been read when it is returned, so the caller may clear its
    /// `RUN_QUEUED` bit (after which a waker may reuse the link) right away.
    fn next(&mut self) -> Option<TaskRef> {
        let task = to_task(self.head)?;
        self.head = task.header().run_next.load(Ordering::Relaxed);
        if self.head.is_null() {
            self.tail = ptr::null_mut();
        }
        Some(task)
    }
}

/// The executor's core-local deferred list: tasks that yielded inside their own poll.
///
/// Only the claim winner of a task's `RUN_QUEUED` bit pushes, and only from inside that task's
/// poll (see [`is_poll_waker_of`](crate::waker::is_poll_waker_of)); only the executor takes,
/// between polls. So pushes and takes never overlap, and a FIFO list with plain loads and
/// stores suffices: no compare-and-swap, no swap, no reversal. (The fields are `Relaxed`
/// atomics, which compile to plain accesses, so that the executor stays `Sync`.)
pub(crate) struct LocalQueue {
    head: AtomicPtr<TaskHeader>,
    tail: AtomicPtr<TaskHeader>,
}

impl LocalQueue {
    pub(crate) const fn new() -> Self {
        LocalQueue {
            head: AtomicPtr::new(ptr::null_mut()),
            tail: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The last task on the list, if any (the end of a round of the executor's walk).
    pub(crate) fn last(&self) -> *const () {
        self.tail.load(Ordering::Relaxed).cast_const().cast()
    }

    /// Takes the first task; its `RUN_QUEUED` bit stays set (the caller holds the link, as for
    /// a task of a taken batch). The owning executor only, between polls.
    pub(crate) fn pop(&self) -> Option<TaskRef> {
        let task = to_task(self.head.load(Ordering::Relaxed))?;
        let next = task.header().run_next.load(Ordering::Relaxed);
        self.head.store(next, Ordering::Relaxed);
        if next.is_null() {
            self.tail.store(ptr::null_mut(), Ordering::Relaxed);
        }
        Some(task)
    }

    /// Appends the task. Inside a poll of the owning executor only (see the type's docs).
    pub(crate) fn push(&self, token: EnqueueToken) {
        let task = token.task();
        let new = task.as_ptr().cast_mut().cast::<TaskHeader>();
        task.header()
            .run_next
            .store(ptr::null_mut(), Ordering::Relaxed);
        match to_task(self.tail.load(Ordering::Relaxed)) {
            None => self.head.store(new, Ordering::Relaxed),
            // The tail is RUN_QUEUED and in this list: its link is ours.
            Some(tail) => tail.header().run_next.store(new, Ordering::Relaxed),
        }
        self.tail.store(new, Ordering::Relaxed);
    }

    /// Takes every task, in push order. The owning executor only, between polls.
    pub(crate) fn take_all(&self) -> Batch {
        let head = self.head.load(Ordering::Relaxed);
        if head.is_null() {
            return Batch { head, tail: head };
        }
        let tail = self.tail.load(Ordering::Relaxed);
        self.head.store(ptr::null_mut(), Ordering::Relaxed);
        self.tail.store(ptr::null_mut(), Ordering::Relaxed);
        Batch { head, tail }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }
}
