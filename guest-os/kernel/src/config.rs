//! The run parameters: the driver patches `RUN_CONFIG` in each run's copy of the image.

use runconfig::RunConfig;

/// Kept by name (`no_mangle`) and by the linker (`used`, `KEEP(.runconfig)`) so the driver
/// finds it; read only through [`get`].
#[used]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".runconfig")]
pub static RUN_CONFIG: RunConfig = RunConfig::DEFAULT;

/// The run parameters. A volatile read, so the compiler cannot use the default values it sees
/// at build time instead of the bytes the driver wrote.
pub fn get() -> RunConfig {
    // SAFETY: `RUN_CONFIG` is a valid, aligned static; nothing writes it while the guest runs.
    unsafe { core::ptr::read_volatile(&raw const RUN_CONFIG) }
}
