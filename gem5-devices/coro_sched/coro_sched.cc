/*
 * CoroSched: the gem5 wrapper of the coroutine scheduling and wake device (see coro_sched.hh).
 */

#include "coro_sched/coro_sched.hh"

#include <algorithm>

#include "arch/arm/utility.hh"
#include "base/logging.hh"
#include "base/output.hh"
#include "base/trace.hh"
#include "debug/CoroSched.hh"
#include "dev/arm/base_gic.hh"
#include "mem/packet.hh"
#include "mem/packet_access.hh"
#include "sim/sim_exit.hh"
#include "sim/system.hh"

namespace gem5
{

namespace
{

coro_sched::Config
makeConfig(const CoroSchedParams &p)
{
    coro_sched::Config cfg;
    cfg.numCores = p.num_cores;
    cfg.queueDepth = p.queue_depth;
    cfg.cyclePeriod = p.cpu_clock;
    if (const char *why = coro_sched::SchedCore::checkConfig(cfg))
        fatal("%s: %s (num_cores=%u, queue_depth=%u, cpu_clock period=%llu ticks)",
              p.name, why, p.num_cores, p.queue_depth, (unsigned long long)p.cpu_clock);
    return cfg;
}

} // anonymous namespace

CoroSched::CoroSched(const Params &p)
    : DmaDevice(p), pioAddr(p.pio_addr), pioSize(p.pio_size), pioDelay(p.pio_latency),
      cyclePeriod(p.cpu_clock), interrupt(p.interrupt->get()),
      core(makeConfig(p), *this),
      tickEvent([this]{ tick(); }, name() + ".tick"),
      stats(this, p.queue_depth)
{
    fatal_if(pioSize < coro_sched::regs::DEV_WINDOW_SIZE,
             "%s: pio_size %#x is smaller than the register window %#x", name(), pioSize,
             coro_sched::regs::DEV_WINDOW_SIZE);
    if (!p.samples_file.empty()) {
        samplesOut = simout.create(p.samples_file, false, true);
        std::ostream &os = *samplesOut->stream();
        os << "# CoroSched wake samples of " << name() << ": cycles = (resume_tick - "
           << "fire_tick) / " << cyclePeriod << " ticks\n"
           << "# lines '# reset tick=T' and '# dump tick=T' mark gem5 stats resets and dumps\n"
           << "seq,path,core,source,fire_tick,resume_tick,cycles\n";
        registerExitCallback([this]{ flushSamples(); });
    }
}

CoroSched::~CoroSched()
{
    flushSamples();
}

void
CoroSched::startup()
{
    DmaDevice::startup();
    // The per-core event wire reaches core c through thread context c (one thread per core).
    fatal_if(sys->threads.size() < int(core.config().numCores),
             "%s: num_cores=%u but the system has %d thread contexts", name(),
             core.config().numCores, sys->threads.size());
    updateDeadline();
}

AddrRangeList
CoroSched::getAddrRanges() const
{
    return { RangeSize(pioAddr, pioSize) };
}

Tick
CoroSched::read(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    const unsigned size = pkt->getSize();
    uint64_t value = 0;
    const coro_sched::AccessResult r = core.read(off, size, curTick(), value);
    if (r.status != coro_sched::AccessStatus::Ok)
        panic("%s", coro_sched::SchedCore::describe(r, off, size, false,
                                                    core.config().numCores));
    DPRINTF(CoroSched, "read  %s%s off=%#x -> %#x\n", r.reg,
            r.index >= 0 ? csprintf("[%d]", r.index) : std::string(), off, value);
    pkt->setUintX(value, ByteOrder::little);
    pkt->makeResponse();
    updateDeadline();
    return pioDelay;
}

Tick
CoroSched::write(PacketPtr pkt)
{
    const Addr off = pkt->getAddr() - pioAddr;
    const unsigned size = pkt->getSize();
    // Check the access before reading its data (a bad size may not fit in 64 bits).
    uint64_t value = size <= 8 ? pkt->getUintX(ByteOrder::little) : 0;
    const coro_sched::AccessResult r = core.write(off, size, value, curTick());
    if (r.status != coro_sched::AccessStatus::Ok)
        panic("%s", coro_sched::SchedCore::describe(r, off, size, true,
                                                    core.config().numCores));
    DPRINTF(CoroSched, "write %s%s off=%#x <- %#x\n", r.reg,
            r.index >= 0 ? csprintf("[%d]", r.index) : std::string(), off, value);
    pkt->makeResponse();
    updateDeadline();
    return pioDelay;
}

void
CoroSched::sourceFired(unsigned source)
{
    core.fire(source, curTick());
    updateDeadline();
}

bool
CoroSched::wakeTask(unsigned c, uint64_t task, bool ring)
{
    const bool ok = core.wakeTask(c, task, ring, curTick());
    DPRINTF(CoroSched, "task wake core %u task %#x via %s: %s\n", c, task,
            ring ? "ring" : "hwq", ok ? "delivered" : "refused (full or no ring)");
    updateDeadline();
    return ok;
}

void
CoroSched::updateDeadline()
{
    const Tick when = core.nextDeadline();
    if (when == coro_sched::NEVER) {
        if (tickEvent.scheduled())
            deschedule(tickEvent);
        return;
    }
    const Tick at = std::max(when, curTick());
    if (!tickEvent.scheduled())
        schedule(tickEvent, at);
    else if (tickEvent.when() != at)
        reschedule(tickEvent, at);
}

void
CoroSched::tick()
{
    core.advance(curTick());
    updateDeadline();
}

// ---- coro_sched::Hooks -----------------------------------------------------------------

void
CoroSched::setIrq(bool level)
{
    DPRINTF(CoroSched, "SPI %d %s\n", interrupt->num(), level ? "raised" : "cleared");
    if (level) {
        stats.irqRaises++;
        interrupt->raise();
    } else {
        interrupt->clear();
    }
}

void
CoroSched::writeMemory(uint64_t addr, uint64_t value, unsigned bytes, int signal,
                    bool secure)
{
    // The buffer must live until the DMA completes; the completion event frees it.
    uint8_t *buf = new uint8_t[bytes]();
    for (unsigned i = 0; i < 8 && i < bytes; ++i)
        buf[i] = uint8_t(value >> (8 * i));
    auto *done = new EventFunctionWrapper(
        [this, buf, addr, signal]{ delete[] buf; dmaDone(addr, signal); },
        name() + ".dmaDone", true);
    // A Secure guest caches its ring as Secure lines; gem5's caches only snoop (update,
    // invalidate, clear the exclusive monitor) for a write in the same security state.
    dmaPort.dmaAction(MemCmd::WriteReq, addr, int(bytes), done, buf, 0,
                      secure ? Request::Flags(Request::SECURE) : Request::Flags(0));
}

void
CoroSched::dmaDone(uint64_t addr, int signal)
{
    DPRINTF(CoroSched, "DMA write to %#x done\n", addr);
    if (signal >= 0)
        signalCore(unsigned(signal));
}

void
CoroSched::signalCore(unsigned c)
{
    ThreadContext *tc = sys->threads[c];
    DPRINTF(CoroSched, "event wire -> core %u\n", c);
    stats.eventSignals++;
    ArmISA::sendEvent(tc);
}

void
CoroSched::wake(coro_sched::Path path, unsigned c)
{
    (void)c;
    stats.wakes[static_cast<unsigned>(path)]++;
}

void
CoroSched::count(coro_sched::Count c)
{
    (*stats.byCount[static_cast<unsigned>(c)])++;
}

void
CoroSched::queueDepth(unsigned c, unsigned depth)
{
    (void)c;
    stats.queueDepth.sample(depth);
}

void
CoroSched::sample(const coro_sched::WakeSample &s)
{
    const unsigned p = static_cast<unsigned>(s.path);
    stats.wakeLatency.sample(s.cycles);
    stats.resumesByPath[p]++;
    stats.latencyByPath[p] += s.cycles;
    if (samplesOut) {
        *samplesOut->stream() << s.seq << ',' << coro_sched::pathName(s.path) << ','
                              << s.core << ',' << s.source << ',' << s.fireTick << ','
                              << s.resumeTick << ',' << s.cycles << '\n';
    }
}

bool
CoroSched::tracing() const
{
    return TRACING_ON && bool(debug::CoroSched);
}

void
CoroSched::trace(const std::string &line)
{
    DPRINTF(CoroSched, "%s\n", line);
}

// ---- stats and samples -------------------------------------------------------------------

void
CoroSched::resetStats()
{
    DmaDevice::resetStats();
    if (samplesOut)
        *samplesOut->stream() << "# reset tick=" << curTick() << '\n';
}

void
CoroSched::preDumpStats()
{
    DmaDevice::preDumpStats();
    if (samplesOut)
        *samplesOut->stream() << "# dump tick=" << curTick() << '\n';
    flushSamples();
}

void
CoroSched::flushSamples()
{
    if (samplesOut)
        samplesOut->stream()->flush();
}

CoroSched::CoroSchedStats::CoroSchedStats(statistics::Group *parent, unsigned queue_depth)
    : statistics::Group(parent),
      ADD_STAT(events, statistics::units::Count::get(),
               "Source events (generator, EVT_TRIGGER, other devices)"),
      ADD_STAT(genFires, statistics::units::Count::get(), "Events fired by the generator"),
      ADD_STAT(latched, statistics::units::Count::get(),
               "hwq/ring events that found their slot disarmed (latched until the next bind)"),
      ADD_STAT(coalesced, statistics::units::Count::get(),
               "hwq/ring events merged into an already latched event"),
      ADD_STAT(bindings, statistics::units::Count::get(), "Successful SRC_TASK writes"),
      ADD_STAT(rebinds, statistics::units::Count::get(),
               "SRC_TASK writes that replaced an armed binding"),
      ADD_STAT(bindErrors, statistics::units::Count::get(),
               "SRC_TASK writes rejected (null or misaligned task pointer)"),
      ADD_STAT(unbinds, statistics::units::Count::get(), "UNBIND writes that disarmed a slot"),
      ADD_STAT(pops, statistics::units::Count::get(), "POP reads that returned a task"),
      ADD_STAT(emptyPops, statistics::units::Count::get(), "POP reads of an empty queue"),
      ADD_STAT(ringWrites, statistics::units::Count::get(), "Ready-ring entries written"),
      ADD_STAT(fallbacks, statistics::units::Count::get(),
               "hwq/ring wakes that fell back to the interrupt (queue/ring full or no ring)"),
      ADD_STAT(overruns, statistics::units::Count::get(),
               "Wakes of a source whose previous wake had not resumed yet"),
      ADD_STAT(resumes, statistics::units::Count::get(),
               "RESUME writes that completed a latency sample"),
      ADD_STAT(spuriousResumes, statistics::units::Count::get(),
               "RESUME writes without an outstanding wake"),
      ADD_STAT(quantumExpiries, statistics::units::Count::get(),
               "Quantum expiries (yield requests raised)"),
      ADD_STAT(taskWakes, statistics::units::Count::get(),
               "Task pointers pushed by another device (SyscallFwd's wakes)"),
      ADD_STAT(taskWakesRefused, statistics::units::Count::get(),
               "Task wakes of another device refused (queue or ring full, or no ring)"),
      ADD_STAT(errors, statistics::units::Count::get(), "Error codes raised (ERR_STATUS)"),
      ADD_STAT(eventSignals, statistics::units::Count::get(),
               "Per-core event-wire signals sent"),
      ADD_STAT(irqRaises, statistics::units::Count::get(), "Times the SPI was raised"),
      ADD_STAT(wakes, statistics::units::Count::get(), "Wakes delivered, by path"),
      ADD_STAT(queueDepth, statistics::units::Count::get(),
               "Hardware ready-queue depth after each push"),
      ADD_STAT(wakeLatency, statistics::units::Cycle::get(),
               "Event-to-resume latency of a wake (CPU cycles)"),
      ADD_STAT(resumesByPath, statistics::units::Count::get(), "Latency samples, by path"),
      ADD_STAT(latencyByPath, statistics::units::Cycle::get(),
               "Sum of event-to-resume latencies, by path"),
      ADD_STAT(meanLatencyByPath,
               statistics::units::Rate<statistics::units::Cycle,
                                       statistics::units::Count>::get(),
               "Mean event-to-resume latency, by path", latencyByPath / resumesByPath)
{
    using coro_sched::Count;
    byCount = {};
    byCount[unsigned(Count::Events)] = &events;
    byCount[unsigned(Count::GenFires)] = &genFires;
    byCount[unsigned(Count::Latched)] = &latched;
    byCount[unsigned(Count::Coalesced)] = &coalesced;
    byCount[unsigned(Count::Bindings)] = &bindings;
    byCount[unsigned(Count::Rebinds)] = &rebinds;
    byCount[unsigned(Count::BindErrors)] = &bindErrors;
    byCount[unsigned(Count::Unbinds)] = &unbinds;
    byCount[unsigned(Count::Pops)] = &pops;
    byCount[unsigned(Count::EmptyPops)] = &emptyPops;
    byCount[unsigned(Count::RingWrites)] = &ringWrites;
    byCount[unsigned(Count::Fallbacks)] = &fallbacks;
    byCount[unsigned(Count::Overruns)] = &overruns;
    byCount[unsigned(Count::Resumes)] = &resumes;
    byCount[unsigned(Count::SpuriousResumes)] = &spuriousResumes;
    byCount[unsigned(Count::QuantumExpiries)] = &quantumExpiries;
    byCount[unsigned(Count::TaskWakes)] = &taskWakes;
    byCount[unsigned(Count::TaskWakesRefused)] = &taskWakesRefused;
    byCount[unsigned(Count::Errors)] = &errors;
    for (auto *s : byCount)
        panic_if(!s, "CoroSched: a coro_sched::Count has no stat");

    wakes.init(coro_sched::NUM_PATHS);
    resumesByPath.init(coro_sched::NUM_PATHS);
    latencyByPath.init(coro_sched::NUM_PATHS);
    for (unsigned p = 0; p < coro_sched::NUM_PATHS; ++p) {
        const char *n = coro_sched::pathName(static_cast<coro_sched::Path>(p));
        wakes.subname(p, n);
        resumesByPath.subname(p, n);
        latencyByPath.subname(p, n);
        meanLatencyByPath.subname(p, n);
    }
    queueDepth.init(1, std::max(1u, queue_depth), 1);
    wakeLatency.init(64);
}

} // namespace gem5
