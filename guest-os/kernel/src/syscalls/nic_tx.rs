//! The kernel-owned NIC transmit queue that `nic_send` puts completions on: a ring of
//! descriptors in kernel memory.
//!
//! [`send`] is the function a NIC driver keeps: the driver's transmit side consumes the ring
//! ([`take`]). Until a NIC consumes it, a full ring retires its oldest descriptor itself (the
//! consumer a NIC's DMA read would be), counted in [`RETIRED_WITHOUT_NIC`], so that sending
//! never fails for want of a consumer.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

/// Descriptors the ring holds.
pub const SLOTS: usize = 256;

/// One completion to transmit: the request it answers, its work, when it was queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Descriptor {
    pub id: u64,
    pub work: u64,
    pub queued_at: u64,
    pub seq: u64,
}

struct Ring {
    slots: [Descriptor; SLOTS],
    head: u64,
    tail: u64,
}

static RING: Mutex<Ring> = Mutex::new(Ring {
    slots: [Descriptor {
        id: 0,
        work: 0,
        queued_at: 0,
        seq: 0,
    }; SLOTS],
    head: 0,
    tail: 0,
});
/// Descriptors retired by the kernel because the ring was full and no NIC consumed it.
pub static RETIRED_WITHOUT_NIC: AtomicU64 = AtomicU64::new(0);

/// Queues a completion for request `id`; returns its sequence number.
pub fn send(id: u64, work: u64) -> u64 {
    let now = crate::timer::now();
    let mut r = RING.lock();
    if r.head - r.tail == SLOTS as u64 {
        r.tail += 1;
        RETIRED_WITHOUT_NIC.fetch_add(1, Ordering::Relaxed);
    }
    let seq = r.head;
    r.slots[(seq % SLOTS as u64) as usize] = Descriptor {
        id,
        work,
        queued_at: now,
        seq,
    };
    r.head = seq + 1;
    seq
}

/// The NIC's side: takes the oldest queued descriptor.
pub fn take() -> Option<Descriptor> {
    let mut r = RING.lock();
    (r.head != r.tail).then(|| {
        let d = r.slots[(r.tail % SLOTS as u64) as usize];
        r.tail += 1;
        d
    })
}

/// Descriptors queued since boot.
pub fn sent() -> u64 {
    RING.lock().head
}
