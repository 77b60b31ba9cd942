# The CoroSched coroutine scheduling and wake device (docs/coro-sched-device.md).

from m5.objects.Device import DmaDevice
from m5.objects.Gic import ArmInterruptPin
from m5.params import *
from m5.proxy import *


class CoroSched(DmaDevice):
    type = "CoroSched"
    cxx_header = "coro_sched/coro_sched.hh"
    cxx_class = "gem5::CoroSched"

    pio_addr = Param.Addr("MMIO base address")
    pio_size = Param.Addr(
        0x10000, "MMIO window size (the register map's window, 64 KiB)"
    )
    # Default: an on-chip scheduler next to the cores. 2 ns is 8 cycles at 4 GHz, the
    # push/fetch cost ATS-INTC reports; the bus adds its own latency on top (see the doc).
    pio_latency = Param.Latency("2ns", "Device access latency of one MMIO access")
    num_cores = Param.Unsigned(1, "Number of per-core banks (cores served)")
    queue_depth = Param.Unsigned(16, "Entries per hardware ready queue")
    cpu_clock = Param.Clock(
        "4GHz",
        "Clock of the cores: the device counts generator intervals, quanta and "
        "latency samples in cycles of this clock",
    )
    interrupt = Param.ArmInterruptPin(
        "SPI for the irq path and for hwq/ring fallbacks (level)"
    )
    samples_file = Param.String(
        "coro_sched_wakes.csv",
        "File in the output directory that receives every wake's latency "
        "sample ('' for none)",
    )


class CoroSchedSource(ArmInterruptPin):
    """An interrupt line of another device, wired into a CoroSched event source.

    Give it to a device instead of an ArmSPI, e.g.
    ``uart.interrupt = CoroSchedSource(sched=rv.coro_sched, source=3)``: each rising edge of
    the device's interrupt fires source 3 of the CoroSched (the GIC does not see it).
    """

    type = "CoroSchedSource"
    cxx_header = "coro_sched/source_pin.hh"
    cxx_class = "gem5::CoroSchedSourceGen"

    sched = Param.CoroSched("The CoroSched whose source this line drives")
    source = Param.Unsigned("Event source number (0 .. NUM_SOURCES-1)")
    num = 0  # no GIC interrupt number: the line goes to the CoroSched
