//! `nic_send`: the kernel-owned NIC transmit queue, a ring of completion descriptors in kernel
//! memory, and the call that fills it from user memory.
//!
//! The call copies `count` [`TxRecord`]s from a user buffer (checked: [`super::user`]) onto the
//! queue. The kernel's NIC driver (`crate::nic::kernel_tx`) consumes the queue onto the NIC's
//! TX ring: at the end of the call on the `svc` path, once per batch on the `fwd` path (the
//! kernel side opens a [`BatchDoorbell`] around a batch, so the calls in it only queue). With no
//! NIC attached (E6's `nic_send` runs) a full queue retires its oldest descriptor itself,
//! counted in [`RETIRED_WITHOUT_NIC`], so that sending never fails for want of a consumer.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use spin::Mutex;

use super::table::Errno;
use super::user::UserRange;

/// Descriptors the queue holds.
pub const SLOTS: usize = 256;
/// Most records one call sends.
pub const MAX_RECORDS: u64 = 16;

/// One completion as user code hands it to `nic_send`: two little-endian words, 8-aligned.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxRecord {
    /// The request it answers.
    pub id: u64,
    /// Cycles spent serving it.
    pub work: u64,
}

/// Bytes of one [`TxRecord`] in user memory.
pub const RECORD_BYTES: u64 = core::mem::size_of::<TxRecord>() as u64;

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

/// Kernel memory: the kernel-owned TX queue, reached only through the system call.
#[unsafe(link_section = ".kernel.data")]
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
/// Descriptors retired by the kernel because the queue was full and no NIC consumed it.
pub static RETIRED_WITHOUT_NIC: AtomicU64 = AtomicU64::new(0);
/// Per core: a batch of the `fwd` path is running here, so `nic_send` only queues.
#[unsafe(link_section = ".kernel.bss")]
static IN_BATCH: [AtomicBool; crate::MAX_CORES] =
    [const { AtomicBool::new(false) }; crate::MAX_CORES];

/// `nic_send(records, count)`: queues the `count` records at user address `records` (1 to
/// [`MAX_RECORDS`]) and returns `count`. A range outside user memory is [`Errno::Fault`]; a
/// count out of range or a misaligned buffer [`Errno::Inval`].
pub fn call(records: u64, count: u64) -> Result<u64, Errno> {
    if count == 0 || count > MAX_RECORDS || !records.is_multiple_of(8) {
        return Err(Errno::Inval);
    }
    let range = super::user::check(records, count * RECORD_BYTES)?;
    for i in 0..count as usize {
        let r = read_record(range, i);
        push(r.id, r.work);
    }
    if !IN_BATCH[crate::arch::cpu::core_id()].load(Ordering::Relaxed) {
        crate::nic::kernel_tx::flush();
    }
    Ok(count)
}

fn read_record(range: UserRange, i: usize) -> TxRecord {
    let p = range.as_ptr().cast::<TxRecord>();
    // SAFETY: `range` was checked to lie in the user region (static memory, mapped for the
    // whole run) and to hold `count` records, `i < count`, and `call` checked the alignment; a
    // volatile read is what the kernel may do with user memory another context could change.
    unsafe { p.add(i).read_volatile() }
}

/// Queues a completion for request `id`; returns its sequence number. A full queue is flushed
/// to the attached NIC, or without one retires its oldest descriptor.
pub fn push(id: u64, work: u64) -> u64 {
    loop {
        let now = crate::timer::now();
        let mut r = RING.lock();
        if r.head - r.tail == SLOTS as u64 {
            if crate::nic::kernel_tx::attached().is_some() {
                drop(r);
                crate::nic::kernel_tx::flush();
                continue;
            }
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
        return seq;
    }
}

/// The NIC driver's side: takes the oldest queued descriptor.
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

/// Held by the kernel side around one batch of the `fwd` path on this core: the batch's
/// `nic_send` calls only queue, and dropping it flushes them to the NIC with one doorbell.
pub struct BatchDoorbell {
    core: usize,
}

impl BatchDoorbell {
    pub fn open() -> BatchDoorbell {
        let core = crate::arch::cpu::core_id();
        IN_BATCH[core].store(true, Ordering::Relaxed);
        BatchDoorbell { core }
    }
}

impl Drop for BatchDoorbell {
    fn drop(&mut self) {
        IN_BATCH[self.core].store(false, Ordering::Relaxed);
        crate::nic::kernel_tx::flush();
    }
}
