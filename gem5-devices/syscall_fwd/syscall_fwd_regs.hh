// Generated from gem5-devices/syscall_fwd/regmap.toml by the coro-sched-regmap crate. Do not
// edit: change regmap.toml, then run `REGMAP_BLESS=1 cargo test -p coro-sched-regmap`.
//
// Forwards system calls: it reads each user core's submission ring's producer line by DMA on a
// timer (no MMIO access and no trap on the user core), hands batches of up to B requests (or
// what is pending when the timeout expires) to the kernel side, and when the kernel side
// reports a batch done, wakes each submitting task in request order through CoroSched's hwq or
// ready-ring path.

#ifndef __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__
#define __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__

#include <cstdint>

namespace syscall_fwd
{
namespace regs
{

constexpr uint64_t DEV_ID = 0x3144574643535953ULL;
constexpr uint64_t DEV_VERSION = 1;
constexpr uint64_t DEV_WINDOW_SIZE = 0x1000;
constexpr uint64_t DEV_RING_SLOTS = 64;
constexpr uint64_t DEV_REQUEST_SLOT = 64;
constexpr uint64_t DEV_REQUESTS_OFFSET = 128;
constexpr uint64_t DEV_TASK_WORD = 7;
constexpr unsigned DEV_NUM_CORES = 8;

// ---- block global: Global control and the batch handed to the kernel side
constexpr uint64_t GLOBAL_BASE = 0x0;
constexpr uint64_t GLOBAL_STRIDE = 0x100;
constexpr unsigned GLOBAL_COUNT = 1;
// RO 64-bit. Identification: ASCII "SYSCFWD1" as a little-endian u64.
constexpr uint64_t ID = 0x0;
// RO 64-bit. Register-map version (`device.version`).
constexpr uint64_t VERSION = 0x8;
// RO 64-bit. Number of per-core blocks.
constexpr uint64_t NUM_CORES = 0x10;
// RW 64-bit. Control. Unknown bits set BAD_VALUE (the write is ignored).
constexpr uint64_t CTRL = 0x18;
// 1: poll the producer lines every POLL_PERIOD and forward batches; 0: stop polling (a batch
// with the kernel side still completes).
constexpr uint64_t CTRL_ENABLE = 0x1ULL;
// Make the device's DMA reads Secure accesses (set when the guest runs in Secure state), as
// CoroSched's CTRL.DMA_SECURE.
constexpr uint64_t CTRL_DMA_SECURE = 0x2ULL;
// RW 64-bit. B: requests per batch, 1..=device.ring_slots; another value sets BAD_VALUE and is
// ignored.
constexpr uint64_t BATCH = 0x20;
// RW 64-bit. Ticks a core's oldest pending request waits for B before a partial batch is handed
// over (checked at each poll).
constexpr uint64_t TIMEOUT = 0x28;
// RW 64-bit. Ticks between two DMA reads of the producer lines; 0 sets BAD_VALUE and is
// ignored.
constexpr uint64_t POLL_PERIOD = 0x30;
// W1C 64-bit. Sticky error bits (enum ErrorCode gives the bit numbers); write 1 to clear.
constexpr uint64_t ERR_STATUS = 0x38;
// RO 64-bit. The user core whose requests are in the current batch.
constexpr uint64_t BATCH_CORE = 0x40;
// RO 64-bit. Sequence number of the batch's first request (request s is in slot s %
// ring_slots).
constexpr uint64_t BATCH_START = 0x48;
// RO 64-bit. Requests in the current batch; 0 when no batch is with the kernel side (also once
// BATCH_DONE reported the whole batch, while its wakes wait for room in CoroSched).
constexpr uint64_t BATCH_COUNT = 0x50;
// WO 64-bit. The kernel side writes k here once it has written the completions of the batch's
// first k requests (k = BATCH_COUNT completes the batch); the device then wakes those tasks in
// request order. Writing k after each request lets each task wake while the kernel side runs
// the rest; writing BATCH_COUNT once at the end wakes them all then. A write without a batch
// sets UNEXPECTED_DONE; k = 0, k above BATCH_COUNT or below the previous k sets BAD_VALUE.
constexpr uint64_t BATCH_DONE = 0x58;
// RO 64-bit. Batches handed to the kernel side.
constexpr uint64_t BATCHES = 0x60;
// RO 64-bit. Requests handed to the kernel side.
constexpr uint64_t REQUESTS = 0x68;
// RO 64-bit. Batches the timeout started with fewer than B requests.
constexpr uint64_t TIMEOUT_BATCHES = 0x70;
// RO 64-bit. Tasks woken.
constexpr uint64_t WAKES = 0x78;
// RO 64-bit. DMA reads of producer lines.
constexpr uint64_t PRODUCER_READS = 0x80;
// RW 64-bit. The core whose event input the device signals when it hands a batch over (the
// kernel side waits in WFE there: a dedicated kernel core, or the user core itself at its idle
// point); not below num_cores sets BAD_VALUE and is ignored.
constexpr uint64_t KERNEL_CORE = 0x88;
// RO 64-bit. Wakes CoroSched could not take (the core's hardware queue or ready ring full, or
// no ring): each stays with the device, in request order, and is retried at the next poll.
constexpr uint64_t WAKE_STALLS = 0x90;

// ---- block core: Per user core: its submission ring
constexpr uint64_t CORE_BASE = 0x100;
constexpr uint64_t CORE_STRIDE = 0x40;
constexpr unsigned CORE_COUNT = 8;
// RW 64-bit. Guest-physical address of the core's rings (the producer line first); 0 = the core
// is not served. Not 64-byte aligned sets BAD_VALUE and is ignored.
constexpr uint64_t RING_BASE = 0x0; // within one instance
constexpr uint64_t ringBase(unsigned i) { return CORE_BASE + i * CORE_STRIDE + RING_BASE; }
// RW 64-bit. How the core's tasks are woken (enum WakePath); another value sets BAD_VALUE and
// is ignored.
constexpr uint64_t WAKE_PATH = 0x8; // within one instance
constexpr uint64_t wakePath(unsigned i) { return CORE_BASE + i * CORE_STRIDE + WAKE_PATH; }
// RO 64-bit. Requests the device has seen published but not yet handed over.
constexpr uint64_t PENDING = 0x10; // within one instance
constexpr uint64_t pending(unsigned i) { return CORE_BASE + i * CORE_STRIDE + PENDING; }

// CoroSched wake path the device wakes a core's tasks through.
enum class WakePath : uint64_t
{
    // Push the task pointer into the core's hardware ready queue.
    HWQ = 0x0,
    // DMA-write the task pointer into the core's ready ring.
    RING = 0x1,
};
inline const char *
wakePathName(uint64_t v)
{
    switch (v) {
      case 0x0: return "HWQ";
      case 0x1: return "RING";
      default: return "?";
    }
}

// Bit numbers of ERR_STATUS.
enum class ErrorCode : uint64_t
{
    // A register write with a value out of range (ignored).
    BAD_VALUE = 0x0,
    // BATCH_DONE written with no batch at the kernel side.
    UNEXPECTED_DONE = 0x1,
    // A producer count that went back, or ran more than ring_slots past the requests handed
    // over (the ring is user memory: never trusted).
    RING_OVERRUN = 0x2,
};
inline const char *
errorCodeName(uint64_t v)
{
    switch (v) {
      case 0x0: return "BAD_VALUE";
      case 0x1: return "UNEXPECTED_DONE";
      case 0x2: return "RING_OVERRUN";
      default: return "?";
    }
}

} // namespace regs
} // namespace syscall_fwd

#endif // __SYSCALL_FWD_SYSCALL_FWD_REGS_HH__
