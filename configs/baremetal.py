# gem5 v24.0 configuration for the project's bare-metal guest on VExpress_GEM5_V2 (GICv3).
#
# Run by the gem5 binary, never by plain Python:
#   $GEM5 -d RUNDIR --listener-mode=off configs/baremetal.py --kernel guest.elf --cpu o3 --cores 2
#
# Every parameter is a command-line option (--help lists them). The system is the one of gem5's
# configs/example/arm/baremetal.py (whose CPU and cache definitions this script imports from
# gem5's own configs/ directory), with a PMU on every core (the guest measures with the cycle
# counter) and an explicit exit status for the driver:
#   0  the guest called m5_exit(0)
#   1  the guest called m5_fail (a guest panic)
#   2  --max-ticks was reached (a hung guest)
#   3  any other exit cause
# and one line "gem5-exit: cause=... code=... tick=..." on stdout.

import argparse
import os
import sys


def gem5_configs_dir():
    """gem5's own configs/ directory: $GEM5_CONFIGS, or next to the binary's source tree."""
    env = os.environ.get("GEM5_CONFIGS")
    if env:
        return env
    exe = os.path.realpath("/proc/self/exe")  # .../build/ARM/gem5.fast
    return os.path.join(os.path.dirname(exe), "..", "..", "configs")


CONFIGS = gem5_configs_dir()
if not os.path.isfile(os.path.join(CONFIGS, "example", "arm", "devices.py")):
    print(
        f"error: gem5's configs/ directory not found at {CONFIGS}; "
        "set GEM5_CONFIGS=/path/to/gem5/configs",
        file=sys.stderr,
    )
    sys.exit(3)
sys.path.insert(0, CONFIGS)
sys.path.insert(0, os.path.join(CONFIGS, "example", "arm"))

import m5  # noqa: E402
from m5.objects import (  # noqa: E402
    ArmFsWorkload,
    AtomicSimpleCPU,
    MinorCPU,
)

import devices  # noqa: E402  (gem5 configs/example/arm/devices.py)
from common import MemConfig, ObjectList  # noqa: E402
from common.cores.arm import HPI, O3_ARM_v7a  # noqa: E402


# gem5's minor pipeline (and HPI, built on it) issues a memory access "early", before the
# branches ahead of it resolve, and panics at once (src/cpu/minor/lsq.cc: "Do not expect
# cross-cache-line atomic memory request") when such an access is an atomic whose address,
# read from a register on a mispredicted path, crosses a cache line. The guest's atomics are
# all aligned; on the wrong path they are not. Seen in the wake experiment's stamped busy `irq`
# runs (an LSE swap in the IRQ handler's wake loop, issued with a stale address); with early
# issue off the same run completes. Early issue stays off for every minor and HPI run, so all
# their numbers come from one pipeline.
class MinorCPUNoEarlyIssue(MinorCPU):
    executeAllowEarlyMemoryIssue = False


class HPINoEarlyIssue(HPI.HPI):
    executeAllowEarlyMemoryIssue = False


CPU_TYPES = {
    "atomic": (AtomicSimpleCPU, None, None, None),
    "minor": (MinorCPUNoEarlyIssue, devices.L1I, devices.L1D, devices.L2),
    "hpi": (HPINoEarlyIssue, HPI.HPI_ICache, HPI.HPI_DCache, HPI.HPI_L2),
    "o3": (
        O3_ARM_v7a.O3_ARM_v7a_3,
        O3_ARM_v7a.O3_ARM_v7a_ICache,
        O3_ARM_v7a.O3_ARM_v7a_DCache,
        O3_ARM_v7a.O3_ARM_v7aL2,
    ),
}

# PMU overflow interrupt (a PPI the guest leaves disabled: it only reads the cycle counter).
PMU_PPI = 23

# The CoroSched device (gem5-devices/coro_sched): where it sits and its interrupt. On-chip it
# hangs off the coherent membus in the unused "GPU reserved" window, next to the cores and the
# GIC; off-chip it sits on the I/O bus in the CS5 window gem5 reserves for its own devices
# (behind the 50 ns I/O bridge). The bases, the SPI and the defaults are the register map's
# (`[system]` in gem5-devices/coro_sched/regmap.toml), generated into coro_sched_system.py
# beside this script; the driver and the guest use the same values.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coro_sched_system import (  # noqa: E402
    CORO_BASE,
    CORO_SPI,
    DEFAULT_PIO_LATENCY,
    DEFAULT_QUEUE_DEPTH,
)

# The LoadGenNic load generator (gem5-devices/loadgen_nic): its base, its flows' CoroSched
# sources and its records file, from gem5-devices/loadgen_nic/regmap.toml (`[system]`).
from loadgen_nic_system import (  # noqa: E402
    LOADGEN_BASE,
    LOADGEN_PIO_LATENCY,
    LOADGEN_SOURCES,
)

# The SyscallFwd system-call forwarding device (gem5-devices/syscall_fwd): on-chip, on the
# membus next to CoroSched and the LoadGenNic, with a 4 KiB window. It has no SPI: it signals
# the kernel core's event input. The guest's driver has the same base
# (guest-os/kernel/src/syscalls/fwd_device.rs; a regmap test holds the two equal).
SYSCALL_FWD_BASE = 0x2D020000

EXIT_OK, EXIT_GUEST_FAILED, EXIT_TICK_LIMIT, EXIT_OTHER = 0, 1, 2, 3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--kernel", required=True, help="guest ELF image")
    p.add_argument("--cpu", choices=list(CPU_TYPES), default="atomic")
    p.add_argument("--cores", type=int, default=1, help="number of cores")
    p.add_argument("--cpu-freq", default="4GHz")
    p.add_argument("--mem-size", default="1GiB")
    p.add_argument("--mem-type", default="DDR3_1600_8x8")
    p.add_argument("--l1i-size", default=None, help="override the CPU model's L1I size")
    p.add_argument("--l1d-size", default=None, help="override the CPU model's L1D size")
    p.add_argument("--l2-size", default=None, help="override the CPU model's L2 size")
    p.add_argument(
        "--coro-sched",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add the CoroSched device (default: if this gem5 has it)",
    )
    p.add_argument(
        "--coro-placement",
        choices=list(CORO_BASE),
        default="on-chip",
        help="on-chip: coherent membus; off-chip: the I/O bus",
    )
    p.add_argument(
        "--coro-pio-latency",
        default=DEFAULT_PIO_LATENCY,
        help="the device's own latency per MMIO access",
    )
    p.add_argument(
        "--coro-queue-depth",
        type=int,
        default=DEFAULT_QUEUE_DEPTH,
        help="entries per hardware ready queue",
    )
    add_loadgen_args(p)
    p.add_argument(
        "--syscall-fwd",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add the SyscallFwd device (docs/syscall-forwarding.md; it wakes through "
        "CoroSched; default: if this gem5 has it and the run has CoroSched). It is idle "
        "until the guest enables it.",
    )
    p.add_argument(
        "--syscall-fwd-pio-latency",
        default="2ns",
        help="the SyscallFwd's own latency per MMIO access",
    )
    p.add_argument(
        "--coro-stash",
        choices=["off", "cluster", "l1"],
        default="off",
        help="on-chip only: off: the device's DMA cache sits on the membus, so the core's "
        "read of a ring slot or flag line the device wrote misses through its L2 and the "
        "membus; cluster: the DMA cache sits on the CPU cluster's L2 crossbar beside the "
        "cores' L1s (a stash into the cluster, as DDIO, CHI stashing and DynamIQ do), so the "
        "read is answered inside the cluster; l1: the device's DMA enters core 0's L1 data "
        "cache through a zero-latency crossbar in front of it (a stash into the target core's "
        "L1, as CHI's stash target does), so the read hits in L1",
    )
    p.add_argument(
        "--max-ticks",
        type=int,
        default=0,
        help="stop (exit status 2) after this many simulated ticks; 0 = no limit",
    )
    return p.parse_args()


def build_system(args):
    cpu_class, l1i, l1d, l2 = CPU_TYPES[args.cpu]
    mem_mode = cpu_class.memory_mode()
    want_caches = mem_mode == "timing"
    if want_caches:
        l1i = sized(l1i, args.l1i_size)
        l1d = sized(l1d, args.l1d_size)
        l2 = sized(l2, args.l2_size)

    platform = ObjectList.platform_list.get("VExpress_GEM5_V2")
    system = devices.SimpleSystem(
        want_caches, args.mem_size, platform=platform(), mem_mode=mem_mode
    )
    # MemConfig reads these attribute names from the argument namespace.
    args.mem_channels, args.mem_ranks = 1, None
    MemConfig.config_mem(args, system)
    system.connect()

    system.cpu_cluster = [
        devices.ArmCpuCluster(
            system, args.cores, args.cpu_freq, "1.0V", cpu_class, l1i, l1d, l2
        )
    ]
    system.addCaches(want_caches, last_cache_level=2)
    for cluster in system.cpu_cluster:
        cluster.addPMUs([PMU_PPI] * len(cluster))

    add_coro_sched(system, args, want_caches)
    add_loadgen(system, args, want_caches)
    add_syscall_fwd(system, args, want_caches)

    system.auto_reset_addr = True
    system.realview.gic.gicv4 = False  # GICv3: 128 KiB redistributor frames
    system.highest_el_is_64 = True
    system.workload = ArmFsWorkload(object_file=args.kernel, dtb_addr=0)
    return system


def device_dma_cache():
    """The small cache each on-chip device's DMA goes through: it makes the device a coherent
    agent (its writes invalidate, its reads snoop, the cores' copies of a line), the same for
    CoroSched, the LoadGenNic and the SyscallFwd."""
    return m5.objects.Cache(
        size="1kB",
        assoc=2,
        tag_latency=2,
        data_latency=2,
        response_latency=2,
        mshrs=4,
        tgts_per_mshr=8,
        write_buffers=8,
    )


def stash_into_l1(system, device):
    """The device's DMA port joins core 0's data-side port in front of its L1D, through a
    crossbar with no latency of its own: the device's writes allocate in that L1 (coherently:
    the L1 gets the line from the cluster as for a store), and the core's next load of the
    slot or flag line hits. Core 0 is the stash target (the wake experiment's core); a real
    CHI stash names its target per write. The crossbar is coherent, so a device write snoops
    the core's port as a peer's store would (it clears the exclusive monitor, squashes a
    speculative load of the line).

    No latency: zero header, frontend, forward and response latencies, and a 1 THz clock so
    that clock-edge alignment and the payload's one-cycle delay cost a picosecond, not a core
    cycle. It still sits on the core's path (its layers take one packet at a time), which
    costs the core cycles on every path: docs/coro-sched-device.md, "Stashing into the core's
    L1", has the measurement."""
    cpu = system.cpu_cluster[0].cpus[0]
    cluster = system.cpu_cluster[0]
    system.coro_l1_stash_xbar = m5.objects.CoherentXBar(
        width=64,
        header_latency=0,
        frontend_latency=0,
        forward_latency=0,
        response_latency=0,
        snoop_response_latency=0,
        point_of_coherency=False,
        point_of_unification=False,
        clk_domain=m5.objects.SrcClockDomain(clock="1THz", voltage_domain=cluster.voltage_domain),
    )
    xbar = system.coro_l1_stash_xbar
    # cpu.dcache_port -> l1d.cpu_side becomes cpu.dcache_port -> xbar -> l1d.cpu_side.
    cpu.dcache_port.splice(xbar.cpu_side_ports[0], xbar.mem_side_ports[0])
    device.dma = xbar.cpu_side_ports[1]


def sources_hash():
    """The hash of the gem5-devices sources this binary was built from (the driver compares
    it with the working tree's: driver/src/device_hash.rs)."""
    try:
        from m5.objects.Gem5DevicesBuild import DEVICE_SOURCES_HASH

        return DEVICE_SOURCES_HASH
    except ImportError:
        return "unknown"


def add_coro_sched(system, args, want_caches):
    have = hasattr(m5.objects, "CoroSched")
    want = have if args.coro_sched is None else args.coro_sched
    if not want:
        print(f"coro-sched: absent sources_hash={sources_hash()}", flush=True)
        return
    if not have:
        print(
            "error: this gem5 has no CoroSched SimObject; rebuild gem5 with the project's "
            "gem5-devices/ directory as EXTRAS (see README)",
            file=sys.stderr,
        )
        sys.exit(EXIT_OTHER)
    rv = system.realview
    rv.coro_sched = m5.objects.CoroSched(
        pio_addr=CORO_BASE[args.coro_placement],
        pio_latency=args.coro_pio_latency,
        num_cores=args.cores,
        queue_depth=args.coro_queue_depth,
        cpu_clock=args.cpu_freq,
        interrupt=m5.objects.ArmSPI(num=CORO_SPI),
    )
    if args.coro_placement == "off-chip":
        # Behind the I/O bridge; its DMA goes through the system's I/O cache, as any off-chip
        # device's does.
        rv.coro_sched.pio = system.iobus.mem_side_ports
        rv.coro_sched.dma = system.iobus.cpu_side_ports
    else:
        rv.coro_sched.pio = system.membus.mem_side_ports
        if want_caches and args.coro_stash == "l1":
            # The target core's L1 is the device's coherent agent: no cache of its own.
            stash_into_l1(system, rv.coro_sched)
        elif want_caches:
            # A small cache of its own makes the device a coherent on-chip agent: its
            # whole-line ring write invalidates the core's copy (and clears the core's exclusive
            # monitor). Straight onto membus, gem5's classic cache panics when a device write
            # snoops a line a core holds Modified (docs/coro-sched-device.md).
            system.coro_dma_cache = device_dma_cache()
            rv.coro_sched.dma = system.coro_dma_cache.cpu_side
            if args.coro_stash == "cluster":
                # Stashing: the DMA cache joins the cluster, a peer of the cores' L1s on the
                # L2 crossbar, clocked with the cluster. The core's load of a line the device
                # wrote is a snoop hit inside the cluster, not a trip over the membus.
                cluster = system.cpu_cluster[0]
                system.coro_dma_cache.clk_domain = cluster.clk_domain
                system.coro_dma_cache.mem_side = cluster.toL2Bus.cpu_side_ports
            else:
                system.coro_dma_cache.mem_side = system.membus.cpu_side_ports
        else:
            rv.coro_sched.dma = system.membus.cpu_side_ports
    if args.coro_stash != "off" and (args.coro_placement != "on-chip" or not want_caches):
        print(
            "error: --coro-stash needs the device on-chip and a CPU with caches "
            "(--coro-placement on-chip, --cpu minor/hpi/o3)",
            file=sys.stderr,
        )
        sys.exit(EXIT_OTHER)
    print(
        f"coro-sched: base={CORO_BASE[args.coro_placement]:#x} "
        f"placement={args.coro_placement} pio_latency={args.coro_pio_latency} "
        f"queue_depth={args.coro_queue_depth} stash={args.coro_stash} sources_hash={sources_hash()}",
        flush=True,
    )


def add_loadgen_args(p):
    """The --loadgen options: the LoadGenNic and its SimObject parameters (nic-spec)."""
    p.add_argument(
        "--loadgen",
        action="store_true",
        help="add the LoadGenNic load generator (docs/loadgen-nic.md)",
    )
    p.add_argument("--loadgen-seed", type=int, default=1, help="seed of its streams")
    p.add_argument(
        "--loadgen-arrival",
        choices=["poisson", "fixed"],
        default="poisson",
        help="arrival process of flow 0 (open loop)",
    )
    p.add_argument(
        "--loadgen-rate",
        type=float,
        default=1e5,
        help="offered load of flow 0 in requests per second",
    )
    p.add_argument(
        "--loadgen-workload",
        default="exp:1us",
        help="fixed:T | exp:MEAN | bimodal:P:SHORT:LONG | lognormal:MEAN:SIGMA | "
        "kv:GET_FRACTION:SCAN_LEN:KEYS:uniform | kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S",
    )
    p.add_argument(
        "--loadgen-warmup", type=int, default=0, help="warm-up requests (excluded)"
    )
    p.add_argument(
        "--loadgen-requests", type=int, default=1000, help="measured requests"
    )
    p.add_argument(
        "--loadgen-greedy",
        action="store_true",
        help="flow 1 is a saturating (greedy) flow",
    )
    p.add_argument(
        "--loadgen-pio-latency",
        default=LOADGEN_PIO_LATENCY,
        help="the device's own latency per MMIO access",
    )
    p.add_argument(
        "--loadgen-selftest",
        action="store_true",
        help="implies --loadgen; no guest consumer: the device sets up flow 0's ring at the "
        "top of DRAM, "
        "starts at once and ends the simulation when every measured request is resolved "
        "(warm-up is raised to the ring size, so every measured request drops)",
    )


def add_loadgen(system, args, want_caches):
    if not (args.loadgen or args.loadgen_selftest):
        return
    if not hasattr(m5.objects, "LoadGenNic"):
        print(
            "error: this gem5 has no LoadGenNic SimObject; rebuild gem5 with the project's "
            "gem5-devices/ directory as EXTRAS (see README)",
            file=sys.stderr,
        )
        sys.exit(EXIT_OTHER)
    rv = system.realview
    sched = getattr(rv, "coro_sched", None)
    pins = {}
    if sched is not None:
        # Each delivered descriptor pulses its flow's line: a CoroSched event source.
        for flow, source in enumerate(LOADGEN_SOURCES):
            pins[f"flow{flow}_pin"] = m5.objects.CoroSchedSource(
                sched=sched, source=source
            )
    warmup = args.loadgen_warmup
    selftest = {}
    if args.loadgen_selftest:
        ring_size = 16
        dram = system.mem_ranges[0]
        selftest = dict(
            selftest_ring_base=int(dram.start) + int(dram.size()) - 0x100000,
            selftest_ring_size=ring_size,
        )
        warmup = max(warmup, ring_size)
    rv.loadgen_nic = m5.objects.LoadGenNic(
        pio_addr=LOADGEN_BASE,
        pio_latency=args.loadgen_pio_latency,
        cpu_clock=args.cpu_freq,
        seed=args.loadgen_seed,
        arrival=args.loadgen_arrival,
        rate=args.loadgen_rate,
        workload=args.loadgen_workload,
        warmup=warmup,
        requests=args.loadgen_requests,
        greedy=args.loadgen_greedy,
        flow0_source=LOADGEN_SOURCES[0],
        flow1_source=LOADGEN_SOURCES[1],
        **pins,
        **selftest,
    )
    nic = rv.loadgen_nic
    nic.pio = system.membus.mem_side_ports
    if want_caches:
        # As CoroSched on-chip: a small cache makes the NIC a coherent agent, so its
        # whole-line descriptor writes invalidate the core's copy of the slot.
        system.loadgen_dma_cache = device_dma_cache()
        nic.dma = system.loadgen_dma_cache.cpu_side
        system.loadgen_dma_cache.mem_side = system.membus.cpu_side_ports
    else:
        nic.dma = system.membus.cpu_side_ports
    print(
        f"loadgen-nic: base={LOADGEN_BASE:#x} arrival={args.loadgen_arrival} "
        f"rate={args.loadgen_rate:g} workload={args.loadgen_workload} "
        f"warmup={warmup} requests={args.loadgen_requests} "
        f"greedy={args.loadgen_greedy} seed={args.loadgen_seed} "
        f"sources={'wired' if pins else 'none (no CoroSched)'} "
        f"selftest={args.loadgen_selftest}",
        flush=True,
    )


def add_syscall_fwd(system, args, want_caches):
    have = hasattr(m5.objects, "SyscallFwd")
    sched = getattr(system.realview, "coro_sched", None)
    want = (have and sched is not None) if args.syscall_fwd is None else args.syscall_fwd
    if not want:
        return
    if not have:
        print(
            "error: this gem5 has no SyscallFwd SimObject; rebuild gem5 with the project's "
            "gem5-devices/ directory as EXTRAS (see README)",
            file=sys.stderr,
        )
        sys.exit(EXIT_OTHER)
    rv = system.realview
    if sched is None:
        print(
            "error: --syscall-fwd wakes tasks through CoroSched: drop --no-coro-sched",
            file=sys.stderr,
        )
        sys.exit(EXIT_OTHER)
    rv.syscall_fwd = m5.objects.SyscallFwd(
        pio_addr=SYSCALL_FWD_BASE,
        pio_latency=args.syscall_fwd_pio_latency,
        sched=sched,
    )
    fwd = rv.syscall_fwd
    fwd.pio = system.membus.mem_side_ports
    if want_caches:
        # As CoroSched on-chip: a small cache makes the device a coherent agent, so its reads
        # of the producer line and the task words see what the user core wrote (a snoop of its
        # L1), not stale DRAM.
        system.syscall_fwd_dma_cache = device_dma_cache()
        fwd.dma = system.syscall_fwd_dma_cache.cpu_side
        system.syscall_fwd_dma_cache.mem_side = system.membus.cpu_side_ports
    else:
        fwd.dma = system.membus.cpu_side_ports
    print(
        f"syscall-fwd: base={SYSCALL_FWD_BASE:#x} "
        f"pio_latency={args.syscall_fwd_pio_latency}",
        flush=True,
    )


def sized(cache_class, size):
    """A subclass of `cache_class` with another size, or the class itself."""
    if cache_class is None or size is None:
        return cache_class
    return type(cache_class.__name__, (cache_class,), {"size": size})


def run(args):
    max_ticks = args.max_ticks if args.max_ticks > 0 else m5.MaxTick
    event = m5.simulate(max_ticks)
    cause, code = event.getCause(), event.getCode()
    if cause == "m5_exit instruction encountered":
        status = EXIT_OK if code == 0 else EXIT_GUEST_FAILED
    elif cause == "m5_fail instruction encountered":
        status = EXIT_GUEST_FAILED
    elif cause == "simulate() limit reached":
        status = EXIT_TICK_LIMIT
    else:
        status = EXIT_OTHER
    print(f"gem5-exit: cause={cause!r} code={code} tick={m5.curTick()}", flush=True)
    return status


def main():
    args = parse_args()
    root = m5.objects.Root(full_system=True, system=build_system(args))
    m5.instantiate()
    status = run(args)
    m5.stats.dump()
    sys.exit(status)


if __name__ == "__m5_main__":
    main()
