// Generated from gem5-devices/loadgen_nic/regmap.toml by the coro-sched-regmap crate. Do not
// edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.
//
// Load-generator NIC with an offloaded transport: requests arrive as descriptors, not packets.
// Flow 0 is an open-loop request stream (Poisson or fixed-interval arrivals from a seed,
// service times or key-value operations drawn from a named workload); flow 1 is an optional
// saturating flow whose RX ring never empties. Each descriptor is DMA-written whole into the
// flow's RX ring in guest DRAM and fires the flow's CoroSched event source. Completions come
// back through a TX ring that the device reads by DMA at each doorbell and stamps with the
// doorbell's tick.

#ifndef __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__
#define __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__

#include <cstdint>

namespace loadgen_nic
{
namespace regs
{

constexpr uint64_t DEV_ID = 0x3143494e4e45474cULL;
constexpr uint64_t DEV_VERSION = 1;
constexpr uint64_t DEV_WINDOW_SIZE = 0x1000;
constexpr unsigned DEV_NUM_FLOWS = 2;
constexpr uint64_t DEV_RX_SLOT = 64;
constexpr uint64_t DEV_TX_SLOT = 16;
constexpr uint64_t SYS_BASE = 0x2d010000;
constexpr unsigned SYS_FLOW0_SOURCE = 8;
constexpr unsigned SYS_FLOW1_SOURCE = 9;
constexpr const char *SYS_RECORDS_FILE = "loadgen_requests.csv";

/** Access type of a register. */
enum class Access : uint8_t { RO, WO, RW, W1C };

/** One register of a block; offset is relative to the block instance. */
struct RegInfo
{
    const char *name;
    uint64_t offset;
    Access access;
};

// ---- block global: Global control
constexpr uint64_t GLOBAL_BASE = 0x0;
constexpr uint64_t GLOBAL_STRIDE = 0x100;
constexpr unsigned GLOBAL_COUNT = 1;
// RO 64-bit. Identification: ASCII "LGENNIC1" as a little-endian u64.
constexpr uint64_t ID = 0x0;
// RO 64-bit. Register-map version (`device.version`).
constexpr uint64_t VERSION = 0x8;
// RO 64-bit. Number of flows (per-flow blocks).
constexpr uint64_t NUM_FLOWS = 0x10;
// RW 64-bit. Control. Unknown bits set BAD_VALUE (the write is ignored).
constexpr uint64_t CTRL = 0x18;
// Write 1 once the rings are configured: the generator starts and the first arrival comes one
// inter-arrival time later (the saturating flow fills its ring at once). Writing 0 stops the
// generator. START with flow 0's RX ring (or, with the saturating flow, flow 1's) unconfigured
// sets RING_UNCONFIGURED and does not start.
constexpr uint64_t CTRL_START = 0x1ULL;
// Make the device's DMA (RX descriptor writes, TX ring reads) Secure accesses, as CoroSched's
// CTRL.DMA_SECURE: set it when the guest runs in Secure state, so that gem5's caches snoop the
// lines the guest cached.
constexpr uint64_t CTRL_DMA_SECURE = 0x2ULL;
// RO 64-bit. Run state.
constexpr uint64_t STATUS = 0x20;
// The generator is started and has requests left to generate (or END left to deliver).
constexpr uint64_t STATUS_RUNNING = 0x1ULL;
// Every measured request completed or was dropped, and END was delivered.
constexpr uint64_t STATUS_DONE = 0x2ULL;
// W1C 64-bit. Sticky error bits, bit n = error code n (see ErrorCode). Write 1s to clear.
constexpr uint64_t ERR_STATUS = 0x28;
// RO 64-bit. Device offset of the access that set the first error since ERR_STATUS was last 0
// (for BAD_COMPLETION, the TX_PROD offset of the doorbell).
constexpr uint64_t ERR_ADDR = 0x30;
// RO 64-bit. Keys in the key-value key space (keys are 0 .. KV_KEYS-1); 0 if the workload is
// not kv.
constexpr uint64_t KV_KEYS = 0x38;
// RO 64-bit. The run's seed (the guest preloads its key-value store from it).
constexpr uint64_t SEED = 0x40;
// RW 64-bit. Physical address of the TX ring (TX_SLOT-byte slots), 64-byte aligned, else
// BAD_VALUE.
constexpr uint64_t TX_RING_BASE = 0x48;
// RW 64-bit. TX ring slots, a power of two (0 = no ring), else BAD_VALUE. Writing resets
// TX_PROD and TX_CONS.
constexpr uint64_t TX_RING_SIZE = 0x50;
// RW 64-bit. Doorbell: the guest writes its free-running producer index; the device DMA-reads
// slots [TX_CONS, TX_PROD) and stamps each completion with the tick of this write. An index
// behind the last doorbell or more than TX_RING_SIZE ahead of TX_CONS sets BAD_VALUE; a
// doorbell without a TX ring sets RING_UNCONFIGURED.
constexpr uint64_t TX_PROD = 0x58;
// RO 64-bit. Free-running index of the TX slots the device has read (the guest may reuse slots
// below it).
constexpr uint64_t TX_CONS = 0x60;
// RO 64-bit. Requests generated on flow 0 (warm-up included).
constexpr uint64_t ARRIVALS = 0x68;
// RO 64-bit. Flow-0 requests dropped because the RX ring was full.
constexpr uint64_t DROPS = 0x70;
// RO 64-bit. Completions received (valid ones: ids that were outstanding).
constexpr uint64_t COMPLETIONS = 0x78;
inline constexpr RegInfo GLOBAL_REGS[] = {
    {"ID", 0x0, Access::RO},
    {"VERSION", 0x8, Access::RO},
    {"NUM_FLOWS", 0x10, Access::RO},
    {"CTRL", 0x18, Access::RW},
    {"STATUS", 0x20, Access::RO},
    {"ERR_STATUS", 0x28, Access::W1C},
    {"ERR_ADDR", 0x30, Access::RO},
    {"KV_KEYS", 0x38, Access::RO},
    {"SEED", 0x40, Access::RO},
    {"TX_RING_BASE", 0x48, Access::RW},
    {"TX_RING_SIZE", 0x50, Access::RW},
    {"TX_PROD", 0x58, Access::RW},
    {"TX_CONS", 0x60, Access::RO},
    {"ARRIVALS", 0x68, Access::RO},
    {"DROPS", 0x70, Access::RO},
    {"COMPLETIONS", 0x78, Access::RO},
};
constexpr unsigned GLOBAL_NUM_REGS = 16;

// ---- block flow: Per-flow RX ring
constexpr uint64_t FLOW_BASE = 0x100;
constexpr uint64_t FLOW_STRIDE = 0x100;
constexpr unsigned FLOW_COUNT = 2;
// RW 64-bit. Physical address of the flow's RX ring (RX_SLOT-byte slots), 64-byte aligned, else
// BAD_VALUE.
constexpr uint64_t RX_RING_BASE = 0x0; // within one instance
constexpr uint64_t rxRingBase(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_RING_BASE; }
// RW 64-bit. RX ring slots, a power of two (0 = flow off), else BAD_VALUE. Writing resets
// RX_PROD and RX_CONS; a write while the generator runs sets BAD_VALUE.
constexpr uint64_t RX_RING_SIZE = 0x8; // within one instance
constexpr uint64_t rxRingSize(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_RING_SIZE; }
// RO 64-bit. Free-running count of descriptors written into the ring.
constexpr uint64_t RX_PROD = 0x10; // within one instance
constexpr uint64_t rxProd(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_PROD; }
// RW 64-bit. Free-running count of descriptors the guest consumed (and zeroed); it may batch
// this write (at least every RX_RING_SIZE/4 descriptors). The ring is full when RX_PROD -
// RX_CONS = RX_RING_SIZE. A value behind the last one or beyond RX_PROD sets BAD_VALUE.
constexpr uint64_t RX_CONS = 0x18; // within one instance
constexpr uint64_t rxCons(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_CONS; }
// RO 64-bit. The CoroSched event source fired per delivered descriptor.
constexpr uint64_t RX_SOURCE = 0x20; // within one instance
constexpr uint64_t rxSource(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + RX_SOURCE; }
// RO 64-bit. What feeds the flow.
constexpr uint64_t FLOW_MODE = 0x28; // within one instance
constexpr uint64_t flowMode(unsigned i) { return FLOW_BASE + i * FLOW_STRIDE + FLOW_MODE; }
inline constexpr RegInfo FLOW_REGS[] = {
    {"RX_RING_BASE", 0x0, Access::RW},
    {"RX_RING_SIZE", 0x8, Access::RW},
    {"RX_PROD", 0x10, Access::RO},
    {"RX_CONS", 0x18, Access::RW},
    {"RX_SOURCE", 0x20, Access::RO},
    {"FLOW_MODE", 0x28, Access::RO},
};
constexpr unsigned FLOW_NUM_REGS = 6;

// ---- RX slot words (64-bit word index)
// Request id (>= 1, per-flow sequence including warm-up; END has u64::MAX). Non-zero = slot
// full: the guest zeroes it after copying the slot.
constexpr unsigned RX_WORD_ID = 0;
// DescKind.
constexpr unsigned RX_WORD_KIND = 1;
// SYNTH: service time in CPU cycles (the device's cpu_clock); GET/SCAN: key; else 0.
constexpr unsigned RX_WORD_ARG0 = 2;
// SCAN: items to walk; else 0.
constexpr unsigned RX_WORD_ARG1 = 3;
// Tick the request arrived.
constexpr unsigned RX_WORD_ARRIVAL_TICK = 4;
// Tick the descriptor's DMA write was issued.
constexpr unsigned RX_WORD_DELIVERY_TICK = 5;
// Bit 0 (DESC_FLAG_WARMUP): a warm-up request, excluded from the measurement.
constexpr unsigned RX_WORD_FLAGS = 6;

// ---- TX slot words (64-bit word index)
// Id of the completed flow-0 request.
constexpr unsigned TX_WORD_ID = 0;
// The cycles the guest spent serving it (PMU): for key-value slowdown and to check the
// synthetic loop's calibration.
constexpr unsigned TX_WORD_WORK_CYCLES = 1;

// Error codes: bit n of ERR_STATUS is code n.
enum class ErrorCode : uint64_t
{
    // A register written with a value it does not take (misaligned base, size not a power of
    // two, an index out of range, unknown CTRL bits, a ring reconfigured while running); the
    // write is ignored.
    BAD_VALUE = 0x0,
    // START with a needed RX ring of size 0, or a TX doorbell without a TX ring.
    RING_UNCONFIGURED = 0x1,
    // A TX slot named an id that is not outstanding (never delivered, dropped, or completed
    // already); the slot is ignored.
    BAD_COMPLETION = 0x2,
};
inline const char *
errorCodeName(uint64_t v)
{
    switch (v) {
      case 0x0: return "BAD_VALUE";
      case 0x1: return "RING_UNCONFIGURED";
      case 0x2: return "BAD_COMPLETION";
      default: return "?";
    }
}

// FLOW_MODE values.
enum class FlowMode : uint64_t
{
    // The flow carries nothing.
    OFF = 0x0,
    // The request generator: open-loop arrivals that never wait for completions.
    OPEN_LOOP = 0x1,
    // Greedy: the device refills a slot as soon as RX_CONS frees it, so the ring never empties.
    SATURATING = 0x2,
};
inline const char *
flowModeName(uint64_t v)
{
    switch (v) {
      case 0x0: return "OFF";
      case 0x1: return "OPEN_LOOP";
      case 0x2: return "SATURATING";
      default: return "?";
    }
}

// RX descriptor kinds (descriptor word KIND).
enum class DescKind : uint64_t
{
    // Synthetic request: ARG0 is its service time in CPU cycles.
    SYNTH = 0x1,
    // Key-value GET: ARG0 is the key.
    GET = 0x2,
    // Key-value SCAN: ARG0 is the first key, ARG1 the number of items to walk.
    SCAN = 0x3,
    // An item of the saturating flow.
    GREEDY = 0x4,
    // The run is over (flow 0, id = u64::MAX): every measured request completed or was dropped.
    END = 0xff,
};
inline const char *
descKindName(uint64_t v)
{
    switch (v) {
      case 0x1: return "SYNTH";
      case 0x2: return "GET";
      case 0x3: return "SCAN";
      case 0x4: return "GREEDY";
      case 0xff: return "END";
      default: return "?";
    }
}

} // namespace regs
} // namespace loadgen_nic

#endif // __LOADGEN_NIC_LOADGEN_NIC_REGS_HH__
