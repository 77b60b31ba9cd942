//! How long an app waits for progress before it fails with a message naming what is stuck.

use runconfig::{Platform, RunConfig};

/// Counter ticks without progress that end a run: `sim_ms` milliseconds of counter time on a
/// simulator, whose time is the guest's own, so a healthy run never comes near it; 20 s on
/// QEMU, whose vCPUs run in host time and can be descheduled for long stretches on a loaded
/// host. There a short watchdog would fail healthy runs by host load; a real hang is still
/// caught, 20 s later, well inside the driver's wall-clock timeout.
pub fn stall_ticks(cfg: &RunConfig, sim_ms: u64) -> u64 {
    let freq = kernel::timer::frequency();
    match cfg.platform() {
        Some(Platform::Qemu) => 20 * freq,
        _ => freq * sim_ms / 1000,
    }
}
