// Generated from gem5-devices/coro_sched/regmap.toml by the coro-sched-regmap crate. Do not
// edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.
//
// Coroutine scheduling and wake device. It owns a binding table (event source → task pointer,
// one-shot), one hardware ready queue per core, an optional ready ring per core in guest DRAM,
// a per-core quantum timer with a yield-request flag, and an event generator for experiments.
// It measures event→resume latency itself: the resumed task writes RESUME.

#ifndef __CORO_SCHED_CORO_SCHED_REGS_HH__
#define __CORO_SCHED_CORO_SCHED_REGS_HH__

#include <cstdint>

namespace coro_sched
{
namespace regs
{

constexpr uint64_t DEV_ID = 0x444843534f524f43ULL;
constexpr uint64_t DEV_VERSION = 1;
constexpr uint64_t DEV_WINDOW_SIZE = 0x10000;
constexpr unsigned DEV_NUM_SOURCES = 64;
constexpr unsigned DEV_MAX_CORES = 32;
constexpr uint64_t DEV_TASK_ALIGN = 8;
constexpr uint64_t DEV_RING_SLOT = 64;

/** Access type of a register. */
enum class Access : uint8_t { RO, WO, RW, W1C };

/** One register of a block; offset is relative to the block instance. */
struct RegInfo
{
    const char *name;
    uint64_t offset;
    unsigned width; // bits
    Access access;
};

/** A block of registers, repeated count times every stride bytes from base. */
struct BlockInfo
{
    const char *name;
    uint64_t base;
    uint64_t stride;
    unsigned count; // instances the map has room for
    bool perCore;   // true: only num_cores instances exist
    const RegInfo *regs;
    unsigned numRegs;
};

// ---- block global: Global control
constexpr uint64_t GLOBAL_BASE = 0x0;
constexpr uint64_t GLOBAL_STRIDE = 0x100;
constexpr unsigned GLOBAL_COUNT = 1;
// RO 64-bit. Identification: ASCII "COROSCHD" as a little-endian u64. Check it before anything
// else.
constexpr uint64_t ID = 0x0;
// RO 64-bit. Register-map version (`device.version`); bumped on any incompatible change.
constexpr uint64_t VERSION = 0x8;
// RO 64-bit. Number of per-core banks (SimObject parameter `num_cores`).
constexpr uint64_t NUM_CORES = 0x10;
// RO 64-bit. Capacity of each per-core hardware ready queue (parameter `queue_depth`).
constexpr uint64_t QUEUE_DEPTH = 0x18;
// RO 64-bit. Number of event sources (binding-table slots).
constexpr uint64_t NUM_SOURCES = 0x20;
// RW 64-bit. How an event wakes its task (see WakeMode). Takes effect for the next event;
// entries already queued stay where they are. An unknown value sets BAD_VALUE and is ignored.
constexpr uint64_t WAKE_MODE = 0x28;
// RW 64-bit. Control bits.
constexpr uint64_t CTRL = 0x30;
// After a hwq push or a completed ring write, signal the target core's event input (as SEV
// does, for that core only), so that a core waiting in WFE wakes without an interrupt.
constexpr uint64_t CTRL_EVENT_WIRE = 0x1ULL;
constexpr unsigned CTRL_EVENT_WIRE_SHIFT = 0;
// Make the device's DMA writes (ring entries, yield flag) Secure accesses. Set it when the
// guest runs in Secure state (e.g. at EL3, or Secure EL1): gem5's caches tag lines with the
// security state, so a Non-secure DMA write neither updates nor invalidates a line the guest
// cached as Secure (its ring would look empty and an exclusive monitor on it would never
// clear).
constexpr uint64_t CTRL_DMA_SECURE = 0x2ULL;
constexpr unsigned CTRL_DMA_SECURE_SHIFT = 1;
// W1C 64-bit. Sticky error bits, bit n = error code n (see ErrorCode). Write 1s to clear. The
// guest checks it after binding (or in self-tests after every step).
constexpr uint64_t ERR_STATUS = 0x38;
// RO 64-bit. Device offset of the access that set the first error since ERR_STATUS was last 0
// (for an error found when an event fires, the SRC_TASK offset of its source).
constexpr uint64_t ERR_ADDR = 0x40;
// W1C 64-bit. Bit s: an event of source s waits for software (irq and poll paths, and hwq/ring
// fallbacks). The SPI is asserted (level) while a bit that came from the irq path or a fallback
// is set. Write 1s to acknowledge.
constexpr uint64_t EVT_PENDING = 0x48;
// WO 64-bit. Write a source id: that source fires now, as if its interrupt line had risen
// (tests, and software-made events). An id ≥ NUM_SOURCES sets BAD_SOURCE.
constexpr uint64_t EVT_TRIGGER = 0x50;
// WO 64-bit. Write a source id: disarm its binding (the task's future was dropped). A latched
// event stays latched. An id ≥ NUM_SOURCES sets BAD_SOURCE.
constexpr uint64_t UNBIND = 0x58;
// RO 64-bit. Number of hwq/ring wakes that fell back to the interrupt path (queue or ring full,
// ring not configured) since reset.
constexpr uint64_t FALLBACKS = 0x60;
// RW 64-bit. Bit s: source s's binding is multi-shot (a stream, e.g. an RX queue): its events
// wake the bound task and leave the slot armed, so the task waits again without a new SRC_TASK
// write. It stays bound until UNBIND. Bit clear: one-shot, like a Rust waker (the event
// consumes the binding).
constexpr uint64_t MULTISHOT = 0x68;
inline constexpr RegInfo GLOBAL_REGS[] = {
    {"ID", 0x0, 64, Access::RO},
    {"VERSION", 0x8, 64, Access::RO},
    {"NUM_CORES", 0x10, 64, Access::RO},
    {"QUEUE_DEPTH", 0x18, 64, Access::RO},
    {"NUM_SOURCES", 0x20, 64, Access::RO},
    {"WAKE_MODE", 0x28, 64, Access::RW},
    {"CTRL", 0x30, 64, Access::RW},
    {"ERR_STATUS", 0x38, 64, Access::W1C},
    {"ERR_ADDR", 0x40, 64, Access::RO},
    {"EVT_PENDING", 0x48, 64, Access::W1C},
    {"EVT_TRIGGER", 0x50, 64, Access::WO},
    {"UNBIND", 0x58, 64, Access::WO},
    {"FALLBACKS", 0x60, 64, Access::RO},
    {"MULTISHOT", 0x68, 64, Access::RW},
};

// ---- block generator: Event generator
constexpr uint64_t GENERATOR_BASE = 0x100;
constexpr uint64_t GENERATOR_STRIDE = 0x100;
constexpr unsigned GENERATOR_COUNT = 1;
// RW 64-bit. Generator control.
constexpr uint64_t GEN_CTRL = 0x100;
// Writing 1 while it reads 0 starts the generator: GEN_FIRED is reset, the random stream
// restarts from GEN_SEED, and the first event fires one interval from now. Writing 0 stops it.
// It clears itself after GEN_LIMIT events. An invalid configuration (GEN_INTERVAL 0, or
// GEN_INTERVAL_MAX < GEN_INTERVAL in UNIFORM mode) sets BAD_VALUE and does not start.
constexpr uint64_t GEN_CTRL_ENABLE = 0x1ULL;
constexpr unsigned GEN_CTRL_ENABLE_SHIFT = 0;
// RW 64-bit. How intervals are drawn (see GenMode). An unknown value sets BAD_VALUE and is
// ignored.
constexpr uint64_t GEN_MODE = 0x108;
// RW 64-bit. The source the generator fires. A value ≥ NUM_SOURCES sets BAD_VALUE and is
// ignored.
constexpr uint64_t GEN_SOURCE = 0x110;
// RW 64-bit. Interval in cycles of the device's `cpu_clock` (the cores' clock): the period
// (PERIODIC), the minimum (UNIFORM) or the mean (EXPONENTIAL).
constexpr uint64_t GEN_INTERVAL = 0x118;
// RW 64-bit. Largest interval in cycles, inclusive (UNIFORM only).
constexpr uint64_t GEN_INTERVAL_MAX = 0x120;
// RW 64-bit. Seed of the generator's random stream (splitmix64). Writing it restarts the
// stream; the same seed gives the same intervals.
constexpr uint64_t GEN_SEED = 0x128;
// RW 64-bit. Stop after this many events (0: no limit).
constexpr uint64_t GEN_LIMIT = 0x130;
// RO 64-bit. Events fired since the generator was last started.
constexpr uint64_t GEN_FIRED = 0x138;
inline constexpr RegInfo GENERATOR_REGS[] = {
    {"GEN_CTRL", 0x0, 64, Access::RW},
    {"GEN_MODE", 0x8, 64, Access::RW},
    {"GEN_SOURCE", 0x10, 64, Access::RW},
    {"GEN_INTERVAL", 0x18, 64, Access::RW},
    {"GEN_INTERVAL_MAX", 0x20, 64, Access::RW},
    {"GEN_SEED", 0x28, 64, Access::RW},
    {"GEN_LIMIT", 0x30, 64, Access::RW},
    {"GEN_FIRED", 0x38, 64, Access::RO},
};

// ---- block source: Binding table (one slot per event source)
constexpr uint64_t SOURCE_BASE = 0x400;
constexpr uint64_t SOURCE_STRIDE = 0x10;
constexpr unsigned SOURCE_COUNT = 64;
// RW 64-bit. Write a task pointer: arm the slot (one-shot; a new write replaces the old
// pointer). The next event of the source consumes the binding and wakes the task on core
// SRC_CORE. If an event was latched while the slot was disarmed, it is delivered at once. 0
// sets NULL_TASK, a pointer that is not a multiple of TASK_ALIGN sets MISALIGNED_TASK; either
// leaves the slot unchanged. Reads the armed pointer, or 0 when disarmed.
constexpr uint64_t SRC_TASK = 0x0; // within one instance
constexpr uint64_t srcTask(unsigned i) { return SOURCE_BASE + i * SOURCE_STRIDE + SRC_TASK; }
// RW 64-bit. Core whose queue or ring receives this source's wakes (set once at setup; it
// survives the one-shot disarm). A value ≥ NUM_CORES sets BAD_CORE and is ignored.
constexpr uint64_t SRC_CORE = 0x8; // within one instance
constexpr uint64_t srcCore(unsigned i) { return SOURCE_BASE + i * SOURCE_STRIDE + SRC_CORE; }
inline constexpr RegInfo SOURCE_REGS[] = {
    {"SRC_TASK", 0x0, 64, Access::RW},
    {"SRC_CORE", 0x8, 64, Access::RW},
};

// ---- block percore: Per-core bank (one per core)
constexpr uint64_t PERCORE_BASE = 0x1000;
constexpr uint64_t PERCORE_STRIDE = 0x100;
constexpr unsigned PERCORE_COUNT = 32;
// RO 64-bit. Read: remove and return the oldest task pointer of this core's hardware ready
// queue, or 0 if it is empty (hwq path).
constexpr uint64_t POP = 0x0; // within one instance
constexpr uint64_t pop(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + POP; }
// RO 64-bit. Entries now in this core's hardware ready queue.
constexpr uint64_t Q_DEPTH = 0x8; // within one instance
constexpr uint64_t qDepth(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + Q_DEPTH; }
// WO 64-bit. Write a source id from the woken task's first instruction after its .await: the
// device records one latency sample (fire tick of the wake → this write's tick) for this core.
// A source with no outstanding wake sets SPURIOUS_RESUME; an id ≥ NUM_SOURCES sets BAD_SOURCE.
constexpr uint64_t RESUME = 0x10; // within one instance
constexpr uint64_t resume(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + RESUME; }
// RW 64-bit. Physical address of this core's ready ring: RING_SIZE slots of RING_SLOT (64)
// bytes, one cache line each. The device writes a whole slot: the task pointer in its first 8
// bytes (0 = empty), zeros in the rest. Must be RING_SLOT-aligned, else BAD_VALUE.
constexpr uint64_t RING_BASE = 0x18; // within one instance
constexpr uint64_t ringBase(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + RING_BASE; }
// RW 64-bit. Slots in the ring: 0 (no ring) or a power of two. Writing it resets RING_PROD and
// RING_CONS to 0. Not a power of two: BAD_VALUE, ignored.
constexpr uint64_t RING_SIZE = 0x20; // within one instance
constexpr uint64_t ringSize(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + RING_SIZE; }
// RW 64-bit. Free-running consumer index: the guest writes how many slots it has taken and
// zeroed. The device treats the ring as full when RING_PROD − RING_CONS = RING_SIZE. A value
// outside [RING_CONS, RING_PROD] sets BAD_VALUE and is ignored.
constexpr uint64_t RING_CONS = 0x28; // within one instance
constexpr uint64_t ringCons(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + RING_CONS; }
// RO 64-bit. Free-running producer index: slots the device has written (slot = index mod
// RING_SIZE).
constexpr uint64_t RING_PROD = 0x30; // within one instance
constexpr uint64_t ringProd(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + RING_PROD; }
// RW 64-bit. Quantum in cycles (0: timer off). Writing it clears YIELD and starts a quantum
// now.
constexpr uint64_t QUANTUM = 0x38; // within one instance
constexpr uint64_t quantum(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + QUANTUM; }
// W1C 64-bit. Bit 0: the quantum expired (yield requested). Writing 1 clears it and starts a
// new quantum now (write it when a new task starts running).
constexpr uint64_t YIELD = 0x40; // within one instance
constexpr uint64_t yield(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + YIELD; }
// RW 64-bit. If non-zero, the physical address of an 8-byte flag: at quantum expiry the device
// also DMA-writes 1 there, so yield checks can be a cached load instead of an MMIO read. The
// guest clears the flag itself. Must be 8-byte aligned, else BAD_VALUE.
constexpr uint64_t YIELD_ADDR = 0x48; // within one instance
constexpr uint64_t yieldAddr(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + YIELD_ADDR; }
// RW 64-bit. If non-zero, the physical address of this core's hwq non-empty flag: one
// RING_SLOT-sized line in cacheable memory that the device DMA-writes whole (the flag in its
// first 8 bytes, zeros after) when a push makes the queue non-empty (1) and when a POP empties
// it (0). A busy core reads the flag (a cached load) and pops only when it is 1. With
// CTRL.EVENT_WIRE the core is signalled after the flag write, not before. The guest only reads
// it. Must be RING_SLOT-aligned, else BAD_VALUE.
constexpr uint64_t HWQ_FLAG_ADDR = 0x50; // within one instance
constexpr uint64_t hwqFlagAddr(unsigned i) { return PERCORE_BASE + i * PERCORE_STRIDE + HWQ_FLAG_ADDR; }
inline constexpr RegInfo PERCORE_REGS[] = {
    {"POP", 0x0, 64, Access::RO},
    {"Q_DEPTH", 0x8, 64, Access::RO},
    {"RESUME", 0x10, 64, Access::WO},
    {"RING_BASE", 0x18, 64, Access::RW},
    {"RING_SIZE", 0x20, 64, Access::RW},
    {"RING_CONS", 0x28, 64, Access::RW},
    {"RING_PROD", 0x30, 64, Access::RO},
    {"QUANTUM", 0x38, 64, Access::RW},
    {"YIELD", 0x40, 64, Access::W1C},
    {"YIELD_ADDR", 0x48, 64, Access::RW},
    {"HWQ_FLAG_ADDR", 0x50, 64, Access::RW},
};

inline constexpr BlockInfo BLOCKS[] = {
    {"global", GLOBAL_BASE, GLOBAL_STRIDE, GLOBAL_COUNT, false, GLOBAL_REGS, 14},
    {"generator", GENERATOR_BASE, GENERATOR_STRIDE, GENERATOR_COUNT, false, GENERATOR_REGS, 8},
    {"source", SOURCE_BASE, SOURCE_STRIDE, SOURCE_COUNT, false, SOURCE_REGS, 2},
    {"percore", PERCORE_BASE, PERCORE_STRIDE, PERCORE_COUNT, true, PERCORE_REGS, 11},
};
constexpr unsigned NUM_BLOCKS = 4;

// Values of WAKE_MODE: the wake path of an event.
enum class WakeMode : uint64_t
{
    // Set the source's EVT_PENDING bit and raise the SPI; the handler wakes the task in
    // software. Bindings are not used.
    IRQ = 0,
    // Set the source's EVT_PENDING bit only; a poller coroutine reads EVT_PENDING. Bindings are
    // not used.
    POLL = 1,
    // Consume the binding and push the task pointer into SRC_CORE's hardware ready queue; the
    // core reads POP. Full queue: fallback to the irq path.
    HWQ = 2,
    // Consume the binding and DMA-write the task pointer into SRC_CORE's ready ring in DRAM.
    // Ring full or not configured: fallback to the irq path.
    RING = 3,
};
constexpr uint64_t WAKE_MODE_MAX = 3;
inline const char *
wakeModeName(uint64_t v)
{
    switch (v) {
      case 0: return "IRQ";
      case 1: return "POLL";
      case 2: return "HWQ";
      case 3: return "RING";
      default: return "?";
    }
}

// Values of GEN_MODE: how the event generator draws intervals.
enum class GenMode : uint64_t
{
    // Every GEN_INTERVAL cycles.
    PERIODIC = 0,
    // Uniform in [GEN_INTERVAL, GEN_INTERVAL_MAX] cycles, from the seeded stream.
    UNIFORM = 1,
    // Exponential with mean GEN_INTERVAL cycles (Poisson arrivals), rounded, at least 1.
    EXPONENTIAL = 2,
};
constexpr uint64_t GEN_MODE_MAX = 2;
inline const char *
genModeName(uint64_t v)
{
    switch (v) {
      case 0: return "PERIODIC";
      case 1: return "UNIFORM";
      case 2: return "EXPONENTIAL";
      default: return "?";
    }
}

// Error codes: bit n of ERR_STATUS is code n.
enum class ErrorCode : uint64_t
{
    // SRC_TASK written with 0.
    NULL_TASK = 0,
    // SRC_TASK written with a pointer that is not a multiple of TASK_ALIGN.
    MISALIGNED_TASK = 1,
    // SRC_CORE written with a core ≥ NUM_CORES.
    BAD_CORE = 2,
    // A source id ≥ NUM_SOURCES written to EVT_TRIGGER, UNBIND or RESUME.
    BAD_SOURCE = 3,
    // A value a register does not accept (unknown enum value, ring size not a power of two,
    // misaligned ring, yield or hwq flag address, RING_CONS out of range, invalid generator
    // configuration).
    BAD_VALUE = 4,
    // A ring-mode event for a core whose RING_SIZE is 0 (the wake fell back to the irq path).
    RING_UNCONFIGURED = 5,
    // RESUME written for a source with no outstanding wake (no sample recorded).
    SPURIOUS_RESUME = 6,
};
constexpr uint64_t ERROR_CODE_MAX = 6;
inline const char *
errorCodeName(uint64_t v)
{
    switch (v) {
      case 0: return "NULL_TASK";
      case 1: return "MISALIGNED_TASK";
      case 2: return "BAD_CORE";
      case 3: return "BAD_SOURCE";
      case 4: return "BAD_VALUE";
      case 5: return "RING_UNCONFIGURED";
      case 6: return "SPURIOUS_RESUME";
      default: return "?";
    }
}

/** How one wake was delivered: the path of a latency sample. The first ones are the
 *  WakeMode values with the same numbers. */
enum class Path : uint8_t
{
    // Set the source's EVT_PENDING bit and raise the SPI; the handler wakes the task in
    // software. Bindings are not used.
    Irq = 0,
    // Set the source's EVT_PENDING bit only; a poller coroutine reads EVT_PENDING. Bindings are
    // not used.
    Poll = 1,
    // Consume the binding and push the task pointer into SRC_CORE's hardware ready queue; the
    // core reads POP. Full queue: fallback to the irq path.
    Hwq = 2,
    // Consume the binding and DMA-write the task pointer into SRC_CORE's ready ring in DRAM.
    // Ring full or not configured: fallback to the irq path.
    Ring = 3,
    // A hwq or ring wake that fell back to the irq path (queue or ring full, or no ring): the
    // device raised the SPI and the handler woke the task from the software table.
    Fallback = 4,
};
constexpr unsigned NUM_PATHS = 5;
// The path's name in the samples file and the stats: "irq", "poll", "hwq", "ring", "fallback".
inline const char *
pathName(Path p)
{
    switch (p) {
      case Path::Irq: return "irq";
      case Path::Poll: return "poll";
      case Path::Hwq: return "hwq";
      case Path::Ring: return "ring";
      case Path::Fallback: return "fallback";
    }
    return "?";
}

} // namespace regs
} // namespace coro_sched

#endif // __CORO_SCHED_CORO_SCHED_REGS_HH__
