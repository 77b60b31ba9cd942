/*
 * The SyscallFwd device's state machine: plain C++17, no gem5 headers (the model is CoroSched's
 * sched_core; docs/syscall-forwarding.md describes the device).
 *
 * Each user core has a submission ring in guest DRAM (RING_BASE: the kernel's CoreRings, whose
 * first cache line is the producer line, the count of requests the core published). The
 * device learns of submissions without any access by the user core: every POLL_PERIOD it
 * DMA-reads each enabled core's producer line. Once B requests are pending on a core, or its
 * oldest pending request has waited TIMEOUT, it hands the batch to the kernel side (BATCH_*
 * registers, and the kernel-side signal), DMA-reads the batch's task pointers, and, when the
 * kernel side reports the batch done (BATCH_DONE, after writing the completions), wakes each
 * task in request order through CoroSched's hwq or ready-ring path. One batch is with the
 * kernel side at a time.
 *
 * Time is passed in as ticks. Everything that leaves the device (DMA reads, the kernel-side
 * signal, wakes, the next poll) goes through Hooks: the gem5 wrapper or a recording mock in
 * the unit tests. Bad values set ERR_STATUS bits and are otherwise ignored; the device never
 * trusts the ring's contents (a producer count that goes back or past the ring's size is an
 * error, not a batch).
 */

#ifndef __SYSCALL_FWD_FWD_CORE_HH__
#define __SYSCALL_FWD_FWD_CORE_HH__

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "syscall_fwd/syscall_fwd_regs.hh"

namespace syscall_fwd
{

using Tick = uint64_t;

/** Things the device counts; the gem5 wrapper mirrors each into a stat. */
enum class Count : uint8_t
{
    ProducerReads,  // DMA reads of a producer line
    Batches,        // batches handed to the kernel side
    TimeoutBatches, // of which started by the timeout with fewer than B requests
    Requests,       // requests handed over
    Wakes,          // tasks woken
    WakeStalls,     // wakes CoroSched could not take (retried at the next poll)
    Errors,         // error bits raised
};
constexpr unsigned NUM_COUNTS = static_cast<unsigned>(Count::Errors) + 1;
const char *countName(Count c);

/** What the device does to the outside world. */
class Hooks
{
  public:
    virtual ~Hooks() = default;
    /** DMA-read the 8-byte producer count at addr; answer with producerRead(). */
    virtual void readProducer(unsigned core, uint64_t addr) = 0;
    /** DMA-read request seq's task word at addr; answer with taskRead(). */
    virtual void readTask(unsigned core, uint64_t seq, uint64_t addr) = 0;
    /** Tell the kernel side (on core `kernelCore`) a batch is in the BATCH_* registers. */
    virtual void signalKernel(unsigned kernelCore) = 0;
    /**
     * Wake task on core through wake path `path` (regs::WakePath). False if the wake path
     * cannot take it now (a full queue or ring): the device keeps it and retries later.
     */
    virtual bool wake(unsigned core, uint64_t task, uint64_t path) = 0;
    /** Call poll() at tick `when`. */
    virtual void schedulePoll(Tick when) = 0;
    /** An error bit was raised (for the debug log). */
    virtual void error(uint64_t code, const char *what) = 0;
};

class FwdCore
{
  public:
    explicit FwdCore(Hooks &hooks);

    /** Register read; nullopt for an offset that is not a readable register. */
    std::optional<uint64_t> read(uint64_t offset) const;
    /** Register write; false for an offset that is not a writable register. */
    bool write(uint64_t offset, uint64_t value, Tick now);

    /** The poll timer fired: read every enabled core's producer line, schedule the next. */
    void poll(Tick now);
    /** A producer-line read came back. */
    void producerRead(unsigned core, uint64_t head, Tick now);
    /** A task-word read came back. */
    void taskRead(unsigned core, uint64_t seq, uint64_t task, Tick now);

    uint64_t count(Count c) const { return counts[static_cast<unsigned>(c)]; }
    uint64_t errStatus() const { return err; }
    /** CTRL.DMA_SECURE: make DMA reads Secure accesses. */
    bool dmaSecure() const { return secure; }

  private:
    struct CoreState
    {
        uint64_t ringBase = 0;
        uint64_t wakePath = static_cast<uint64_t>(regs::WakePath::HWQ);
        uint64_t seenHead = 0; // producer count last read
        uint64_t handed = 0;   // requests handed to the kernel side
        bool waiting = false;  // a pending request started the timeout
        Tick firstSeen = 0;
    };
    struct Batch
    {
        bool active = false;
        bool done = false;
        unsigned core = 0;
        uint64_t start = 0;
        uint64_t count = 0;
        uint64_t completed = 0; // requests the kernel side reported done (BATCH_DONE)
        uint64_t woken = 0;
        std::vector<std::optional<uint64_t>> tasks;
    };

    /** A batch is handed over and the kernel side has not reported all of it done. */
    bool withKernel() const { return batch.active && !batch.done; }
    void raise(regs::ErrorCode code, const char *what);
    void bump(Count c, uint64_t n = 1) { counts[static_cast<unsigned>(c)] += n; }
    void tryHandOver(Tick now);
    void wakeReady(Tick now);

    Hooks &hooks;
    bool enabled = false;
    bool secure = false;
    unsigned kernelCore = 0;
    bool pollScheduled = false;
    uint64_t batchSize = 1;
    uint64_t timeout = 0;
    uint64_t pollPeriod = 1000;
    uint64_t err = 0;
    unsigned nextCore = 0;
    std::array<CoreState, regs::DEV_NUM_CORES> cores{};
    Batch batch;
    std::array<uint64_t, NUM_COUNTS> counts{};
};

} // namespace syscall_fwd

#endif // __SYSCALL_FWD_FWD_CORE_HH__
