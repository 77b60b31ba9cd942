//! The kernel side of the `fwd` path: runs a batch of one core's submitted requests and writes
//! their completions. Whoever collects (the device, or its software stand-in) calls
//! [`run_batch`] and then wakes the returned tasks, in order.

use core::sync::atomic::Ordering;

use super::ring::{self, CoreRings};
use super::table;

/// Runs up to `max` of `rings`' oldest pending requests (as untrusted input: the call table
/// checks the number and every pointer), writes each completion, and passes each request's
/// task pointer to `wake` after its completion is visible. Returns how many it ran.
///
/// A call is done only once its effects are: the batch's `nic_send` calls only queue and go out
/// with one doorbell when the batch ends, so the completions are published after that doorbell.
/// (Published one by one during the batch, a caller could see its send done before the NIC
/// could see it, and a server could finish, and detach the NIC, ahead of its last answers.)
pub fn run_batch(rings: &CoreRings, max: u64, mut wake: impl FnMut(u64)) -> u64 {
    let tail = rings.tail.0.load(Ordering::Relaxed);
    let head = rings.head.0.load(Ordering::Acquire);
    let n = (head - tail).min(max);
    {
        let _doorbell = super::nic_tx::BatchDoorbell::open();
        for s in tail..tail + n {
            let r = &rings.requests[ring::slot_of(s)];
            let nr = r.nr.load(Ordering::Relaxed);
            let args = r.args.each_ref().map(|a| a.load(Ordering::Relaxed));
            let result = table::execute(nr, &args);
            rings.completions[ring::slot_of(s)]
                .result
                .store(result, Ordering::Relaxed);
        }
    }
    for s in tail..tail + n {
        let task = rings.requests[ring::slot_of(s)]
            .task
            .load(Ordering::Relaxed);
        rings.completions[ring::slot_of(s)]
            .done
            .store(s + 1, Ordering::Release);
        wake(task);
    }
    rings.tail.0.store(tail + n, Ordering::Release);
    n
}
