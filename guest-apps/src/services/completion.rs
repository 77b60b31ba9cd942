//! How a request's completion reaches the NIC (`complete`): written onto the TX ring by the
//! task itself (`direct`, kernel-bypass style), or handed to the kernel with the `nic_send`
//! system call, trapped (`svc`) or forwarded in batches (`fwd:B`). For the calls the task
//! writes its record into a slot of user memory (`kernel::syscalls::user`), which the kernel
//! checks and copies; the kernel's NIC driver then rings the doorbell, at the end of the call
//! (`svc`) or once per batch (`fwd`).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

use kernel::nic::Nic;

use super::call_gate::CallGate;
use kernel::syscalls::nic_tx::RECORD_BYTES;
use kernel::syscalls::{self, Call, Errno, forwarder, fwd, svc_path};
use nic_ring::Completion;
use runconfig::services::{
    COMPLETE_DIRECT, COMPLETE_FWD, COMPLETE_SVC, FWD_SIDE_KERNEL_CORE, FWD_SIDE_SAME_CORE,
    MAX_FWD_BATCH,
};

/// The run's completion mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Direct,
    Svc,
    Fwd { batch: u64, side: Side },
}

/// Who collects the forwarded calls (the fwd path's run parameter; the SyscallFwd device is
/// the third choice once its driver exists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The software collector on a kernel core of its own (the run's last core).
    KernelCore,
    /// The worker core at its idle point.
    SameCore,
}

impl Mode {
    /// The mode of `complete`, `fwd_batch` and `fwd_side`; panics with the valid values.
    pub fn of(complete: u64, batch: u64, side: u64) -> Mode {
        match complete {
            COMPLETE_DIRECT => Mode::Direct,
            COMPLETE_SVC => Mode::Svc,
            COMPLETE_FWD => {
                assert!(
                    (1..=MAX_FWD_BATCH).contains(&batch),
                    "fwd_batch = {batch} is out of range: give 1..={MAX_FWD_BATCH}"
                );
                let side = match side {
                    FWD_SIDE_KERNEL_CORE => Side::KernelCore,
                    FWD_SIDE_SAME_CORE => Side::SameCore,
                    s => panic!("fwd_side = {s} is unknown: give 0 (kernel core) or 1 (same core)"),
                };
                Mode::Fwd { batch, side }
            }
            c => panic!("complete = {c} is unknown: give 0 (direct), 1 (svc) or 2 (fwd)"),
        }
    }

    /// The forwarded mode's kernel core, if the run has one: the last core.
    pub fn kernel_core(self, cores: usize) -> Option<usize> {
        matches!(
            self,
            Mode::Fwd {
                side: Side::KernelCore,
                ..
            }
        )
        .then(|| cores - 1)
    }
}

/// Record slots in user memory: one per request in flight at most.
const SLOTS: usize = super::dispatch::MAX_IN_FLIGHT as usize;

/// The completion path of a run: the mode and, for the calls, the record slots.
pub struct Completer {
    pub mode: Mode,
    /// The free record slots, each [`RECORD_BYTES`] of user memory (a task owns a slot from
    /// writing its record until its call returned).
    free: spin::Mutex<Vec<&'static mut [u8]>>,
    /// At most a submission ring's worth of forwarded calls at a time.
    pub gate: CallGate,
}

/// Set when the run is over: the kernel core's collector stops.
pub static COLLECTOR_STOP: AtomicBool = AtomicBool::new(false);

impl Completer {
    /// Sets up `mode` on the worker core (the calling core); [`Completer::attach`] names the
    /// NIC once it is opened.
    pub fn new(mode: Mode) -> Completer {
        let free: Vec<&'static mut [u8]> = if mode == Mode::Direct {
            Vec::new()
        } else {
            syscalls::user::alloc_buffer(SLOTS * RECORD_BYTES as usize)
                .expect("the user region has room for the service's completion records")
                .chunks_exact_mut(RECORD_BYTES as usize)
                .collect()
        };
        if let Mode::Fwd {
            batch,
            side: Side::SameCore,
        } = mode
        {
            forwarder::install_same_core(kernel::arch::cpu::core_id(), batch);
        }
        Completer {
            mode,
            free: spin::Mutex::new(free),
            gate: CallGate::new(syscalls::ring::SLOTS as u64),
        }
    }

    /// Makes `nic` the NIC the kernel transmits the calls' completions on.
    pub fn attach(&self, nic: &'static Nic) {
        if self.mode != Mode::Direct {
            kernel::nic::kernel_tx::attach(nic);
        }
    }

    /// Whether a completion waits for a batch (so a caller that must not wait spawns it).
    pub fn is_forwarded(&self) -> bool {
        matches!(self.mode, Mode::Fwd { .. })
    }

    /// Sends the completion of request `id` by the run's mode.
    pub async fn send(&self, nic: &Nic, id: u64, work_cycles: u64) {
        let call = match self.mode {
            Mode::Direct => {
                nic.send(Completion { id, work_cycles });
                return;
            }
            Mode::Svc => false,
            Mode::Fwd { .. } => true,
        };
        let slot = self
            .free
            .lock()
            .pop()
            .expect("a record slot per request in flight (MAX_IN_FLIGHT)");
        slot[..8].copy_from_slice(&id.to_le_bytes());
        slot[8..].copy_from_slice(&work_cycles.to_le_bytes());
        let args = [slot.as_ptr() as u64, 1, 0, 0, 0, 0];
        let nr = Call::NicSend as u64;
        let r = if call {
            self.gate.enter().await;
            let r = fwd::call(nr, args).await;
            self.gate.leave();
            r
        } else {
            svc_path::call(nr, args)
        };
        self.free.lock().push(slot);
        if let Some(e) = Errno::from_result(r) {
            panic!("nic_send of request {id} failed with {e:?} ({r:#x})");
        }
    }

    /// Undoes the set-up on the worker core and stops a kernel core's collector.
    pub fn teardown(&self) {
        if matches!(
            self.mode,
            Mode::Fwd {
                side: Side::SameCore,
                ..
            }
        ) {
            kernel::runtime::set_idle(kernel::arch::cpu::core_id(), kernel::arch::cpu::wfe);
        }
        COLLECTOR_STOP.store(true, Relaxed);
        kernel::nic::kernel_tx::detach();
    }
}

/// The kernel core of a forwarded run: collects the worker core's (core 0's) calls until the
/// run ends.
pub fn serve_kernel_core(batch: u64, timeout_ticks: u64) {
    forwarder::serve_dedicated(
        0..1,
        forwarder::Policy {
            batch,
            timeout_ticks,
        },
        &COLLECTOR_STOP,
    );
}
