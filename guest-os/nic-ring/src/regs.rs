//! Every register offset and descriptor layout of the load-generator NIC (LoadGenNic), with the
//! interface's names, in one file: when the device's register map generates a crate, that crate
//! replaces this file.

/// ASCII "LGENNIC1", little-endian (`ID`).
pub const DEVICE_ID: u64 = u64::from_le_bytes(*b"LGENNIC1");
/// `VERSION` this guest speaks.
pub const DEVICE_VERSION: u64 = 1;
/// The on-chip MMIO window's base on gem5 (size 0x1000).
pub const MMIO_BASE: u64 = 0x2D01_0000;
/// Flows: 0 the request stream, 1 the greedy flow.
pub const NUM_FLOWS: usize = 2;
/// The CoroSched sources the flows fire by default (`RX_SOURCE` has the configured one).
pub const DEFAULT_SOURCES: [usize; NUM_FLOWS] = [8, 9];

/// The global block.
pub mod global {
    pub const ID: usize = 0x00;
    pub const VERSION: usize = 0x08;
    pub const NUM_FLOWS: usize = 0x10;
    /// Bit 0 START.
    pub const CTRL: usize = 0x18;
    pub const CTRL_START: u64 = 1;
    /// Bit 0 RUNNING, bit 1 DONE.
    pub const STATUS: usize = 0x20;
    pub const STATUS_RUNNING: u64 = 1;
    pub const STATUS_DONE: u64 = 2;
    /// Sticky error bits, write 1 to clear.
    pub const ERR_STATUS: usize = 0x28;
    pub const ERR_ADDR: usize = 0x30;
    pub const KV_KEYS: usize = 0x38;
    pub const SEED: usize = 0x40;
    pub const TX_RING_BASE: usize = 0x48;
    pub const TX_RING_SIZE: usize = 0x50;
    /// The doorbell.
    pub const TX_PROD: usize = 0x58;
    pub const TX_CONS: usize = 0x60;
    pub const ARRIVALS: usize = 0x68;
    pub const DROPS: usize = 0x70;
    pub const COMPLETIONS: usize = 0x78;
}

/// The per-flow blocks.
pub mod flow {
    const BASE: usize = 0x100;
    const STRIDE: usize = 0x100;
    pub const RX_RING_BASE: usize = 0x00;
    pub const RX_RING_SIZE: usize = 0x08;
    pub const RX_PROD: usize = 0x10;
    pub const RX_CONS: usize = 0x18;
    pub const RX_SOURCE: usize = 0x20;
    pub const FLOW_MODE: usize = 0x28;
    /// `FLOW_MODE` values.
    pub const MODE_OFF: u64 = 0;
    pub const MODE_OPEN_LOOP: u64 = 1;
    pub const MODE_SATURATING: u64 = 2;

    /// Absolute offset of register `reg` of `flow`.
    pub const fn reg(flow: usize, reg: usize) -> usize {
        BASE + flow * STRIDE + reg
    }
}

/// Bytes of the register window this guest uses (the software NIC's register file).
pub const WINDOW_BYTES: usize = 0x300;

/// RX descriptor words (one 64-byte slot).
pub mod rx {
    pub const ID: usize = 0;
    pub const KIND: usize = 1;
    pub const ARG0: usize = 2;
    pub const ARG1: usize = 3;
    pub const ARRIVAL_TICK: usize = 4;
    pub const DELIVERY_TICK: usize = 5;
    pub const FLAGS: usize = 6;
    /// `FLAGS` bit 0.
    pub const FLAG_WARMUP: u64 = 1;
    /// `KIND` values.
    pub const KIND_SYNTH: u64 = 1;
    pub const KIND_GET: u64 = 2;
    pub const KIND_SCAN: u64 = 3;
    pub const KIND_GREEDY: u64 = 4;
    pub const KIND_END: u64 = 0xFF;
    /// The END descriptor's id.
    pub const END_ID: u64 = u64::MAX;
}

/// TX completion words (one 16-byte slot).
pub mod tx {
    pub const ID: usize = 0;
    pub const WORK_CYCLES: usize = 1;
}
