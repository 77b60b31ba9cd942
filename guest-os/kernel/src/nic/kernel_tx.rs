//! The kernel's transmit side: moves the completions that the `nic_send` system call put on the
//! kernel-owned TX queue ([`crate::syscalls::nic_tx`]) onto the attached NIC's TX ring, and rings
//! its doorbell once per [`flush`].
//!
//! Who flushes decides how completions are batched: on the `svc` path the call flushes before
//! it returns (one doorbell per call); on the `fwd` path the kernel side flushes once after a
//! batch (one doorbell per batch, see `syscalls::batch`). The device stamps a completion with
//! its doorbell's tick, so a batched completion's latency includes its wait for the batch.

use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use nic_ring::Completion;

use super::Nic;
use crate::syscalls::nic_tx;

/// The NIC the kernel transmits on; null while none is attached.
/// Kernel memory: set through `kernel_call` from user code.
#[unsafe(link_section = ".kernel.bss")]
static ATTACHED: AtomicPtr<Nic> = AtomicPtr::new(core::ptr::null_mut());
/// Flushes that moved at least one completion: the doorbells rung by the kernel.
pub static DOORBELLS: AtomicU64 = AtomicU64::new(0);
/// Completions moved onto the NIC's TX ring.
pub static MOVED: AtomicU64 = AtomicU64::new(0);

/// Makes `nic` the NIC that `nic_send` transmits on (the one the app opened).
/// From user code, a system call (`kernel_call`), made at set-up.
pub fn attach(nic: &'static Nic) {
    attach_ptr(core::ptr::from_ref(nic).cast_mut());
}

/// Detaches the NIC: the queue keeps its old behaviour (a full queue retires its oldest entry).
pub fn detach() {
    attach_ptr(core::ptr::null_mut());
}

fn attach_ptr(nic: *mut Nic) {
    if crate::arch::cpu::on_kernel_stack() {
        ATTACHED.store(nic, Ordering::Release);
    } else {
        use crate::kernel_call::{Op, call_checked};
        call_checked(Op::NicAttach, nic as u64, 0, 0);
    }
}

/// [`attach`]'s kernel side: `nic` is null or a NIC handle in user memory (checked), which
/// holds the user-mapped window and rings it transmits on.
pub fn attach_here(nic: u64) -> Result<(), crate::syscalls::table::Errno> {
    if nic != 0 {
        crate::syscalls::user::check(nic, core::mem::size_of::<Nic>() as u64)?;
    }
    ATTACHED.store(nic as *mut Nic, Ordering::Release);
    Ok(())
}

/// The attached NIC, if any.
pub fn attached() -> Option<&'static Nic> {
    let p = ATTACHED.load(Ordering::Acquire);
    // SAFETY: only `attach` stores a non-null pointer, from a `&'static Nic`.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// Moves every queued completion onto the attached NIC's TX ring with one doorbell; returns how
/// many it moved (0 without a NIC: the queue is left as it is).
pub fn flush() -> u64 {
    let Some(nic) = attached() else {
        return 0;
    };
    let moved = nic.send_all(|| {
        nic_tx::take().map(|d| Completion {
            id: d.id,
            work_cycles: d.work,
        })
    });
    if moved > 0 {
        DOORBELLS.fetch_add(1, Ordering::Relaxed);
        MOVED.fetch_add(moved, Ordering::Relaxed);
    }
    moved
}
