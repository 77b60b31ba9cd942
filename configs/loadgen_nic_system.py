# Generated from gem5-devices/loadgen_nic/regmap.toml by the coro-sched-regmap crate. Do not edit:
# change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.
"""The LoadGenNic device's place in the system, for configs/baremetal.py."""

# MMIO base (on-chip, on the membus).
LOADGEN_BASE = 0x2d010000
# The SimObject's default access latency.
LOADGEN_PIO_LATENCY = "2ns"
# CoroSched event sources fired by each flow's deliveries.
LOADGEN_SOURCES = (8, 9)
# The per-request records file in the output directory.
LOADGEN_RECORDS_FILE = "loadgen_requests.csv"
