//! Driver of the CoroSched device (docs/coro-sched-device.md; register offsets from the
//! generated `coro-sched-regs` crate, the single register map).
//!
//! Every register is one aligned 64-bit access, made with `arch::mmio` (one `ldr`/`str`) rather
//! than through safe-mmio: the device is shared by every core and by interrupt handlers, and
//! several reads have side effects (`POP`, the W1C status), which safe-mmio only allows through
//! a unique pointer.

use crate::arch::mmio;
use coro_sched_regs::{
    DEVICE_ID, DEVICE_VERSION, err_bit, error_code, generator, global, percore, source,
};

/// The device, once found (see [`init`]).
static DEVICE: spin::Once<CoroSched> = spin::Once::new();

/// A CoroSched device at a physical (= virtual, identity-mapped) address.
#[derive(Debug)]
pub struct CoroSched {
    base: usize,
    num_cores: usize,
    queue_depth: usize,
}

/// Core 0 at boot: look for the device at `base` (0: this machine has none, e.g. QEMU).
/// A wrong ID at a non-zero base is a configuration error, so it panics with what to fix.
pub fn init(base: u64) {
    if base == 0 {
        return;
    }
    let dev = CoroSched {
        base: base as usize,
        num_cores: 0,
        queue_depth: 0,
    };
    let id = dev.read(global::ID);
    assert!(
        id == DEVICE_ID,
        "no CoroSched device at {base:#x} (ID register reads {id:#x}): is this gem5 built with \
         the project's gem5-devices/ as EXTRAS, and does the config place the device there?"
    );
    let version = dev.read(global::VERSION);
    assert!(
        version == DEVICE_VERSION,
        "CoroSched register map version {version}, the guest was built for {DEVICE_VERSION}: \
         rebuild gem5 with this tree's gem5-devices/"
    );
    let num_cores = dev.read(global::NUM_CORES) as usize;
    let queue_depth = dev.read(global::QUEUE_DEPTH) as usize;
    DEVICE.call_once(|| CoroSched {
        base: base as usize,
        num_cores,
        queue_depth,
    });
}

/// The device, if this machine has one.
pub fn device() -> Option<&'static CoroSched> {
    DEVICE.get()
}

impl CoroSched {
    #[inline(always)]
    fn read(&self, offset: usize) -> u64 {
        // SAFETY: `base` is the device's MMIO window (checked by ID in `init`), mapped as
        // Device memory; `offset` comes from the register map and is 8-byte aligned.
        unsafe { mmio::read64(self.base + offset) }
    }

    #[inline(always)]
    fn write(&self, offset: usize, value: u64) {
        // SAFETY: as in `read`.
        unsafe { mmio::write64(self.base + offset, value) };
    }

    pub fn num_cores(&self) -> usize {
        self.num_cores
    }

    pub fn queue_depth(&self) -> usize {
        self.queue_depth
    }

    /// Selects the wake path (`coro_sched_regs::wake_mode`).
    pub fn set_wake_mode(&self, mode: u64) {
        self.write(global::WAKE_MODE, mode);
    }

    /// Whether the device signals a core's event input after queueing a task for it.
    pub fn set_event_wire(&self, on: bool) {
        self.write(global::CTRL, if on { global::CTRL_EVENT_WIRE } else { 0 });
    }

    /// Sticky error bits; see [`check_errors`](Self::check_errors).
    pub fn errors(&self) -> u64 {
        self.read(global::ERR_STATUS)
    }

    pub fn clear_errors(&self) {
        self.write(global::ERR_STATUS, u64::MAX);
    }

    /// Panics with the names of any error bits the device has set (a guest bug: a bad pointer,
    /// a bad index or value).
    pub fn check_errors(&self, context: &str) {
        let bits = self.errors();
        if bits == 0 {
            return;
        }
        let addr = self.read(global::ERR_ADDR);
        for code in 0..64 {
            if bits & err_bit(code) != 0 {
                panic!(
                    "CoroSched error {} (bits {bits:#x}, register offset {addr:#x}) {context}",
                    error_code::name(code).unwrap_or("?")
                );
            }
        }
    }

    /// Events waiting for software (irq, poll and fallback paths), one bit per source.
    #[inline(always)]
    pub fn pending(&self) -> u64 {
        self.read(global::EVT_PENDING)
    }

    /// Acknowledges pending events (write 1 to clear).
    #[inline(always)]
    pub fn acknowledge(&self, bits: u64) {
        self.write(global::EVT_PENDING, bits);
    }

    /// Events that fell back to the interrupt because a queue or ring was full.
    pub fn fallbacks(&self) -> u64 {
        self.read(global::FALLBACKS)
    }

    /// Fires `source` now, as if its interrupt line rose.
    pub fn trigger(&self, source: usize) {
        self.write(global::EVT_TRIGGER, source as u64);
    }

    /// Sends wakes of `source` to `core`'s queue or ring.
    pub fn route(&self, source: usize, core: usize) {
        self.write(source::src_core(source), core as u64);
    }

    /// Arms `source` with a task pointer (one-shot, like a waker).
    #[inline(always)]
    pub fn bind(&self, source: usize, task: *const ()) {
        self.write(source::src_task(source), task as u64);
    }

    pub fn unbind(&self, source: usize) {
        self.write(global::UNBIND, source as u64);
    }

    /// Makes `source`'s binding multi-shot (`on`: it stays armed across events until
    /// [`unbind`](Self::unbind)) or one-shot. A read-modify-write of the global `MULTISHOT`
    /// mask: call it when a stream is set up, not concurrently from several cores.
    pub fn set_multishot(&self, source: usize, on: bool) {
        let mask = self.read(global::MULTISHOT);
        let bit = 1u64 << source;
        self.write(global::MULTISHOT, if on { mask | bit } else { mask & !bit });
    }

    /// Gives `core`'s hardware ready queue a non-empty flag line at physical address `line`
    /// (64-byte aligned, cacheable; 0: none). The device writes 1 there when a push makes the
    /// queue non-empty and 0 when a pop empties it.
    pub fn set_hwq_flag(&self, core: usize, line: usize) {
        self.write(percore::hwq_flag_addr(core), line as u64);
    }

    /// Pops `core`'s hardware ready queue: a task pointer, or null when it is empty.
    #[inline(always)]
    pub fn pop(&self, core: usize) -> *const () {
        self.read(percore::pop(core)) as *const ()
    }

    /// The woken task of `source` runs again on `core` (the device records the latency).
    #[inline(always)]
    pub fn resume(&self, core: usize, source: usize) {
        self.write(percore::resume(core), source as u64);
    }

    /// Gives `core` a ready ring of `size` slots (a power of two) at physical address `base`.
    pub fn set_ring(&self, core: usize, base: usize, size: usize) {
        self.write(percore::ring_base(core), base as u64);
        self.write(percore::ring_size(core), size as u64);
    }

    /// Tells the device how far `core` has consumed its ring.
    #[inline(always)]
    pub fn set_ring_consumed(&self, core: usize, cons: u64) {
        self.write(percore::ring_cons(core), cons);
    }

    /// Starts the event generator on `source`: `mode` from `coro_sched_regs::gen_mode`,
    /// intervals in CPU cycles, `limit` events (0 = no limit).
    pub fn start_generator(
        &self,
        source: usize,
        mode: u64,
        interval: u64,
        interval_max: u64,
        seed: u64,
        limit: u64,
    ) {
        self.write(generator::GEN_CTRL, 0);
        self.write(generator::GEN_SOURCE, source as u64);
        self.write(generator::GEN_MODE, mode);
        self.write(generator::GEN_INTERVAL, interval);
        self.write(generator::GEN_INTERVAL_MAX, interval_max);
        self.write(generator::GEN_SEED, seed);
        self.write(generator::GEN_LIMIT, limit);
        self.write(generator::GEN_CTRL, generator::GEN_CTRL_ENABLE);
    }

    pub fn stop_generator(&self) {
        self.write(generator::GEN_CTRL, 0);
    }

    /// Events the generator fired since it started.
    pub fn generator_fired(&self) -> u64 {
        self.read(generator::GEN_FIRED)
    }

    /// Sets `core`'s quantum to `cycles` (0: timer off); clears its yield request and starts a
    /// quantum now.
    pub fn set_quantum(&self, core: usize, cycles: u64) {
        self.write(percore::quantum(core), cycles);
    }

    /// Clears `core`'s yield request and starts a new quantum now (a task starts running).
    #[inline(always)]
    pub fn restart_quantum(&self, core: usize) {
        self.write(percore::r#yield(core), 1);
    }

    /// Whether `core`'s quantum expired (an MMIO read; the yield flag is the cheap check).
    pub fn yield_requested(&self, core: usize) -> bool {
        self.read(percore::r#yield(core)) & 1 != 0
    }

    /// Makes the device also DMA-write 1 to the 8-byte flag at physical address `addr` when
    /// `core`'s quantum expires (0: no flag).
    pub fn set_yield_addr(&self, core: usize, addr: usize) {
        self.write(percore::yield_addr(core), addr as u64);
    }
}
