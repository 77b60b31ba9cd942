//! A counting gate for the forwarded calls: at most `limit` of a core's tasks have a call in
//! the submission ring; the others wait (Pending, woken in FIFO order as calls finish) instead
//! of retrying against a full ring. Retrying keeps the executor busy, and the same-core
//! collector runs only when the executor is idle, so without the gate more callers than ring
//! slots could keep the ring full forever.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Poll, Waker};

pub struct CallGate {
    inner: spin::Mutex<Inner>,
    /// Calls that had to wait at the gate.
    pub waits: AtomicU64,
}

struct Inner {
    free: u64,
    /// Waiting callers: the flag the releaser sets when it hands over its place, and the
    /// caller's waker.
    waiting: VecDeque<(Arc<AtomicBool>, Waker)>,
}

impl CallGate {
    pub fn new(limit: u64) -> CallGate {
        CallGate {
            inner: spin::Mutex::new(Inner {
                free: limit,
                waiting: VecDeque::new(),
            }),
            waits: AtomicU64::new(0),
        }
    }

    /// Waits for a place; the caller must [`leave`](Self::leave) once its call is done.
    pub async fn enter(&self) {
        let mut granted: Option<Arc<AtomicBool>> = None;
        poll_fn(|cx| {
            if let Some(g) = &granted {
                // Handed over by `leave`; otherwise a spurious poll (the waker queued is this
                // task's, so the hand-over still wakes it).
                return if g.load(Ordering::Acquire) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                };
            }
            let mut inner = self.inner.lock();
            if inner.free > 0 {
                inner.free -= 1;
                return Poll::Ready(());
            }
            let g = Arc::new(AtomicBool::new(false));
            inner.waiting.push_back((g.clone(), cx.waker().clone()));
            granted = Some(g);
            self.waits.fetch_add(1, Ordering::Relaxed);
            Poll::Pending
        })
        .await
    }

    /// Gives the place to the oldest waiting caller, or back to the gate.
    pub fn leave(&self) {
        let mut inner = self.inner.lock();
        match inner.waiting.pop_front() {
            Some((granted, waker)) => {
                drop(inner);
                granted.store(true, Ordering::Release);
                waker.wake();
            }
            None => inner.free += 1,
        }
    }
}
