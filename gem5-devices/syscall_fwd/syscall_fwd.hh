/*
 * SyscallFwd: the gem5 wrapper of the system-call forwarding device.
 *
 * The state machine lives in fwd_core.{hh,cc} (plain C++, unit-tested without gem5). This
 * wrapper connects it to gem5: MMIO packets in; out through the core's Hooks: DMA reads of
 * the producer lines and the task words, the poll timer, the kernel side's signal (the event
 * wire of the kernel core: ArmISA::sendEvent on its ThreadContext), and the wakes, which go
 * to CoroSched::wakeTask. Statistics and DPRINTF tracing (debug flag SyscallFwd).
 *
 * Registers and programming model: docs/syscall-forwarding.md.
 */

#ifndef __SYSCALL_FWD_SYSCALL_FWD_HH__
#define __SYSCALL_FWD_SYSCALL_FWD_HH__

#include <array>
#include <functional>

#include "base/statistics.hh"
#include "dev/dma_device.hh"
#include "params/SyscallFwd.hh"
#include "sim/eventq.hh"
#include "syscall_fwd/fwd_core.hh"

namespace gem5
{

class CoroSched;

class SyscallFwd : public DmaDevice, private syscall_fwd::Hooks
{
  public:
    PARAMS(SyscallFwd);
    SyscallFwd(const Params &p);

    AddrRangeList getAddrRanges() const override;
    Tick read(PacketPtr pkt) override;
    Tick write(PacketPtr pkt) override;

  private:
    // syscall_fwd::Hooks
    void readProducer(unsigned core, uint64_t addr) override;
    void readTask(unsigned core, uint64_t seq, uint64_t addr) override;
    void signalKernel(unsigned kernelCore) override;
    bool wake(unsigned core, uint64_t task, uint64_t path) override;
    void schedulePoll(Tick when) override;
    void error(uint64_t code, const char *what) override;

    /** DMA-read the 8-byte word at addr; `then` gets its value when the read completes. */
    void dmaRead(uint64_t addr, std::function<void(uint64_t)> then);
    /** Panics with the offending access unless it is one aligned 8-byte access. */
    void checkAccess(PacketPtr pkt, Addr off, bool isWrite) const;
    /** Adds what the core counted since the last call to the stats. */
    void syncCounts();

    const Addr pioAddr;
    const Addr pioSize;
    const Tick pioDelay;
    CoroSched *const sched;
    syscall_fwd::FwdCore core;
    EventFunctionWrapper pollEvent;
    /** The tick the batch with the kernel side was handed over (its turnaround sample). */
    Tick handedAt = 0;
    std::array<uint64_t, syscall_fwd::NUM_COUNTS> synced{};

    struct SyscallFwdStats : public statistics::Group
    {
        SyscallFwdStats(statistics::Group *parent);

        statistics::Scalar producerReads;
        statistics::Scalar batches;
        statistics::Scalar timeoutBatches;
        statistics::Scalar requests;
        statistics::Scalar wakes;
        statistics::Scalar wakeStalls;
        statistics::Scalar errors;
        statistics::Scalar taskReads;
        statistics::Scalar kernelSignals;
        statistics::Distribution batchSize;
        statistics::Histogram turnaround;
        statistics::Formula meanBatch;

        std::array<statistics::Scalar *, syscall_fwd::NUM_COUNTS> byCount;
    } stats;
};

} // namespace gem5

#endif // __SYSCALL_FWD_SYSCALL_FWD_HH__
