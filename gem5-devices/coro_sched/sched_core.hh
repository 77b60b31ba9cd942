/*
 * The CoroSched device's state machine: plain C++17, no gem5 headers.
 *
 * It holds the binding table (event source -> task pointer, one-shot), the per-core hardware
 * ready queues, the per-core ready-ring producer state, the per-core quantum timers and yield
 * flags, the event generator and the latency bookkeeping, and it decodes every register access
 * against the generated register map (coro_sched_regs.hh).
 *
 * Time is passed in as ticks. The core never schedules anything itself: it reports its next
 * deadline (nextDeadline()) and the owner calls advance(now) when that tick comes. Everything
 * that leaves the device (the SPI level, DMA writes, per-core event signals, stats, samples,
 * trace lines) goes through the Hooks the owner implements: the gem5 wrapper in coro_sched.cc,
 * or a recording mock in the unit tests. Same inputs, same outputs: the core is deterministic.
 */

#ifndef __CORO_SCHED_SCHED_CORE_HH__
#define __CORO_SCHED_SCHED_CORE_HH__

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "coro_sched/coro_sched_regs.hh"

namespace coro_sched
{

using Tick = uint64_t;
/** "No deadline". */
constexpr Tick NEVER = UINT64_MAX;

/** How one wake was delivered; the path of a latency sample. Defined once, in regmap.toml
 *  (`[[path]]`), and generated into coro_sched_regs.hh with NUM_PATHS and pathName(). */
using regs::NUM_PATHS;
using regs::Path;
using regs::pathName;

/** Things the device counts; the gem5 wrapper mirrors each into a stat. */
enum class Count : uint8_t
{
    Events,          // source events (generator, trigger register, external lines)
    GenFires,        // events fired by the event generator
    Latched,         // hwq/ring event that found its slot disarmed and was latched
    Coalesced,       // hwq/ring event that found an event already latched (merged)
    Bindings,        // successful SRC_TASK writes
    Rebinds,         // SRC_TASK writes that replaced an armed binding
    BindErrors,      // SRC_TASK writes rejected (null or misaligned pointer)
    Unbinds,         // UNBIND writes that disarmed an armed slot
    Pops,            // POP reads that returned a task
    EmptyPops,       // POP reads of an empty queue
    RingWrites,      // ring entries produced
    Fallbacks,       // hwq/ring wakes that fell back to the irq path
    Overruns,        // wakes for a source whose previous wake was not resumed yet
    Resumes,         // RESUME writes that produced a latency sample
    SpuriousResumes, // RESUME writes with no outstanding wake
    QuantumExpiries, // quantum timer expiries (yield requests raised)
    TaskWakes,       // task pointers pushed by another device (wakeTask)
    TaskWakesRefused, // wakeTask calls refused: the queue or ring was full, or no ring
    Errors,          // error codes raised (any kind)
};
constexpr unsigned NUM_COUNTS = static_cast<unsigned>(Count::Errors) + 1;
const char *countName(Count c);

/** One wake's latency sample, completed by the RESUME write. */
struct WakeSample
{
    uint64_t seq;      // 0, 1, 2, ... in resume order
    Path path;         // how the wake was delivered
    unsigned core;     // core that wrote RESUME
    unsigned source;   // event source
    Tick fireTick;     // tick the source's event fired
    Tick resumeTick;   // tick of the RESUME write
    uint64_t cycles;   // (resumeTick - fireTick) / cyclePeriod, rounded down
};

/** What the core needs from its owner. */
class Hooks
{
  public:
    virtual ~Hooks() = default;
    /** Drive the SPI to this level (called only on a change). */
    virtual void setIrq(bool level) = 0;
    /**
     * Write `bytes` (8, or DEV_RING_SLOT for a ring slot) to guest physical memory at `addr`:
     * `value` little-endian in the first 8 bytes, zeros after. A Secure access if `secure`
     * (CTRL.DMA_SECURE). If signalCore >= 0, signal that core's event input once the write is
     * visible.
     */
    virtual void writeMemory(uint64_t addr, uint64_t value, unsigned bytes, int signalCore,
                          bool secure) = 0;
    /** Signal one core's event input now (the per-core event wire, like a targeted SEV). */
    virtual void signalCore(unsigned core) = 0;
    /** A wake was delivered along `path` for `core`. */
    virtual void wake(Path path, unsigned core) = 0;
    /** Bump a counter. */
    virtual void count(Count c) = 0;
    /** A hwq push left `depth` entries in `core`'s queue. */
    virtual void queueDepth(unsigned core, unsigned depth) = 0;
    /** A latency sample is complete. */
    virtual void sample(const WakeSample &s) = 0;
    /** True if trace() lines are wanted (formatting is skipped otherwise). */
    virtual bool tracing() const { return false; }
    virtual void trace(const std::string &line) { (void)line; }
};

/** Fixed parameters. */
struct Config
{
    unsigned numCores = 1;   // 1 .. regs::DEV_MAX_CORES
    unsigned queueDepth = 16; // entries per hardware ready queue, >= 1
    Tick cyclePeriod = 1;    // ticks per cycle of the CPU clock, >= 1
};

/** Result of a register access. */
enum class AccessStatus : uint8_t
{
    Ok,
    UnknownOffset,   // no register there (or a per-core bank beyond num_cores)
    Unaligned,       // inside a register, but not at its start
    BadSize,         // size differs from the register's width
    ReadOfWriteOnly,
    WriteToReadOnly,
};

struct AccessResult
{
    AccessStatus status = AccessStatus::Ok;
    const char *reg = nullptr; // register name, when one was found
    int index = -1;            // block instance for repeated blocks, else -1
    unsigned width = 0;        // register width in bits, when one was found
};

class SchedCore
{
  public:
    /** nullptr if cfg is usable, else what is wrong with it. */
    static const char *checkConfig(const Config &cfg);
    /** cfg must pass checkConfig(). */
    SchedCore(const Config &cfg, Hooks &hooks);

    /** MMIO read of `size` bytes at `offset` from the device base. */
    AccessResult read(uint64_t offset, unsigned size, Tick now, uint64_t &value);
    /** MMIO write of `size` bytes at `offset` from the device base. */
    AccessResult write(uint64_t offset, unsigned size, uint64_t value, Tick now);
    /** A message naming the register, offset and size of a failed access. */
    static std::string describe(const AccessResult &r, uint64_t offset, unsigned size,
                                bool isWrite, unsigned numCores);

    /** Event source `source` fires at `now` (an interrupt line of another device rose). */
    void fire(unsigned source, Tick now);

    /**
     * Another device (SyscallFwd) wakes `task` on core `core` directly, with no event source
     * or binding: pushed into the core's hwq (`ring` false) or written into its ready ring,
     * as a bound source's wake on that path is, with the event wire and the hwq flag line.
     * Returns false, changing nothing, if the queue or ring is full or the ring is not set
     * up: the caller keeps the wake and retries (no fallback: there is no source to latch).
     * No latency sample is taken (RESUME names a source).
     */
    bool wakeTask(unsigned core, uint64_t task, bool ring, Tick now);

    /** The earliest tick at which advance() has work, or NEVER. */
    Tick nextDeadline() const;
    /** Process every deadline <= now (generator events, quantum expiries), in time order. */
    void advance(Tick now);

    // ---- inspection (tests, the gem5 wrapper) ----
    const Config &config() const { return cfg; }
    uint64_t counter(Count c) const { return counts[static_cast<unsigned>(c)]; }
    unsigned queueSize(unsigned core) const { return cores.at(core).count; }
    uint64_t errStatus() const { return errStatus_; }
    uint64_t errAddr() const { return errAddr_; }
    uint64_t pending() const { return pending_; }
    bool irqLevel() const { return irqLevel_; }
    bool yieldRequested(unsigned core) const { return cores.at(core).yield; }
    Tick quantumDeadline(unsigned core) const { return cores.at(core).quantumDeadline; }
    uint64_t wakeMode() const { return wakeMode_; }

  private:
    struct Entry
    {
        uint64_t task;
        unsigned source;
    };

    struct Slot
    {
        uint64_t task = 0;
        bool armed = false;
        unsigned core = 0;
        bool latched = false;
        Tick latchedTick = 0;
    };

    /** A delivered wake waiting for its RESUME write. */
    struct Outstanding
    {
        Tick fireTick = 0;
        Path path = Path::Irq;
    };

    /**
     * A source's delivered wakes that have not resumed yet, oldest first. The software can
     * take a second event as a wake of its own before it resumes from the first: once the
     * handler has acknowledged the pending bit, the next event sets it again and is latched
     * in software, and it completes the task's next wait with a RESUME of its own. Only an
     * event that finds its pending bit still set merges into the previous wake.
     */
    struct OutstandingQueue
    {
        static constexpr unsigned CAPACITY = 4;
        std::array<Outstanding, CAPACITY> entries{};
        unsigned head = 0;
        unsigned count = 0;
    };

    struct CoreState
    {
        std::vector<Entry> queue; // circular, queueDepth entries
        unsigned head = 0;
        unsigned count = 0;
        uint64_t ringBase = 0;
        uint64_t ringSize = 0;
        uint64_t ringProd = 0;
        uint64_t ringCons = 0;
        uint64_t quantum = 0; // cycles, 0 = off
        Tick quantumDeadline = NEVER;
        bool yield = false;
        uint64_t yieldAddr = 0;
        uint64_t hwqFlagAddr = 0; // 0: no non-empty flag line
    };

    struct Generator
    {
        bool enabled = false;
        uint64_t mode = 0;
        uint64_t source = 0;
        uint64_t interval = 0;
        uint64_t intervalMax = 0;
        uint64_t seed = 0;
        uint64_t limit = 0;
        uint64_t fired = 0;
        uint64_t rng = 0;
        Tick next = NEVER;
    };

    struct Decoded
    {
        const regs::BlockInfo *block = nullptr;
        const regs::RegInfo *reg = nullptr;
        unsigned index = 0;
    };

    AccessResult decode(uint64_t offset, unsigned size, Decoded &d) const;

    uint64_t readGlobal(uint64_t off);
    uint64_t readGenerator(uint64_t off);
    uint64_t readSource(unsigned s, uint64_t rel);
    uint64_t readPerCore(unsigned c, uint64_t rel);
    void writeGlobal(uint64_t off, uint64_t v, Tick now);
    void writeGenerator(uint64_t off, uint64_t v, Tick now);
    void writeSource(unsigned s, uint64_t rel, uint64_t v, Tick now);
    void writePerCore(unsigned c, uint64_t rel, uint64_t v, Tick now);

    void bump(Count c);
    void error(regs::ErrorCode code, uint64_t addr);
    void hardwareWake(unsigned source, uint64_t task, unsigned core, Tick fireTick);
    void softwareWake(unsigned source, Tick fireTick, Path path, bool irq, unsigned core);
    void record(unsigned source, Tick fireTick, Path path);
    void updateIrq();
    /** DMA-write core c's hwq flag line (if it has one) with `value`, signalling the core
     *  after the write if `signal`. Returns whether there is a flag line. */
    bool writeHwqFlag(unsigned c, uint64_t value, bool signal);
    bool isMultishot(unsigned s) const { return (multishot >> s) & 1; }
    void resume(unsigned core, uint64_t source, uint64_t addr, Tick now);
    void startQuantum(unsigned core, Tick now);
    void expireQuantum(unsigned core);
    void genFire();
    uint64_t genDraw();
    Tick after(Tick now, uint64_t cycles) const;
    void traceLine(const char *fmt, ...) const
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

    const Config cfg;
    Hooks &hooks;

    uint64_t wakeMode_ = static_cast<uint64_t>(regs::WakeMode::IRQ);
    uint64_t ctrl = 0;
    uint64_t errStatus_ = 0;
    uint64_t errAddr_ = 0;
    uint64_t pending_ = 0;    // EVT_PENDING
    uint64_t irqPending = 0;  // subset of pending_ that asserts the SPI
    bool irqLevel_ = false;
    uint64_t fallbacks = 0;
    uint64_t multishot = 0;   // MULTISHOT: bit s = source s stays bound after its events
    uint64_t nextSeq = 0;

    std::array<Slot, regs::DEV_NUM_SOURCES> slots{};
    std::array<OutstandingQueue, regs::DEV_NUM_SOURCES> outstanding{};
    std::vector<CoreState> cores;
    Generator gen;
    std::array<uint64_t, NUM_COUNTS> counts{};
};

/** splitmix64: the generator's random stream (public for the tests). */
uint64_t splitmix64(uint64_t &state);

} // namespace coro_sched

#endif // __CORO_SCHED_SCHED_CORE_HH__
