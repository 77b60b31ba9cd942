/*
 * The LoadGenNic's state machine (see nic_core.hh).
 */

#include "loadgen_nic/nic_core.hh"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace loadgen_nic
{

using regs::ErrorCode;

namespace
{

bool
isPow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

const char *
kindName(Kind k)
{
    return regs::descKindName(static_cast<uint64_t>(k));
}

const char *
statusName(Request::Status s)
{
    switch (s) {
      case Request::Status::Ok: return "ok";
      case Request::Status::Dropped: return "dropped";
      case Request::Status::Outstanding: return "outstanding";
    }
    return "?";
}

} // anonymous namespace

const char *
countName(Count c)
{
    switch (c) {
      case Count::Arrivals: return "arrivals";
      case Count::Delivered: return "delivered";
      case Count::Drops: return "drops";
      case Count::Completions: return "completions";
      case Count::BadCompletions: return "badCompletions";
      case Count::GreedyDelivered: return "greedyDelivered";
      case Count::EndRetries: return "endRetries";
      case Count::TxReads: return "txReads";
      case Count::Errors: return "errors";
    }
    return "?";
}

const char *const NicCore::RECORDS_HEADER =
    "id,flow,kind,arg0,arg1,warmup,arrival_tick,delivered_tick,completed_tick,status,"
    "service_ticks,work_cycles";

const char *
NicCore::checkConfig(const Config &cfg)
{
    if (cfg.cyclePeriod == 0)
        return "cpu_clock period must be at least one tick";
    if (!(cfg.ticksPerSecond > 0))
        return "the tick frequency must be positive";
    if (!(cfg.rate > 0) || !std::isfinite(cfg.rate))
        return "rate must be a positive number of requests per second";
    if (cfg.requests == 0)
        return "requests (measured) must be at least 1";
    if (cfg.warmup + cfg.requests < cfg.requests || cfg.warmup + cfg.requests > (uint64_t(1) << 32))
        return "warmup + requests must be at most 2^32";
    if (cfg.workload.type == WorkloadSpec::Type::Kv && cfg.workload.keys == 0)
        return "a kv workload needs at least one key";
    if (cfg.workload.type != WorkloadSpec::Type::Kv && !(cfg.workload.meanTicks() > 0))
        return "the workload's service times must be positive";
    return nullptr;
}

NicCore::NicCore(const Config &c, Hooks &h)
    : cfg(c), hooks(h), workload(c.workload, c.seed),
      arrivals(c.poisson, c.rate, c.ticksPerSecond, c.seed)
{
    reqs.reserve(size_t(std::min<uint64_t>(cfg.warmup + cfg.requests, uint64_t(1) << 22)));
}

// ---- register decoding --------------------------------------------------------------------

AccessResult
NicCore::decode(uint64_t off, unsigned size, bool isWrite, uint64_t &rel) const
{
    AccessResult r;
    const regs::RegInfo *table = regs::GLOBAL_REGS;
    unsigned n = regs::GLOBAL_NUM_REGS;
    rel = off;
    if (off >= regs::FLOW_BASE) {
        const uint64_t f = (off - regs::FLOW_BASE) / regs::FLOW_STRIDE;
        if (f >= regs::FLOW_COUNT || off >= regs::DEV_WINDOW_SIZE) {
            r.status = AccessStatus::UnknownOffset;
            return r;
        }
        r.index = int(f);
        table = regs::FLOW_REGS;
        n = regs::FLOW_NUM_REGS;
        rel = (off - regs::FLOW_BASE) % regs::FLOW_STRIDE;
    }
    const regs::RegInfo *reg = nullptr;
    for (unsigned i = 0; i < n; ++i)
        if (rel >= table[i].offset && rel < table[i].offset + 8)
            reg = &table[i];
    if (!reg) {
        r.status = AccessStatus::UnknownOffset;
        return r;
    }
    r.reg = reg->name;
    if (rel != reg->offset)
        r.status = AccessStatus::Unaligned;
    else if (size != 8)
        r.status = AccessStatus::BadSize;
    else if (!isWrite && reg->access == regs::Access::WO)
        r.status = AccessStatus::ReadOfWriteOnly;
    else if (isWrite && reg->access == regs::Access::RO)
        r.status = AccessStatus::WriteToReadOnly;
    return r;
}

AccessResult
NicCore::read(uint64_t off, unsigned size, Tick now, uint64_t &value)
{
    (void)now;
    uint64_t rel = 0;
    const AccessResult r = decode(off, size, false, rel);
    if (r.status == AccessStatus::Ok)
        value = r.index < 0 ? readGlobal(rel) : readFlow(unsigned(r.index), rel);
    return r;
}

AccessResult
NicCore::write(uint64_t off, unsigned size, uint64_t value, Tick now)
{
    uint64_t rel = 0;
    const AccessResult r = decode(off, size, true, rel);
    if (r.status != AccessStatus::Ok)
        return r;
    if (r.index < 0)
        writeGlobal(rel, value, now);
    else
        writeFlow(unsigned(r.index), rel, value, off, now);
    return r;
}

std::string
NicCore::describe(const AccessResult &r, uint64_t off, unsigned size, bool isWrite)
{
    char buf[256];
    const char *what = "";
    switch (r.status) {
      case AccessStatus::Ok: what = "ok"; break;
      case AccessStatus::UnknownOffset: what = "no register at this offset"; break;
      case AccessStatus::Unaligned: what = "not at the start of the register"; break;
      case AccessStatus::BadSize: what = "registers take one 8-byte access"; break;
      case AccessStatus::ReadOfWriteOnly: what = "read of a write-only register"; break;
      case AccessStatus::WriteToReadOnly: what = "write to a read-only register"; break;
    }
    std::string reg = r.reg ? std::string(r.reg) : std::string("?");
    if (r.reg && r.index >= 0)
        reg += "[" + std::to_string(r.index) + "]";
    std::snprintf(buf, sizeof(buf),
                  "LoadGenNic: bad %s of %u bytes at offset %#" PRIx64 " (%s): %s "
                  "(docs/loadgen-nic.md lists the registers)",
                  isWrite ? "write" : "read", size, off, reg.c_str(), what);
    return buf;
}

uint64_t
NicCore::readGlobal(uint64_t off) const
{
    switch (off) {
      case regs::ID: return regs::DEV_ID;
      case regs::VERSION: return regs::DEV_VERSION;
      case regs::NUM_FLOWS: return regs::DEV_NUM_FLOWS;
      case regs::CTRL: return ctrl;
      case regs::STATUS:
        return (running_ ? regs::STATUS_RUNNING : 0) | (done_ ? regs::STATUS_DONE : 0);
      case regs::ERR_STATUS: return errStatus_;
      case regs::ERR_ADDR: return errAddr_;
      case regs::KV_KEYS:
        return cfg.workload.type == WorkloadSpec::Type::Kv ? cfg.workload.keys : 0;
      case regs::SEED: return cfg.seed;
      case regs::TX_RING_BASE: return txBase;
      case regs::TX_RING_SIZE: return txSize;
      case regs::TX_PROD: return txProd;
      case regs::TX_CONS: return txCons_;
      case regs::ARRIVALS: return counter(Count::Arrivals);
      case regs::DROPS: return counter(Count::Drops);
      case regs::COMPLETIONS: return counter(Count::Completions);
    }
    return 0;
}

uint64_t
NicCore::readFlow(unsigned f, uint64_t rel) const
{
    const Flow &fl = flows[f];
    switch (rel) {
      case regs::RX_RING_BASE: return fl.base;
      case regs::RX_RING_SIZE: return fl.size;
      case regs::RX_PROD: return fl.prod;
      case regs::RX_CONS: return fl.cons;
      case regs::RX_SOURCE: return cfg.sources[f];
      case regs::FLOW_MODE:
        if (f == 0)
            return uint64_t(regs::FlowMode::OPEN_LOOP);
        return uint64_t(cfg.greedy ? regs::FlowMode::SATURATING : regs::FlowMode::OFF);
    }
    return 0;
}

void
NicCore::writeGlobal(uint64_t off, uint64_t v, Tick now)
{
    switch (off) {
      case regs::CTRL: {
        const uint64_t known = regs::CTRL_START | regs::CTRL_DMA_SECURE;
        if (v & ~known) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        const bool wasStart = ctrl & regs::CTRL_START;
        ctrl = v;
        if ((v & regs::CTRL_START) && !wasStart) {
            start(now, off);
        } else if (!(v & regs::CTRL_START) && running_) {
            running_ = false;
            traceLine("stopped at tick %" PRIu64, now);
        }
        return;
      }
      case regs::ERR_STATUS:
        errStatus_ &= ~v;
        return;
      case regs::TX_RING_BASE:
        if (v % 64 != 0) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        txBase = v;
        return;
      case regs::TX_RING_SIZE:
        if (v != 0 && !isPow2(v)) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        txSize = v;
        txProd = txCons_ = 0;
        return;
      case regs::TX_PROD:
        doorbell(v, now, off);
        return;
    }
}

void
NicCore::writeFlow(unsigned f, uint64_t rel, uint64_t v, uint64_t off, Tick now)
{
    Flow &fl = flows[f];
    switch (rel) {
      case regs::RX_RING_BASE:
        if (v % 64 != 0 || running_) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        fl.base = v;
        return;
      case regs::RX_RING_SIZE:
        if ((v != 0 && !isPow2(v)) || running_) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        fl.size = v;
        fl.prod = fl.cons = 0;
        return;
      case regs::RX_CONS:
        if (v < fl.cons || v > fl.prod) {
            error(ErrorCode::BAD_VALUE, off);
            return;
        }
        fl.cons = v;
        if (f == 1)
            refillGreedy(now);
        else if (endPending_)
            tryEnd(now);
        return;
    }
}

// ---- generation ---------------------------------------------------------------------------

void
NicCore::start(Tick now, uint64_t off)
{
    if (done_)
        return;
    if (flows[0].size == 0 || (cfg.greedy && flows[1].size == 0)) {
        ctrl &= ~regs::CTRL_START;
        error(ErrorCode::RING_UNCONFIGURED, off);
        return;
    }
    running_ = true;
    // The first arrival (and, after a stop, the next one) comes one inter-arrival time later.
    nextArrival = double(now) + arrivals.gap();
    traceLine("started at tick %" PRIu64 ": first arrival at %.0f", now, nextArrival);
    refillGreedy(now);
    if (endPending_)
        tryEnd(now);
}

Tick
NicCore::nextDeadline() const
{
    if (!running_ || reqs.size() >= cfg.warmup + cfg.requests)
        return NEVER;
    return Tick(std::llround(nextArrival));
}

void
NicCore::advance(Tick now)
{
    Tick at;
    while ((at = nextDeadline()) != NEVER && at <= now) {
        arrive(at);
        nextArrival += arrivals.gap();
    }
}

bool
NicCore::ringFull(unsigned f) const
{
    return flows[f].prod - flows[f].cons >= flows[f].size;
}

void
NicCore::deliver(unsigned f, const std::array<uint64_t, 8> &words)
{
    Flow &fl = flows[f];
    const uint64_t addr = fl.base + (fl.prod & (fl.size - 1)) * regs::DEV_RX_SLOT;
    fl.prod++;
    hooks.writeDescriptor(f, addr, words, secure());
}

void
NicCore::arrive(Tick at)
{
    Request r;
    r.id = reqs.size() + 1;
    r.warmup = r.id <= cfg.warmup;
    r.arrival = at;
    const Draw d = workload.draw();
    r.kind = d.kind;
    if (d.kind == Kind::Synth) {
        r.serviceTicks = uint64_t(std::llround(d.serviceTicks));
        r.arg0 = uint64_t(std::llround(d.serviceTicks / double(cfg.cyclePeriod)));
    } else {
        r.arg0 = d.key;
        r.arg1 = d.scanLen;
    }
    bump(Count::Arrivals);
    flows[0].nextId = r.id + 1;
    if (ringFull(0)) {
        r.status = Request::Status::Dropped;
        reqs.push_back(r);
        bump(Count::Drops);
        traceLine("drop id=%" PRIu64 " at %" PRIu64 " (ring full)", r.id, at);
        if (!r.warmup)
            resolvedMeasured(at);
        return;
    }
    r.delivered = at;
    r.status = Request::Status::Outstanding;
    reqs.push_back(r);
    outstanding_++;
    bump(Count::Delivered);
    traceLine("deliver id=%" PRIu64 " %s arg0=%" PRIu64 " at %" PRIu64, r.id, kindName(r.kind),
              r.arg0, at);
    deliver(0, {r.id, uint64_t(r.kind), r.arg0, r.arg1, r.arrival, r.delivered,
                r.warmup ? DESC_FLAG_WARMUP : 0, 0});
}

void
NicCore::refillGreedy(Tick now)
{
    if (!cfg.greedy || !running_ || done_)
        return;
    Flow &fl = flows[1];
    while (!ringFull(1)) {
        const uint64_t id = fl.nextId++;
        bump(Count::GreedyDelivered);
        deliver(1, {id, uint64_t(regs::DescKind::GREEDY), 0, 0, now, now, 0, 0});
    }
}

void
NicCore::resolvedMeasured(Tick now)
{
    if (++measuredResolved < cfg.requests)
        return;
    endPending_ = true;
    endSince = now;
    traceLine("every measured request resolved at %" PRIu64, now);
    hooks.measuredDone(now);
    tryEnd(now);
}

void
NicCore::tryEnd(Tick now)
{
    if (!endPending_ || done_ || flows[0].size == 0)
        return;
    if (ringFull(0)) {
        bump(Count::EndRetries);
        return; // retried at the next RX_CONS write
    }
    endPending_ = false;
    done_ = true;
    running_ = false;
    traceLine("END delivered at %" PRIu64, now);
    deliver(0, {END_ID, uint64_t(regs::DescKind::END), 0, 0, endSince, now, 0, 0});
    hooks.endDelivered(now);
}

// ---- completions --------------------------------------------------------------------------

void
NicCore::doorbell(uint64_t prod, Tick now, uint64_t off)
{
    if (txSize == 0) {
        error(ErrorCode::RING_UNCONFIGURED, off);
        return;
    }
    if (prod < txProd || prod - txCons_ > txSize) {
        error(ErrorCode::BAD_VALUE, off);
        return;
    }
    // Slots [txProd, prod), in at most two contiguous reads (the ring may wrap).
    uint64_t from = txProd;
    txProd = prod;
    while (from < prod) {
        const uint64_t slot = from & (txSize - 1);
        const uint64_t n = std::min(prod - from, txSize - slot);
        bump(Count::TxReads);
        hooks.readTx(txBase + slot * regs::DEV_TX_SLOT, unsigned(n * regs::DEV_TX_SLOT), now,
                     secure());
        from += n;
    }
}

void
NicCore::txData(const uint8_t *data, unsigned bytes, Tick doorbellTick, Tick now)
{
    (void)now;
    for (unsigned s = 0; s + regs::DEV_TX_SLOT <= bytes; s += regs::DEV_TX_SLOT) {
        uint64_t w[2] = {0, 0};
        for (unsigned i = 0; i < 16; ++i)
            w[i / 8] |= uint64_t(data[s + i]) << (8 * (i % 8));
        txCons_++;
        complete(w[regs::TX_WORD_ID], w[regs::TX_WORD_WORK_CYCLES], doorbellTick);
    }
}

void
NicCore::complete(uint64_t id, uint64_t work, Tick doorbellTick)
{
    if (id == 0 || id > reqs.size() || reqs[id - 1].status != Request::Status::Outstanding) {
        bump(Count::BadCompletions);
        traceLine("bad completion id=%" PRIu64, id);
        error(ErrorCode::BAD_COMPLETION, regs::TX_PROD);
        return;
    }
    Request &r = reqs[id - 1];
    r.status = Request::Status::Ok;
    r.completed = doorbellTick;
    r.workCycles = work;
    outstanding_--;
    bump(Count::Completions);
    hooks.completed(r);
    traceLine("complete id=%" PRIu64 " latency=%" PRIu64 " ticks", id, r.completed - r.arrival);
    if (!r.warmup)
        resolvedMeasured(doorbellTick);
}

// ---- records, errors, tracing -------------------------------------------------------------

void
NicCore::writeRecords(std::ostream &os) const
{
    os << RECORDS_HEADER << '\n';
    for (const Request &r : reqs) {
        os << r.id << ",0," << kindName(r.kind) << ',' << r.arg0 << ',' << r.arg1 << ','
           << (r.warmup ? 1 : 0) << ',' << r.arrival << ',' << r.delivered << ','
           << r.completed << ',' << statusName(r.status) << ',' << r.serviceTicks << ','
           << r.workCycles << '\n';
    }
}

void
NicCore::bump(Count c)
{
    counts[static_cast<unsigned>(c)]++;
    hooks.count(c);
}

void
NicCore::error(ErrorCode code, uint64_t addr)
{
    if (errStatus_ == 0)
        errAddr_ = addr;
    errStatus_ |= uint64_t(1) << uint64_t(code);
    bump(Count::Errors);
    traceLine("error %s at offset %#" PRIx64, regs::errorCodeName(uint64_t(code)), addr);
}

bool
NicCore::secure() const
{
    return ctrl & regs::CTRL_DMA_SECURE;
}

void
NicCore::traceLine(const char *fmt, ...) const
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

} // namespace loadgen_nic
