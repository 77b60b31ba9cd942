//! The kernel side of the `fwd` path: runs a batch of one core's submitted requests and writes
//! their completions. Whoever collects (the device, or its software stand-in) calls
//! [`run_batch`] and then wakes the returned tasks, in order.

use core::sync::atomic::Ordering;

use super::ring::{self, CoreRings};
use super::table;

/// Runs up to `max` of `rings`' oldest pending requests (as untrusted input: the call table
/// checks the number and every pointer), writes each completion, and passes each request's
/// task pointer to `wake` after its completion is visible. Returns how many it ran.
pub fn run_batch(rings: &CoreRings, max: u64, mut wake: impl FnMut(u64)) -> u64 {
    // The batch's `nic_send` calls only queue; one doorbell when it ends.
    let _doorbell = super::nic_tx::BatchDoorbell::open();
    let tail = rings.tail.0.load(Ordering::Relaxed);
    let head = rings.head.0.load(Ordering::Acquire);
    let n = (head - tail).min(max);
    for s in tail..tail + n {
        let r = &rings.requests[ring::slot_of(s)];
        let nr = r.nr.load(Ordering::Relaxed);
        let args = r.args.each_ref().map(|a| a.load(Ordering::Relaxed));
        let task = r.task.load(Ordering::Relaxed);
        let result = table::execute(nr, &args);
        let c = &rings.completions[ring::slot_of(s)];
        c.result.store(result, Ordering::Relaxed);
        c.done.store(s + 1, Ordering::Release);
        wake(task);
    }
    rings.tail.0.store(tail + n, Ordering::Release);
    n
}
