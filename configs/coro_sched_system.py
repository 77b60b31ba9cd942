# Generated from gem5-devices/coro_sched/regmap.toml by the coro-sched-regmap crate. Do not edit:
# change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.
"""The CoroSched device's place in the system, for configs/baremetal.py."""

# MMIO base of each placement (--coro-placement).
CORO_BASE = {
    "on-chip": 0x2d000000,
    "off-chip": 0x10030000,
}
# GIC INTID of the device's SPI.
CORO_SPI = 200
# The SimObject's defaults.
DEFAULT_PIO_LATENCY = "2ns"
DEFAULT_QUEUE_DEPTH = 16
# The file in the output directory that receives the wake samples.
SAMPLES_FILE = "coro_sched_wakes.csv"
# The wake paths, by code (the samples file's `path` column).
WAKE_PATHS = ("irq", "poll", "hwq", "ring", "fallback")
