//! The user side of the `fwd` path: a call is a future that submits the request into the
//! calling core's submission ring and completes when the kernel side's completion is there.
//! No trap and no device access on the user core: the submission is a cache-line write and
//! one store to the ring's producer line.

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use super::ring;

/// Polls per core that found the submission ring full and made their task wait.
pub static FULL_WAITS: [AtomicU64; crate::MAX_CORES] =
    [const { AtomicU64::new(0) }; crate::MAX_CORES];

/// Calls `nr` with `args` through the submission ring of the core the task runs on.
///
/// Must be awaited in a task of the kernel's executor (the kernel side wakes the task by its
/// task pointer). A full ring makes the task yield and retry, counted in [`FULL_WAITS`].
pub fn call(nr: u64, args: [u64; 6]) -> Forwarded {
    Forwarded {
        nr,
        args,
        state: State::Unsubmitted,
    }
}

enum State {
    Unsubmitted,
    Submitted { core: usize, seq: u64 },
    Done,
}

/// The future of one forwarded call; its output is the call's result word.
pub struct Forwarded {
    nr: u64,
    args: [u64; 6],
    state: State,
}

impl Future for Forwarded {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = self.get_mut();
        match this.state {
            State::Unsubmitted => {
                let task = executor::task_from_waker(cx.waker()).unwrap_or_else(|| {
                    panic!(
                        "a forwarded system call must be awaited in a task of the kernel's executor"
                    )
                });
                let core = crate::arch::cpu::core_id();
                let rings = ring::of(core);
                let Some(seq) = rings.next_free() else {
                    FULL_WAITS[core].fetch_add(1, Ordering::Relaxed);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                };
                rings.submit(seq, this.nr, &this.args, task.as_ptr() as u64);
                this.state = State::Submitted { core, seq };
                Poll::Pending
            }
            State::Submitted { core, seq } => match ring::of(core).take_completion(seq) {
                Some(result) => {
                    this.state = State::Done;
                    Poll::Ready(result)
                }
                None => Poll::Pending,
            },
            State::Done => panic!("a forwarded system call's future was polled after it completed"),
        }
    }
}
