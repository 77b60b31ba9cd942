/*
 * The CoroSched device's state machine (see sched_core.hh). No gem5 headers.
 */

#include "coro_sched/sched_core.hh"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace coro_sched
{

using namespace regs;

const char *
countName(Count c)
{
    switch (c) {
      case Count::Events: return "events";
      case Count::GenFires: return "genFires";
      case Count::Latched: return "latched";
      case Count::Coalesced: return "coalesced";
      case Count::Bindings: return "bindings";
      case Count::Rebinds: return "rebinds";
      case Count::BindErrors: return "bindErrors";
      case Count::Unbinds: return "unbinds";
      case Count::Pops: return "pops";
      case Count::EmptyPops: return "emptyPops";
      case Count::RingWrites: return "ringWrites";
      case Count::Fallbacks: return "fallbacks";
      case Count::Overruns: return "overruns";
      case Count::Resumes: return "resumes";
      case Count::SpuriousResumes: return "spuriousResumes";
      case Count::QuantumExpiries: return "quantumExpiries";
      case Count::TaskWakes: return "taskWakes";
      case Count::TaskWakesRefused: return "taskWakesRefused";
      case Count::Errors: return "errors";
    }
    return "?";
}

uint64_t
splitmix64(uint64_t &state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

const char *
SchedCore::checkConfig(const Config &cfg)
{
    if (cfg.numCores < 1 || cfg.numCores > DEV_MAX_CORES)
        return "num_cores must be between 1 and the register map's max_cores";
    if (cfg.queueDepth < 1)
        return "queue_depth must be at least 1";
    if (cfg.cyclePeriod < 1)
        return "the cycle period must be at least one tick";
    return nullptr;
}

SchedCore::SchedCore(const Config &c, Hooks &h)
    : cfg(c), hooks(h), cores(c.numCores)
{
    for (auto &core : cores)
        core.queue.resize(cfg.queueDepth);
}

// ---------------------------------------------------------------------------------------
// Register decode

AccessResult
SchedCore::decode(uint64_t offset, unsigned size, Decoded &d) const
{
    AccessResult r;
    for (unsigned b = 0; b < NUM_BLOCKS; ++b) {
        const BlockInfo &blk = BLOCKS[b];
        if (offset < blk.base || offset >= blk.base + uint64_t(blk.count) * blk.stride)
            continue;
        const unsigned index = unsigned((offset - blk.base) / blk.stride);
        const uint64_t rel = (offset - blk.base) % blk.stride;
        if (blk.count > 1)
            r.index = int(index);
        for (unsigned i = 0; i < blk.numRegs; ++i) {
            const RegInfo &reg = blk.regs[i];
            const uint64_t bytes = reg.width / 8;
            if (rel < reg.offset || rel >= reg.offset + bytes)
                continue;
            r.reg = reg.name;
            r.width = reg.width;
            if (blk.perCore && index >= cfg.numCores) {
                r.status = AccessStatus::UnknownOffset;
                return r;
            }
            if (rel != reg.offset) {
                r.status = AccessStatus::Unaligned;
                return r;
            }
            if (size != bytes) {
                r.status = AccessStatus::BadSize;
                return r;
            }
            d.block = &blk;
            d.reg = &reg;
            d.index = index;
            r.status = AccessStatus::Ok;
            return r;
        }
        r.status = AccessStatus::UnknownOffset;
        return r;
    }
    r.status = AccessStatus::UnknownOffset;
    return r;
}

std::string
SchedCore::describe(const AccessResult &r, uint64_t offset, unsigned size, bool isWrite,
                    unsigned numCores)
{
    char where[96];
    if (r.reg && r.index >= 0)
        std::snprintf(where, sizeof(where), "%s[%d]", r.reg, r.index);
    else if (r.reg)
        std::snprintf(where, sizeof(where), "%s", r.reg);
    else
        where[0] = 0;
    const char *dir = isWrite ? "write" : "read";
    char buf[256];
    switch (r.status) {
      case AccessStatus::Ok:
        std::snprintf(buf, sizeof(buf), "CoroSched: %u-byte %s of %s at offset %#llx is fine",
                      size, dir, where, (unsigned long long)offset);
        break;
      case AccessStatus::UnknownOffset:
        if (r.reg)
            std::snprintf(buf, sizeof(buf),
                          "CoroSched: %u-byte %s of %s at offset %#llx: per-core bank %d does "
                          "not exist (num_cores = %u)",
                          size, dir, where, (unsigned long long)offset, r.index, numCores);
        else
            std::snprintf(buf, sizeof(buf),
                          "CoroSched: %u-byte %s at unknown offset %#llx (no register there)",
                          size, dir, (unsigned long long)offset);
        break;
      case AccessStatus::Unaligned:
        std::snprintf(buf, sizeof(buf),
                      "CoroSched: %u-byte %s at offset %#llx is inside register %s but not at "
                      "its start",
                      size, dir, (unsigned long long)offset, where);
        break;
      case AccessStatus::BadSize:
        std::snprintf(buf, sizeof(buf),
                      "CoroSched: %u-byte %s of register %s at offset %#llx: the register is "
                      "%u bytes wide",
                      size, dir, where, (unsigned long long)offset, r.width / 8);
        break;
      case AccessStatus::ReadOfWriteOnly:
        std::snprintf(buf, sizeof(buf),
                      "CoroSched: read of write-only register %s at offset %#llx (size %u)",
                      where, (unsigned long long)offset, size);
        break;
      case AccessStatus::WriteToReadOnly:
        std::snprintf(buf, sizeof(buf),
                      "CoroSched: write to read-only register %s at offset %#llx (size %u)",
                      where, (unsigned long long)offset, size);
        break;
    }
    return buf;
}

AccessResult
SchedCore::read(uint64_t offset, unsigned size, Tick now, uint64_t &value)
{
    (void)now;
    Decoded d;
    AccessResult r = decode(offset, size, d);
    value = 0;
    if (r.status != AccessStatus::Ok)
        return r;
    if (d.reg->access == Access::WO) {
        r.status = AccessStatus::ReadOfWriteOnly;
        return r;
    }
    if (d.block->base == GLOBAL_BASE)
        value = readGlobal(offset);
    else if (d.block->base == GENERATOR_BASE)
        value = readGenerator(offset);
    else if (d.block->base == SOURCE_BASE)
        value = readSource(d.index, d.reg->offset);
    else
        value = readPerCore(d.index, d.reg->offset);
    if (r.index >= 0)
        traceLine("read %s[%d] = %#llx", d.reg->name, r.index, (unsigned long long)value);
    else
        traceLine("read %s = %#llx", d.reg->name, (unsigned long long)value);
    return r;
}

AccessResult
SchedCore::write(uint64_t offset, unsigned size, uint64_t value, Tick now)
{
    Decoded d;
    AccessResult r = decode(offset, size, d);
    if (r.status != AccessStatus::Ok)
        return r;
    if (d.reg->access == Access::RO) {
        r.status = AccessStatus::WriteToReadOnly;
        return r;
    }
    if (r.index >= 0)
        traceLine("write %s[%d] <- %#llx", d.reg->name, r.index, (unsigned long long)value);
    else
        traceLine("write %s <- %#llx", d.reg->name, (unsigned long long)value);
    if (d.block->base == GLOBAL_BASE)
        writeGlobal(offset, value, now);
    else if (d.block->base == GENERATOR_BASE)
        writeGenerator(offset, value, now);
    else if (d.block->base == SOURCE_BASE)
        writeSource(d.index, d.reg->offset, value, now);
    else
        writePerCore(d.index, d.reg->offset, value, now);
    return r;
}

// ---------------------------------------------------------------------------------------
// Register semantics

uint64_t
SchedCore::readGlobal(uint64_t off)
{
    switch (off) {
      case ID: return DEV_ID;
      case VERSION: return DEV_VERSION;
      case NUM_CORES: return cfg.numCores;
      case QUEUE_DEPTH: return cfg.queueDepth;
      case NUM_SOURCES: return DEV_NUM_SOURCES;
      case WAKE_MODE: return wakeMode_;
      case CTRL: return ctrl;
      case ERR_STATUS: return errStatus_;
      case ERR_ADDR: return errAddr_;
      case EVT_PENDING: return pending_;
      case FALLBACKS: return fallbacks;
      case MULTISHOT: return multishot;
      default: return 0; // decode() admits only registers of this block
    }
}

void
SchedCore::writeGlobal(uint64_t off, uint64_t v, Tick now)
{
    switch (off) {
      case WAKE_MODE:
        if (v > WAKE_MODE_MAX)
            error(ErrorCode::BAD_VALUE, off);
        else
            wakeMode_ = v;
        break;
      case CTRL:
        ctrl = v & (CTRL_EVENT_WIRE | CTRL_DMA_SECURE);
        break;
      case ERR_STATUS:
        errStatus_ &= ~v;
        break;
      case EVT_PENDING:
        pending_ &= ~v;
        irqPending &= ~v;
        updateIrq();
        break;
      case EVT_TRIGGER:
        if (v >= DEV_NUM_SOURCES)
            error(ErrorCode::BAD_SOURCE, off);
        else
            fire(unsigned(v), now);
        break;
      case MULTISHOT:
        multishot = v;
        break;
      case UNBIND:
        if (v >= DEV_NUM_SOURCES) {
            error(ErrorCode::BAD_SOURCE, off);
        } else if (slots[v].armed) {
            slots[v].armed = false;
            bump(Count::Unbinds);
        }
        break;
      default:
        break;
    }
}

uint64_t
SchedCore::readGenerator(uint64_t off)
{
    switch (off) {
      case GEN_CTRL: return gen.enabled ? GEN_CTRL_ENABLE : 0;
      case GEN_MODE: return gen.mode;
      case GEN_SOURCE: return gen.source;
      case GEN_INTERVAL: return gen.interval;
      case GEN_INTERVAL_MAX: return gen.intervalMax;
      case GEN_SEED: return gen.seed;
      case GEN_LIMIT: return gen.limit;
      case GEN_FIRED: return gen.fired;
      default: return 0;
    }
}

void
SchedCore::writeGenerator(uint64_t off, uint64_t v, Tick now)
{
    switch (off) {
      case GEN_CTRL:
        if ((v & GEN_CTRL_ENABLE) && !gen.enabled) {
            const bool bad = gen.interval == 0 ||
                (gen.mode == uint64_t(GenMode::UNIFORM) && gen.intervalMax < gen.interval);
            if (bad) {
                error(ErrorCode::BAD_VALUE, off);
                break;
            }
            gen.enabled = true;
            gen.fired = 0;
            gen.rng = gen.seed;
            gen.next = after(now, genDraw());
            traceLine("generator on: mode %s source %llu interval %llu, first at %llu",
                      genModeName(gen.mode), (unsigned long long)gen.source,
                      (unsigned long long)gen.interval, (unsigned long long)gen.next);
        } else if (!(v & GEN_CTRL_ENABLE) && gen.enabled) {
            gen.enabled = false;
            gen.next = NEVER;
        }
        break;
      case GEN_MODE:
        if (v > GEN_MODE_MAX)
            error(ErrorCode::BAD_VALUE, off);
        else
            gen.mode = v;
        break;
      case GEN_SOURCE:
        if (v >= DEV_NUM_SOURCES)
            error(ErrorCode::BAD_VALUE, off);
        else
            gen.source = v;
        break;
      case GEN_INTERVAL: gen.interval = v; break;
      case GEN_INTERVAL_MAX: gen.intervalMax = v; break;
      case GEN_SEED:
        gen.seed = v;
        gen.rng = v;
        break;
      case GEN_LIMIT: gen.limit = v; break;
      default: break;
    }
}

uint64_t
SchedCore::readSource(unsigned s, uint64_t rel)
{
    switch (rel) {
      case SRC_TASK: return slots[s].armed ? slots[s].task : 0;
      case SRC_CORE: return slots[s].core;
      default: return 0;
    }
}

void
SchedCore::writeSource(unsigned s, uint64_t rel, uint64_t v, Tick now)
{
    (void)now;
    Slot &slot = slots[s];
    switch (rel) {
      case SRC_TASK:
        if (v == 0) {
            bump(Count::BindErrors);
            error(ErrorCode::NULL_TASK, srcTask(s));
            break;
        }
        if (v % DEV_TASK_ALIGN != 0) {
            bump(Count::BindErrors);
            error(ErrorCode::MISALIGNED_TASK, srcTask(s));
            break;
        }
        if (slot.armed)
            bump(Count::Rebinds);
        slot.task = v;
        slot.armed = true;
        bump(Count::Bindings);
        if (slot.latched && (wakeMode_ == uint64_t(WakeMode::HWQ) ||
                             wakeMode_ == uint64_t(WakeMode::RING))) {
            // The event came first: deliver it now, with the tick it fired at.
            slot.latched = false;
            slot.armed = isMultishot(s);
            hardwareWake(s, v, slot.core, slot.latchedTick);
        }
        break;
      case SRC_CORE:
        if (v >= cfg.numCores)
            error(ErrorCode::BAD_CORE, srcCore(s));
        else
            slot.core = unsigned(v);
        break;
      default:
        break;
    }
}

uint64_t
SchedCore::readPerCore(unsigned c, uint64_t rel)
{
    CoreState &core = cores[c];
    switch (rel) {
      case POP: {
        if (core.count == 0) {
            bump(Count::EmptyPops);
            return 0;
        }
        const Entry e = core.queue[core.head];
        core.head = (core.head + 1) % cfg.queueDepth;
        core.count--;
        bump(Count::Pops);
        if (core.count == 0)
            writeHwqFlag(c, 0, false);
        return e.task;
      }
      case Q_DEPTH: return core.count;
      case RING_BASE: return core.ringBase;
      case RING_SIZE: return core.ringSize;
      case RING_CONS: return core.ringCons;
      case RING_PROD: return core.ringProd;
      case QUANTUM: return core.quantum;
      case YIELD: return core.yield ? 1 : 0;
      case YIELD_ADDR: return core.yieldAddr;
      case HWQ_FLAG_ADDR: return core.hwqFlagAddr;
      default: return 0;
    }
}

void
SchedCore::writePerCore(unsigned c, uint64_t rel, uint64_t v, Tick now)
{
    CoreState &core = cores[c];
    const uint64_t addr = PERCORE_BASE + c * PERCORE_STRIDE + rel;
    switch (rel) {
      case RESUME:
        resume(c, v, addr, now);
        break;
      case RING_BASE:
        if (v % DEV_RING_SLOT != 0)
            error(ErrorCode::BAD_VALUE, addr);
        else
            core.ringBase = v;
        break;
      case RING_SIZE:
        if (v != 0 && (v & (v - 1)) != 0) {
            error(ErrorCode::BAD_VALUE, addr);
        } else {
            core.ringSize = v;
            core.ringProd = 0;
            core.ringCons = 0;
        }
        break;
      case RING_CONS:
        // Free-running indices: accept cons <= v <= prod (mod 2^64).
        if (v - core.ringCons > core.ringProd - core.ringCons)
            error(ErrorCode::BAD_VALUE, addr);
        else
            core.ringCons = v;
        break;
      case QUANTUM:
        core.quantum = v;
        startQuantum(c, now);
        break;
      case YIELD:
        if (v & 1)
            startQuantum(c, now);
        break;
      case YIELD_ADDR:
        if (v % 8 != 0)
            error(ErrorCode::BAD_VALUE, addr);
        else
            core.yieldAddr = v;
        break;
      case HWQ_FLAG_ADDR:
        if (v % DEV_RING_SLOT != 0)
            error(ErrorCode::BAD_VALUE, addr);
        else
            core.hwqFlagAddr = v;
        break;
      default:
        break;
    }
}

// ---------------------------------------------------------------------------------------
// Events and wakes

void
SchedCore::bump(Count c)
{
    counts[static_cast<unsigned>(c)]++;
    hooks.count(c);
}

void
SchedCore::error(ErrorCode code, uint64_t addr)
{
    if (errStatus_ == 0)
        errAddr_ = addr;
    errStatus_ |= uint64_t(1) << uint64_t(code);
    bump(Count::Errors);
    traceLine("error %s at offset %#llx", errorCodeName(uint64_t(code)),
              (unsigned long long)addr);
}

void
SchedCore::fire(unsigned s, Tick now)
{
    if (s >= DEV_NUM_SOURCES) {
        error(ErrorCode::BAD_SOURCE, EVT_TRIGGER);
        return;
    }
    bump(Count::Events);
    Slot &slot = slots[s];
    traceLine("event source %u at %llu (mode %s)", s, (unsigned long long)now,
              wakeModeName(wakeMode_));
    switch (static_cast<WakeMode>(wakeMode_)) {
      case WakeMode::IRQ:
        softwareWake(s, now, Path::Irq, true, slot.core);
        break;
      case WakeMode::POLL:
        softwareWake(s, now, Path::Poll, false, slot.core);
        break;
      case WakeMode::HWQ:
      case WakeMode::RING:
        if (!slot.armed) {
            if (slot.latched) {
                bump(Count::Coalesced);
            } else {
                slot.latched = true;
                slot.latchedTick = now;
                bump(Count::Latched);
            }
            return;
        }
        // One-shot, like a Rust waker, unless the source is a multi-shot stream.
        slot.armed = isMultishot(s);
        hardwareWake(s, slot.task, slot.core, now);
        break;
    }
}

void
SchedCore::hardwareWake(unsigned s, uint64_t task, unsigned c, Tick fireTick)
{
    CoreState &core = cores[c];
    const bool wire = (ctrl & CTRL_EVENT_WIRE) != 0;
    if (wakeMode_ == uint64_t(WakeMode::HWQ)) {
        if (core.count >= cfg.queueDepth) {
            softwareWake(s, fireTick, Path::Fallback, true, c);
            return;
        }
        core.queue[(core.head + core.count) % cfg.queueDepth] = Entry{task, s};
        core.count++;
        hooks.queueDepth(c, core.count);
        record(s, fireTick, Path::Hwq);
        hooks.wake(Path::Hwq, c);
        traceLine("hwq push core %u task %#llx depth %u", c, (unsigned long long)task,
                  core.count);
        // With a flag line, the signal follows the flag write, so that the woken core sees
        // the flag set.
        if (core.count == 1 && writeHwqFlag(c, 1, wire))
            return;
        if (wire)
            hooks.signalCore(c);
        return;
    }
    // Ring.
    if (core.ringSize == 0) {
        error(ErrorCode::RING_UNCONFIGURED, srcTask(s));
        softwareWake(s, fireTick, Path::Fallback, true, c);
        return;
    }
    if (core.ringProd - core.ringCons >= core.ringSize) {
        softwareWake(s, fireTick, Path::Fallback, true, c);
        return;
    }
    const uint64_t addr = core.ringBase + (core.ringProd & (core.ringSize - 1)) * DEV_RING_SLOT;
    core.ringProd++;
    bump(Count::RingWrites);
    record(s, fireTick, Path::Ring);
    hooks.wake(Path::Ring, c);
    traceLine("ring write core %u slot %llu addr %#llx task %#llx", c,
              (unsigned long long)((core.ringProd - 1) & (core.ringSize - 1)),
              (unsigned long long)addr, (unsigned long long)task);
    hooks.writeMemory(addr, task, unsigned(DEV_RING_SLOT), wire ? int(c) : -1,
                   (ctrl & CTRL_DMA_SECURE) != 0);
}

bool
SchedCore::wakeTask(unsigned c, uint64_t task, bool ring, Tick now)
{
    (void)now;
    if (c >= cfg.numCores)
        return false;
    CoreState &core = cores[c];
    const bool wire = (ctrl & CTRL_EVENT_WIRE) != 0;
    if (!ring) {
        if (core.count >= cfg.queueDepth) {
            bump(Count::TaskWakesRefused);
            return false;
        }
        core.queue[(core.head + core.count) % cfg.queueDepth] = Entry{task, DEV_NUM_SOURCES};
        core.count++;
        bump(Count::TaskWakes);
        hooks.queueDepth(c, core.count);
        hooks.wake(Path::Hwq, c);
        traceLine("task wake: hwq push core %u task %#llx depth %u", c,
                  (unsigned long long)task, core.count);
        if (core.count == 1 && writeHwqFlag(c, 1, wire))
            return true;
        if (wire)
            hooks.signalCore(c);
        return true;
    }
    if (core.ringSize == 0 || core.ringProd - core.ringCons >= core.ringSize) {
        bump(Count::TaskWakesRefused);
        return false;
    }
    const uint64_t addr = core.ringBase + (core.ringProd & (core.ringSize - 1)) * DEV_RING_SLOT;
    core.ringProd++;
    bump(Count::RingWrites);
    bump(Count::TaskWakes);
    hooks.wake(Path::Ring, c);
    traceLine("task wake: ring write core %u addr %#llx task %#llx", c,
              (unsigned long long)addr, (unsigned long long)task);
    hooks.writeMemory(addr, task, unsigned(DEV_RING_SLOT), wire ? int(c) : -1,
                   (ctrl & CTRL_DMA_SECURE) != 0);
    return true;
}

void
SchedCore::softwareWake(unsigned s, Tick fireTick, Path path, bool irq, unsigned c)
{
    if (path == Path::Fallback) {
        fallbacks++;
        bump(Count::Fallbacks);
    }
    const uint64_t bit = uint64_t(1) << s;
    // A pending bit not yet acknowledged merges this event into the wake the software will
    // take for it: one read of the bits, one wake, one RESUME.
    const bool merged = (pending_ & bit) != 0;
    pending_ |= bit;
    if (irq)
        irqPending |= bit;
    if (merged)
        bump(Count::Overruns);
    else
        record(s, fireTick, path);
    hooks.wake(path, c);
    updateIrq();
}

void
SchedCore::record(unsigned s, Tick fireTick, Path path)
{
    OutstandingQueue &q = outstanding[s];
    if (q.count > 0) {
        // The previous wake of this source has not resumed yet.
        bump(Count::Overruns);
        if (q.count == OutstandingQueue::CAPACITY)
            return; // keep the oldest fire ticks
    }
    Outstanding &o = q.entries[(q.head + q.count) % OutstandingQueue::CAPACITY];
    o.fireTick = fireTick;
    o.path = path;
    q.count++;
}

bool
SchedCore::writeHwqFlag(unsigned c, uint64_t value, bool signal)
{
    const uint64_t addr = cores[c].hwqFlagAddr;
    if (addr == 0)
        return false;
    traceLine("hwq flag core %u := %llu", c, (unsigned long long)value);
    hooks.writeMemory(addr, value, unsigned(DEV_RING_SLOT), signal ? int(c) : -1,
                      (ctrl & CTRL_DMA_SECURE) != 0);
    return true;
}

void
SchedCore::updateIrq()
{
    irqPending &= pending_;
    const bool level = irqPending != 0;
    if (level != irqLevel_) {
        irqLevel_ = level;
        hooks.setIrq(level);
    }
}

void
SchedCore::resume(unsigned c, uint64_t s, uint64_t addr, Tick now)
{
    if (s >= DEV_NUM_SOURCES) {
        error(ErrorCode::BAD_SOURCE, addr);
        return;
    }
    OutstandingQueue &q = outstanding[s];
    if (q.count == 0) {
        bump(Count::SpuriousResumes);
        error(ErrorCode::SPURIOUS_RESUME, addr);
        return;
    }
    const Outstanding o = q.entries[q.head];
    q.head = (q.head + 1) % OutstandingQueue::CAPACITY;
    q.count--;
    WakeSample w;
    w.seq = nextSeq++;
    w.path = o.path;
    w.core = c;
    w.source = unsigned(s);
    w.fireTick = o.fireTick;
    w.resumeTick = now;
    w.cycles = (now >= o.fireTick ? now - o.fireTick : 0) / cfg.cyclePeriod;
    bump(Count::Resumes);
    traceLine("resume core %u source %llu path %s: %llu cycles", c, (unsigned long long)s,
              pathName(o.path), (unsigned long long)w.cycles);
    hooks.sample(w);
}

// ---------------------------------------------------------------------------------------
// Time

Tick
SchedCore::after(Tick now, uint64_t cycles) const
{
    if (cycles > (NEVER - 1 - now) / cfg.cyclePeriod)
        return NEVER - 1;
    return now + cycles * cfg.cyclePeriod;
}

void
SchedCore::startQuantum(unsigned c, Tick now)
{
    CoreState &core = cores[c];
    core.yield = false;
    core.quantumDeadline = core.quantum ? after(now, core.quantum) : NEVER;
}

void
SchedCore::expireQuantum(unsigned c)
{
    CoreState &core = cores[c];
    core.yield = true;
    core.quantumDeadline = NEVER;
    bump(Count::QuantumExpiries);
    traceLine("quantum expired on core %u", c);
    if (core.yieldAddr)
        hooks.writeMemory(core.yieldAddr, 1, 8, -1, (ctrl & CTRL_DMA_SECURE) != 0);
}

uint64_t
SchedCore::genDraw()
{
    switch (static_cast<GenMode>(gen.mode)) {
      case GenMode::PERIODIC:
        return gen.interval;
      case GenMode::UNIFORM: {
        const uint64_t span = gen.intervalMax - gen.interval;
        const uint64_t r = splitmix64(gen.rng);
        return span == UINT64_MAX ? r : gen.interval + r % (span + 1);
      }
      case GenMode::EXPONENTIAL: {
        const double u = double(splitmix64(gen.rng) >> 11) * 0x1.0p-53; // [0, 1)
        const double x = -double(gen.interval) * std::log1p(-u);
        const double rounded = std::floor(x + 0.5);
        if (rounded < 1.0)
            return 1;
        if (rounded >= 0x1.0p63)
            return uint64_t(1) << 63;
        return uint64_t(rounded);
      }
    }
    return gen.interval;
}

void
SchedCore::genFire()
{
    const Tick at = gen.next;
    gen.fired++;
    bump(Count::GenFires);
    if (gen.limit != 0 && gen.fired >= gen.limit) {
        gen.enabled = false;
        gen.next = NEVER;
    } else {
        gen.next = after(at, genDraw());
    }
    fire(unsigned(gen.source), at);
}

Tick
SchedCore::nextDeadline() const
{
    Tick t = gen.enabled ? gen.next : NEVER;
    for (const auto &core : cores)
        if (core.quantumDeadline < t)
            t = core.quantumDeadline;
    return t;
}

void
SchedCore::advance(Tick now)
{
    for (;;) {
        const Tick t = nextDeadline();
        if (t == NEVER || t > now)
            return;
        if (gen.enabled && gen.next == t) {
            genFire();
            continue;
        }
        for (unsigned c = 0; c < cores.size(); ++c) {
            if (cores[c].quantumDeadline == t) {
                expireQuantum(c);
                break;
            }
        }
    }
}

void
SchedCore::traceLine(const char *fmt, ...) const
{
    if (!hooks.tracing())
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    hooks.trace(buf);
}

} // namespace coro_sched
