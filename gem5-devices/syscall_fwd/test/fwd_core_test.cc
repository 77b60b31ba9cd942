/*
 * Unit tests of the SyscallFwd core (fwd_core.{hh,cc}), built with the system compiler, no
 * gem5. The coro-sched-regmap crate's test `fwd_core` compiles and runs them under
 * `cargo test`. Output ends with one line "N passed, M failed"; the exit status is non-zero if
 * any test failed.
 */

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "syscall_fwd/fwd_core.hh"
#include "syscall_fwd/syscall_fwd_regs.hh"

using namespace syscall_fwd;
using namespace syscall_fwd::regs;

namespace
{

int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,   \
                        #cond);                                              \
            failures++;                                                      \
        }                                                                    \
    } while (0)

struct Read
{
    unsigned core;
    uint64_t seq;
    uint64_t addr;
};

struct Wake
{
    unsigned core;
    uint64_t task;
    uint64_t path;
};

/** Records everything the core asks of the outside world. */
struct Mock : Hooks
{
    std::vector<std::pair<unsigned, uint64_t>> producerReads;
    std::vector<Read> taskReads;
    std::vector<Wake> wakes;
    std::vector<Tick> polls;
    std::vector<uint64_t> errors;
    unsigned signals = 0;
    unsigned signalledCore = 99;
    /** Wakes the wake path takes before it refuses (a full queue); unlimited by default. */
    size_t capacity = SIZE_MAX;

    void readProducer(unsigned c, uint64_t a) override { producerReads.push_back({c, a}); }
    void readTask(unsigned c, uint64_t s, uint64_t a) override { taskReads.push_back({c, s, a}); }
    void signalKernel(unsigned k) override { signals++; signalledCore = k; }
    bool wake(unsigned c, uint64_t t, uint64_t p) override
    {
        if (wakes.size() >= capacity)
            return false;
        wakes.push_back({c, t, p});
        return true;
    }
    void schedulePoll(Tick w) override { polls.push_back(w); }
    void error(uint64_t code, const char *) override { errors.push_back(code); }
};

constexpr uint64_t RING0 = 0x8010'0000;

/** A device with core 0 served at RING0, batch B, timeout T, enabled at tick 0. */
struct Fixture
{
    Mock m;
    FwdCore core{m};
    Fixture(uint64_t b, uint64_t t)
    {
        core.write(ringBase(0), RING0, 0);
        core.write(BATCH, b, 0);
        core.write(TIMEOUT, t, 0);
        core.write(POLL_PERIOD, 100, 0);
        core.write(CTRL, CTRL_ENABLE, 0);
    }
    /** Answers every task read issued so far with task = 0x1000 + seq. */
    void answerTasks(Tick now)
    {
        auto reads = m.taskReads;
        m.taskReads.clear();
        for (auto &r : reads)
            core.taskRead(r.core, r.seq, 0x1000 + r.seq, now);
    }
    void done(Tick now) { core.write(BATCH_DONE, *core.read(BATCH_COUNT), now); }
};

void
batches_by_b()
{
    Fixture f(4, 1'000'000);
    CHECK(f.m.polls.size() == 1 && f.m.polls[0] == 100);
    f.core.poll(100);
    CHECK(f.m.producerReads.size() == 1 && f.m.producerReads[0].second == RING0);
    f.core.producerRead(0, 3, 100);
    CHECK(f.m.signals == 0); // 3 < B and the timeout has not passed
    CHECK(*f.core.read(pending(0)) == 3);
    f.core.producerRead(0, 9, 200);
    CHECK(f.m.signals == 1);
    CHECK(*f.core.read(BATCH_CORE) == 0);
    CHECK(*f.core.read(BATCH_START) == 0);
    CHECK(*f.core.read(BATCH_COUNT) == 4);
    CHECK(f.m.taskReads.size() == 4);
    CHECK(f.m.taskReads[1].addr == RING0 + DEV_REQUESTS_OFFSET + 1 * 64 + 7 * 8);
    f.answerTasks(210);
    CHECK(f.m.wakes.empty()); // not done yet
    f.done(300);
    CHECK(f.m.wakes.size() == 4);
    // the next 4 are handed over at once; one stays pending
    CHECK(f.m.signals == 2 && *f.core.read(BATCH_START) == 4);
    CHECK(*f.core.read(pending(0)) == 1);
    CHECK(f.core.count(Count::TimeoutBatches) == 0);
}

void
batches_by_timeout()
{
    Fixture f(16, 500);
    f.core.producerRead(0, 2, 1000);
    CHECK(f.m.signals == 0);
    f.core.producerRead(0, 2, 1499);
    CHECK(f.m.signals == 0);
    f.core.producerRead(0, 3, 1500);
    CHECK(f.m.signals == 1);
    CHECK(*f.core.read(BATCH_COUNT) == 3);
    CHECK(f.core.count(Count::TimeoutBatches) == 1);
    CHECK(*f.core.read(TIMEOUT_BATCHES) == 1);
}

void
ring_wraps()
{
    Fixture f(8, 0);
    uint64_t head = 0;
    for (int round = 0; round < 20; round++) {
        head += 8;
        f.core.producerRead(0, head, 100 * round);
        CHECK(*f.core.read(BATCH_START) == head - 8);
        f.answerTasks(100 * round);
        f.done(100 * round + 50);
    }
    CHECK(f.core.count(Count::Wakes) == 160);
    CHECK(f.core.errStatus() == 0);
    // request 70 sits in slot 6: the device read its task word there
    Fixture g(1, 0);
    for (uint64_t h = 1; h <= 71; h++) {
        g.core.producerRead(0, h, h);
        if (h == 71)
            CHECK(g.m.taskReads.back().addr == RING0 + DEV_REQUESTS_OFFSET + 6 * 64 + 56);
        g.answerTasks(h);
        g.done(h);
    }
}

void
full_ring_and_bad_counts_are_errors()
{
    Fixture f(64, 0);
    f.core.producerRead(0, 64, 10); // a full ring is fine
    CHECK(f.core.errStatus() == 0 && *f.core.read(BATCH_COUNT) == 64);
    f.core.producerRead(0, 65 + 64, 20); // more than a ring past what was handed over
    CHECK(f.core.errStatus() & (1ULL << static_cast<uint64_t>(ErrorCode::RING_OVERRUN)));
    f.core.write(ERR_STATUS, ~0ULL, 20);
    f.core.producerRead(0, 10, 30); // went back
    CHECK(f.core.errStatus() & (1ULL << static_cast<uint64_t>(ErrorCode::RING_OVERRUN)));
    CHECK(*f.core.read(pending(0)) == 0);
}

void
wakes_follow_completion_in_request_order()
{
    Fixture f(4, 0);
    f.core.producerRead(0, 4, 10);
    f.core.write(wakePath(0), static_cast<uint64_t>(WakePath::RING), 10);
    f.done(20); // done before any task word came back: no wake yet
    CHECK(f.m.wakes.empty());
    auto reads = f.m.taskReads;
    f.core.taskRead(0, reads[2].seq, 0xC, 30); // out of order: still nothing
    CHECK(f.m.wakes.empty());
    f.core.taskRead(0, reads[0].seq, 0xA, 31);
    CHECK(f.m.wakes.size() == 1 && f.m.wakes[0].task == 0xA);
    f.core.taskRead(0, reads[1].seq, 0xB, 32);
    CHECK(f.m.wakes.size() == 3 && f.m.wakes[2].task == 0xC);
    CHECK(f.m.wakes[1].path == static_cast<uint64_t>(WakePath::RING));
    f.core.taskRead(0, reads[3].seq, 0xD, 33);
    CHECK(f.m.wakes.size() == 4 && f.m.wakes[3].task == 0xD);
    CHECK(*f.core.read(BATCH_COUNT) == 0);
}

void
bad_values_set_error_bits()
{
    Mock m;
    FwdCore c(m);
    auto bit = [](ErrorCode e) { return 1ULL << static_cast<uint64_t>(e); };
    c.write(BATCH, 0, 0);
    c.write(BATCH, 65, 0);
    CHECK(*c.read(BATCH) == 1);
    CHECK(c.errStatus() == bit(ErrorCode::BAD_VALUE));
    c.write(ERR_STATUS, bit(ErrorCode::BAD_VALUE), 0);
    CHECK(c.errStatus() == 0);
    c.write(ringBase(1), 0x1004, 0);
    CHECK(*c.read(ringBase(1)) == 0 && c.errStatus() == bit(ErrorCode::BAD_VALUE));
    c.write(ERR_STATUS, ~0ULL, 0);
    c.write(wakePath(1), 7, 0);
    c.write(POLL_PERIOD, 0, 0);
    c.write(CTRL, 0x80, 0);
    CHECK(c.errStatus() == bit(ErrorCode::BAD_VALUE) && c.count(Count::Errors) == 6);
    c.write(BATCH_DONE, 1, 0);
    CHECK(c.errStatus() & bit(ErrorCode::UNEXPECTED_DONE));
    CHECK(m.polls.empty()); // never enabled
    // a BATCH_DONE above the count, of 0, or going back wakes nobody more
    Fixture f(2, 0);
    f.core.producerRead(0, 2, 5);
    f.answerTasks(5);
    f.core.write(BATCH_DONE, 3, 6);
    f.core.write(BATCH_DONE, 0, 6);
    CHECK(f.m.wakes.empty() && (f.core.errStatus() & bit(ErrorCode::BAD_VALUE)));
    f.core.write(ERR_STATUS, ~0ULL, 6);
    f.core.write(BATCH_DONE, 1, 7);
    f.core.write(BATCH_DONE, 0, 7);
    CHECK(f.m.wakes.size() == 1 && (f.core.errStatus() & bit(ErrorCode::BAD_VALUE)));
}

void
unknown_offsets_are_refused()
{
    Mock m;
    FwdCore c(m);
    CHECK(!c.read(0x98).has_value());
    CHECK(!c.read(CORE_BASE + 0x18).has_value());
    CHECK(!c.read(CORE_BASE + CORE_COUNT * CORE_STRIDE).has_value());
    CHECK(!c.write(ID, 1, 0));
    CHECK(!c.write(pending(0), 1, 0));
    CHECK(*c.read(ID) == DEV_ID);
}

void
polls_only_served_cores_and_stops_when_disabled()
{
    Fixture f(1, 0);
    f.core.write(ringBase(3), RING0 + 0x10000, 0);
    f.core.poll(100);
    CHECK(f.m.producerReads.size() == 2 && f.m.producerReads[1].first == 3);
    CHECK(f.m.polls.back() == 200);
    f.core.write(CTRL, 0, 150);
    f.core.poll(200);
    CHECK(f.m.producerReads.size() == 2 && f.m.polls.back() == 200);
}

void
stalled_wakes_retry_at_the_next_poll_in_order()
{
    Fixture f(4, 0);
    f.m.capacity = 2; // the core's queue takes two
    f.core.producerRead(0, 4, 10);
    f.answerTasks(11);
    f.core.producerRead(0, 6, 12); // two more wait behind the batch
    f.done(20);
    CHECK(f.m.wakes.size() == 2 && f.m.wakes[1].task == 0x1001);
    CHECK(f.core.count(Count::WakeStalls) == 1 && *f.core.read(WAKE_STALLS) == 1);
    CHECK(f.m.signals == 1); // the stalled batch holds the next hand-over
    CHECK(*f.core.read(BATCH_COUNT) == 0); // but it is no longer the kernel side's to run
    f.core.poll(100);
    CHECK(f.m.wakes.size() == 2 && f.core.count(Count::WakeStalls) == 2);
    f.m.capacity = SIZE_MAX; // the core popped its queue
    f.core.poll(200);
    CHECK(f.m.wakes.size() == 4 && f.m.wakes[2].task == 0x1002 && f.m.wakes[3].task == 0x1003);
    CHECK(f.core.count(Count::Wakes) == 4);
    CHECK(f.m.signals == 2 && *f.core.read(BATCH_START) == 4 && *f.core.read(BATCH_COUNT) == 2);
    // with the device disabled, stalled wakes still finish
    f.answerTasks(201);
    f.m.capacity = 4;
    f.core.write(CTRL, 0, 202);
    f.done(210);
    CHECK(f.m.wakes.size() == 4);
    auto polls = f.m.polls.size();
    f.core.poll(300);
    CHECK(f.m.polls.size() == polls + 1); // the retry timer keeps going
    f.m.capacity = SIZE_MAX;
    f.core.poll(400);
    CHECK(f.m.wakes.size() == 6 && *f.core.read(BATCH_COUNT) == 0);
    polls = f.m.polls.size();
    f.core.poll(500);
    CHECK(f.m.polls.size() == polls); // nothing left: the timer stops
}

void
progressive_done_wakes_each_task_as_its_completion_is_written()
{
    Fixture f(4, 0);
    f.core.producerRead(0, 4, 10);
    f.answerTasks(11);
    f.core.write(BATCH_DONE, 1, 20);
    CHECK(f.m.wakes.size() == 1 && f.m.wakes[0].task == 0x1000);
    CHECK(*f.core.read(BATCH_COUNT) == 4); // still with the kernel side
    f.core.write(BATCH_DONE, 1, 21);       // the same count again: nothing new
    f.core.write(BATCH_DONE, 3, 22);
    CHECK(f.m.wakes.size() == 3 && f.m.wakes[2].task == 0x1002);
    CHECK(f.core.errStatus() == 0);
    f.core.write(BATCH_DONE, 4, 23);
    CHECK(f.m.wakes.size() == 4 && *f.core.read(BATCH_COUNT) == 0);
    f.core.write(BATCH_DONE, 4, 24); // the batch is over
    CHECK(f.core.errStatus() & (1ULL << static_cast<uint64_t>(ErrorCode::UNEXPECTED_DONE)));
    // a task word that comes back late holds the later wakes, in order
    f.core.producerRead(0, 6, 30);
    f.core.write(BATCH_DONE, 2, 31);
    CHECK(f.m.wakes.size() == 4);
    f.core.taskRead(0, 5, 0xB, 32);
    CHECK(f.m.wakes.size() == 4);
    f.core.taskRead(0, 4, 0xA, 33);
    CHECK(f.m.wakes.size() == 6 && f.m.wakes[4].task == 0xA && f.m.wakes[5].task == 0xB);
    CHECK(*f.core.read(BATCH_COUNT) == 0);
}

void
signals_the_kernel_core()
{
    Fixture f(1, 0);
    CHECK(*f.core.read(KERNEL_CORE) == 0);
    f.core.write(KERNEL_CORE, 3, 0);
    f.core.write(KERNEL_CORE, DEV_NUM_CORES, 0); // out of range: refused
    CHECK(*f.core.read(KERNEL_CORE) == 3 && f.core.errStatus() != 0);
    f.core.producerRead(0, 1, 10);
    CHECK(f.m.signals == 1 && f.m.signalledCore == 3);
    f.core.write(CTRL, CTRL_ENABLE | CTRL_DMA_SECURE, 20);
    CHECK(f.core.dmaSecure() && *f.core.read(CTRL) == (CTRL_ENABLE | CTRL_DMA_SECURE));
}

} // namespace

int
main()
{
    struct T
    {
        const char *name;
        std::function<void()> f;
    } tests[] = {
        {"batches_by_b", batches_by_b},
        {"batches_by_timeout", batches_by_timeout},
        {"ring_wraps", ring_wraps},
        {"full_ring_and_bad_counts_are_errors", full_ring_and_bad_counts_are_errors},
        {"wakes_follow_completion_in_request_order", wakes_follow_completion_in_request_order},
        {"bad_values_set_error_bits", bad_values_set_error_bits},
        {"unknown_offsets_are_refused", unknown_offsets_are_refused},
        {"polls_only_served_cores_and_stops_when_disabled",
         polls_only_served_cores_and_stops_when_disabled},
        {"stalled_wakes_retry_at_the_next_poll_in_order",
         stalled_wakes_retry_at_the_next_poll_in_order},
        {"signals_the_kernel_core", signals_the_kernel_core},
        {"progressive_done_wakes_each_task_as_its_completion_is_written",
         progressive_done_wakes_each_task_as_its_completion_is_written},
    };
    int passed = 0, failed = 0;
    for (auto &t : tests) {
        int before = failures;
        t.f();
        bool ok = failures == before;
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", t.name);
        (ok ? passed : failed)++;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
