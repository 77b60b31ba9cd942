/*
 * The SyscallFwd device's state machine (see fwd_core.hh).
 */

#include "syscall_fwd/fwd_core.hh"

namespace syscall_fwd
{

using namespace regs;

const char *
countName(Count c)
{
    switch (c) {
      case Count::ProducerReads: return "producerReads";
      case Count::Batches: return "batches";
      case Count::TimeoutBatches: return "timeoutBatches";
      case Count::Requests: return "requests";
      case Count::Wakes: return "wakes";
      case Count::WakeStalls: return "wakeStalls";
      case Count::Errors: return "errors";
    }
    return "?";
}

FwdCore::FwdCore(Hooks &hooks) : hooks(hooks) {}

void
FwdCore::raise(ErrorCode code, const char *what)
{
    err |= 1ULL << static_cast<uint64_t>(code);
    bump(Count::Errors);
    hooks.error(static_cast<uint64_t>(code), what);
}

std::optional<uint64_t>
FwdCore::read(uint64_t offset) const
{
    switch (offset) {
      case ID: return DEV_ID;
      case VERSION: return DEV_VERSION;
      case NUM_CORES: return DEV_NUM_CORES;
      case CTRL: return (enabled ? CTRL_ENABLE : 0) | (secure ? CTRL_DMA_SECURE : 0);
      case BATCH: return batchSize;
      case TIMEOUT: return timeout;
      case POLL_PERIOD: return pollPeriod;
      case ERR_STATUS: return err;
      // Once the kernel side reported the batch done it is no longer its, even while some of
      // its wakes wait for room in CoroSched: it must not be served twice.
      case BATCH_CORE: return withKernel() ? batch.core : 0;
      case BATCH_START: return withKernel() ? batch.start : 0;
      case BATCH_COUNT: return withKernel() ? batch.count : 0;
      case BATCHES: return count(Count::Batches);
      case REQUESTS: return count(Count::Requests);
      case TIMEOUT_BATCHES: return count(Count::TimeoutBatches);
      case WAKES: return count(Count::Wakes);
      case PRODUCER_READS: return count(Count::ProducerReads);
      case KERNEL_CORE: return kernelCore;
      case WAKE_STALLS: return count(Count::WakeStalls);
      default: break;
    }
    if (offset >= CORE_BASE && offset < CORE_BASE + CORE_COUNT * CORE_STRIDE) {
        const CoreState &c = cores[(offset - CORE_BASE) / CORE_STRIDE];
        switch ((offset - CORE_BASE) % CORE_STRIDE) {
          case RING_BASE: return c.ringBase;
          case WAKE_PATH: return c.wakePath;
          case PENDING: return c.seenHead - c.handed;
          default: break;
        }
    }
    return std::nullopt;
}

bool
FwdCore::write(uint64_t offset, uint64_t value, Tick now)
{
    switch (offset) {
      case CTRL:
        if (value & ~(CTRL_ENABLE | CTRL_DMA_SECURE)) {
            raise(ErrorCode::BAD_VALUE, "CTRL: unknown bits");
            return true;
        }
        enabled = value & CTRL_ENABLE;
        secure = value & CTRL_DMA_SECURE;
        if (enabled && !pollScheduled) {
            pollScheduled = true;
            hooks.schedulePoll(now + pollPeriod);
        }
        return true;
      case BATCH:
        if (value == 0 || value > DEV_RING_SLOTS)
            raise(ErrorCode::BAD_VALUE, "BATCH: not in 1..=ring slots");
        else
            batchSize = value;
        return true;
      case TIMEOUT:
        timeout = value;
        return true;
      case POLL_PERIOD:
        if (value == 0)
            raise(ErrorCode::BAD_VALUE, "POLL_PERIOD: 0");
        else
            pollPeriod = value;
        return true;
      case ERR_STATUS:
        err &= ~value;
        return true;
      case KERNEL_CORE:
        if (value >= DEV_NUM_CORES)
            raise(ErrorCode::BAD_VALUE, "KERNEL_CORE: not below num_cores");
        else
            kernelCore = unsigned(value);
        return true;
      case BATCH_DONE:
        if (!batch.active || batch.done) {
            raise(ErrorCode::UNEXPECTED_DONE, "BATCH_DONE: no batch at the kernel side");
        } else if (value == 0 || value > batch.count || value < batch.completed) {
            raise(ErrorCode::BAD_VALUE,
                  "BATCH_DONE: not between the requests done so far and the batch's count");
        } else {
            // Progressive: the first `value` requests' completions are written, so their
            // tasks may wake now, while the kernel side runs the rest.
            batch.completed = value;
            batch.done = value == batch.count;
            wakeReady(now);
        }
        return true;
      default:
        break;
    }
    if (offset >= CORE_BASE && offset < CORE_BASE + CORE_COUNT * CORE_STRIDE) {
        CoreState &c = cores[(offset - CORE_BASE) / CORE_STRIDE];
        switch ((offset - CORE_BASE) % CORE_STRIDE) {
          case RING_BASE:
            if (value % 64)
                raise(ErrorCode::BAD_VALUE, "RING_BASE: not 64-byte aligned");
            else
                c.ringBase = value;
            return true;
          case WAKE_PATH:
            if (value != static_cast<uint64_t>(WakePath::HWQ) &&
                value != static_cast<uint64_t>(WakePath::RING))
                raise(ErrorCode::BAD_VALUE, "WAKE_PATH: unknown path");
            else
                c.wakePath = value;
            return true;
          default:
            break;
        }
    }
    return false;
}

void
FwdCore::poll(Tick now)
{
    pollScheduled = false;
    // Wakes CoroSched could not take are retried first (a batch with stalled wakes holds the
    // next hand-over, so nothing overtakes them).
    wakeReady(now);
    if (!enabled) {
        if (batch.active && batch.woken < batch.completed) { // stalled wakes: keep polling
            pollScheduled = true;
            hooks.schedulePoll(now + pollPeriod);
        }
        return;
    }
    for (unsigned i = 0; i < DEV_NUM_CORES; i++) {
        if (cores[i].ringBase) {
            bump(Count::ProducerReads);
            hooks.readProducer(i, cores[i].ringBase);
        }
    }
    pollScheduled = true;
    hooks.schedulePoll(now + pollPeriod);
}

void
FwdCore::producerRead(unsigned core, uint64_t head, Tick now)
{
    if (core >= DEV_NUM_CORES)
        return;
    CoreState &c = cores[core];
    if (head < c.seenHead || head - c.handed > DEV_RING_SLOTS) {
        raise(ErrorCode::RING_OVERRUN, "producer count went back or past the ring");
        return;
    }
    c.seenHead = head;
    if (head > c.handed && !c.waiting) {
        c.waiting = true;
        c.firstSeen = now;
    }
    tryHandOver(now);
}

void
FwdCore::tryHandOver(Tick now)
{
    if (batch.active)
        return;
    for (unsigned k = 0; k < DEV_NUM_CORES; k++) {
        unsigned i = (nextCore + k) % DEV_NUM_CORES;
        CoreState &c = cores[i];
        uint64_t pending = c.seenHead - c.handed;
        if (pending == 0)
            continue;
        bool full = pending >= batchSize;
        if (!full && now - c.firstSeen < timeout)
            continue;
        uint64_t n = full ? batchSize : pending;
        batch = Batch{};
        batch.active = true;
        batch.core = i;
        batch.start = c.handed;
        batch.count = n;
        batch.tasks.assign(n, std::nullopt);
        c.handed += n;
        c.waiting = c.seenHead > c.handed;
        c.firstSeen = now;
        nextCore = (i + 1) % DEV_NUM_CORES;
        bump(Count::Batches);
        bump(Count::Requests, n);
        if (!full)
            bump(Count::TimeoutBatches);
        for (uint64_t s = batch.start; s < batch.start + n; s++) {
            uint64_t slot = s % DEV_RING_SLOTS;
            hooks.readTask(i, s, c.ringBase + DEV_REQUESTS_OFFSET +
                           slot * DEV_REQUEST_SLOT + DEV_TASK_WORD * 8);
        }
        hooks.signalKernel(kernelCore);
        return;
    }
}

void
FwdCore::taskRead(unsigned core, uint64_t seq, uint64_t task, Tick now)
{
    if (!batch.active || core != batch.core || seq < batch.start ||
        seq >= batch.start + batch.count)
        return;
    batch.tasks[seq - batch.start] = task;
    wakeReady(now);
}

void
FwdCore::wakeReady(Tick now)
{
    if (!batch.active)
        return;
    const uint64_t path = cores[batch.core].wakePath;
    while (batch.woken < batch.completed && batch.tasks[batch.woken]) {
        if (!hooks.wake(batch.core, *batch.tasks[batch.woken], path)) {
            bump(Count::WakeStalls);
            return;
        }
        bump(Count::Wakes);
        batch.woken++;
    }
    if (batch.woken == batch.count) {
        batch = Batch{};
        tryHandOver(now);
    }
}

} // namespace syscall_fwd
