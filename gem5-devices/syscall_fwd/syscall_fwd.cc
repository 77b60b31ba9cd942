/*
 * SyscallFwd: the gem5 wrapper of the system-call forwarding device (see syscall_fwd.hh).
 */

#include "syscall_fwd/syscall_fwd.hh"

#include <algorithm>

#include "arch/arm/utility.hh"
#include "base/logging.hh"
#include "base/trace.hh"
#include "coro_sched/coro_sched.hh"
#include "debug/SyscallFwd.hh"
#include "mem/packet.hh"
#include "mem/packet_access.hh"
#include "sim/system.hh"

namespace gem5
{

using namespace syscall_fwd::regs;

SyscallFwd::SyscallFwd(const Params &p)
    : DmaDevice(p), pioAddr(p.pio_addr), pioSize(p.pio_size), pioDelay(p.pio_latency),
      sched(p.sched), core(*this),
      pollEvent([this]{ core.poll(curTick()); syncCounts(); }, name() + ".poll"),
      stats(this)
{
    fatal_if(pioSize < DEV_WINDOW_SIZE,
             "%s: pio_size %#x is smaller than the register window %#x", name(), pioSize,
             DEV_WINDOW_SIZE);
    fatal_if(!sched, "%s: needs a CoroSched (parameter sched) to wake the tasks", name());
}

AddrRangeList
SyscallFwd::getAddrRanges() const
{
    return { RangeSize(pioAddr, pioSize) };
}

void
SyscallFwd::checkAccess(PacketPtr pkt, Addr off, bool isWrite) const
{
    if (pkt->getSize() != 8 || off % 8 != 0)
        panic("%s: %s of %u bytes at offset %#x: every SyscallFwd register is one aligned "
              "8-byte access (gem5-devices/syscall_fwd/regmap.toml)", name(),
              isWrite ? "write" : "read", pkt->getSize(), off);
}

Tick
SyscallFwd::read(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    checkAccess(pkt, off, false);
    const std::optional<uint64_t> value = core.read(off);
    if (!value)
        panic("%s: read of offset %#x, which is no readable register of the SyscallFwd "
              "(write-only or unknown; gem5-devices/syscall_fwd/regmap.toml)", name(), off);
    DPRINTF(SyscallFwd, "read  off=%#x -> %#x\n", off, *value);
    pkt->setUintX(*value, ByteOrder::little);
    pkt->makeResponse();
    return pioDelay;
}

Tick
SyscallFwd::write(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    checkAccess(pkt, off, true);
    const uint64_t value = pkt->getUintX(ByteOrder::little);
    const uint64_t batchCount = *core.read(BATCH_COUNT);
    const uint64_t errorsBefore = core.count(syscall_fwd::Count::Errors);
    DPRINTF(SyscallFwd, "write off=%#x <- %#x\n", off, value);
    if (!core.write(off, value, curTick()))
        panic("%s: write of %#x to offset %#x, which is no writable register of the "
              "SyscallFwd (read-only or unknown; gem5-devices/syscall_fwd/regmap.toml)",
              name(), value, off);
    if (off == BATCH_DONE && batchCount != 0 && value == batchCount &&
        core.count(syscall_fwd::Count::Errors) == errorsBefore) {
        stats.turnaround.sample(curTick() - handedAt);
    }
    syncCounts();
    pkt->makeResponse();
    return pioDelay;
}

void
SyscallFwd::dmaRead(uint64_t addr, std::function<void(uint64_t)> then)
{
    // The buffer must live until the DMA completes; the completion event frees it.
    uint8_t *buf = new uint8_t[8]();
    auto *done = new EventFunctionWrapper(
        [this, buf, then]{
            uint64_t v = 0;
            for (unsigned i = 0; i < 8; ++i)
                v |= uint64_t(buf[i]) << (8 * i);
            delete[] buf;
            then(v);
            syncCounts();
        },
        name() + ".dmaRead", true);
    // A Secure guest caches its rings as Secure lines; gem5's caches only snoop a read in
    // the same security state (CoroSched's CTRL.DMA_SECURE has the same reason).
    dmaPort.dmaAction(MemCmd::ReadReq, addr, 8, done, buf, 0,
                      core.dmaSecure() ? Request::Flags(Request::SECURE)
                                       : Request::Flags(0));
}

// ---- syscall_fwd::Hooks --------------------------------------------------------------------

void
SyscallFwd::readProducer(unsigned c, uint64_t addr)
{
    DPRINTF(SyscallFwd, "poll: read core %u's producer line at %#x\n", c, addr);
    dmaRead(addr, [this, c](uint64_t head) {
        DPRINTF(SyscallFwd, "core %u producer count %llu\n", c, (unsigned long long)head);
        core.producerRead(c, head, curTick());
    });
}

void
SyscallFwd::readTask(unsigned c, uint64_t seq, uint64_t addr)
{
    stats.taskReads++;
    dmaRead(addr, [this, c, seq](uint64_t task) {
        DPRINTF(SyscallFwd, "core %u request %llu: task %#x\n", c, (unsigned long long)seq,
                task);
        core.taskRead(c, seq, task, curTick());
    });
}

void
SyscallFwd::signalKernel(unsigned k)
{
    const uint64_t n = *core.read(BATCH_COUNT);
    handedAt = curTick();
    stats.batchSize.sample(n);
    if (k >= unsigned(sys->threads.size())) {
        warn("%s: KERNEL_CORE %u has no thread context (%d cores): batch not signalled",
             name(), k, sys->threads.size());
        return;
    }
    DPRINTF(SyscallFwd, "batch core %llu start %llu count %llu -> event wire of core %u\n",
            (unsigned long long)*core.read(BATCH_CORE),
            (unsigned long long)*core.read(BATCH_START), (unsigned long long)n, k);
    stats.kernelSignals++;
    ArmISA::sendEvent(sys->threads[k]);
}

bool
SyscallFwd::wake(unsigned c, uint64_t task, uint64_t path)
{
    const bool ring = path == uint64_t(WakePath::RING);
    const bool ok = sched->wakeTask(c, task, ring);
    DPRINTF(SyscallFwd, "wake core %u task %#x via %s: %s\n", c, task, ring ? "ring" : "hwq",
            ok ? "delivered" : "stalled (retried at the next poll)");
    return ok;
}

void
SyscallFwd::schedulePoll(Tick when)
{
    const Tick at = std::max(Tick(when), curTick());
    if (!pollEvent.scheduled())
        schedule(pollEvent, at);
    else if (pollEvent.when() != at)
        reschedule(pollEvent, at);
}

void
SyscallFwd::error(uint64_t code, const char *what)
{
    DPRINTF(SyscallFwd, "error bit %llu: %s\n", (unsigned long long)code, what);
}

void
SyscallFwd::syncCounts()
{
    for (unsigned i = 0; i < syscall_fwd::NUM_COUNTS; ++i) {
        const uint64_t now = core.count(static_cast<syscall_fwd::Count>(i));
        *stats.byCount[i] += double(now - synced[i]);
        synced[i] = now;
    }
}

SyscallFwd::SyscallFwdStats::SyscallFwdStats(statistics::Group *parent)
    : statistics::Group(parent),
      ADD_STAT(producerReads, statistics::units::Count::get(),
               "DMA reads of a producer line (one per served core per poll)"),
      ADD_STAT(batches, statistics::units::Count::get(), "Batches handed to the kernel side"),
      ADD_STAT(timeoutBatches, statistics::units::Count::get(),
               "Batches the timeout started with fewer than B requests"),
      ADD_STAT(requests, statistics::units::Count::get(),
               "Requests handed to the kernel side"),
      ADD_STAT(wakes, statistics::units::Count::get(), "Tasks woken through CoroSched"),
      ADD_STAT(wakeStalls, statistics::units::Count::get(),
               "Wakes CoroSched refused (queue or ring full), retried at the next poll"),
      ADD_STAT(errors, statistics::units::Count::get(), "Error bits raised (ERR_STATUS)"),
      ADD_STAT(taskReads, statistics::units::Count::get(), "DMA reads of a request's task word"),
      ADD_STAT(kernelSignals, statistics::units::Count::get(),
               "Event-wire signals to the kernel core (one per batch)"),
      ADD_STAT(batchSize, statistics::units::Count::get(), "Requests per batch handed over"),
      ADD_STAT(turnaround, statistics::units::Tick::get(),
               "Ticks from a batch's hand-over to its BATCH_DONE (the kernel side's latency)"),
      ADD_STAT(meanBatch,
               statistics::units::Rate<statistics::units::Count,
                                       statistics::units::Count>::get(),
               "Mean requests per batch", requests / batches)
{
    using syscall_fwd::Count;
    byCount = {};
    byCount[unsigned(Count::ProducerReads)] = &producerReads;
    byCount[unsigned(Count::Batches)] = &batches;
    byCount[unsigned(Count::TimeoutBatches)] = &timeoutBatches;
    byCount[unsigned(Count::Requests)] = &requests;
    byCount[unsigned(Count::Wakes)] = &wakes;
    byCount[unsigned(Count::WakeStalls)] = &wakeStalls;
    byCount[unsigned(Count::Errors)] = &errors;
    for (auto *s : byCount)
        panic_if(!s, "SyscallFwd: a syscall_fwd::Count has no stat");
    batchSize.init(1, DEV_RING_SLOTS, 1);
    turnaround.init(32);
}

} // namespace gem5
