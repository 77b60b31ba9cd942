/*
 * Unit tests of the CoroSched core (sched_core.{hh,cc}), built with the system compiler, no
 * gem5. The coro-sched-regmap crate's test `cpp_core` compiles and runs them under
 * `cargo test`. Output ends with one line "N passed, M failed"; the exit status is non-zero if
 * any test failed.
 */

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "coro_sched/coro_sched_regs.hh"
#include "coro_sched/sched_core.hh"

using namespace coro_sched;
using namespace coro_sched::regs;

// ---- a tiny harness ------------------------------------------------------------------

namespace
{

struct TestCase
{
    const char *name;
    std::function<void()> fn;
};

std::vector<TestCase> &
registry()
{
    static std::vector<TestCase> tests;
    return tests;
}

int currentFailures = 0;

struct Register
{
    Register(const char *name, std::function<void()> fn) { registry().push_back({name, fn}); }
};

#define TEST(name)                                                                           \
    static void test_##name();                                                               \
    static Register reg_##name(#name, test_##name);                                          \
    static void test_##name()

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);           \
            currentFailures++;                                                               \
        }                                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                                       \
    do {                                                                                     \
        const unsigned long long va_ = (unsigned long long)(a);                              \
        const unsigned long long vb_ = (unsigned long long)(b);                              \
        if (va_ != vb_) {                                                                    \
            std::printf("  %s:%d: CHECK_EQ(%s, %s) failed: %#llx != %#llx\n", __FILE__,     \
                        __LINE__, #a, #b, va_, vb_);                                         \
            currentFailures++;                                                               \
        }                                                                                    \
    } while (0)

// ---- a recording Hooks implementation ------------------------------------------------

struct Dma
{
    uint64_t addr;
    uint64_t value;
    unsigned bytes;
    int signalCore;
    bool secure;
};

struct Mock : Hooks
{
    std::vector<bool> irqChanges;
    std::vector<Dma> dmas;
    std::vector<unsigned> signals;
    std::vector<std::pair<Path, unsigned>> wakes;
    std::vector<unsigned> depths;
    std::vector<WakeSample> samples;
    unsigned counts[NUM_COUNTS] = {};
    std::vector<std::string> lines;
    bool traceOn = false;

    void setIrq(bool level) override { irqChanges.push_back(level); }
    void
    writeMemory(uint64_t a, uint64_t v, unsigned n, int s, bool sec) override
    {
        dmas.push_back({a, v, n, s, sec});
    }
    void signalCore(unsigned c) override { signals.push_back(c); }
    void wake(Path p, unsigned c) override { wakes.push_back({p, c}); }
    void count(Count c) override { counts[unsigned(c)]++; }
    void queueDepth(unsigned, unsigned d) override { depths.push_back(d); }
    void sample(const WakeSample &s) override { samples.push_back(s); }
    bool tracing() const override { return traceOn; }
    void trace(const std::string &l) override { lines.push_back(l); }
};

/** A core plus its mock, with 8-byte register helpers that must succeed. */
struct Dev
{
    Mock hooks;
    SchedCore core;
    Tick now = 0;

    explicit Dev(unsigned cores = 2, unsigned depth = 4, Tick period = 1)
        : core(Config{cores, depth, period}, hooks)
    {}

    uint64_t
    rd(uint64_t off)
    {
        uint64_t v = 0;
        const AccessResult r = core.read(off, 8, now, v);
        if (r.status != AccessStatus::Ok) {
            std::printf("  unexpected: %s\n",
                        SchedCore::describe(r, off, 8, false, core.config().numCores).c_str());
            currentFailures++;
        }
        return v;
    }

    void
    wr(uint64_t off, uint64_t v)
    {
        const AccessResult r = core.write(off, 8, v, now);
        if (r.status != AccessStatus::Ok) {
            std::printf("  unexpected: %s\n",
                        SchedCore::describe(r, off, 8, true, core.config().numCores).c_str());
            currentFailures++;
        }
    }

    void bind(unsigned src, uint64_t task) { wr(srcTask(src), task); }
    void trigger(unsigned src) { wr(EVT_TRIGGER, src); }
    uint64_t cnt(Count c) const { return core.counter(c); }
};

uint64_t
bit(ErrorCode c)
{
    return uint64_t(1) << uint64_t(c);
}

} // namespace

// ---- tests ---------------------------------------------------------------------------

TEST(identification_and_configuration_registers)
{
    Dev d(3, 7);
    CHECK_EQ(d.rd(ID), DEV_ID);
    CHECK_EQ(d.rd(VERSION), DEV_VERSION);
    CHECK_EQ(d.rd(NUM_CORES), 3);
    CHECK_EQ(d.rd(QUEUE_DEPTH), 7);
    CHECK_EQ(d.rd(NUM_SOURCES), DEV_NUM_SOURCES);
    CHECK_EQ(d.rd(WAKE_MODE), uint64_t(WakeMode::IRQ));
    CHECK_EQ(d.rd(ERR_STATUS), 0);
    CHECK_EQ(DEV_ID, 0x444843534f524f43ULL); // "COROSCHD"
}

TEST(wake_task_pushes_a_pointer_without_a_source)
{
    Dev d(2, 2);
    d.wr(CTRL, CTRL_EVENT_WIRE);
    // hwq: independent of WAKE_MODE; the third push into a 2-deep queue is refused, unchanged
    CHECK(d.core.wakeTask(1, 0x1000, false, 5));
    CHECK(d.core.wakeTask(1, 0x2000, false, 6));
    CHECK(!d.core.wakeTask(1, 0x3000, false, 7));
    CHECK_EQ(d.rd(qDepth(1)), 2);
    CHECK_EQ(d.hooks.signals.size(), 2);
    CHECK_EQ(d.hooks.signals[0], 1);
    CHECK_EQ(d.rd(pop(1)), 0x1000);
    CHECK_EQ(d.rd(pop(1)), 0x2000);
    CHECK_EQ(d.cnt(Count::TaskWakes), 2);
    CHECK_EQ(d.cnt(Count::TaskWakesRefused), 1);
    CHECK_EQ(d.cnt(Count::Fallbacks), 0);
    CHECK_EQ(d.rd(EVT_PENDING), 0); // no source, no fallback to the irq
    CHECK(d.hooks.samples.empty());
    CHECK(!d.core.wakeTask(2, 0x1000, false, 8)); // no such core
    // ring: refused until the ring is set up, then written slot by slot until full
    CHECK(!d.core.wakeTask(0, 0x4000, true, 9));
    d.wr(ringBase(0), 0x8000);
    d.wr(ringSize(0), 2);
    CHECK(d.core.wakeTask(0, 0x4000, true, 10));
    CHECK(d.core.wakeTask(0, 0x5000, true, 11));
    CHECK(!d.core.wakeTask(0, 0x6000, true, 12));
    CHECK_EQ(d.hooks.dmas.size(), 2);
    CHECK_EQ(d.hooks.dmas[1].addr, 0x8000 + DEV_RING_SLOT);
    CHECK_EQ(d.hooks.dmas[1].value, 0x5000);
    CHECK_EQ(d.hooks.dmas[1].signalCore, 0);
    CHECK_EQ(d.rd(ringProd(0)), 2);
    d.wr(ringCons(0), 1);
    CHECK(d.core.wakeTask(0, 0x6000, true, 13));
    CHECK_EQ(d.hooks.dmas.back().addr, 0x8000);
    CHECK_EQ(d.cnt(Count::TaskWakes), 5);
}

TEST(config_check)
{
    CHECK(SchedCore::checkConfig(Config{1, 1, 1}) == nullptr);
    CHECK(SchedCore::checkConfig(Config{0, 1, 1}) != nullptr);
    CHECK(SchedCore::checkConfig(Config{DEV_MAX_CORES + 1, 1, 1}) != nullptr);
    CHECK(SchedCore::checkConfig(Config{1, 0, 1}) != nullptr);
    CHECK(SchedCore::checkConfig(Config{1, 1, 0}) != nullptr);
}

TEST(hwq_push_pop_order_is_fifo)
{
    Dev d(2, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(0, 0x1000);
    d.bind(1, 0x2000);
    d.bind(2, 0x3000);
    d.trigger(2);
    d.trigger(0);
    d.trigger(1);
    CHECK_EQ(d.rd(qDepth(0)), 3);
    CHECK_EQ(d.rd(qDepth(1)), 0);
    CHECK_EQ(d.rd(pop(0)), 0x3000);
    CHECK_EQ(d.rd(pop(0)), 0x1000);
    CHECK_EQ(d.rd(pop(0)), 0x2000);
    CHECK_EQ(d.rd(pop(0)), 0); // empty
    CHECK_EQ(d.cnt(Count::Pops), 3);
    CHECK_EQ(d.cnt(Count::EmptyPops), 1);
    CHECK_EQ(d.cnt(Count::Events), 3);
    CHECK_EQ(d.hooks.depths.size(), 3);
    CHECK_EQ(d.hooks.depths[2], 3);
    CHECK_EQ(d.hooks.wakes.size(), 3);
    CHECK(d.hooks.wakes[0].first == Path::Hwq);
    CHECK(d.hooks.irqChanges.empty());
    CHECK(d.hooks.signals.empty()); // event wire off
}

TEST(hwq_queue_wraps_around_its_storage)
{
    Dev d(1, 2);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    for (uint64_t i = 1; i <= 7; ++i) {
        d.bind(5, i * 16);
        d.trigger(5);
        CHECK_EQ(d.rd(pop(0)), i * 16);
    }
    CHECK_EQ(d.cnt(Count::Fallbacks), 0);
}

TEST(hwq_source_core_selects_the_queue_and_event_wire_signals_it)
{
    Dev d(2, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.wr(CTRL, CTRL_EVENT_WIRE);
    d.wr(srcCore(9), 1);
    CHECK_EQ(d.rd(srcCore(9)), 1);
    d.bind(9, 0x4440);
    d.trigger(9);
    CHECK_EQ(d.rd(qDepth(0)), 0);
    CHECK_EQ(d.rd(qDepth(1)), 1);
    CHECK_EQ(d.hooks.signals.size(), 1);
    CHECK_EQ(d.hooks.signals[0], 1);
    CHECK_EQ(d.rd(pop(1)), 0x4440);
    // A core that does not exist is refused.
    d.wr(srcCore(9), 2);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_CORE));
    CHECK_EQ(d.rd(ERR_ADDR), srcCore(9));
    CHECK_EQ(d.rd(srcCore(9)), 1);
}

TEST(full_queue_falls_back_to_the_irq_and_is_counted)
{
    Dev d(1, 2);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    for (unsigned s = 0; s < 3; ++s) {
        d.bind(s, 0x100 * (s + 1));
        d.trigger(s);
    }
    CHECK_EQ(d.rd(qDepth(0)), 2);
    CHECK_EQ(d.rd(FALLBACKS), 1);
    CHECK_EQ(d.cnt(Count::Fallbacks), 1);
    CHECK_EQ(d.hooks.counts[unsigned(Count::Fallbacks)], 1);
    CHECK_EQ(d.rd(EVT_PENDING), uint64_t(1) << 2);
    CHECK(d.core.irqLevel());
    CHECK_EQ(d.hooks.irqChanges.size(), 1);
    CHECK(d.hooks.wakes.back().first == Path::Fallback);
    // The handler acknowledges: the SPI drops.
    d.wr(EVT_PENDING, uint64_t(1) << 2);
    CHECK(!d.core.irqLevel());
    CHECK_EQ(d.hooks.irqChanges.size(), 2);
    CHECK(!d.hooks.irqChanges[1]);
    // The fallback wake still produces a latency sample, marked as such.
    d.now = 50;
    d.wr(resume(0), 2);
    CHECK_EQ(d.hooks.samples.size(), 1);
    CHECK(d.hooks.samples[0].path == Path::Fallback);
}

TEST(binding_is_one_shot_and_a_latched_event_is_delivered_at_bind)
{
    Dev d(1, 4, 10);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(3, 0x8000);
    CHECK_EQ(d.rd(srcTask(3)), 0x8000);
    d.now = 100;
    d.trigger(3);
    CHECK_EQ(d.rd(srcTask(3)), 0); // consumed
    d.now = 200;
    d.trigger(3); // slot disarmed: latched, not queued
    d.now = 300;
    d.trigger(3); // merged with the latched one
    CHECK_EQ(d.rd(qDepth(0)), 1);
    CHECK_EQ(d.cnt(Count::Latched), 1);
    CHECK_EQ(d.cnt(Count::Coalesced), 1);
    CHECK_EQ(d.rd(pop(0)), 0x8000);
    d.now = 400;
    d.wr(resume(0), 3); // first wake: 100 -> 400
    d.now = 500;
    d.bind(3, 0x9000); // the latched event is delivered now, with its own fire tick
    CHECK_EQ(d.rd(srcTask(3)), 0);
    CHECK_EQ(d.rd(pop(0)), 0x9000);
    d.now = 700;
    d.wr(resume(0), 3);
    CHECK_EQ(d.hooks.samples.size(), 2);
    CHECK_EQ(d.hooks.samples[0].cycles, 30);
    CHECK_EQ(d.hooks.samples[1].fireTick, 200);
    CHECK_EQ(d.hooks.samples[1].cycles, 50);
}

TEST(multishot_binding_stays_armed_until_unbind)
{
    Dev d(1, 4, 10);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.wr(MULTISHOT, uint64_t(1) << 3);
    CHECK_EQ(d.rd(MULTISHOT), uint64_t(1) << 3);
    d.bind(3, 0x8000);
    d.bind(4, 0x9000); // source 4 stays one-shot
    d.trigger(3);
    d.trigger(4);
    CHECK_EQ(d.rd(srcTask(3)), 0x8000); // still armed
    CHECK_EQ(d.rd(srcTask(4)), 0);
    d.trigger(3); // a second event wakes the same task again, with no new bind
    d.trigger(4); // one-shot: latched
    CHECK_EQ(d.rd(qDepth(0)), 3);
    CHECK_EQ(d.rd(pop(0)), 0x8000);
    CHECK_EQ(d.rd(pop(0)), 0x9000);
    CHECK_EQ(d.rd(pop(0)), 0x8000);
    CHECK_EQ(d.cnt(Count::Bindings), 2);
    CHECK_EQ(d.cnt(Count::Latched), 1);
    // UNBIND ends the stream: the next event is latched and a bind delivers it, leaving the
    // multi-shot slot armed.
    d.wr(UNBIND, 3);
    CHECK_EQ(d.rd(srcTask(3)), 0);
    d.now = 100;
    d.trigger(3);
    CHECK_EQ(d.rd(qDepth(0)), 0);
    d.bind(3, 0xa000);
    CHECK_EQ(d.rd(srcTask(3)), 0xa000);
    CHECK_EQ(d.rd(pop(0)), 0xa000);
    // Clearing the bit makes the next event consume the binding.
    d.wr(MULTISHOT, 0);
    d.trigger(3);
    CHECK_EQ(d.rd(srcTask(3)), 0);
    CHECK_EQ(d.rd(ERR_STATUS), 0);
}

TEST(multishot_ring_wakes_every_event_without_a_bind)
{
    Dev d(1, 4);
    const uint64_t base = 0x8020'0000;
    d.wr(WAKE_MODE, uint64_t(WakeMode::RING));
    d.wr(ringBase(0), base);
    d.wr(ringSize(0), 4);
    d.wr(MULTISHOT, 1);
    d.bind(0, 0x1000);
    for (unsigned i = 0; i < 3; ++i)
        d.trigger(0);
    CHECK_EQ(d.hooks.dmas.size(), 3);
    for (unsigned i = 0; i < 3; ++i) {
        CHECK_EQ(d.hooks.dmas[i].addr, base + DEV_RING_SLOT * i);
        CHECK_EQ(d.hooks.dmas[i].value, 0x1000);
    }
    CHECK_EQ(d.cnt(Count::Bindings), 1);
    CHECK_EQ(d.cnt(Count::Latched), 0);
}

TEST(hwq_flag_line_follows_empty_and_non_empty)
{
    Dev d(2, 4);
    const uint64_t flag = 0x8030'0040;
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.wr(CTRL, CTRL_EVENT_WIRE);
    d.wr(hwqFlagAddr(1), flag);
    CHECK_EQ(d.rd(hwqFlagAddr(1)), flag);
    for (unsigned s = 0; s < 2; ++s)
        d.wr(srcCore(s), 1);
    d.bind(0, 0x1000);
    d.trigger(0);
    // Empty -> non-empty: the whole flag line is written with 1, and the event wire waits
    // for that write (no immediate signal).
    CHECK_EQ(d.hooks.dmas.size(), 1);
    CHECK_EQ(d.hooks.dmas[0].addr, flag);
    CHECK_EQ(d.hooks.dmas[0].value, 1);
    CHECK_EQ(d.hooks.dmas[0].bytes, DEV_RING_SLOT);
    CHECK_EQ(d.hooks.dmas[0].signalCore, 1);
    CHECK_EQ(d.hooks.signals.size(), 0);
    // A second push onto a non-empty queue writes nothing and signals at once.
    d.bind(1, 0x2000);
    d.trigger(1);
    CHECK_EQ(d.hooks.dmas.size(), 1);
    CHECK_EQ(d.hooks.signals.size(), 1);
    // A pop that leaves an entry writes nothing; the pop that empties the queue writes 0,
    // with no signal; an empty pop writes nothing.
    CHECK_EQ(d.rd(pop(1)), 0x1000);
    CHECK_EQ(d.hooks.dmas.size(), 1);
    CHECK_EQ(d.rd(pop(1)), 0x2000);
    CHECK_EQ(d.hooks.dmas.size(), 2);
    CHECK_EQ(d.hooks.dmas[1].addr, flag);
    CHECK_EQ(d.hooks.dmas[1].value, 0);
    CHECK_EQ(d.hooks.dmas[1].signalCore, -1);
    CHECK_EQ(d.rd(pop(1)), 0);
    CHECK_EQ(d.hooks.dmas.size(), 2);
    // Core 0 has no flag line: its pushes write no memory.
    d.wr(srcCore(0), 0);
    d.bind(0, 0x3000);
    d.trigger(0);
    CHECK_EQ(d.hooks.dmas.size(), 2);
    CHECK_EQ(d.hooks.signals.size(), 2);
    // The flag line must be line-aligned.
    d.wr(hwqFlagAddr(0), flag + 8);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    CHECK_EQ(d.rd(hwqFlagAddr(0)), 0);
}

TEST(rebinding_replaces_the_task)
{
    Dev d(1, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(0, 0x1000);
    d.bind(0, 0x2000);
    CHECK_EQ(d.cnt(Count::Rebinds), 1);
    CHECK_EQ(d.cnt(Count::Bindings), 2);
    d.trigger(0);
    CHECK_EQ(d.rd(pop(0)), 0x2000);
    CHECK_EQ(d.rd(pop(0)), 0);
}

TEST(unbind_disarms)
{
    Dev d(1, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(4, 0x1000);
    d.wr(UNBIND, 4);
    CHECK_EQ(d.rd(srcTask(4)), 0);
    CHECK_EQ(d.cnt(Count::Unbinds), 1);
    d.trigger(4);
    CHECK_EQ(d.rd(qDepth(0)), 0);
    CHECK_EQ(d.cnt(Count::Latched), 1);
    d.wr(UNBIND, DEV_NUM_SOURCES);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_SOURCE));
}

TEST(null_and_misaligned_task_pointers_set_error_status)
{
    Dev d(1, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(7, 0x1000);
    d.bind(7, 0);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::NULL_TASK));
    CHECK_EQ(d.rd(ERR_ADDR), srcTask(7));
    CHECK_EQ(d.rd(srcTask(7)), 0x1000); // unchanged
    d.bind(8, 0x1004);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::NULL_TASK) | bit(ErrorCode::MISALIGNED_TASK));
    CHECK_EQ(d.rd(ERR_ADDR), srcTask(7)); // the first error's address stays
    CHECK_EQ(d.rd(srcTask(8)), 0);
    CHECK_EQ(d.cnt(Count::BindErrors), 2);
    // W1C: clear one bit, then the other; the next error records its own address.
    d.wr(ERR_STATUS, bit(ErrorCode::NULL_TASK));
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::MISALIGNED_TASK));
    d.wr(ERR_STATUS, ~uint64_t(0));
    CHECK_EQ(d.rd(ERR_STATUS), 0);
    d.bind(9, 0x1001);
    CHECK_EQ(d.rd(ERR_ADDR), srcTask(9));
    // Every multiple of TASK_ALIGN is accepted.
    d.bind(10, DEV_TASK_ALIGN);
    CHECK_EQ(d.rd(srcTask(10)), DEV_TASK_ALIGN);
}

TEST(bad_accesses_are_detected_and_named)
{
    Dev d(2, 4);
    uint64_t v = 0;
    AccessResult r = d.core.read(0x70, 8, 0, v);
    CHECK(r.status == AccessStatus::UnknownOffset);
    std::string m = SchedCore::describe(r, 0x70, 8, false, 2);
    CHECK(m.find("unknown offset 0x70") != std::string::npos);

    r = d.core.write(srcTask(3), 4, 0x1000, 0);
    CHECK(r.status == AccessStatus::BadSize);
    m = SchedCore::describe(r, srcTask(3), 4, true, 2);
    CHECK(m.find("SRC_TASK[3]") != std::string::npos);
    CHECK(m.find("0x430") != std::string::npos);
    CHECK(m.find("4-byte") != std::string::npos);
    CHECK_EQ(d.rd(srcTask(3)), 0); // nothing happened

    r = d.core.read(ID + 4, 4, 0, v);
    CHECK(r.status == AccessStatus::Unaligned);
    CHECK(SchedCore::describe(r, 4, 4, false, 2).find("inside register ID") !=
          std::string::npos);

    r = d.core.write(ID, 8, 1, 0);
    CHECK(r.status == AccessStatus::WriteToReadOnly);
    CHECK(SchedCore::describe(r, ID, 8, true, 2).find("read-only register ID") !=
          std::string::npos);

    r = d.core.read(resume(1), 8, 0, v);
    CHECK(r.status == AccessStatus::ReadOfWriteOnly);
    m = SchedCore::describe(r, resume(1), 8, false, 2);
    CHECK(m.find("write-only register RESUME[1]") != std::string::npos);

    r = d.core.read(pop(2), 8, 0, v); // bank 2 with num_cores = 2
    CHECK(r.status == AccessStatus::UnknownOffset);
    m = SchedCore::describe(r, pop(2), 8, false, 2);
    CHECK(m.find("POP[2]") != std::string::npos);
    CHECK(m.find("num_cores = 2") != std::string::npos);

    r = d.core.read(DEV_WINDOW_SIZE - 8, 8, 0, v);
    CHECK(r.status == AccessStatus::UnknownOffset);
    r = d.core.read(GENERATOR_BASE + 0x40, 8, 0, v); // a hole in a block
    CHECK(r.status == AccessStatus::UnknownOffset);
    r = d.core.write(CTRL, 1, 1, 0);
    CHECK(r.status == AccessStatus::BadSize);
    CHECK_EQ(d.core.counter(Count::Errors), 0); // bad accesses are not guest errors
}

TEST(unknown_enum_values_set_bad_value)
{
    Dev d;
    d.wr(WAKE_MODE, WAKE_MODE_MAX + 1);
    CHECK_EQ(d.rd(WAKE_MODE), uint64_t(WakeMode::IRQ));
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    CHECK_EQ(d.rd(ERR_ADDR), WAKE_MODE);
    d.wr(GEN_MODE, GEN_MODE_MAX + 1);
    CHECK_EQ(d.rd(GEN_MODE), uint64_t(GenMode::PERIODIC));
    d.wr(EVT_TRIGGER, DEV_NUM_SOURCES);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE) | bit(ErrorCode::BAD_SOURCE));
}

TEST(irq_mode_raises_the_spi_until_acknowledged)
{
    Dev d;
    d.trigger(5);
    d.trigger(6);
    CHECK_EQ(d.rd(EVT_PENDING), (uint64_t(1) << 5) | (uint64_t(1) << 6));
    CHECK(d.core.irqLevel());
    CHECK_EQ(d.hooks.irqChanges.size(), 1);
    d.wr(EVT_PENDING, uint64_t(1) << 5);
    CHECK(d.core.irqLevel());
    d.wr(EVT_PENDING, uint64_t(1) << 6);
    CHECK(!d.core.irqLevel());
    CHECK_EQ(d.hooks.irqChanges.size(), 2);
    CHECK(d.hooks.wakes[0].first == Path::Irq);
    CHECK_EQ(d.cnt(Count::Bindings), 0); // bindings are not used
}

TEST(poll_mode_sets_pending_without_the_spi)
{
    Dev d;
    d.wr(WAKE_MODE, uint64_t(WakeMode::POLL));
    d.trigger(1);
    CHECK_EQ(d.rd(EVT_PENDING), 2);
    CHECK(!d.core.irqLevel());
    CHECK(d.hooks.irqChanges.empty());
    CHECK(d.hooks.wakes[0].first == Path::Poll);
    d.now = 99;
    d.wr(resume(0), 1);
    CHECK_EQ(d.hooks.samples.size(), 1);
    CHECK(d.hooks.samples[0].path == Path::Poll);
    CHECK_EQ(d.hooks.samples[0].cycles, 99);
}

TEST(ring_entries_wrap_and_a_full_ring_falls_back)
{
    Dev d(2, 4);
    const uint64_t base = 0x8010'0000;
    d.wr(WAKE_MODE, uint64_t(WakeMode::RING));
    d.wr(CTRL, CTRL_EVENT_WIRE);
    d.wr(ringBase(1), base);
    d.wr(ringSize(1), 4);
    for (unsigned s = 0; s < 6; ++s)
        d.wr(srcCore(s), 1);
    for (unsigned s = 0; s < 5; ++s) {
        d.bind(s, 0x1000 * (s + 1));
        d.trigger(s);
    }
    CHECK_EQ(d.hooks.dmas.size(), 4);
    for (unsigned i = 0; i < 4; ++i) {
        CHECK_EQ(d.hooks.dmas[i].addr, base + DEV_RING_SLOT * i);
        CHECK_EQ(d.hooks.dmas[i].bytes, DEV_RING_SLOT);
        CHECK_EQ(d.hooks.dmas[i].value, 0x1000 * (i + 1));
        CHECK_EQ(d.hooks.dmas[i].signalCore, 1);
    }
    CHECK_EQ(d.rd(ringProd(1)), 4);
    CHECK_EQ(d.rd(FALLBACKS), 1); // the fifth found the ring full
    CHECK_EQ(d.rd(EVT_PENDING), uint64_t(1) << 4);
    // The guest took two entries: the next two wrap to slots 0 and 1.
    d.wr(ringCons(1), 2);
    d.bind(5, 0x6000);
    d.trigger(5);
    d.bind(0, 0x7000);
    d.trigger(0);
    CHECK_EQ(d.hooks.dmas.size(), 6);
    CHECK_EQ(d.hooks.dmas[4].addr, base);
    CHECK_EQ(d.hooks.dmas[4].value, 0x6000);
    CHECK_EQ(d.hooks.dmas[5].addr, base + DEV_RING_SLOT);
    CHECK_EQ(d.rd(ringProd(1)), 6);
    CHECK_EQ(d.cnt(Count::RingWrites), 6);
    CHECK(!d.hooks.dmas[5].secure);
    // CTRL.DMA_SECURE makes the ring writes Secure accesses.
    d.wr(CTRL, CTRL_EVENT_WIRE | CTRL_DMA_SECURE);
    CHECK_EQ(d.rd(CTRL), CTRL_EVENT_WIRE | CTRL_DMA_SECURE);
    d.wr(ringCons(1), 6);
    d.bind(1, 0x8000);
    d.trigger(1);
    CHECK(d.hooks.dmas.back().secure);
    d.wr(CTRL, 0xf0); // reserved bits read as 0
    CHECK_EQ(d.rd(CTRL), 0);
    CHECK_EQ(d.rd(ERR_STATUS), 0);
}

TEST(ring_indices_are_free_running_across_many_laps)
{
    Dev d(1, 4);
    const uint64_t base = 0x9000'0000;
    d.wr(WAKE_MODE, uint64_t(WakeMode::RING));
    d.wr(ringBase(0), base);
    d.wr(ringSize(0), 8);
    for (uint64_t i = 0; i < 100; ++i) {
        d.bind(0, 0x40 * (i + 1));
        d.trigger(0);
        CHECK_EQ(d.hooks.dmas.back().addr, base + DEV_RING_SLOT * (i % 8));
        CHECK_EQ(d.hooks.dmas.back().signalCore, -1); // event wire off
        d.wr(ringCons(0), i + 1);
        d.wr(resume(0), 0);
    }
    CHECK_EQ(d.rd(ringProd(0)), 100);
    CHECK_EQ(d.rd(ringCons(0)), 100);
    CHECK_EQ(d.cnt(Count::Fallbacks), 0);
    CHECK_EQ(d.hooks.samples.size(), 100);
}

TEST(ring_configuration_errors)
{
    Dev d(1, 4);
    d.wr(WAKE_MODE, uint64_t(WakeMode::RING));
    d.bind(2, 0x1000);
    d.trigger(2); // no ring yet
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::RING_UNCONFIGURED));
    CHECK_EQ(d.rd(ERR_ADDR), srcTask(2));
    CHECK_EQ(d.rd(FALLBACKS), 1);
    CHECK(d.core.irqLevel());
    d.wr(ERR_STATUS, ~uint64_t(0));
    d.wr(ringSize(0), 3);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    CHECK_EQ(d.rd(ringSize(0)), 0);
    d.wr(ERR_STATUS, ~uint64_t(0));
    d.wr(ringBase(0), 0x8000'0020); // not slot-aligned
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    d.wr(ERR_STATUS, ~uint64_t(0));
    d.wr(ringSize(0), 4);
    d.wr(ringCons(0), 1); // beyond the producer
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    CHECK_EQ(d.rd(ringCons(0)), 0);
}

TEST(quantum_expiry_sets_and_clears_the_yield_flag)
{
    Dev d(2, 4, 10);
    d.now = 1000;
    d.wr(quantum(1), 100); // 100 cycles x 10 ticks
    CHECK_EQ(d.core.nextDeadline(), 2000);
    CHECK_EQ(d.rd(yield(1)), 0);
    d.core.advance(1999);
    CHECK_EQ(d.rd(yield(1)), 0);
    d.core.advance(2000);
    CHECK_EQ(d.rd(yield(1)), 1);
    CHECK_EQ(d.rd(yield(0)), 0);
    CHECK_EQ(d.cnt(Count::QuantumExpiries), 1);
    CHECK_EQ(d.core.nextDeadline(), NEVER); // stops until restarted
    d.core.advance(10000);
    CHECK_EQ(d.cnt(Count::QuantumExpiries), 1);
    // Writing 1 clears the flag and starts a new quantum.
    d.now = 2500;
    d.wr(yield(1), 1);
    CHECK_EQ(d.rd(yield(1)), 0);
    CHECK_EQ(d.core.nextDeadline(), 3500);
    // Writing 0 does nothing.
    d.now = 3000;
    d.wr(yield(1), 0);
    CHECK_EQ(d.core.nextDeadline(), 3500);
    // With YIELD_ADDR the expiry is also written to memory.
    d.wr(yieldAddr(1), 0x8000'0100);
    d.core.advance(3500);
    CHECK_EQ(d.rd(yield(1)), 1);
    CHECK_EQ(d.hooks.dmas.size(), 1);
    CHECK_EQ(d.hooks.dmas[0].addr, 0x8000'0100);
    CHECK_EQ(d.hooks.dmas[0].value, 1);
    CHECK_EQ(d.hooks.dmas[0].bytes, 8);
    // Quantum 0 turns the timer off and clears the flag.
    d.wr(quantum(1), 0);
    CHECK_EQ(d.rd(yield(1)), 0);
    CHECK_EQ(d.core.nextDeadline(), NEVER);
    d.wr(yieldAddr(1), 0x8000'0104);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
}

TEST(quanta_of_several_cores_expire_in_time_order)
{
    Dev d(3, 4, 1);
    d.wr(quantum(0), 300);
    d.wr(quantum(1), 100);
    d.wr(quantum(2), 200);
    d.core.advance(150);
    CHECK_EQ(d.rd(yield(0)) * 4 + d.rd(yield(1)) * 2 + d.rd(yield(2)), 2);
    CHECK_EQ(d.core.nextDeadline(), 200);
    d.core.advance(1000);
    CHECK_EQ(d.cnt(Count::QuantumExpiries), 3);
}

TEST(latency_sample_arithmetic)
{
    const Tick period = 250; // 4 GHz with 1 ps ticks
    Dev d(2, 4, period);
    d.wr(WAKE_MODE, uint64_t(WakeMode::HWQ));
    d.bind(11, 0x5000);
    d.now = 1'000'000;
    d.trigger(11);
    d.now = 1'000'000 + 37 * period + 100; // partial cycles are dropped
    d.wr(resume(1), 11);
    CHECK_EQ(d.hooks.samples.size(), 1);
    const WakeSample &s = d.hooks.samples[0];
    CHECK_EQ(s.seq, 0);
    CHECK(s.path == Path::Hwq);
    CHECK_EQ(s.core, 1);
    CHECK_EQ(s.source, 11);
    CHECK_EQ(s.fireTick, 1'000'000);
    CHECK_EQ(s.resumeTick, 1'000'000 + 37 * period + 100);
    CHECK_EQ(s.cycles, 37);
    // A second resume of the same wake is spurious: no sample.
    d.wr(resume(1), 11);
    CHECK_EQ(d.hooks.samples.size(), 1);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::SPURIOUS_RESUME));
    CHECK_EQ(d.rd(ERR_ADDR), resume(1));
    CHECK_EQ(d.cnt(Count::SpuriousResumes), 1);
    // Sequence numbers count samples.
    d.bind(11, 0x5000);
    d.trigger(11);
    d.wr(resume(0), 11);
    CHECK_EQ(d.hooks.samples[1].seq, 1);
    CHECK_EQ(d.hooks.samples[1].cycles, 0);
    d.wr(resume(0), DEV_NUM_SOURCES);
    CHECK(d.rd(ERR_STATUS) & bit(ErrorCode::BAD_SOURCE));
}

TEST(overrun_keeps_the_first_fire_tick)
{
    Dev d;
    d.now = 10;
    d.trigger(0);
    d.now = 20;
    d.trigger(0); // not resumed yet
    CHECK_EQ(d.cnt(Count::Overruns), 1);
    d.now = 35;
    d.wr(resume(0), 0);
    CHECK_EQ(d.hooks.samples[0].fireTick, 10);
    CHECK_EQ(d.hooks.samples[0].cycles, 25);
}

TEST(an_event_after_the_acknowledge_is_a_wake_of_its_own)
{
    // The handler acknowledged the first event's bit before the second fired: the software
    // takes the second as a wake of its own (latched, it completes the next wait at once)
    // and reports a RESUME for each; neither is spurious, each has its own fire tick.
    Dev d;
    d.now = 10;
    d.trigger(0);
    d.wr(EVT_PENDING, 1);
    d.now = 20;
    d.trigger(0);
    CHECK_EQ(d.cnt(Count::Overruns), 1);
    d.now = 35;
    d.wr(resume(0), 0);
    d.now = 40;
    d.wr(resume(0), 0);
    CHECK_EQ(d.rd(ERR_STATUS), 0);
    CHECK_EQ(d.cnt(Count::SpuriousResumes), 0);
    CHECK_EQ(d.hooks.samples.size(), 2);
    if (d.hooks.samples.size() == 2) {
        CHECK_EQ(d.hooks.samples[0].fireTick, 10);
        CHECK_EQ(d.hooks.samples[1].fireTick, 20);
        CHECK_EQ(d.hooks.samples[1].cycles, 20);
    }
    // A third RESUME has no wake left.
    d.wr(resume(0), 0);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::SPURIOUS_RESUME));
}

TEST(periodic_generator_fires_on_time_and_stops_at_its_limit)
{
    Dev d(1, 4, 10);
    d.wr(GEN_SOURCE, 2);
    d.wr(GEN_INTERVAL, 50);
    d.wr(GEN_LIMIT, 3);
    d.now = 1000;
    d.wr(GEN_CTRL, GEN_CTRL_ENABLE);
    CHECK_EQ(d.rd(GEN_CTRL), GEN_CTRL_ENABLE);
    CHECK_EQ(d.core.nextDeadline(), 1500);
    d.core.advance(1499);
    CHECK_EQ(d.cnt(Count::Events), 0);
    d.core.advance(1500);
    CHECK_EQ(d.cnt(Count::Events), 1);
    CHECK_EQ(d.core.nextDeadline(), 2000);
    CHECK_EQ(d.rd(EVT_PENDING), 4); // irq mode: source 2 pending
    d.core.advance(5000);
    CHECK_EQ(d.rd(GEN_FIRED), 3);
    CHECK_EQ(d.cnt(Count::GenFires), 3);
    CHECK_EQ(d.rd(GEN_CTRL), 0); // stopped itself
    CHECK_EQ(d.core.nextDeadline(), NEVER);
    // The wake recorded the first fire tick (the later two were overruns).
    d.now = 6000;
    d.wr(resume(0), 2);
    CHECK_EQ(d.hooks.samples[0].fireTick, 1500);
}

TEST(generator_can_be_stopped_and_restarted)
{
    Dev d(1, 4, 1);
    d.wr(GEN_INTERVAL, 10);
    d.wr(GEN_CTRL, 1);
    d.core.advance(35);
    CHECK_EQ(d.rd(GEN_FIRED), 3);
    d.now = 35;
    d.wr(GEN_CTRL, 0);
    CHECK_EQ(d.core.nextDeadline(), NEVER);
    d.now = 100;
    d.wr(GEN_CTRL, 1);
    CHECK_EQ(d.rd(GEN_FIRED), 0);
    CHECK_EQ(d.core.nextDeadline(), 110);
}

TEST(random_generator_is_seeded_and_in_range)
{
    auto run = [](uint64_t mode, uint64_t seed, std::vector<Tick> &ticks) {
        Dev d(1, 4, 1);
        d.wr(GEN_MODE, mode);
        d.wr(GEN_INTERVAL, 100);
        d.wr(GEN_INTERVAL_MAX, 200);
        d.wr(GEN_SEED, seed);
        d.wr(GEN_LIMIT, 2000);
        d.wr(GEN_CTRL, 1);
        while (d.core.nextDeadline() != NEVER) {
            ticks.push_back(d.core.nextDeadline());
            d.core.advance(d.core.nextDeadline());
        }
        return d.rd(GEN_FIRED);
    };
    std::vector<Tick> a, b, c;
    CHECK_EQ(run(uint64_t(GenMode::UNIFORM), 42, a), 2000);
    run(uint64_t(GenMode::UNIFORM), 42, b);
    run(uint64_t(GenMode::UNIFORM), 43, c);
    CHECK(a == b);
    CHECK(a != c);
    bool inRange = true;
    bool sawMin = false, sawMax = false;
    for (size_t i = 1; i < a.size(); ++i) {
        const Tick gap = a[i] - a[i - 1];
        inRange = inRange && gap >= 100 && gap <= 200;
        sawMin = sawMin || gap == 100;
        sawMax = sawMax || gap == 200;
    }
    CHECK(inRange);
    CHECK(sawMin && sawMax);

    std::vector<Tick> e;
    run(uint64_t(GenMode::EXPONENTIAL), 7, e);
    CHECK_EQ(e.size(), 2000);
    const double mean = double(e.back() - e.front()) / double(e.size() - 1);
    CHECK(mean > 92.0 && mean < 108.0); // mean 100, 2000 samples: +-8 % is > 3 sigma
}

TEST(invalid_generator_configuration_does_not_start)
{
    Dev d;
    d.wr(GEN_CTRL, 1); // interval 0
    CHECK_EQ(d.rd(GEN_CTRL), 0);
    CHECK_EQ(d.rd(ERR_STATUS), bit(ErrorCode::BAD_VALUE));
    CHECK_EQ(d.rd(ERR_ADDR), GEN_CTRL);
    d.wr(ERR_STATUS, ~uint64_t(0));
    d.wr(GEN_MODE, uint64_t(GenMode::UNIFORM));
    d.wr(GEN_INTERVAL, 100);
    d.wr(GEN_INTERVAL_MAX, 50);
    d.wr(GEN_CTRL, 1);
    CHECK_EQ(d.rd(GEN_CTRL), 0);
    d.wr(GEN_SOURCE, DEV_NUM_SOURCES);
    CHECK_EQ(d.rd(GEN_SOURCE), 0);
}

TEST(splitmix64_reference_values)
{
    // First outputs for seed 0, as published with the reference implementation.
    uint64_t s = 0;
    CHECK_EQ(splitmix64(s), 0xe220a8397b1dcdafULL);
    CHECK_EQ(splitmix64(s), 0x6e789e6aa1b965f4ULL);
    CHECK_EQ(splitmix64(s), 0x06c45d188009454fULL);
}

TEST(tracing_is_formatted_only_when_wanted)
{
    Dev d;
    d.trigger(1);
    CHECK(d.hooks.lines.empty());
    d.hooks.traceOn = true;
    d.trigger(2);
    CHECK(!d.hooks.lines.empty());
    CHECK(d.hooks.lines[0].find("EVT_TRIGGER") != std::string::npos);
}

int
main()
{
    int passed = 0;
    int failed = 0;
    for (const TestCase &t : registry()) {
        currentFailures = 0;
        t.fn();
        if (currentFailures == 0) {
            passed++;
        } else {
            failed++;
            std::printf("FAILED: %s\n", t.name);
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
