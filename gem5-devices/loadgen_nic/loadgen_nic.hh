/*
 * LoadGenNic: the gem5 wrapper of the load-generator NIC.
 *
 * The state machine lives in nic_core.{hh,cc} and workload.{hh,cc} (plain C++, unit-tested
 * without gem5). This wrapper connects it to gem5: MMIO packets in; out through the core's
 * Hooks: whole-descriptor DMA writes followed by a pulse on the flow's pin (a CoroSchedSource,
 * so each delivery fires a CoroSched event source), TX ring DMA reads, statistics, the records
 * file and DPRINTF tracing. One gem5 event follows the core's next arrival.
 *
 * Registers and programming model: docs/loadgen-nic.md.
 */

#ifndef __LOADGEN_NIC_LOADGEN_NIC_HH__
#define __LOADGEN_NIC_LOADGEN_NIC_HH__

#include <array>
#include <string>

#include "base/statistics.hh"
#include "dev/dma_device.hh"
#include "loadgen_nic/nic_core.hh"
#include "params/LoadGenNic.hh"
#include "sim/eventq.hh"

namespace gem5
{

class ArmInterruptPin;

class LoadGenNic : public DmaDevice, private loadgen_nic::Hooks
{
  public:
    PARAMS(LoadGenNic);
    LoadGenNic(const Params &p);

    AddrRangeList getAddrRanges() const override;
    Tick read(PacketPtr pkt) override;
    Tick write(PacketPtr pkt) override;
    void startup() override;

  private:
    // loadgen_nic::Hooks
    void writeDescriptor(unsigned flow, uint64_t addr, const std::array<uint64_t, 8> &words,
                         bool secure) override;
    void readTx(uint64_t addr, unsigned bytes, loadgen_nic::Tick doorbell,
                bool secure) override;
    void count(loadgen_nic::Count c) override;
    void completed(const loadgen_nic::Request &r) override;
    void measuredDone(loadgen_nic::Tick now) override;
    void endDelivered(loadgen_nic::Tick now) override;
    bool tracing() const override;
    void trace(const std::string &line) override;

    /** Schedule (or move, or drop) arrivalEvent at the core's next deadline. */
    void updateDeadline();
    void arrival();
    /** Write the records file whole (temporary file, then rename). */
    void writeRecords();

    const Addr pioAddr;
    const Addr pioSize;
    const Tick pioDelay;
    std::array<ArmInterruptPin *, loadgen_nic::regs::DEV_NUM_FLOWS> pins;
    const std::string recordsFile;
    const Addr selftestRingBase;
    const unsigned selftestRingSize;
    loadgen_nic::NicCore core;
    EventFunctionWrapper arrivalEvent;

    struct LoadGenNicStats : public statistics::Group
    {
        LoadGenNicStats(statistics::Group *parent);

        statistics::Scalar arrivals;
        statistics::Scalar delivered;
        statistics::Scalar drops;
        statistics::Scalar completions;
        statistics::Scalar badCompletions;
        statistics::Scalar greedyDelivered;
        statistics::Scalar endRetries;
        statistics::Scalar txReads;
        statistics::Scalar errors;
        statistics::Scalar measuredCompletions;
        statistics::Scalar measuredLatencyTotal;
        statistics::Formula measuredMeanLatency;
        statistics::Histogram measuredLatency;

        std::array<statistics::Scalar *, loadgen_nic::NUM_COUNTS> byCount;
    } stats;
};

} // namespace gem5

#endif // __LOADGEN_NIC_LOADGEN_NIC_HH__
