//! Every register offset and descriptor layout of the load-generator NIC (LoadGenNic), in one
//! file, with the names and module layout of the device's generated register crate
//! (`loadgen-nic-regs`, from `gem5-devices/loadgen_nic/regmap.toml`), so that this file can be
//! replaced by `pub use loadgen_nic_regs::*;` once that crate is in the workspace. Only what
//! the guest uses is here.

/// Value of [`global::ID`]: ASCII "LGENNIC1", little-endian.
pub const DEVICE_ID: u64 = u64::from_le_bytes(*b"LGENNIC1");
/// Value of [`global::VERSION`] this crate describes.
pub const DEVICE_VERSION: u64 = 1;
/// Size of the MMIO window in bytes.
pub const WINDOW_SIZE: usize = 0x1000;
/// Number of flows: 0 the request stream, 1 the greedy flow.
pub const NUM_FLOWS: usize = 2;
/// Bytes per RX descriptor slot and per TX completion slot.
pub const RX_SLOT: usize = 64;
pub const TX_SLOT: usize = 16;
/// Descriptor id of END.
pub const END_ID: u64 = u64::MAX;
/// `FLAGS` bit of a warm-up request.
pub const DESC_FLAG_WARMUP: u64 = 1;

/// Global control (absolute offsets).
pub mod global {
    pub const ID: usize = 0x00;
    pub const VERSION: usize = 0x08;
    pub const NUM_FLOWS: usize = 0x10;
    pub const CTRL: usize = 0x18;
    /// Field of `CTRL`: start the arrivals.
    pub const CTRL_START: u64 = 0x1;
    /// Field of `CTRL`: Secure DMA (only for a guest in Secure state; this one runs Non-secure).
    pub const CTRL_DMA_SECURE: u64 = 0x2;
    pub const STATUS: usize = 0x20;
    pub const STATUS_RUNNING: u64 = 0x1;
    pub const STATUS_DONE: u64 = 0x2;
    /// Sticky error bits (write 1 to clear), bit n = `error_code` n.
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

/// The per-flow blocks (absolute offsets of flow `i`'s registers).
pub mod flow {
    pub const BASE: usize = 0x100;
    pub const STRIDE: usize = 0x100;
    pub const COUNT: usize = 2;
    pub const RX_RING_BASE: usize = 0x00;
    pub const RX_RING_SIZE: usize = 0x08;
    pub const RX_PROD: usize = 0x10;
    pub const RX_CONS: usize = 0x18;
    pub const RX_SOURCE: usize = 0x20;
    pub const FLOW_MODE: usize = 0x28;

    pub const fn rx_ring_base(i: usize) -> usize {
        BASE + i * STRIDE + RX_RING_BASE
    }
    pub const fn rx_ring_size(i: usize) -> usize {
        BASE + i * STRIDE + RX_RING_SIZE
    }
    pub const fn rx_prod(i: usize) -> usize {
        BASE + i * STRIDE + RX_PROD
    }
    pub const fn rx_cons(i: usize) -> usize {
        BASE + i * STRIDE + RX_CONS
    }
    pub const fn rx_source(i: usize) -> usize {
        BASE + i * STRIDE + RX_SOURCE
    }
    pub const fn flow_mode(i: usize) -> usize {
        BASE + i * STRIDE + FLOW_MODE
    }
}

/// The RX descriptor slot's 64-bit words.
pub mod rx_word {
    pub const ID: usize = 0;
    pub const KIND: usize = 1;
    pub const ARG0: usize = 2;
    pub const ARG1: usize = 3;
    pub const ARRIVAL_TICK: usize = 4;
    pub const DELIVERY_TICK: usize = 5;
    pub const FLAGS: usize = 6;
}

/// The TX completion slot's 64-bit words.
pub mod tx_word {
    pub const ID: usize = 0;
    pub const WORK_CYCLES: usize = 1;
}

/// Error codes: bit n of `ERR_STATUS` is code n.
pub mod error_code {
    pub const BAD_VALUE: u64 = 0x0;
    pub const RING_UNCONFIGURED: u64 = 0x1;
    pub const BAD_COMPLETION: u64 = 0x2;
}

/// `FLOW_MODE` values.
pub mod flow_mode {
    pub const OFF: u64 = 0x0;
    pub const OPEN_LOOP: u64 = 0x1;
    pub const SATURATING: u64 = 0x2;
}

/// RX descriptor kinds (word `KIND`).
pub mod desc_kind {
    pub const SYNTH: u64 = 0x1;
    pub const GET: u64 = 0x2;
    pub const SCAN: u64 = 0x3;
    pub const GREEDY: u64 = 0x4;
    pub const END: u64 = 0xff;
}

/// `ERR_STATUS` bit of an error code.
pub const fn err_bit(code: u64) -> u64 {
    1 << code
}

/// Where the gem5 config puts the device.
pub mod system {
    /// MMIO base (on-chip, on the membus).
    pub const BASE: u64 = 0x2d01_0000;
    /// CoroSched event sources fired by flow 0's and flow 1's deliveries.
    pub const FLOW0_SOURCE: usize = 8;
    pub const FLOW1_SOURCE: usize = 9;
}
