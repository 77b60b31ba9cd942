# The LoadGenNic load-generator NIC (docs/loadgen-nic.md; interface: nic-spec).

from m5.objects.Device import DmaDevice
from m5.objects.Gic import ArmInterruptPin
from m5.params import *
from m5.proxy import *


class LoadGenNic(DmaDevice):
    type = "LoadGenNic"
    cxx_header = "loadgen_nic/loadgen_nic.hh"
    cxx_class = "gem5::LoadGenNic"

    pio_addr = Param.Addr(0x2D010000, "MMIO base address")
    pio_size = Param.Addr(0x1000, "MMIO window size (the register map's window)")
    pio_latency = Param.Latency("2ns", "Device access latency of one MMIO access")
    cpu_clock = Param.Clock(
        "4GHz",
        "Clock of the cores: SYNTH descriptors carry their service time in its cycles",
    )
    seed = Param.UInt64(1, "Seed of the arrival and workload streams")
    arrival = Param.String("poisson", "Arrival process: poisson | fixed")
    rate = Param.Float(1e6, "Flow-0 requests per second (offered load)")
    workload = Param.String(
        "exp:1us",
        "fixed:T | exp:MEAN | bimodal:P:SHORT:LONG | lognormal:MEAN:SIGMA | "
        "kv:GET_FRACTION:SCAN_LEN:KEYS:uniform | kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S "
        "(T, MEAN, SHORT, LONG with a unit ns or us)",
    )
    warmup = Param.UInt64(0, "Warm-up requests (the first ids), excluded from the measurement")
    requests = Param.UInt64(1000, "Measured requests")
    greedy = Param.Bool(False, "Flow 1 is a saturating (greedy) flow")
    flow0_pin = Param.ArmInterruptPin(
        NULL, "Line pulsed per flow-0 delivery (a CoroSchedSource)"
    )
    flow1_pin = Param.ArmInterruptPin(
        NULL, "Line pulsed per flow-1 delivery (a CoroSchedSource)"
    )
    flow0_source = Param.Unsigned(8, "CoroSched source of flow 0 (RX_SOURCE)")
    flow1_source = Param.Unsigned(9, "CoroSched source of flow 1 (RX_SOURCE)")
    records_file = Param.String(
        "loadgen_requests.csv",
        "File in the output directory that receives one line per flow-0 request",
    )
    selftest_ring_base = Param.Addr(
        0,
        "Self-test without a guest consumer: if non-zero, the device configures flow 0's "
        "RX ring here itself, starts at tick 0, and ends the simulation once every "
        "measured request is resolved (all drop once the ring is full)",
    )
    selftest_ring_size = Param.Unsigned(16, "Self-test RX ring slots (a power of two)")
