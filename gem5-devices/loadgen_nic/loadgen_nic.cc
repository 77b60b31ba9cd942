/*
 * LoadGenNic: the gem5 wrapper of the load-generator NIC (see loadgen_nic.hh).
 */

#include "loadgen_nic/loadgen_nic.hh"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/logging.hh"
#include "base/output.hh"
#include "base/trace.hh"
#include "debug/LoadGenNic.hh"
#include "dev/arm/base_gic.hh"
#include "mem/packet.hh"
#include "mem/packet_access.hh"
#include "sim/core.hh"
#include "sim/sim_exit.hh"

namespace gem5
{

namespace
{

loadgen_nic::Config
makeConfig(const LoadGenNicParams &p)
{
    loadgen_nic::Config cfg;
    cfg.cyclePeriod = p.cpu_clock;
    cfg.ticksPerSecond = sim_clock::as_float::s;
    cfg.seed = p.seed;
    if (p.arrival == "poisson")
        cfg.poisson = true;
    else if (p.arrival == "fixed")
        cfg.poisson = false;
    else
        fatal("%s: unknown arrival process `%s`; the choices are: poisson, fixed", p.name,
              p.arrival);
    cfg.rate = p.rate;
    const std::string err =
        loadgen_nic::parseWorkload(p.workload, sim_clock::as_float::ns, cfg.workload);
    if (!err.empty())
        fatal("%s: %s", p.name, err);
    cfg.warmup = p.warmup;
    cfg.requests = p.requests;
    cfg.greedy = p.greedy;
    cfg.sources = {p.flow0_source, p.flow1_source};
    if (const char *why = loadgen_nic::NicCore::checkConfig(cfg))
        fatal("%s: %s (rate=%g, requests=%llu, warmup=%llu, workload=%s)", p.name, why, p.rate,
              (unsigned long long)p.requests, (unsigned long long)p.warmup, p.workload);
    return cfg;
}

} // anonymous namespace

LoadGenNic::LoadGenNic(const Params &p)
    : DmaDevice(p), pioAddr(p.pio_addr), pioSize(p.pio_size), pioDelay(p.pio_latency),
      pins{p.flow0_pin ? p.flow0_pin->get() : nullptr,
           p.flow1_pin ? p.flow1_pin->get() : nullptr},
      recordsFile(p.records_file), selftestRingBase(p.selftest_ring_base),
      selftestRingSize(p.selftest_ring_size), core(makeConfig(p), *this),
      arrivalEvent([this]{ arrival(); }, name() + ".arrival"), stats(this)
{
    fatal_if(pioSize < loadgen_nic::regs::DEV_WINDOW_SIZE,
             "%s: pio_size %#x is smaller than the register window %#x", name(), pioSize,
             loadgen_nic::regs::DEV_WINDOW_SIZE);
    if (!recordsFile.empty())
        registerExitCallback([this]{ writeRecords(); });
}

void
LoadGenNic::startup()
{
    DmaDevice::startup();
    if (selftestRingBase) {
        // No guest consumer: configure flow 0 from here and start at once.
        namespace regs = loadgen_nic::regs;
        const std::pair<uint64_t, uint64_t> writes[] = {
            {regs::rxRingBase(0), selftestRingBase},
            {regs::rxRingSize(0), selftestRingSize},
            {regs::CTRL, regs::CTRL_START},
        };
        for (const auto &w : writes) {
            const loadgen_nic::AccessResult r = core.write(w.first, 8, w.second, curTick());
            panic_if(r.status != loadgen_nic::AccessStatus::Ok, "%s",
                     loadgen_nic::NicCore::describe(r, w.first, 8, true));
        }
        fatal_if(core.errStatus() != 0,
                 "%s: self-test ring base %#x / size %u rejected (ERR_STATUS %#x): the base "
                 "must be 64-byte aligned and the size a power of two", name(),
                 selftestRingBase, selftestRingSize, core.errStatus());
        inform("%s: self-test: RX ring at %#x, %u slots, started", name(), selftestRingBase,
               selftestRingSize);
    }
    updateDeadline();
}

AddrRangeList
LoadGenNic::getAddrRanges() const
{
    return { RangeSize(pioAddr, pioSize) };
}

Tick
LoadGenNic::read(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    const unsigned size = pkt->getSize();
    uint64_t value = 0;
    const loadgen_nic::AccessResult r = core.read(off, size, curTick(), value);
    if (r.status != loadgen_nic::AccessStatus::Ok)
        panic("%s", loadgen_nic::NicCore::describe(r, off, size, false));
    DPRINTF(LoadGenNic, "read  %s%s off=%#x -> %#x\n", r.reg,
            r.index >= 0 ? csprintf("[%d]", r.index) : std::string(), off, value);
    pkt->setUintX(value, ByteOrder::little);
    pkt->makeResponse();
    return pioDelay;
}

Tick
LoadGenNic::write(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    const unsigned size = pkt->getSize();
    // Check the access before reading its data (a bad size may not fit in 64 bits).
    const uint64_t value = size <= 8 ? pkt->getUintX(ByteOrder::little) : 0;
    const loadgen_nic::AccessResult r = core.write(off, size, value, curTick());
    if (r.status != loadgen_nic::AccessStatus::Ok)
        panic("%s", loadgen_nic::NicCore::describe(r, off, size, true));
    DPRINTF(LoadGenNic, "write %s%s off=%#x <- %#x\n", r.reg,
            r.index >= 0 ? csprintf("[%d]", r.index) : std::string(), off, value);
    pkt->makeResponse();
    updateDeadline();
    return pioDelay;
}

void
LoadGenNic::updateDeadline()
{
    const Tick when = core.nextDeadline();
    if (when == loadgen_nic::NEVER) {
        if (arrivalEvent.scheduled())
            deschedule(arrivalEvent);
        return;
    }
    const Tick at = std::max(when, curTick());
    if (!arrivalEvent.scheduled())
        schedule(arrivalEvent, at);
    else if (arrivalEvent.when() != at)
        reschedule(arrivalEvent, at);
}

void
LoadGenNic::arrival()
{
    core.advance(curTick());
    updateDeadline();
}

// ---- loadgen_nic::Hooks -------------------------------------------------------------------

void
LoadGenNic::writeDescriptor(unsigned flow, uint64_t addr, const std::array<uint64_t, 8> &words,
                            bool secure)
{
    // The buffer lives until the DMA completes; the completion event frees it and then fires
    // the flow's source, so the guest never wakes before the descriptor is visible.
    uint8_t *buf = new uint8_t[loadgen_nic::regs::DEV_RX_SLOT]();
    for (unsigned i = 0; i < loadgen_nic::regs::DEV_RX_SLOT; ++i)
        buf[i] = uint8_t(words[i / 8] >> (8 * (i % 8)));
    auto *done = new EventFunctionWrapper(
        [this, buf, flow, addr]{
            delete[] buf;
            DPRINTF(LoadGenNic, "flow %u: descriptor at %#x visible\n", flow, addr);
            if (ArmInterruptPin *pin = pins[flow]) {
                pin->raise();
                pin->clear();
            }
        },
        name() + ".rxDone", true);
    dmaPort.dmaAction(MemCmd::WriteReq, addr, int(loadgen_nic::regs::DEV_RX_SLOT), done, buf,
                      0, secure ? Request::Flags(Request::SECURE) : Request::Flags(0));
}

void
LoadGenNic::readTx(uint64_t addr, unsigned bytes, loadgen_nic::Tick doorbell, bool secure)
{
    uint8_t *buf = new uint8_t[bytes]();
    auto *done = new EventFunctionWrapper(
        [this, buf, bytes, doorbell]{
            core.txData(buf, bytes, doorbell, curTick());
            delete[] buf;
            updateDeadline();
        },
        name() + ".txDone", true);
    dmaPort.dmaAction(MemCmd::ReadReq, addr, int(bytes), done, buf, 0,
                      secure ? Request::Flags(Request::SECURE) : Request::Flags(0));
}

void
LoadGenNic::count(loadgen_nic::Count c)
{
    (*stats.byCount[static_cast<unsigned>(c)])++;
}

void
LoadGenNic::completed(const loadgen_nic::Request &r)
{
    if (r.warmup)
        return;
    const double ticks = double(r.completed - r.arrival);
    stats.measuredCompletions++;
    stats.measuredLatencyTotal += ticks;
    stats.measuredLatency.sample(ticks);
}

void
LoadGenNic::measuredDone(loadgen_nic::Tick now)
{
    DPRINTF(LoadGenNic, "every measured request resolved at %llu\n", (unsigned long long)now);
    if (selftestRingBase) {
        writeRecords();
        exitSimLoop("loadgen-nic self-test: every measured request resolved", 0);
    }
}

void
LoadGenNic::endDelivered(loadgen_nic::Tick now)
{
    DPRINTF(LoadGenNic, "END delivered at %llu\n", (unsigned long long)now);
    writeRecords();
}

bool
LoadGenNic::tracing() const
{
    return TRACING_ON && bool(debug::LoadGenNic);
}

void
LoadGenNic::trace(const std::string &line)
{
    DPRINTF(LoadGenNic, "%s\n", line);
}

void
LoadGenNic::writeRecords()
{
    if (recordsFile.empty())
        return;
    const std::string path = simout.resolve(recordsFile);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream os(tmp, std::ios::trunc);
        fatal_if(!os, "%s: cannot write %s", name(), tmp);
        core.writeRecords(os);
        fatal_if(!os.flush(), "%s: writing %s failed", name(), tmp);
    }
    fatal_if(std::rename(tmp.c_str(), path.c_str()) != 0, "%s: cannot rename %s to %s",
             name(), tmp, path);
}

// ---- stats --------------------------------------------------------------------------------

LoadGenNic::LoadGenNicStats::LoadGenNicStats(statistics::Group *parent)
    : statistics::Group(parent),
      ADD_STAT(arrivals, statistics::units::Count::get(),
               "Flow-0 requests generated (warm-up included)"),
      ADD_STAT(delivered, statistics::units::Count::get(),
               "Flow-0 descriptors written into the RX ring"),
      ADD_STAT(drops, statistics::units::Count::get(),
               "Flow-0 requests dropped because the RX ring was full"),
      ADD_STAT(completions, statistics::units::Count::get(), "Valid completions"),
      ADD_STAT(badCompletions, statistics::units::Count::get(),
               "TX slots naming an id that was not outstanding"),
      ADD_STAT(greedyDelivered, statistics::units::Count::get(),
               "Flow-1 (saturating) descriptors written"),
      ADD_STAT(endRetries, statistics::units::Count::get(),
               "Times END found flow 0's ring full and waited"),
      ADD_STAT(txReads, statistics::units::Count::get(), "DMA reads of the TX ring"),
      ADD_STAT(errors, statistics::units::Count::get(), "Error codes raised (ERR_STATUS)"),
      ADD_STAT(measuredCompletions, statistics::units::Count::get(),
               "Completions of measured (non-warm-up) requests"),
      ADD_STAT(measuredLatencyTotal, statistics::units::Tick::get(),
               "Sum of measured latencies (arrival to completion doorbell)"),
      ADD_STAT(measuredMeanLatency,
               statistics::units::Rate<statistics::units::Tick,
                                       statistics::units::Count>::get(),
               "Mean measured latency", measuredLatencyTotal / measuredCompletions),
      ADD_STAT(measuredLatency, statistics::units::Tick::get(),
               "Measured latency distribution (arrival to completion doorbell)")
{
    using loadgen_nic::Count;
    byCount = {};
    byCount[unsigned(Count::Arrivals)] = &arrivals;
    byCount[unsigned(Count::Delivered)] = &delivered;
    byCount[unsigned(Count::Drops)] = &drops;
    byCount[unsigned(Count::Completions)] = &completions;
    byCount[unsigned(Count::BadCompletions)] = &badCompletions;
    byCount[unsigned(Count::GreedyDelivered)] = &greedyDelivered;
    byCount[unsigned(Count::EndRetries)] = &endRetries;
    byCount[unsigned(Count::TxReads)] = &txReads;
    byCount[unsigned(Count::Errors)] = &errors;
    for (auto *s : byCount)
        panic_if(!s, "LoadGenNic: a loadgen_nic::Count has no stat");
    measuredLatency.init(64);
}

} // namespace gem5
