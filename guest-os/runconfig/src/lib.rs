//! The contract between the driver (host) and the guest image.
//!
//! **Parameters in.** The guest image carries one [`RunConfig`] in a static named
//! [`SYMBOL`]. The driver finds that symbol with an ELF parser and overwrites its bytes in a
//! copy of the image before each run, so one build of the guest serves every run of a sweep
//! (app, mechanism, cores, iterations, seed, app parameters) without recompiling.
//!
//! **Results out.** The guest prints on its console (PL011 UART0, which gem5 writes to
//! `system.terminal` in the run directory and QEMU to stdout). Lines that start with one of the
//! `*_PREFIX` markers are machine-readable; everything else is human log.
#![no_std]

mod names;
pub mod services;
pub mod stages;
pub use names::{App, Choice, IrqFrame, Mechanism, Platform, WakePath};

/// Name of the static in the guest image that holds the [`RunConfig`].
pub const SYMBOL: &str = "RUN_CONFIG";
/// "CORORUN1", little-endian: tells the driver it found the right bytes.
pub const MAGIC: u64 = u64::from_le_bytes(*b"CORORUN1");
/// Bumped whenever the layout of [`RunConfig`] changes.
pub const VERSION: u64 = 4;
/// Number of app-specific parameter slots.
pub const NUM_PARAMS: usize = 12;
/// Most cores a run can have: the guest reserves stacks and per-core state for this many, and
/// the driver refuses a larger `cores` before a simulator starts.
pub const MAX_CORES: usize = 8;
/// Words before the app parameters.
const FIXED_WORDS: usize = 10;
/// Size of the block in the image, in bytes.
pub const SIZE: usize = core::mem::size_of::<RunConfig>();

/// A line `@result {json}`: one measurement record (one JSON object on one line).
pub const RESULT_PREFIX: &str = "@result ";
/// A line `@panic message`: the guest panicked; the run fails with this message.
pub const PANIC_PREFIX: &str = "@panic ";
/// A line `@app-start`: boot is over and the app's first instruction runs.
pub const APP_START: &str = "@app-start";
/// A line `@done`: the app finished and every result was printed.
pub const DONE: &str = "@done";

/// Run parameters, laid out as the guest reads them (`repr(C)`, all little-endian `u64`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    pub magic: u64,
    pub version: u64,
    /// [`Platform`] index.
    pub platform: u64,
    /// [`App`] index.
    pub app: u64,
    /// Index into the app's [`Mechanism`] list ([`App::mechanisms`]).
    pub mechanism: u64,
    /// Number of cores the app uses (the others park).
    pub cores: u64,
    /// Measured iterations (switches, wakes, requests: the app says which).
    pub iterations: u64,
    /// Seed of every pseudo-random choice in the guest.
    pub seed: u64,
    /// Physical base address of the CoroSched device, 0 if the machine has none (the driver
    /// sets it from the gem5 configuration's placement of the device).
    pub device_base: u64,
    /// [`IrqFrame`] index: what the kernel's IRQ entry saves (chosen at boot by installing one
    /// of its vector tables).
    pub irq_frame: u64,
    /// App-specific parameters, named by [`App::params`]; unnamed slots are 0.
    pub params: [u64; NUM_PARAMS],
}

impl RunConfig {
    /// What an unpatched image runs: the self-test on gem5, on one core.
    pub const DEFAULT: RunConfig = RunConfig {
        magic: MAGIC,
        version: VERSION,
        platform: Platform::Gem5 as u64,
        app: App::SelfTest as u64,
        mechanism: 0,
        cores: 1,
        iterations: 1000,
        seed: 1,
        device_base: 0,
        irq_frame: IrqFrame::Full as u64,
        params: [0; NUM_PARAMS],
    };

    /// The block as the bytes stored in the image.
    pub fn to_bytes(&self) -> [u8; SIZE] {
        let mut out = [0u8; SIZE];
        for (i, word) in self.words().iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// Reads a block from image bytes; `None` if the length, magic or version is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Option<RunConfig> {
        if bytes.len() != SIZE {
            return None;
        }
        let w = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(b)
        };
        let mut params = [0u64; NUM_PARAMS];
        for (i, p) in params.iter_mut().enumerate() {
            *p = w(FIXED_WORDS + i);
        }
        let cfg = RunConfig {
            magic: w(0),
            version: w(1),
            platform: w(2),
            app: w(3),
            mechanism: w(4),
            cores: w(5),
            iterations: w(6),
            seed: w(7),
            device_base: w(8),
            irq_frame: w(9),
            params,
        };
        (cfg.magic == MAGIC && cfg.version == VERSION).then_some(cfg)
    }

    fn words(&self) -> [u64; SIZE / 8] {
        let mut w = [0u64; SIZE / 8];
        w[..FIXED_WORDS].copy_from_slice(&[
            self.magic,
            self.version,
            self.platform,
            self.app,
            self.mechanism,
            self.cores,
            self.iterations,
            self.seed,
            self.device_base,
            self.irq_frame,
        ]);
        w[FIXED_WORDS..].copy_from_slice(&self.params);
        w
    }

    pub fn platform(&self) -> Option<Platform> {
        Platform::from_index(self.platform)
    }

    pub fn app(&self) -> Option<App> {
        App::from_index(self.app)
    }

    /// The mechanism, resolved against the app's own list.
    pub fn mechanism(&self) -> Option<Mechanism> {
        self.app()?
            .mechanisms()
            .get(self.mechanism as usize)
            .copied()
    }

    /// The IRQ frame variant, `None` if the index names none.
    pub fn irq_frame(&self) -> Option<IrqFrame> {
        IrqFrame::from_index(self.irq_frame)
    }

    /// Value of the app parameter `name`, or `None` if the app has no such parameter.
    pub fn param(&self, name: &str) -> Option<u64> {
        let app = self.app()?;
        let slot = app.params().iter().position(|p| p.name == name)?;
        Some(self.params[slot])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let mut cfg = RunConfig::DEFAULT;
        cfg.app = App::ContextSwitch as u64;
        cfg.mechanism = 2;
        cfg.params[0] = 0xdead_beef;
        cfg.device_base = 0x2d00_0000;
        cfg.irq_frame = IrqFrame::LeanChecked as u64;
        let back = RunConfig::from_bytes(&cfg.to_bytes()).unwrap();
        assert_eq!(back, cfg);
        assert_eq!(back.mechanism(), Some(Mechanism::ThreadPreempt));
        assert_eq!(back.irq_frame(), Some(IrqFrame::LeanChecked));
    }

    #[test]
    fn rejects_wrong_magic_or_length() {
        let mut bytes = RunConfig::DEFAULT.to_bytes();
        assert!(RunConfig::from_bytes(&bytes[..SIZE - 1]).is_none());
        bytes[0] ^= 1;
        assert!(RunConfig::from_bytes(&bytes).is_none());
    }

    #[test]
    fn params_are_named_per_app() {
        let mut cfg = RunConfig::DEFAULT;
        cfg.app = App::ContextSwitch as u64;
        cfg.params[0] = 7;
        assert_eq!(cfg.param("quantum_ticks"), Some(7));
        assert_eq!(cfg.param("no_such_param"), None);
    }
}
