// Generated from gem5-devices/coro_sched/regmap.toml by the coro-sched-regmap crate. Do not edit:
// change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.

//! Register map of the CoroSched device (gem5 `CoroSched` SimObject): byte offsets from
//! the device's MMIO base, field masks, enum values and error codes.
//!
//! Coroutine scheduling and wake device. It owns a binding table (event source → task pointer,
//! one-shot), one hardware ready queue per core, an optional ready ring per core in guest DRAM, a
//! per-core quantum timer with a yield-request flag, and an event generator for experiments. It
//! measures event→resume latency itself: the resumed task writes RESUME.
//!
//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or
//! store (`read_volatile`/`write_volatile` of a `u64`). Any other size, an unknown offset, a
//! read of a write-only or a write of a read-only register stops the simulation with a panic
//! naming the register. The programming model is in `docs/coro-sched-device.md`.
#![no_std]

/// Value of [`global::ID`].
pub const DEVICE_ID: u64 = 0x444843534f524f43;
/// Value of [`global::VERSION`] this crate describes.
pub const DEVICE_VERSION: u64 = 1;
/// Size of the MMIO window in bytes.
pub const WINDOW_SIZE: usize = 0x10000;
/// Number of event sources (binding-table slots).
pub const NUM_SOURCES: usize = 64;
/// Largest number of per-core banks.
pub const MAX_CORES: usize = 32;
/// Task pointers written to `SRC_TASK` must be multiples of this.
pub const TASK_ALIGN: u64 = 8;
/// Bytes per ready-ring slot (one cache line; the task pointer is its first 8 bytes).
pub const RING_SLOT: usize = 64;

/// Global control.
///
/// Constants are absolute offsets from the device base.
pub mod global {
    /// Offset of the first instance.
    pub const BASE: usize = 0x0;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x100;
    /// Instances the map has room for.
    pub const COUNT: usize = 1;

    /// RO 64-bit, reset 0x44484353_4f524f43. Identification: ASCII "COROSCHD" as a little-endian
    /// u64. Check it before anything else.
    pub const ID: usize = 0x0;

    /// RO 64-bit, reset 1. Register-map version (`device.version`); bumped on any incompatible
    /// change.
    pub const VERSION: usize = 0x8;

    /// RO 64-bit, reset param. Number of per-core banks (SimObject parameter `num_cores`).
    pub const NUM_CORES: usize = 0x10;

    /// RO 64-bit, reset param. Capacity of each per-core hardware ready queue (parameter
    /// `queue_depth`).
    pub const QUEUE_DEPTH: usize = 0x18;

    /// RO 64-bit, reset 64. Number of event sources (binding-table slots).
    pub const NUM_SOURCES: usize = 0x20;

    /// RW 64-bit, reset 0. How an event wakes its task (see WakeMode). Takes effect for the next
    /// event; entries already queued stay where they are. An unknown value sets BAD_VALUE and is
    /// ignored.
    ///
    /// Values: [`crate::wake_mode`].
    pub const WAKE_MODE: usize = 0x28;

    /// RW 64-bit, reset 0. Control bits.
    pub const CTRL: usize = 0x30;
    /// Field of `CTRL`: After a hwq push or a completed ring write, signal the target core's event
    /// input (as SEV does, for that core only), so that a core waiting in WFE wakes without an
    /// interrupt.
    pub const CTRL_EVENT_WIRE: u64 = 0x1;
    /// Field of `CTRL`: Make the device's DMA writes (ring entries, yield flag) Secure accesses.
    /// Set it when the guest runs in Secure state (e.g. at EL3, or Secure EL1): gem5's caches tag
    /// lines with the security state, so a Non-secure DMA write neither updates nor invalidates a
    /// line the guest cached as Secure (its ring would look empty and an exclusive monitor on it
    /// would never clear).
    pub const CTRL_DMA_SECURE: u64 = 0x2;

    /// W1C 64-bit, reset 0. Sticky error bits, bit n = error code n (see ErrorCode). Write 1s to
    /// clear. The guest checks it after binding (or in self-tests after every step).
    pub const ERR_STATUS: usize = 0x38;

    /// RO 64-bit, reset 0. Device offset of the access that set the first error since ERR_STATUS
    /// was last 0 (for an error found when an event fires, the SRC_TASK offset of its source).
    pub const ERR_ADDR: usize = 0x40;

    /// W1C 64-bit, reset 0. Bit s: an event of source s waits for software (irq and poll paths, and
    /// hwq/ring fallbacks). The SPI is asserted (level) while a bit that came from the irq path or
    /// a fallback is set. Write 1s to acknowledge.
    pub const EVT_PENDING: usize = 0x48;

    /// WO 64-bit, reset 0. Write a source id: that source fires now, as if its interrupt line had
    /// risen (tests, and software-made events). An id ≥ NUM_SOURCES sets BAD_SOURCE.
    pub const EVT_TRIGGER: usize = 0x50;

    /// WO 64-bit, reset 0. Write a source id: disarm its binding (the task's future was dropped). A
    /// latched event stays latched. An id ≥ NUM_SOURCES sets BAD_SOURCE.
    pub const UNBIND: usize = 0x58;

    /// RO 64-bit, reset 0. Number of hwq/ring wakes that fell back to the interrupt path (queue or
    /// ring full, ring not configured) since reset.
    pub const FALLBACKS: usize = 0x60;

    /// RW 64-bit, reset 0. Bit s: source s's binding is multi-shot (a stream, e.g. an RX queue):
    /// its events wake the bound task and leave the slot armed, so the task waits again without a
    /// new SRC_TASK write. It stays bound until UNBIND. Bit clear: one-shot, like a Rust waker (the
    /// event consumes the binding).
    pub const MULTISHOT: usize = 0x68;
}

/// Event generator.
///
/// Constants are absolute offsets from the device base.
pub mod generator {
    /// Offset of the first instance.
    pub const BASE: usize = 0x100;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x100;
    /// Instances the map has room for.
    pub const COUNT: usize = 1;

    /// RW 64-bit, reset 0. Generator control.
    pub const GEN_CTRL: usize = 0x100;
    /// Field of `GEN_CTRL`: Writing 1 while it reads 0 starts the generator: GEN_FIRED is reset,
    /// the random stream restarts from GEN_SEED, and the first event fires one interval from now.
    /// Writing 0 stops it. It clears itself after GEN_LIMIT events. An invalid configuration
    /// (GEN_INTERVAL 0, or GEN_INTERVAL_MAX < GEN_INTERVAL in UNIFORM mode) sets BAD_VALUE and does
    /// not start.
    pub const GEN_CTRL_ENABLE: u64 = 0x1;

    /// RW 64-bit, reset 0. How intervals are drawn (see GenMode). An unknown value sets BAD_VALUE
    /// and is ignored.
    ///
    /// Values: [`crate::gen_mode`].
    pub const GEN_MODE: usize = 0x108;

    /// RW 64-bit, reset 0. The source the generator fires. A value ≥ NUM_SOURCES sets BAD_VALUE and
    /// is ignored.
    pub const GEN_SOURCE: usize = 0x110;

    /// RW 64-bit, reset 0. Interval in cycles of the device's `cpu_clock` (the cores' clock): the
    /// period (PERIODIC), the minimum (UNIFORM) or the mean (EXPONENTIAL).
    pub const GEN_INTERVAL: usize = 0x118;

    /// RW 64-bit, reset 0. Largest interval in cycles, inclusive (UNIFORM only).
    pub const GEN_INTERVAL_MAX: usize = 0x120;

    /// RW 64-bit, reset 0. Seed of the generator's random stream (splitmix64). Writing it restarts
    /// the stream; the same seed gives the same intervals.
    pub const GEN_SEED: usize = 0x128;

    /// RW 64-bit, reset 0. Stop after this many events (0: no limit).
    pub const GEN_LIMIT: usize = 0x130;

    /// RO 64-bit, reset 0. Events fired since the generator was last started.
    pub const GEN_FIRED: usize = 0x138;
}

/// Binding table (one slot per event source).
///
/// Register constants are offsets within one instance; the functions give absolute
/// offsets from the device base for instance `i`.
pub mod source {
    /// Offset of the first instance.
    pub const BASE: usize = 0x400;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x10;
    /// Instances the map has room for.
    pub const COUNT: usize = 64;

    /// RW 64-bit, reset 0. Write a task pointer: arm the slot (one-shot; a new write replaces the
    /// old pointer). The next event of the source consumes the binding and wakes the task on core
    /// SRC_CORE. If an event was latched while the slot was disarmed, it is delivered at once. 0
    /// sets NULL_TASK, a pointer that is not a multiple of TASK_ALIGN sets MISALIGNED_TASK; either
    /// leaves the slot unchanged. Reads the armed pointer, or 0 when disarmed.
    pub const SRC_TASK: usize = 0x0;
    /// Absolute offset of [`SRC_TASK`] in instance `i`.
    pub const fn src_task(i: usize) -> usize {
        BASE + i * STRIDE + SRC_TASK
    }

    /// RW 64-bit, reset 0. Core whose queue or ring receives this source's wakes (set once at
    /// setup; it survives the one-shot disarm). A value ≥ NUM_CORES sets BAD_CORE and is ignored.
    pub const SRC_CORE: usize = 0x8;
    /// Absolute offset of [`SRC_CORE`] in instance `i`.
    pub const fn src_core(i: usize) -> usize {
        BASE + i * STRIDE + SRC_CORE
    }
}

/// Per-core bank (one per core).
///
/// Register constants are offsets within one instance; the functions give absolute
/// offsets from the device base for instance `i`.
pub mod percore {
    /// Offset of the first instance.
    pub const BASE: usize = 0x1000;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x100;
    /// Instances the map has room for.
    pub const COUNT: usize = 32;

    /// RO 64-bit, reset 0. Read: remove and return the oldest task pointer of this core's hardware
    /// ready queue, or 0 if it is empty (hwq path).
    pub const POP: usize = 0x0;
    /// Absolute offset of [`POP`] in instance `i`.
    pub const fn pop(i: usize) -> usize {
        BASE + i * STRIDE + POP
    }

    /// RO 64-bit, reset 0. Entries now in this core's hardware ready queue.
    pub const Q_DEPTH: usize = 0x8;
    /// Absolute offset of [`Q_DEPTH`] in instance `i`.
    pub const fn q_depth(i: usize) -> usize {
        BASE + i * STRIDE + Q_DEPTH
    }

    /// WO 64-bit, reset 0. Write a source id from the woken task's first instruction after its
    /// .await: the device records one latency sample (fire tick of the wake → this write's tick)
    /// for this core. A source with no outstanding wake sets SPURIOUS_RESUME; an id ≥ NUM_SOURCES
    /// sets BAD_SOURCE.
    pub const RESUME: usize = 0x10;
    /// Absolute offset of [`RESUME`] in instance `i`.
    pub const fn resume(i: usize) -> usize {
        BASE + i * STRIDE + RESUME
    }

    /// RW 64-bit, reset 0. Physical address of this core's ready ring: RING_SIZE slots of RING_SLOT
    /// (64) bytes, one cache line each. The device writes a whole slot: the task pointer in its
    /// first 8 bytes (0 = empty), zeros in the rest. Must be RING_SLOT-aligned, else BAD_VALUE.
    pub const RING_BASE: usize = 0x18;
    /// Absolute offset of [`RING_BASE`] in instance `i`.
    pub const fn ring_base(i: usize) -> usize {
        BASE + i * STRIDE + RING_BASE
    }

    /// RW 64-bit, reset 0. Slots in the ring: 0 (no ring) or a power of two. Writing it resets
    /// RING_PROD and RING_CONS to 0. Not a power of two: BAD_VALUE, ignored.
    pub const RING_SIZE: usize = 0x20;
    /// Absolute offset of [`RING_SIZE`] in instance `i`.
    pub const fn ring_size(i: usize) -> usize {
        BASE + i * STRIDE + RING_SIZE
    }

    /// RW 64-bit, reset 0. Free-running consumer index: the guest writes how many slots it has
    /// taken and zeroed. The device treats the ring as full when RING_PROD − RING_CONS = RING_SIZE.
    /// A value outside [RING_CONS, RING_PROD] sets BAD_VALUE and is ignored.
    pub const RING_CONS: usize = 0x28;
    /// Absolute offset of [`RING_CONS`] in instance `i`.
    pub const fn ring_cons(i: usize) -> usize {
        BASE + i * STRIDE + RING_CONS
    }

    /// RO 64-bit, reset 0. Free-running producer index: slots the device has written (slot = index
    /// mod RING_SIZE).
    pub const RING_PROD: usize = 0x30;
    /// Absolute offset of [`RING_PROD`] in instance `i`.
    pub const fn ring_prod(i: usize) -> usize {
        BASE + i * STRIDE + RING_PROD
    }

    /// RW 64-bit, reset 0. Quantum in cycles (0: timer off). Writing it clears YIELD and starts a
    /// quantum now.
    pub const QUANTUM: usize = 0x38;
    /// Absolute offset of [`QUANTUM`] in instance `i`.
    pub const fn quantum(i: usize) -> usize {
        BASE + i * STRIDE + QUANTUM
    }

    /// W1C 64-bit, reset 0. Bit 0: the quantum expired (yield requested). Writing 1 clears it and
    /// starts a new quantum now (write it when a new task starts running).
    pub const YIELD: usize = 0x40;
    /// Absolute offset of [`YIELD`] in instance `i`.
    pub const fn r#yield(i: usize) -> usize {
        BASE + i * STRIDE + YIELD
    }

    /// RW 64-bit, reset 0. If non-zero, the physical address of an 8-byte flag: at quantum expiry
    /// the device also DMA-writes 1 there, so yield checks can be a cached load instead of an MMIO
    /// read. The guest clears the flag itself. Must be 8-byte aligned, else BAD_VALUE.
    pub const YIELD_ADDR: usize = 0x48;
    /// Absolute offset of [`YIELD_ADDR`] in instance `i`.
    pub const fn yield_addr(i: usize) -> usize {
        BASE + i * STRIDE + YIELD_ADDR
    }

    /// RW 64-bit, reset 0. If non-zero, the physical address of this core's hwq non-empty flag: one
    /// RING_SLOT-sized line in cacheable memory that the device DMA-writes whole (the flag in its
    /// first 8 bytes, zeros after) when a push makes the queue non-empty (1) and when a POP empties
    /// it (0). A busy core reads the flag (a cached load) and pops only when it is 1. With
    /// CTRL.EVENT_WIRE the core is signalled after the flag write, not before. The guest only reads
    /// it. Must be RING_SLOT-aligned, else BAD_VALUE.
    pub const HWQ_FLAG_ADDR: usize = 0x50;
    /// Absolute offset of [`HWQ_FLAG_ADDR`] in instance `i`.
    pub const fn hwq_flag_addr(i: usize) -> usize {
        BASE + i * STRIDE + HWQ_FLAG_ADDR
    }
}

/// Values of WAKE_MODE: the wake path of an event.
pub mod wake_mode {
    /// Set the source's EVT_PENDING bit and raise the SPI; the handler wakes the task in software.
    /// Bindings are not used.
    pub const IRQ: u64 = 0;
    /// Set the source's EVT_PENDING bit only; a poller coroutine reads EVT_PENDING. Bindings are
    /// not used.
    pub const POLL: u64 = 1;
    /// Consume the binding and push the task pointer into SRC_CORE's hardware ready queue; the core
    /// reads POP. Full queue: fallback to the irq path.
    pub const HWQ: u64 = 2;
    /// Consume the binding and DMA-write the task pointer into SRC_CORE's ready ring in DRAM. Ring
    /// full or not configured: fallback to the irq path.
    pub const RING: u64 = 3;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 4] = [("IRQ", 0), ("POLL", 1), ("HWQ", 2), ("RING", 3)];
    /// The name of a value, if it has one.
    pub fn name(v: u64) -> Option<&'static str> {
        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)
    }
}

/// Values of GEN_MODE: how the event generator draws intervals.
pub mod gen_mode {
    /// Every GEN_INTERVAL cycles.
    pub const PERIODIC: u64 = 0;
    /// Uniform in [GEN_INTERVAL, GEN_INTERVAL_MAX] cycles, from the seeded stream.
    pub const UNIFORM: u64 = 1;
    /// Exponential with mean GEN_INTERVAL cycles (Poisson arrivals), rounded, at least 1.
    pub const EXPONENTIAL: u64 = 2;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 3] = [("PERIODIC", 0), ("UNIFORM", 1), ("EXPONENTIAL", 2)];
    /// The name of a value, if it has one.
    pub fn name(v: u64) -> Option<&'static str> {
        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)
    }
}

/// Error codes: bit n of ERR_STATUS is code n.
pub mod error_code {
    /// SRC_TASK written with 0.
    pub const NULL_TASK: u64 = 0;
    /// SRC_TASK written with a pointer that is not a multiple of TASK_ALIGN.
    pub const MISALIGNED_TASK: u64 = 1;
    /// SRC_CORE written with a core ≥ NUM_CORES.
    pub const BAD_CORE: u64 = 2;
    /// A source id ≥ NUM_SOURCES written to EVT_TRIGGER, UNBIND or RESUME.
    pub const BAD_SOURCE: u64 = 3;
    /// A value a register does not accept (unknown enum value, ring size not a power of two,
    /// misaligned ring, yield or hwq flag address, RING_CONS out of range, invalid generator
    /// configuration).
    pub const BAD_VALUE: u64 = 4;
    /// A ring-mode event for a core whose RING_SIZE is 0 (the wake fell back to the irq path).
    pub const RING_UNCONFIGURED: u64 = 5;
    /// RESUME written for a source with no outstanding wake (no sample recorded).
    pub const SPURIOUS_RESUME: u64 = 6;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 7] = [
        ("NULL_TASK", 0),
        ("MISALIGNED_TASK", 1),
        ("BAD_CORE", 2),
        ("BAD_SOURCE", 3),
        ("BAD_VALUE", 4),
        ("RING_UNCONFIGURED", 5),
        ("SPURIOUS_RESUME", 6),
    ];
    /// The name of a value, if it has one.
    pub fn name(v: u64) -> Option<&'static str> {
        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)
    }
}

/// `ERR_STATUS` bit of an error code.
pub const fn err_bit(code: u64) -> u64 {
    1 << code
}

/// How one wake is delivered: a run's wake path (the ones with a [`WakePath::mode`]) or
/// the path the device recorded for a wake (`fallback` too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum WakePath {
    /// Set the source's EVT_PENDING bit and raise the SPI; the handler wakes the task in software.
    /// Bindings are not used.
    #[cfg_attr(feature = "serde", serde(rename = "irq"))]
    Irq = 0,
    /// Set the source's EVT_PENDING bit only; a poller coroutine reads EVT_PENDING. Bindings are
    /// not used.
    #[cfg_attr(feature = "serde", serde(rename = "poll"))]
    Poll = 1,
    /// Consume the binding and push the task pointer into SRC_CORE's hardware ready queue; the core
    /// reads POP. Full queue: fallback to the irq path.
    #[cfg_attr(feature = "serde", serde(rename = "hwq"))]
    Hwq = 2,
    /// Consume the binding and DMA-write the task pointer into SRC_CORE's ready ring in DRAM. Ring
    /// full or not configured: fallback to the irq path.
    #[cfg_attr(feature = "serde", serde(rename = "ring"))]
    Ring = 3,
    /// A hwq or ring wake that fell back to the irq path (queue or ring full, or no ring): the
    /// device raised the SPI and the handler woke the task from the software table.
    #[cfg_attr(feature = "serde", serde(rename = "fallback"))]
    Fallback = 4,
}

impl WakePath {
    /// Every path, in code order.
    pub const ALL: [WakePath; 5] = [
        WakePath::Irq,
        WakePath::Poll,
        WakePath::Hwq,
        WakePath::Ring,
        WakePath::Fallback,
    ];

    /// The name the samples file, the device's stats, the guest and the driver use.
    pub const fn name(self) -> &'static str {
        match self {
            WakePath::Irq => "irq",
            WakePath::Poll => "poll",
            WakePath::Hwq => "hwq",
            WakePath::Ring => "ring",
            WakePath::Fallback => "fallback",
        }
    }

    /// The path of a name.
    pub fn from_name(name: &str) -> Option<WakePath> {
        WakePath::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The path's number (the C++ core's `Path`).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The path of a number.
    pub fn from_code(code: u64) -> Option<WakePath> {
        WakePath::ALL
            .into_iter()
            .find(|p| u64::from(p.code()) == code)
    }

    /// The `WAKE_MODE` value that selects the path, if a run can select it.
    pub const fn mode(self) -> Option<u64> {
        match self {
            WakePath::Irq => Some(wake_mode::IRQ),
            WakePath::Poll => Some(wake_mode::POLL),
            WakePath::Hwq => Some(wake_mode::HWQ),
            WakePath::Ring => Some(wake_mode::RING),
            WakePath::Fallback => None,
        }
    }

    /// Whether the device consumes the source's binding and delivers the task pointer
    /// itself (the path needs the scheduler, not only the event source).
    pub const fn uses_binding(self) -> bool {
        matches!(self, WakePath::Hwq | WakePath::Ring)
    }
}

impl core::fmt::Display for WakePath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the gem5 config (`configs/baremetal.py`) puts the device: what it, the driver and
/// the guest agree on.
pub mod system {
    /// GIC INTID of the device's SPI (the irq path and the hwq/ring fallbacks).
    pub const SPI_INTID: u32 = 200;
    /// The samples file in gem5's output directory (the SimObject's `samples_file`).
    pub const SAMPLES_FILE: &str = "coro_sched_wakes.csv";
    /// The SimObject's default access latency (`pio_latency`), in ns.
    pub const DEFAULT_PIO_LATENCY_NS: u64 = 2;
    /// The SimObject's default entries per hardware ready queue (`queue_depth`).
    pub const DEFAULT_QUEUE_DEPTH: u64 = 16;
    /// MMIO base of the `on-chip` placement. On the coherent membus, next to the cores and the GIC,
    /// in the unused "GPU reserved" window of VExpress_GEM5_V2 (outside the I/O bridge's ranges):
    /// an access costs about 120 cycles plus the device's latency.
    pub const ON_CHIP_BASE: u64 = 0x2d000000;
    /// MMIO base of the `off-chip` placement. On the I/O bus behind the 50 ns I/O bridge, in the
    /// CS5 window gem5 reserves for its own devices, like the PL011: an access costs about 900
    /// cycles.
    pub const OFF_CHIP_BASE: u64 = 0x10030000;
    /// Every placement's name and base.
    pub const PLACEMENTS: [(&str, u64); 2] =
        [("on-chip", ON_CHIP_BASE), ("off-chip", OFF_CHIP_BASE)];
}
