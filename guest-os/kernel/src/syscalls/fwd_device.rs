//! Driver of the SyscallFwd device (gem5-devices/syscall_fwd/, docs/syscall-forwarding.md):
//! the hardware collector of the `fwd` path.
//!
//! The device DMA-reads each served user core's producer line every `POLL_PERIOD`, hands up
//! to B pending requests (or what the timeout leaves) to the kernel side in its `BATCH_*`
//! registers, and signals the kernel core's event input (`KERNEL_CORE`): the kernel side
//! waits in WFE, so a hand-over costs it no interrupt entry, only the register reads. The
//! kernel side runs the batch ([`batch::run_batch`], which writes the completions) and writes
//! `BATCH_DONE`; the device then wakes each task in request order by pushing its task pointer
//! into CoroSched's hwq or ready ring for the user core, whose executor takes it from its
//! ready source (`crate::wake::setup`), as any device wake. The kernel never calls
//! `wake_task_ptr` with a pointer read from user memory on this path.
//!
//! Where the kernel side runs, as with the software collector: [`SyscallFwd::serve_dedicated`]
//! on a kernel core of its own, or [`install_same_core`] at the user core's idle point.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{batch, forwarder, ring};
use crate::arch::{cpu, mmio};
use crate::kernel_call::Op;

/// MMIO base of the device (configs/baremetal.py's `SYSCALL_FWD_BASE`; the regmap tests hold
/// the two equal).
pub const BASE: usize = 0x2D02_0000;

/// Register offsets (gem5-devices/syscall_fwd/regmap.toml; the regmap tests check each one
/// against it).
pub mod reg {
    pub const ID: usize = 0x00;
    pub const VERSION: usize = 0x08;
    pub const CTRL: usize = 0x18;
    pub const BATCH: usize = 0x20;
    pub const TIMEOUT: usize = 0x28;
    pub const POLL_PERIOD: usize = 0x30;
    pub const ERR_STATUS: usize = 0x38;
    pub const BATCH_CORE: usize = 0x40;
    pub const BATCH_START: usize = 0x48;
    pub const BATCH_COUNT: usize = 0x50;
    pub const BATCH_DONE: usize = 0x58;
    pub const KERNEL_CORE: usize = 0x88;
    pub const WAKE_STALLS: usize = 0x90;
    pub const CORE_BASE: usize = 0x100;
    pub const CORE_STRIDE: usize = 0x40;
    pub const RING_BASE: usize = 0x00;
    pub const WAKE_PATH: usize = 0x08;
}

/// `ID`: ASCII "SYSCFWD1" as a little-endian u64.
pub const DEVICE_ID: u64 = u64::from_le_bytes(*b"SYSCFWD1");
/// The register map's version this driver was written for.
pub const DEVICE_VERSION: u64 = 1;
const CTRL_ENABLE: u64 = 1;

/// How the device wakes a user core's tasks (the register map's `WakePath`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeVia {
    /// CoroSched's hardware ready queue.
    Hwq = 0,
    /// CoroSched's ready ring in DRAM.
    Ring = 1,
}

/// What the device is programmed with for one run.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// The core whose submission ring the device serves.
    pub user_core: usize,
    /// The core whose event input the device signals on a hand-over.
    pub kernel_core: usize,
    /// B.
    pub batch: u64,
    /// Simulator ticks (ps) a pending request waits for a full batch.
    pub timeout_ps: u64,
    /// Simulator ticks (ps) between two polls of the producer lines.
    pub poll_ps: u64,
    pub wake: WakeVia,
}

impl Setup {
    /// The words the start call passes (`kernel_call::Op::FwdStart`).
    pub fn to_words(self) -> [u64; 6] {
        [
            self.user_core as u64,
            self.kernel_core as u64,
            self.batch,
            self.timeout_ps,
            self.poll_ps,
            self.wake as u64,
        ]
    }

    /// Back from [`Setup::to_words`]; `None` for an unknown wake path.
    pub fn from_words(w: [u64; 6]) -> Option<Setup> {
        let wake = match w[5] {
            0 => WakeVia::Hwq,
            1 => WakeVia::Ring,
            _ => return None,
        };
        Some(Setup {
            user_core: w[0] as usize,
            kernel_core: w[1] as usize,
            batch: w[2],
            timeout_ps: w[3],
            poll_ps: w[4],
            wake,
        })
    }
}

/// The device at [`BASE`].
pub struct SyscallFwd {
    base: usize,
    /// B as programmed: a batch with fewer requests was started by the timeout.
    batch: AtomicU64,
}

static DEVICE: spin::Once<SyscallFwd> = spin::Once::new();

/// User code's handle: its registers are not mapped to EL0, so every method of this handle is
/// a system call (`kernel_call`) that the kernel runs on [`device_here`].
static USER_HANDLE: SyscallFwd = SyscallFwd {
    base: 0,
    batch: AtomicU64::new(1),
};

/// The device, found at [`BASE`] and checked by its ID (by the kernel, at its first use).
/// Only call this on gem5 with the devices: the caller checks that CoroSched is there (a
/// machine without SyscallFwd has nothing at [`BASE`], and gem5 stops at the access).
pub fn device() -> &'static SyscallFwd {
    if !cpu::on_kernel_stack() {
        return &USER_HANDLE;
    }
    device_here()
}

/// [`device`]'s kernel side.
pub fn device_here() -> &'static SyscallFwd {
    DEVICE.call_once(|| {
        let dev = SyscallFwd {
            base: BASE,
            batch: AtomicU64::new(1),
        };
        let id = dev.read(reg::ID);
        assert!(
            id == DEVICE_ID,
            "no SyscallFwd device at {BASE:#x} (ID register reads {id:#x}): run gem5 with \
             configs/baremetal.py --syscall-fwd and a gem5 built with this tree's gem5-devices/"
        );
        let version = dev.read(reg::VERSION);
        assert!(
            version == DEVICE_VERSION,
            "SyscallFwd register map version {version}, the guest was built for \
             {DEVICE_VERSION}: rebuild gem5 with this tree's gem5-devices/"
        );
        dev
    })
}

impl SyscallFwd {
    #[inline(always)]
    fn read(&self, offset: usize) -> u64 {
        // SAFETY: `base` is the device's MMIO window (checked by ID in `device`), mapped as
        // Device memory; `offset` is one of the register map's 8-byte aligned registers.
        unsafe { mmio::read64(self.base + offset) }
    }

    #[inline(always)]
    fn write(&self, offset: usize, value: u64) {
        // SAFETY: as in `read`.
        unsafe { mmio::write64(self.base + offset, value) };
    }

    fn core_reg(core: usize, offset: usize) -> usize {
        reg::CORE_BASE + core * reg::CORE_STRIDE + offset
    }

    /// The user handle (no registers: each call goes to the kernel).
    fn is_user(&self) -> bool {
        self.base == 0
    }

    /// Programs the device for `s` and enables it; panics if the device refused a value.
    pub fn start(&self, s: Setup) {
        if self.is_user() {
            let words = s.to_words();
            let r = kcall(Op::FwdStart, words.as_ptr() as u64);
            assert!(
                r == 0,
                "the kernel refused SyscallFwd's set-up {s:?}: {r:#x}"
            );
            return;
        }
        self.start_here(s)
    }

    /// [`SyscallFwd::start`]'s kernel side.
    pub fn start_here(&self, s: Setup) {
        self.write(reg::CTRL, 0);
        self.write(reg::ERR_STATUS, u64::MAX);
        let rings = ring::of(s.user_core) as *const ring::CoreRings as u64;
        self.write(Self::core_reg(s.user_core, reg::RING_BASE), rings);
        self.write(Self::core_reg(s.user_core, reg::WAKE_PATH), s.wake as u64);
        self.write(reg::BATCH, s.batch);
        self.write(reg::TIMEOUT, s.timeout_ps);
        self.write(reg::POLL_PERIOD, s.poll_ps.max(1));
        self.write(reg::KERNEL_CORE, s.kernel_core as u64);
        self.batch.store(s.batch, Ordering::Relaxed);
        self.check_errors("programming it");
        self.write(reg::CTRL, CTRL_ENABLE);
    }

    /// Stops polling and stops serving the user core's ring.
    pub fn stop(&self, user_core: usize) {
        if self.is_user() {
            kcall(Op::FwdStop, user_core as u64);
            return;
        }
        self.stop_here(user_core)
    }

    /// [`SyscallFwd::stop`]'s kernel side.
    pub fn stop_here(&self, user_core: usize) {
        self.write(reg::CTRL, 0);
        self.write(Self::core_reg(user_core, reg::RING_BASE), 0);
    }

    /// Panics, naming the bits, if the device raised an error.
    pub fn check_errors(&self, when: &str) {
        let err = if self.is_user() {
            kcall(Op::FwdErrors, 0)
        } else {
            self.err_status_here()
        };
        assert!(
            err == 0,
            "SyscallFwd raised ERR_STATUS {err:#x} while {when} (bit 0 BAD_VALUE, 1 \
             UNEXPECTED_DONE, 2 RING_OVERRUN: gem5-devices/syscall_fwd/regmap.toml)"
        );
    }

    /// Wakes the device could not hand to CoroSched at once (a full queue or ring), retried.
    pub fn wake_stalls(&self) -> u64 {
        if self.is_user() {
            return kcall(Op::FwdWakeStalls, 0);
        }
        self.wake_stalls_here()
    }

    /// `ERR_STATUS` (kernel side).
    pub fn err_status_here(&self) -> u64 {
        self.read(reg::ERR_STATUS)
    }

    /// [`SyscallFwd::wake_stalls`]'s kernel side.
    pub fn wake_stalls_here(&self) -> u64 {
        self.read(reg::WAKE_STALLS)
    }

    /// Runs the batch the device handed over, if there is one, and reports it done; returns
    /// how many calls it ran. The cycles, batches and calls go to `forwarder::STATS` of the
    /// user core, as the software collector's do.
    pub fn serve_one(&self) -> u64 {
        if self.is_user() {
            return kcall(Op::FwdServeOne, 0);
        }
        self.serve_one_here()
    }

    /// [`SyscallFwd::serve_one`]'s kernel side.
    pub fn serve_one_here(&self) -> u64 {
        let t0 = crate::cycles();
        let n = self.read(reg::BATCH_COUNT);
        if n == 0 {
            return 0;
        }
        let core = self.read(reg::BATCH_CORE) as usize;
        let start = self.read(reg::BATCH_START);
        let rings = ring::of(core);
        let tail = rings.tail.0.load(Ordering::Relaxed);
        assert!(
            start == tail,
            "SyscallFwd handed over core {core}'s requests from {start}, but the kernel side \
             has run them up to {tail}: device and kernel disagree on the ring"
        );
        // The device wakes the tasks (through CoroSched) once BATCH_DONE reports their
        // completions written; the kernel side wakes nobody itself. BATCH_DONE may be written
        // after each request (the device wakes each task as soon as its completion is there),
        // but that was measured to save the user core nothing in E6 (fwd:16 on o3: 347.9
        // against 347.2 cycles per call, null) and to cost the kernel side a device store
        // per call (129 against 47 cycles per call), so the kernel side reports the whole
        // batch once.
        let ran = batch::run_batch(rings, n, |_task| {});
        assert!(
            ran == n,
            "SyscallFwd handed over {n} requests of core {core} but only {ran} were published"
        );
        // The completions (normal memory) must be visible before the device sees this
        // Device-memory store and wakes the tasks: order the stores for every observer.
        // SAFETY: a barrier; no memory is accessed.
        unsafe { core::arch::asm!("dmb oshst", options(nostack, preserves_flags)) };
        self.write(reg::BATCH_DONE, n);
        let s = &forwarder::STATS[core];
        s.cycles.fetch_add(crate::cycles() - t0, Ordering::Relaxed);
        s.batches.fetch_add(1, Ordering::Relaxed);
        s.calls.fetch_add(n, Ordering::Relaxed);
        if n < self.batch.load(Ordering::Relaxed) {
            s.timeout_batches.fetch_add(1, Ordering::Relaxed);
        }
        n
    }

    /// A kernel core of its own: waits in WFE for the device's signal, serves each batch,
    /// until `stop` is set (whoever sets it sends an SEV).
    /// From user code, one system call that runs the loop in the kernel.
    pub fn serve_dedicated(&self, stop: &AtomicBool) {
        if self.is_user() {
            let r = kcall(Op::FwdServeDedicated, stop as *const AtomicBool as u64);
            assert!(r == 0, "the kernel refused to serve SyscallFwd: {r:#x}");
            return;
        }
        self.serve_dedicated_here(stop)
    }

    /// [`SyscallFwd::serve_dedicated`]'s kernel side.
    pub fn serve_dedicated_here(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::Acquire) {
            if self.serve_one_here() == 0 {
                cpu::wfe();
            }
        }
    }
}

/// Makes `core` (the calling core, also the user core) run the device's batches at its idle
/// point: the device signals it (`KERNEL_CORE` = `core`) and its idle WFE ends;
/// `crate::runtime::set_idle(core, cpu::wfe)` undoes it.
pub fn install_same_core(core: usize) {
    crate::runtime::set_idle(core, same_core_idle);
}

/// The idle point: from user code a system call per idle wake-up, which serves the batch the
/// device handed over, if any; then WFE at the caller's level when there was none.
fn same_core_idle() {
    if device().serve_one() == 0 {
        cpu::wfe();
    }
}

/// A call on the device to the kernel (`kernel_call`); the result word.
fn kcall(op: Op, arg: u64) -> u64 {
    crate::kernel_call::call(op, arg, 0, 0)
}
