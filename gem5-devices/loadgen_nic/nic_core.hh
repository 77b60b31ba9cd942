/*
 * The LoadGenNic's state machine: plain C++17, no gem5 headers (the model is CoroSched's
 * sched_core).
 *
 * Flow 0 is an open-loop request generator: arrivals (Poisson or fixed interval, from the
 * seed) never wait for completions. Each arrival is delivered by one DMA write of a whole
 * 64-byte descriptor into flow 0's RX ring, or dropped and counted when the ring is full.
 * Flow 1, when saturating, is refilled as soon as RX_CONS frees a slot. Completions come back
 * through the TX ring, read by DMA at each doorbell and stamped with the doorbell's tick. Once
 * every measured (non-warm-up) request has completed or been dropped, END is delivered on
 * flow 0 (retried until the ring has room).
 *
 * Time is passed in as ticks; the core reports its next deadline (the next arrival) and the
 * owner calls advance(now) then. Everything that leaves the device (DMA, counters, trace
 * lines) goes through Hooks: the gem5 wrapper (loadgen_nic.cc) or a recording mock in the unit
 * tests. Same seed and inputs, same outputs.
 */

#ifndef __LOADGEN_NIC_NIC_CORE_HH__
#define __LOADGEN_NIC_NIC_CORE_HH__

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "loadgen_nic/loadgen_nic_regs.hh"
#include "loadgen_nic/workload.hh"

namespace loadgen_nic
{

using Tick = uint64_t;
/** "No deadline". */
constexpr Tick NEVER = UINT64_MAX;
/** END's descriptor id. */
constexpr uint64_t END_ID = UINT64_MAX;
/** FLAGS bit of a warm-up descriptor. */
constexpr uint64_t DESC_FLAG_WARMUP = 1;

/** Things the device counts; the gem5 wrapper mirrors each into a stat. */
enum class Count : uint8_t
{
    Arrivals,        // flow-0 requests generated
    Delivered,       // flow-0 descriptors written into the RX ring
    Drops,           // flow-0 requests dropped (ring full)
    Completions,     // valid completions
    BadCompletions,  // TX slots naming an id that is not outstanding
    GreedyDelivered, // flow-1 descriptors written
    EndRetries,      // END found flow 0's ring full and waited
    TxReads,         // DMA reads of the TX ring issued
    Errors,          // error codes raised
};
constexpr unsigned NUM_COUNTS = static_cast<unsigned>(Count::Errors) + 1;
const char *countName(Count c);

/** Fixed parameters. */
struct Config
{
    Tick cyclePeriod = 1;          // ticks per CPU cycle (the SYNTH arg0 unit), >= 1
    double ticksPerSecond = 1e12;  // the simulator's tick frequency
    uint64_t seed = 1;
    bool poisson = true;           // else a fixed interval
    double rate = 1e6;             // flow-0 requests per second, > 0
    WorkloadSpec workload;         // parsed by parseWorkload()
    uint64_t warmup = 0;           // warm-up requests (first ids), excluded from "measured"
    uint64_t requests = 1;         // measured requests, >= 1
    bool greedy = false;           // flow 1 saturating
    std::array<unsigned, regs::DEV_NUM_FLOWS> sources{regs::SYS_FLOW0_SOURCE,
                                                       regs::SYS_FLOW1_SOURCE};
};

/** One flow-0 request, as the records file lists it. */
struct Request
{
    enum class Status : uint8_t
    {
        Outstanding, // delivered, no completion yet
        Ok,          // completed
        Dropped,     // the RX ring was full
    };
    uint64_t id = 0;
    Kind kind = Kind::Synth;
    uint64_t arg0 = 0;
    uint64_t arg1 = 0;
    bool warmup = false;
    Tick arrival = 0;
    Tick delivered = 0;
    Tick completed = 0;
    Status status = Status::Outstanding;
    uint64_t serviceTicks = 0;
    uint64_t workCycles = 0;
};

/** What the core needs from its owner. */
class Hooks
{
  public:
    virtual ~Hooks() = default;
    /**
     * DMA-write one descriptor (DEV_RX_SLOT bytes, `words` little-endian) at `addr`; once the
     * write is visible, fire flow `flow`'s event source. Secure access if `secure`.
     */
    virtual void writeDescriptor(unsigned flow, uint64_t addr,
                                 const std::array<uint64_t, 8> &words, bool secure) = 0;
    /**
     * DMA-read `bytes` of the TX ring at `addr`; when the data arrive, pass them to
     * NicCore::txData() with this `doorbell` tick.
     */
    virtual void readTx(uint64_t addr, unsigned bytes, Tick doorbell, bool secure) = 0;
    /** Bump a counter. */
    virtual void count(Count c) { (void)c; }
    /** A flow-0 request completed (measured or warm-up). */
    virtual void completed(const Request &r) { (void)r; }
    /** Every measured request completed or was dropped (END is due). */
    virtual void measuredDone(Tick now) { (void)now; }
    /** END was delivered: the run is over. */
    virtual void endDelivered(Tick now) { (void)now; }
    /** True if trace() lines are wanted (formatting is skipped otherwise). */
    virtual bool tracing() const { return false; }
    virtual void trace(const std::string &line) { (void)line; }
};

/** Result of a register access. */
enum class AccessStatus : uint8_t
{
    Ok,
    UnknownOffset,
    Unaligned,
    BadSize,
    ReadOfWriteOnly,
    WriteToReadOnly,
};

struct AccessResult
{
    AccessStatus status = AccessStatus::Ok;
    const char *reg = nullptr; // register name, when one was found
    int index = -1;            // flow for the per-flow block, else -1
};

class NicCore
{
  public:
    /** nullptr if cfg is usable, else what is wrong with it. */
    static const char *checkConfig(const Config &cfg);
    /** cfg must pass checkConfig(). */
    NicCore(const Config &cfg, Hooks &hooks);

    AccessResult read(uint64_t offset, unsigned size, Tick now, uint64_t &value);
    AccessResult write(uint64_t offset, unsigned size, uint64_t value, Tick now);
    /** A message naming the register, offset and size of a failed access. */
    static std::string describe(const AccessResult &r, uint64_t offset, unsigned size,
                                bool isWrite);

    /** The earliest tick at which advance() has work, or NEVER. */
    Tick nextDeadline() const;
    /** Generate every arrival due at or before now. */
    void advance(Tick now);
    /** TX ring data of one readTx() (whole slots), stamped with its doorbell tick. */
    void txData(const uint8_t *data, unsigned bytes, Tick doorbell, Tick now);

    /** The records file: header and one line per generated flow-0 request, in id order. */
    void writeRecords(std::ostream &os) const;
    static const char *const RECORDS_HEADER;

    // ---- inspection (tests, the gem5 wrapper) ----
    const Config &config() const { return cfg; }
    uint64_t counter(Count c) const { return counts[static_cast<unsigned>(c)]; }
    const std::vector<Request> &requests() const { return reqs; }
    uint64_t errStatus() const { return errStatus_; }
    uint64_t errAddr() const { return errAddr_; }
    bool running() const { return running_; }
    bool done() const { return done_; }
    bool endPending() const { return endPending_; }
    uint64_t rxProd(unsigned flow) const { return flows.at(flow).prod; }
    uint64_t txCons() const { return txCons_; }
    /** Outstanding flow-0 requests (delivered, not completed). */
    uint64_t outstanding() const { return outstanding_; }

  private:
    struct Flow
    {
        uint64_t base = 0;
        uint64_t size = 0;
        uint64_t prod = 0;
        uint64_t cons = 0;
        uint64_t nextId = 1;
    };

    AccessResult decode(uint64_t off, unsigned size, bool isWrite, uint64_t &rel) const;
    uint64_t readGlobal(uint64_t off) const;
    uint64_t readFlow(unsigned f, uint64_t rel) const;
    void writeGlobal(uint64_t off, uint64_t v, Tick now);
    void writeFlow(unsigned f, uint64_t rel, uint64_t v, uint64_t off, Tick now);

    void start(Tick now, uint64_t off);
    void arrive(Tick at);
    bool ringFull(unsigned f) const;
    void deliver(unsigned f, const std::array<uint64_t, 8> &words);
    void refillGreedy(Tick now);
    void tryEnd(Tick now);
    void doorbell(uint64_t prod, Tick now, uint64_t off);
    void complete(uint64_t id, uint64_t work, Tick doorbell);
    void resolvedMeasured(Tick now);
    void bump(Count c);
    void error(regs::ErrorCode code, uint64_t addr);
    bool secure() const;
    void traceLine(const char *fmt, ...) const
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

    const Config cfg;
    Hooks &hooks;
    Workload workload;
    Arrivals arrivals;

    uint64_t ctrl = 0;
    bool running_ = false;
    bool done_ = false;
    bool endPending_ = false;
    Tick endSince = 0;
    uint64_t errStatus_ = 0;
    uint64_t errAddr_ = 0;

    double nextArrival = 0; // exact (fractional) tick of the next arrival
    std::array<Flow, regs::DEV_NUM_FLOWS> flows{};
    std::vector<Request> reqs;
    uint64_t measuredResolved = 0;
    uint64_t outstanding_ = 0;

    uint64_t txBase = 0;
    uint64_t txSize = 0;
    uint64_t txProd = 0;  // last doorbell value
    uint64_t txCons_ = 0; // slots whose data arrived

    std::array<uint64_t, NUM_COUNTS> counts{};
};

} // namespace loadgen_nic

#endif // __LOADGEN_NIC_NIC_CORE_HH__
