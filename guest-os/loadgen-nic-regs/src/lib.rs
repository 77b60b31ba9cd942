// Generated from gem5-devices/loadgen_nic/regmap.toml by the coro-sched-regmap crate. Do not edit:
// change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.

//! Register map of the LoadGenNic device (gem5 `LoadGenNic` SimObject): byte offsets from
//! the device's MMIO base, field masks, descriptor layouts, enum values and error codes.
//!
//! Load-generator NIC with an offloaded transport: requests arrive as descriptors, not packets.
//! Flow 0 is an open-loop request stream (Poisson or fixed-interval arrivals from a seed, service
//! times or key-value operations drawn from a named workload); flow 1 is an optional saturating
//! flow whose RX ring never empties. Each descriptor is DMA-written whole into the flow's RX ring
//! in guest DRAM and fires the flow's CoroSched event source. Completions come back through a TX
//! ring that the device reads by DMA at each doorbell and stamps with the doorbell's tick.
//!
//! Every register is 64 bits wide: access it with one aligned 8-byte volatile load or
//! store. Any other access, an unknown offset, a read of a write-only or a write of a
//! read-only register stops the simulation with a panic naming the register. The
//! programming model is in `docs/loadgen-nic.md`.
#![no_std]

/// Value of [`global::ID`].
pub const DEVICE_ID: u64 = 0x3143494e4e45474c;
/// Value of [`global::VERSION`] this crate describes.
pub const DEVICE_VERSION: u64 = 1;
/// Size of the MMIO window in bytes.
pub const WINDOW_SIZE: usize = 0x1000;
/// Number of flows.
pub const NUM_FLOWS: usize = 2;
/// Bytes per RX descriptor slot (one cache line, written whole by the device).
pub const RX_SLOT: usize = 64;
/// Bytes per TX completion slot.
pub const TX_SLOT: usize = 16;
/// Descriptor id of END.
pub const END_ID: u64 = u64::MAX;
/// `FLAGS` bit of a warm-up request.
pub const DESC_FLAG_WARMUP: u64 = 1;

/// Global control.
///
/// Constants are absolute offsets from the device base.
pub mod global {
    /// Offset of the first instance.
    pub const BASE: usize = 0x0;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x100;
    /// Instances.
    pub const COUNT: usize = 1;

    /// RO 64-bit, reset 0x3143494e_4e45474c. Identification: ASCII "LGENNIC1" as a little-endian
    /// u64.
    pub const ID: usize = 0x0;

    /// RO 64-bit, reset 1. Register-map version (`device.version`).
    pub const VERSION: usize = 0x8;

    /// RO 64-bit, reset 2. Number of flows (per-flow blocks).
    pub const NUM_FLOWS: usize = 0x10;

    /// RW 64-bit, reset 0. Control. Unknown bits set BAD_VALUE (the write is ignored).
    pub const CTRL: usize = 0x18;
    /// Field of `CTRL`: Write 1 once the rings are configured: the generator starts and the first
    /// arrival comes one inter-arrival time later (the saturating flow fills its ring at once).
    /// Writing 0 stops the generator. START with flow 0's RX ring (or, with the saturating flow,
    /// flow 1's) unconfigured sets RING_UNCONFIGURED and does not start.
    pub const CTRL_START: u64 = 0x1;
    /// Field of `CTRL`: Make the device's DMA (RX descriptor writes, TX ring reads) Secure
    /// accesses, as CoroSched's CTRL.DMA_SECURE: set it when the guest runs in Secure state, so
    /// that gem5's caches snoop the lines the guest cached.
    pub const CTRL_DMA_SECURE: u64 = 0x2;

    /// RO 64-bit, reset 0. Run state.
    pub const STATUS: usize = 0x20;
    /// Field of `STATUS`: The generator is started and has requests left to generate (or END left
    /// to deliver).
    pub const STATUS_RUNNING: u64 = 0x1;
    /// Field of `STATUS`: Every measured request completed or was dropped, and END was delivered.
    pub const STATUS_DONE: u64 = 0x2;

    /// W1C 64-bit, reset 0. Sticky error bits, bit n = error code n (see ErrorCode). Write 1s to
    /// clear.
    ///
    /// Values: [`crate::error_code`].
    pub const ERR_STATUS: usize = 0x28;

    /// RO 64-bit, reset 0. Device offset of the access that set the first error since ERR_STATUS
    /// was last 0 (for BAD_COMPLETION, the TX_PROD offset of the doorbell).
    pub const ERR_ADDR: usize = 0x30;

    /// RO 64-bit, reset param. Keys in the key-value key space (keys are 0 .. KV_KEYS-1); 0 if the
    /// workload is not kv.
    pub const KV_KEYS: usize = 0x38;

    /// RO 64-bit, reset param. The run's seed (the guest preloads its key-value store from it).
    pub const SEED: usize = 0x40;

    /// RW 64-bit, reset 0. Physical address of the TX ring (TX_SLOT-byte slots), 64-byte aligned,
    /// else BAD_VALUE.
    pub const TX_RING_BASE: usize = 0x48;

    /// RW 64-bit, reset 0. TX ring slots, a power of two (0 = no ring), else BAD_VALUE. Writing
    /// resets TX_PROD and TX_CONS.
    pub const TX_RING_SIZE: usize = 0x50;

    /// RW 64-bit, reset 0. Doorbell: the guest writes its free-running producer index; the device
    /// DMA-reads slots [TX_CONS, TX_PROD) and stamps each completion with the tick of this write.
    /// An index behind the last doorbell or more than TX_RING_SIZE ahead of TX_CONS sets BAD_VALUE;
    /// a doorbell without a TX ring sets RING_UNCONFIGURED.
    pub const TX_PROD: usize = 0x58;

    /// RO 64-bit, reset 0. Free-running index of the TX slots the device has read (the guest may
    /// reuse slots below it).
    pub const TX_CONS: usize = 0x60;

    /// RO 64-bit, reset 0. Requests generated on flow 0 (warm-up included).
    pub const ARRIVALS: usize = 0x68;

    /// RO 64-bit, reset 0. Flow-0 requests dropped because the RX ring was full.
    pub const DROPS: usize = 0x70;

    /// RO 64-bit, reset 0. Completions received (valid ones: ids that were outstanding).
    pub const COMPLETIONS: usize = 0x78;
}

/// Per-flow RX ring.
///
/// Register constants are offsets within one instance; the functions give absolute
/// offsets from the device base for instance `i`.
pub mod flow {
    /// Offset of the first instance.
    pub const BASE: usize = 0x100;
    /// Bytes between instances.
    pub const STRIDE: usize = 0x100;
    /// Instances.
    pub const COUNT: usize = 2;

    /// RW 64-bit, reset 0. Physical address of the flow's RX ring (RX_SLOT-byte slots), 64-byte
    /// aligned, else BAD_VALUE.
    pub const RX_RING_BASE: usize = 0x0;
    /// Absolute offset of [`RX_RING_BASE`] in instance `i`.
    pub const fn rx_ring_base(i: usize) -> usize {
        BASE + i * STRIDE + RX_RING_BASE
    }

    /// RW 64-bit, reset 0. RX ring slots, a power of two (0 = flow off), else BAD_VALUE. Writing
    /// resets RX_PROD and RX_CONS; a write while the generator runs sets BAD_VALUE.
    pub const RX_RING_SIZE: usize = 0x8;
    /// Absolute offset of [`RX_RING_SIZE`] in instance `i`.
    pub const fn rx_ring_size(i: usize) -> usize {
        BASE + i * STRIDE + RX_RING_SIZE
    }

    /// RO 64-bit, reset 0. Free-running count of descriptors written into the ring.
    pub const RX_PROD: usize = 0x10;
    /// Absolute offset of [`RX_PROD`] in instance `i`.
    pub const fn rx_prod(i: usize) -> usize {
        BASE + i * STRIDE + RX_PROD
    }

    /// RW 64-bit, reset 0. Free-running count of descriptors the guest consumed (and zeroed); it
    /// may batch this write (at least every RX_RING_SIZE/4 descriptors). The ring is full when
    /// RX_PROD - RX_CONS = RX_RING_SIZE. A value behind the last one or beyond RX_PROD sets
    /// BAD_VALUE.
    pub const RX_CONS: usize = 0x18;
    /// Absolute offset of [`RX_CONS`] in instance `i`.
    pub const fn rx_cons(i: usize) -> usize {
        BASE + i * STRIDE + RX_CONS
    }

    /// RO 64-bit, reset param. The CoroSched event source fired per delivered descriptor.
    pub const RX_SOURCE: usize = 0x20;
    /// Absolute offset of [`RX_SOURCE`] in instance `i`.
    pub const fn rx_source(i: usize) -> usize {
        BASE + i * STRIDE + RX_SOURCE
    }

    /// RO 64-bit, reset param. What feeds the flow.
    ///
    /// Values: [`crate::flow_mode`].
    pub const FLOW_MODE: usize = 0x28;
    /// Absolute offset of [`FLOW_MODE`] in instance `i`.
    pub const fn flow_mode(i: usize) -> usize {
        BASE + i * STRIDE + FLOW_MODE
    }
}

/// The RX descriptor's 64-bit words (index into the slot as `[u64; 8]`).
pub mod rx_word {
    /// Request id (>= 1, per-flow sequence including warm-up; END has u64::MAX). Non-zero = slot
    /// full: the guest zeroes it after copying the slot.
    pub const ID: usize = 0;
    /// DescKind.
    pub const KIND: usize = 1;
    /// SYNTH: service time in CPU cycles (the device's cpu_clock); GET/SCAN: key; else 0.
    pub const ARG0: usize = 2;
    /// SCAN: items to walk; else 0.
    pub const ARG1: usize = 3;
    /// Tick the request arrived.
    pub const ARRIVAL_TICK: usize = 4;
    /// Tick the descriptor's DMA write was issued.
    pub const DELIVERY_TICK: usize = 5;
    /// Bit 0 (DESC_FLAG_WARMUP): a warm-up request, excluded from the measurement.
    pub const FLAGS: usize = 6;
}

/// The TX completion slot's 64-bit words (index into the slot as `[u64; 2]`).
pub mod tx_word {
    /// Id of the completed flow-0 request.
    pub const ID: usize = 0;
    /// The cycles the guest spent serving it (PMU): for key-value slowdown and to check the
    /// synthetic loop's calibration.
    pub const WORK_CYCLES: usize = 1;
}

/// Error codes: bit n of ERR_STATUS is code n.
pub mod error_code {
    /// A register written with a value it does not take (misaligned base, size not a power of two,
    /// an index out of range, unknown CTRL bits, a ring reconfigured while running); the write is
    /// ignored.
    pub const BAD_VALUE: u64 = 0x0;
    /// START with a needed RX ring of size 0, or a TX doorbell without a TX ring.
    pub const RING_UNCONFIGURED: u64 = 0x1;
    /// A TX slot named an id that is not outstanding (never delivered, dropped, or completed
    /// already); the slot is ignored.
    pub const BAD_COMPLETION: u64 = 0x2;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 3] = [
        ("BAD_VALUE", 0x0),
        ("RING_UNCONFIGURED", 0x1),
        ("BAD_COMPLETION", 0x2),
    ];
    /// The name of a value, if it has one.
    pub fn name(v: u64) -> Option<&'static str> {
        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)
    }
}

/// FLOW_MODE values.
pub mod flow_mode {
    /// The flow carries nothing.
    pub const OFF: u64 = 0x0;
    /// The request generator: open-loop arrivals that never wait for completions.
    pub const OPEN_LOOP: u64 = 0x1;
    /// Greedy: the device refills a slot as soon as RX_CONS frees it, so the ring never empties.
    pub const SATURATING: u64 = 0x2;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 3] = [("OFF", 0x0), ("OPEN_LOOP", 0x1), ("SATURATING", 0x2)];
    /// The name of a value, if it has one.
    pub fn name(v: u64) -> Option<&'static str> {
        ALL.iter().find(|(_, x)| *x == v).map(|(n, _)| *n)
    }
}

/// RX descriptor kinds (descriptor word KIND).
pub mod desc_kind {
    /// Synthetic request: ARG0 is its service time in CPU cycles.
    pub const SYNTH: u64 = 0x1;
    /// Key-value GET: ARG0 is the key.
    pub const GET: u64 = 0x2;
    /// Key-value SCAN: ARG0 is the first key, ARG1 the number of items to walk.
    pub const SCAN: u64 = 0x3;
    /// An item of the saturating flow.
    pub const GREEDY: u64 = 0x4;
    /// The run is over (flow 0, id = u64::MAX): every measured request completed or was dropped.
    pub const END: u64 = 0xff;
    /// Every value with its name.
    pub const ALL: [(&str, u64); 5] = [
        ("SYNTH", 0x1),
        ("GET", 0x2),
        ("SCAN", 0x3),
        ("GREEDY", 0x4),
        ("END", 0xff),
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

/// Where the gem5 config (`configs/baremetal.py`) puts the device.
pub mod system {
    /// MMIO base of the device (on-chip, on the membus).
    pub const BASE: u64 = 0x2d010000;
    /// The SimObject's default access latency (`pio_latency`), in ns.
    pub const DEFAULT_PIO_LATENCY_NS: u64 = 2;
    /// CoroSched event source fired by flow 0's deliveries.
    pub const FLOW0_SOURCE: usize = 8;
    /// CoroSched event source fired by flow 1's deliveries.
    pub const FLOW1_SOURCE: usize = 9;
    /// The per-request records file in gem5's output directory.
    pub const RECORDS_FILE: &str = "loadgen_requests.csv";
}
