# The SyscallFwd system-call forwarding device (docs/syscall-forwarding.md).

from m5.objects.CoroSched import CoroSched
from m5.objects.Device import DmaDevice
from m5.params import *
from m5.proxy import *


class SyscallFwd(DmaDevice):
    type = "SyscallFwd"
    cxx_header = "syscall_fwd/syscall_fwd.hh"
    cxx_class = "gem5::SyscallFwd"

    pio_addr = Param.Addr("MMIO base address")
    pio_size = Param.Addr(
        0x1000, "MMIO window size (the register map's window, 4 KiB)"
    )
    # As CoroSched: an on-chip device next to the cores.
    pio_latency = Param.Latency("2ns", "Device access latency of one MMIO access")
    sched = Param.CoroSched(
        "The CoroSched whose hwq or ready ring receives the woken tasks"
    )
