/*
 * CoroSched: the gem5 wrapper of the coroutine scheduling and wake device.
 *
 * The state machine lives in sched_core.{hh,cc} (plain C++, unit-tested without gem5). This
 * wrapper only connects it to gem5: MMIO packets in, and out through the core's Hooks: the
 * SPI, DMA writes (ready ring, yield flag), the per-core event wire (ArmISA::sendEvent on a
 * core's ThreadContext), statistics, the raw samples file and DPRINTF tracing. One gem5 event
 * follows the core's next deadline (event generator, quantum timers).
 *
 * Registers and programming model: docs/coro-sched-device.md.
 */

#ifndef __CORO_SCHED_CORO_SCHED_HH__
#define __CORO_SCHED_CORO_SCHED_HH__

#include <array>

#include "base/statistics.hh"
#include "coro_sched/sched_core.hh"
#include "dev/dma_device.hh"
#include "params/CoroSched.hh"
#include "sim/eventq.hh"

namespace gem5
{

class ArmInterruptPin;
class OutputStream;

class CoroSched : public DmaDevice, private coro_sched::Hooks
{
  public:
    PARAMS(CoroSched);
    CoroSched(const Params &p);
    ~CoroSched() override;

    AddrRangeList getAddrRanges() const override;
    Tick read(PacketPtr pkt) override;
    Tick write(PacketPtr pkt) override;

    void startup() override;
    void resetStats() override;
    void preDumpStats() override;

    /**
     * An event source fires now: the entry point for other devices' interrupt lines (the
     * event generator and the EVT_TRIGGER register use the same path inside the core).
     */
    void sourceFired(unsigned source);

    /**
     * Another device (SyscallFwd) wakes `task` on core `c` now: pushed into the core's hwq, or
     * (`ring`) written into its ready ring, as a bound source's wake is. False, with nothing
     * changed, if the queue or ring is full or not set up; the caller retries later.
     */
    bool wakeTask(unsigned c, uint64_t task, bool ring);

  private:
    // coro_sched::Hooks
    void setIrq(bool level) override;
    void writeMemory(uint64_t addr, uint64_t value, unsigned bytes, int signalCore,
                  bool secure) override;
    void signalCore(unsigned core) override;
    void wake(coro_sched::Path path, unsigned core) override;
    void count(coro_sched::Count c) override;
    void queueDepth(unsigned core, unsigned depth) override;
    void sample(const coro_sched::WakeSample &s) override;
    bool tracing() const override;
    void trace(const std::string &line) override;

    /** Schedule (or move, or drop) tickEvent at the core's next deadline. */
    void updateDeadline();
    void tick();
    void dmaDone(uint64_t addr, int signalCore);
    void flushSamples();

    const Addr pioAddr;
    const Addr pioSize;
    const Tick pioDelay;
    const Tick cyclePeriod;
    ArmInterruptPin *const interrupt;
    coro_sched::SchedCore core;
    EventFunctionWrapper tickEvent;
    OutputStream *samplesOut = nullptr;

    struct CoroSchedStats : public statistics::Group
    {
        CoroSchedStats(statistics::Group *parent, unsigned queue_depth);

        statistics::Scalar events;
        statistics::Scalar genFires;
        statistics::Scalar latched;
        statistics::Scalar coalesced;
        statistics::Scalar bindings;
        statistics::Scalar rebinds;
        statistics::Scalar bindErrors;
        statistics::Scalar unbinds;
        statistics::Scalar pops;
        statistics::Scalar emptyPops;
        statistics::Scalar ringWrites;
        statistics::Scalar fallbacks;
        statistics::Scalar overruns;
        statistics::Scalar resumes;
        statistics::Scalar spuriousResumes;
        statistics::Scalar quantumExpiries;
        statistics::Scalar taskWakes;
        statistics::Scalar taskWakesRefused;
        statistics::Scalar errors;
        statistics::Scalar eventSignals;
        statistics::Scalar irqRaises;
        statistics::Vector wakes;
        statistics::Distribution queueDepth;
        statistics::Histogram wakeLatency;
        statistics::Vector resumesByPath;
        statistics::Vector latencyByPath;
        statistics::Formula meanLatencyByPath;

        std::array<statistics::Scalar *, coro_sched::NUM_COUNTS> byCount;
    } stats;
};

} // namespace gem5

#endif // __CORO_SCHED_CORO_SCHED_HH__
