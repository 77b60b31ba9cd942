/*
 * Unit tests of the LoadGenNic core (nic_core.{hh,cc}, workload.{hh,cc}), built with the
 * system compiler, no gem5. The coro-sched-regmap crate's test `loadgen_core` compiles and runs them under
 * `cargo test`. Output ends with one line "N passed, M failed"; the exit status is non-zero if
 * any test failed.
 */

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "loadgen_nic/loadgen_nic_regs.hh"
#include "loadgen_nic/nic_core.hh"

using namespace loadgen_nic;
using namespace loadgen_nic::regs;

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

#define CHECK_NEAR(a, b, rel)                                                                \
    do {                                                                                     \
        const double va_ = (a), vb_ = (b);                                                   \
        if (!(std::fabs(va_ - vb_) <= (rel) * std::fabs(vb_))) {                             \
            std::printf("  %s:%d: CHECK_NEAR(%s, %s, %g) failed: %g vs %g\n", __FILE__,     \
                        __LINE__, #a, #b, double(rel), va_, vb_);                            \
            currentFailures++;                                                               \
        }                                                                                    \
    } while (0)

// ---- a recording Hooks implementation ------------------------------------------------

struct DescWrite
{
    unsigned flow;
    uint64_t addr;
    std::array<uint64_t, 8> words;
    bool secure;
};

struct TxRead
{
    uint64_t addr;
    unsigned bytes;
    Tick doorbell;
};

struct Mock : Hooks
{
    std::vector<DescWrite> writes;
    std::vector<TxRead> reads;
    unsigned counts[NUM_COUNTS] = {};
    std::vector<Tick> measuredDoneAt;
    std::vector<Tick> endAt;
    std::vector<uint64_t> completedIds;

    void
    writeDescriptor(unsigned f, uint64_t a, const std::array<uint64_t, 8> &w, bool sec) override
    {
        writes.push_back({f, a, w, sec});
    }
    void readTx(uint64_t a, unsigned n, Tick d, bool) override { reads.push_back({a, n, d}); }
    void count(Count c) override { counts[unsigned(c)]++; }
    void completed(const Request &r) override { completedIds.push_back(r.id); }
    void measuredDone(Tick now) override { measuredDoneAt.push_back(now); }
    void endDelivered(Tick now) override { endAt.push_back(now); }

    std::vector<DescWrite>
    flow(unsigned f) const
    {
        std::vector<DescWrite> out;
        for (const auto &w : writes)
            if (w.flow == f)
                out.push_back(w);
        return out;
    }
};

constexpr double TICKS_PER_NS = 1000; // gem5: 1 tick = 1 ps
constexpr Tick CYCLE = 250;           // 4 GHz

WorkloadSpec
spec(const char *text)
{
    WorkloadSpec w;
    const std::string err = parseWorkload(text, TICKS_PER_NS, w);
    if (!err.empty()) {
        std::printf("  parseWorkload(%s): %s\n", text, err.c_str());
        currentFailures++;
    }
    return w;
}

Config
config(const char *workload, uint64_t warmup, uint64_t requests, bool poisson = false,
       double rate = 1e6)
{
    Config c;
    c.cyclePeriod = CYCLE;
    c.seed = 42;
    c.poisson = poisson;
    c.rate = rate; // 1e6/s: one arrival per 1e6 ticks with fixed intervals
    c.workload = spec(workload);
    c.warmup = warmup;
    c.requests = requests;
    return c;
}

void
wr(NicCore &nic, uint64_t off, uint64_t v, Tick now = 0)
{
    const AccessResult r = nic.write(off, 8, v, now);
    CHECK(r.status == AccessStatus::Ok);
}

uint64_t
rd(NicCore &nic, uint64_t off)
{
    uint64_t v = 0xdead;
    const AccessResult r = nic.read(off, 8, 0, v);
    CHECK(r.status == AccessStatus::Ok);
    return v;
}

/** Configure flow 0 (and the TX ring) and start at tick 0. */
void
startFlow0(NicCore &nic, uint64_t ringSize, uint64_t txSize = 16)
{
    wr(nic, rxRingBase(0), 0x100000);
    wr(nic, rxRingSize(0), ringSize);
    wr(nic, TX_RING_BASE, 0x200000);
    wr(nic, TX_RING_SIZE, txSize);
    wr(nic, CTRL, CTRL_START);
}

/** Complete `ids` through the TX ring with one doorbell at `now`. */
void
completeIds(NicCore &nic, Mock &m, const std::vector<uint64_t> &ids, Tick now)
{
    const uint64_t prod = rd(nic, TX_PROD);
    const size_t firstRead = m.reads.size();
    wr(nic, TX_PROD, prod + ids.size(), now);
    size_t next = 0;
    for (size_t i = firstRead; i < m.reads.size(); ++i) {
        std::vector<uint8_t> buf(m.reads[i].bytes, 0);
        for (unsigned s = 0; s < m.reads[i].bytes / 16; ++s, ++next) {
            const uint64_t w[2] = {ids[next], 1000 + ids[next]};
            std::memcpy(&buf[s * 16], w, 16); // the host is little-endian like the guest
        }
        nic.txData(buf.data(), m.reads[i].bytes, m.reads[i].doorbell, now + 10);
    }
    CHECK_EQ(next, ids.size());
}

// ---- distributions ---------------------------------------------------------------------

TEST(exp_sample_mean_is_within_one_percent)
{
    Workload w(spec("exp:1us"), 7);
    const int n = 100000;
    double sum = 0, sumSq = 0;
    for (int i = 0; i < n; ++i) {
        const Draw d = w.draw();
        CHECK(d.kind == Kind::Synth);
        sum += d.serviceTicks;
        sumSq += d.serviceTicks * d.serviceTicks;
    }
    const double mean = sum / n;
    CHECK_NEAR(mean, 1e6, 0.01);
    // Exponential: the standard deviation equals the mean.
    CHECK_NEAR(std::sqrt(sumSq / n - mean * mean), 1e6, 0.02);
}

TEST(bimodal_fractions_and_values)
{
    Workload w(spec("bimodal:0.005:0.5us:500us"), 9);
    const int n = 200000;
    int longs = 0, other = 0;
    for (int i = 0; i < n; ++i) {
        const double t = w.draw().serviceTicks;
        if (t == 500e6)
            longs++;
        else if (t != 0.5e6)
            other++;
    }
    CHECK_EQ(other, 0);
    CHECK_NEAR(double(longs), 0.005 * n, 0.15); // 1000 expected, sigma ~ 32
    CHECK_NEAR(spec("bimodal:0.005:0.5us:500us").meanTicks(), 0.995 * 0.5e6 + 0.005 * 500e6,
               1e-12);
}

TEST(fixed_is_fixed)
{
    Workload w(spec("fixed:250ns"), 1);
    for (int i = 0; i < 100; ++i)
        CHECK_EQ(uint64_t(w.draw().serviceTicks), 250000);
}

TEST(lognormal_mean_and_median)
{
    Workload w(spec("lognormal:2us:1"), 3);
    const int n = 200000;
    std::vector<double> v(n);
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += v[i] = w.draw().serviceTicks;
    CHECK_NEAR(sum / n, 2e6, 0.02);
    std::sort(v.begin(), v.end());
    // Median = exp(mu) = MEAN * exp(-sigma^2 / 2).
    CHECK_NEAR(v[n / 2], 2e6 * std::exp(-0.5), 0.02);
}

TEST(kv_uniform_mix_and_keys)
{
    Workload w(spec("kv:0.9:16:1000:uniform"), 5);
    const int n = 100000;
    int gets = 0;
    std::vector<int> hist(10, 0);
    for (int i = 0; i < n; ++i) {
        const Draw d = w.draw();
        CHECK(d.key < 1000);
        if (d.kind == Kind::Get) {
            gets++;
            CHECK_EQ(d.scanLen, 0);
        } else {
            CHECK(d.kind == Kind::Scan);
            CHECK_EQ(d.scanLen, 16);
        }
        hist[d.key / 100]++;
    }
    CHECK_NEAR(double(gets), 0.9 * n, 0.01);
    for (int h : hist)
        CHECK_NEAR(double(h), n / 10.0, 0.05);
}

TEST(zipf_rank_frequencies)
{
    Workload w(spec("kv:1:1:100:zipf:1"), 11);
    const int n = 200000;
    std::vector<int> hist(100, 0);
    for (int i = 0; i < n; ++i) {
        const Draw d = w.draw();
        CHECK(d.key < 100);
        hist[d.key]++;
    }
    double h100 = 0;
    for (int r = 1; r <= 100; ++r)
        h100 += 1.0 / r;
    // P(rank r) = r^-s / H: key 0 is rank 1.
    CHECK_NEAR(double(hist[0]) / n, 1 / h100, 0.03);
    CHECK_NEAR(double(hist[0]) / hist[1], 2.0, 0.05);
    CHECK_NEAR(double(hist[0]) / hist[9], 10.0, 0.1);
}

TEST(poisson_and_fixed_gaps)
{
    Arrivals p(true, 1e6, 1e12, 3);
    const int n = 100000;
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += p.gap();
    CHECK_NEAR(sum / n, 1e6, 0.01);
    Arrivals f(false, 250000, 1e12, 3);
    for (int i = 0; i < 10; ++i)
        CHECK_EQ(uint64_t(f.gap()), 4000000);
}

TEST(same_seed_same_stream_other_seed_other_stream)
{
    Workload a(spec("exp:1us"), 123), b(spec("exp:1us"), 123), c(spec("exp:1us"), 124);
    bool allSame = true, anyDiff = false;
    for (int i = 0; i < 1000; ++i) {
        const double x = a.draw().serviceTicks, y = b.draw().serviceTicks;
        allSame &= x == y;
        anyDiff |= x != c.draw().serviceTicks;
    }
    CHECK(allSame);
    CHECK(anyDiff);

    // Two whole devices: the same descriptors at the same ticks.
    Mock m1, m2;
    NicCore n1(config("exp:1us", 0, 50, true), m1), n2(config("exp:1us", 0, 50, true), m2);
    startFlow0(n1, 64);
    startFlow0(n2, 64);
    n1.advance(100000000);
    n2.advance(100000000);
    CHECK_EQ(m1.writes.size(), 50);
    CHECK_EQ(m1.writes.size(), m2.writes.size());
    for (size_t i = 0; i < m1.writes.size() && i < m2.writes.size(); ++i)
        CHECK(m1.writes[i].words == m2.writes[i].words);
}

TEST(workload_errors_name_the_problem_and_the_choices)
{
    WorkloadSpec w;
    std::string e = parseWorkload("pareto:1us", 1000, w);
    CHECK(e.find("unknown workload") != std::string::npos);
    CHECK(e.find("bimodal:P:SHORT:LONG") != std::string::npos);
    e = parseWorkload("exp:1", 1000, w);
    CHECK(e.find("needs a unit") != std::string::npos);
    e = parseWorkload("exp:-1us", 1000, w);
    CHECK(e.find("positive") != std::string::npos);
    e = parseWorkload("bimodal:1.5:1us:2us", 1000, w);
    CHECK(e.find("fraction") != std::string::npos);
    e = parseWorkload("bimodal:0.5:1us", 1000, w);
    CHECK(e.find("takes the form") != std::string::npos);
    e = parseWorkload("kv:0.9:16:1000:gauss", 1000, w);
    CHECK(e.find("uniform, zipf:S") != std::string::npos);
    e = parseWorkload("kv:0.9:0:1000:uniform", 1000, w);
    CHECK(e.find("SCAN_LEN") != std::string::npos);
    e = parseWorkload("lognormal:1us:x", 1000, w);
    CHECK(e.find("SIGMA") != std::string::npos);
    CHECK(parseWorkload("exp:1.5us", 1000, w).empty());
    CHECK_EQ(uint64_t(w.a), 1500000);
    CHECK(parseWorkload("kv:0.995:100:100000:zipf:0.99", 1000, w).empty());
    CHECK(w.zipf && w.keys == 100000 && w.scanLen == 100);
}

// ---- the device ---------------------------------------------------------------------------

TEST(identification_and_parameters)
{
    Mock m;
    Config c = config("kv:0.995:8:5000:uniform", 0, 1);
    c.greedy = true;
    NicCore nic(c, m);
    CHECK_EQ(rd(nic, ID), 0x3143494e4e45474cULL);
    CHECK_EQ(rd(nic, VERSION), 1);
    CHECK_EQ(rd(nic, NUM_FLOWS), 2);
    CHECK_EQ(rd(nic, KV_KEYS), 5000);
    CHECK_EQ(rd(nic, SEED), 42);
    CHECK_EQ(rd(nic, rxSource(0)), 8);
    CHECK_EQ(rd(nic, rxSource(1)), 9);
    CHECK_EQ(rd(nic, flowMode(0)), uint64_t(FlowMode::OPEN_LOOP));
    CHECK_EQ(rd(nic, flowMode(1)), uint64_t(FlowMode::SATURATING));
    Mock m2;
    NicCore nic2(config("exp:1us", 0, 1), m2);
    CHECK_EQ(rd(nic2, KV_KEYS), 0);
    CHECK_EQ(rd(nic2, flowMode(1)), uint64_t(FlowMode::OFF));
}

TEST(descriptor_layout_and_open_loop_arrivals)
{
    Mock m;
    NicCore nic(config("fixed:1us", 2, 3), m); // fixed interval 1e6 ticks
    startFlow0(nic, 16);
    CHECK_EQ(nic.nextDeadline(), 1000000); // one interval after START at tick 0
    nic.advance(999999);
    CHECK_EQ(m.writes.size(), 0);
    nic.advance(5000000);
    CHECK_EQ(m.writes.size(), 5);
    for (unsigned i = 0; i < m.writes.size(); ++i) {
        const auto &w = m.writes[i].words;
        CHECK_EQ(m.writes[i].flow, 0);
        CHECK_EQ(m.writes[i].addr, 0x100000 + i * 64);
        CHECK_EQ(w[RX_WORD_ID], i + 1);
        CHECK_EQ(w[RX_WORD_KIND], uint64_t(DescKind::SYNTH));
        CHECK_EQ(w[RX_WORD_ARG0], 1000000 / CYCLE); // 1 us in 4 GHz cycles
        CHECK_EQ(w[RX_WORD_ARG1], 0);
        CHECK_EQ(w[RX_WORD_ARRIVAL_TICK], (i + 1) * 1000000);
        CHECK_EQ(w[RX_WORD_DELIVERY_TICK], (i + 1) * 1000000);
        CHECK_EQ(w[RX_WORD_FLAGS], i < 2 ? DESC_FLAG_WARMUP : 0);
        CHECK_EQ(w[7], 0);
    }
    // Arrivals never waited for completions: none came, all five were generated.
    CHECK_EQ(rd(nic, ARRIVALS), 5);
    CHECK_EQ(nic.nextDeadline(), NEVER);
    CHECK_EQ(rd(nic, rxProd(0)), 5);
    CHECK_EQ(rd(nic, STATUS), STATUS_RUNNING);
}

TEST(full_ring_drops_and_counts)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 10), m);
    startFlow0(nic, 4);
    nic.advance(10000000);
    CHECK_EQ(m.writes.size(), 4);
    CHECK_EQ(rd(nic, DROPS), 6);
    CHECK_EQ(rd(nic, ARRIVALS), 10);
    CHECK_EQ(m.counts[unsigned(Count::Drops)], 6);
    CHECK_EQ(nic.requests()[4].status, Request::Status::Dropped);
    CHECK_EQ(nic.requests()[4].delivered, 0);
    // The guest frees two slots: the next arrivals would be delivered again.
    CHECK(!nic.endPending()); // four measured requests are still outstanding
    CHECK_EQ(nic.outstanding(), 4);
}

TEST(freed_slots_take_new_arrivals)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 10), m);
    startFlow0(nic, 2);
    nic.advance(3000000); // ids 1, 2 delivered, 3 dropped
    wr(nic, rxCons(0), 2, 3000001);
    nic.advance(4000000); // id 4 delivered into slot 0 again
    CHECK_EQ(m.writes.size(), 3);
    CHECK_EQ(m.writes[2].words[0], 4);
    CHECK_EQ(m.writes[2].addr, 0x100000);
    CHECK_EQ(rd(nic, DROPS), 1);
}

TEST(completions_stamp_the_doorbell_tick_and_end_follows_the_last_measured)
{
    Mock m;
    NicCore nic(config("fixed:1us", 1, 2), m);
    startFlow0(nic, 8);
    nic.advance(3000000); // ids 1 (warm-up), 2, 3
    completeIds(nic, m, {2}, 3500000);
    CHECK_EQ(nic.requests()[1].completed, 3500000);
    CHECK_EQ(nic.requests()[1].workCycles, 1002);
    CHECK_EQ(rd(nic, COMPLETIONS), 1);
    CHECK(m.endAt.empty());
    completeIds(nic, m, {3}, 3600000);
    // The warm-up request is still outstanding: END does not wait for it.
    CHECK_EQ(m.measuredDoneAt.size(), 1);
    CHECK_EQ(m.endAt.size(), 1);
    CHECK_EQ(m.endAt[0], 3600000);
    const auto &end = m.writes.back();
    CHECK_EQ(end.flow, 0);
    CHECK_EQ(end.words[RX_WORD_ID], END_ID);
    CHECK_EQ(end.words[RX_WORD_KIND], uint64_t(DescKind::END));
    CHECK_EQ(rd(nic, STATUS), STATUS_DONE);
    CHECK_EQ(nic.nextDeadline(), NEVER);
    // The warm-up request may still complete after END.
    completeIds(nic, m, {1}, 3700000);
    CHECK_EQ(nic.requests()[0].status, Request::Status::Ok);
    CHECK_EQ(rd(nic, ERR_STATUS), 0);
}

TEST(end_waits_for_room_in_the_ring)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 3), m);
    startFlow0(nic, 2);
    nic.advance(3000000); // 1, 2 delivered; 3 dropped
    completeIds(nic, m, {1, 2}, 3100000);
    CHECK(nic.endPending()); // ring still full: the guest has not advanced RX_CONS
    CHECK_EQ(m.counts[unsigned(Count::EndRetries)], 1);
    CHECK(m.endAt.empty());
    CHECK_EQ(rd(nic, STATUS), STATUS_RUNNING); // END left to deliver, not done
    wr(nic, rxCons(0), 1, 3200000);
    CHECK_EQ(m.endAt.size(), 1);
    CHECK_EQ(m.writes.back().words[0], END_ID);
    CHECK_EQ(m.writes.back().words[RX_WORD_ARRIVAL_TICK], 3100000);
    CHECK_EQ(m.writes.back().words[RX_WORD_DELIVERY_TICK], 3200000);
    CHECK_EQ(m.writes.back().addr, 0x100000); // slot 2 % 2
}

TEST(all_measured_dropped_still_ends)
{
    Mock m;
    NicCore nic(config("fixed:1us", 2, 3), m);
    startFlow0(nic, 2);
    nic.advance(10000000); // the warm-up fills the ring; every measured request drops
    CHECK_EQ(rd(nic, DROPS), 3);
    CHECK(nic.endPending());
    CHECK_EQ(m.measuredDoneAt.size(), 1);
    CHECK_EQ(m.measuredDoneAt[0], 5000000);
}

TEST(saturating_flow_refills_freed_slots)
{
    Mock m;
    Config c = config("fixed:1us", 0, 1);
    c.greedy = true;
    NicCore nic(c, m);
    wr(nic, rxRingBase(1), 0x300000);
    wr(nic, rxRingSize(1), 8);
    startFlow0(nic, 4);
    auto g = m.flow(1);
    CHECK_EQ(g.size(), 8);
    for (unsigned i = 0; i < g.size(); ++i) {
        CHECK_EQ(g[i].words[RX_WORD_ID], i + 1);
        CHECK_EQ(g[i].words[RX_WORD_KIND], uint64_t(DescKind::GREEDY));
        CHECK_EQ(g[i].addr, 0x300000 + 64 * i);
    }
    wr(nic, rxCons(1), 3, 500);
    g = m.flow(1);
    CHECK_EQ(g.size(), 11);
    CHECK_EQ(g[8].addr, 0x300000);
    CHECK_EQ(g[10].words[RX_WORD_ID], 11);
    CHECK_EQ(g[10].words[RX_WORD_ARRIVAL_TICK], 500);
    CHECK_EQ(rd(nic, rxProd(1)), 11);
    CHECK_EQ(m.counts[unsigned(Count::GreedyDelivered)], 11);
    // After END the greedy flow stops.
    nic.advance(1000000);
    completeIds(nic, m, {1}, 1000100);
    CHECK(nic.done());
    wr(nic, rxCons(1), 11, 1000200);
    CHECK_EQ(m.flow(1).size(), 11);
}

TEST(saturating_flow_needs_its_ring)
{
    Mock m;
    Config c = config("fixed:1us", 0, 1);
    c.greedy = true;
    NicCore nic(c, m);
    startFlow0(nic, 4);
    CHECK_EQ(rd(nic, ERR_STATUS), 1u << uint64_t(ErrorCode::RING_UNCONFIGURED));
    CHECK(!nic.running());
}

TEST(tx_ring_wraps_in_two_reads)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 10), m);
    startFlow0(nic, 16, 4);
    nic.advance(6000000);
    completeIds(nic, m, {1, 2, 3}, 6100000);
    CHECK_EQ(m.reads.size(), 1);
    CHECK_EQ(m.reads[0].addr, 0x200000);
    CHECK_EQ(m.reads[0].bytes, 48);
    completeIds(nic, m, {4, 5, 6}, 6200000); // slots 3, 0, 1
    CHECK_EQ(m.reads.size(), 3);
    CHECK_EQ(m.reads[1].addr, 0x200000 + 3 * 16);
    CHECK_EQ(m.reads[1].bytes, 16);
    CHECK_EQ(m.reads[2].addr, 0x200000);
    CHECK_EQ(m.reads[2].bytes, 32);
    CHECK_EQ(rd(nic, TX_CONS), 6);
    CHECK_EQ(rd(nic, COMPLETIONS), 6);
    CHECK_EQ(nic.requests()[5].completed, 6200000);
}

TEST(bad_values_set_error_bits)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 4), m);
    // START without a ring.
    wr(nic, CTRL, CTRL_START);
    CHECK_EQ(rd(nic, ERR_STATUS), 1u << uint64_t(ErrorCode::RING_UNCONFIGURED));
    CHECK_EQ(rd(nic, ERR_ADDR), CTRL);
    CHECK(!nic.running());
    CHECK_EQ(rd(nic, CTRL) & CTRL_START, 0);
    wr(nic, ERR_STATUS, ~0ULL);
    CHECK_EQ(rd(nic, ERR_STATUS), 0);
    const uint64_t bad = 1u << uint64_t(ErrorCode::BAD_VALUE);
    struct
    {
        uint64_t off, value;
    } cases[] = {
        {rxRingBase(0), 0x100010}, {rxRingSize(0), 12}, {TX_RING_BASE, 8},
        {TX_RING_SIZE, 3},         {CTRL, 4},           {rxCons(0), 1},
    };
    for (const auto &c : cases) {
        wr(nic, c.off, c.value);
        CHECK_EQ(rd(nic, ERR_STATUS), bad);
        CHECK_EQ(rd(nic, ERR_ADDR), c.off);
        wr(nic, ERR_STATUS, bad);
    }
    CHECK_EQ(rd(nic, rxRingBase(0)), 0); // the bad writes were ignored
    CHECK_EQ(rd(nic, rxRingSize(0)), 0);
    // A doorbell without a TX ring.
    wr(nic, TX_PROD, 1);
    CHECK_EQ(rd(nic, ERR_STATUS), 1u << uint64_t(ErrorCode::RING_UNCONFIGURED));
    wr(nic, ERR_STATUS, ~0ULL);
    // Now configured and running: reconfiguring a ring is a bad value; ERR_ADDR keeps the
    // first error.
    startFlow0(nic, 4, 4);
    CHECK(nic.running());
    wr(nic, rxRingSize(0), 8);
    wr(nic, TX_PROD, 5); // more than TX_RING_SIZE ahead of TX_CONS
    CHECK_EQ(rd(nic, ERR_STATUS), bad);
    CHECK_EQ(rd(nic, ERR_ADDR), rxRingSize(0));
    CHECK_EQ(rd(nic, rxRingSize(0)), 4);
    wr(nic, ERR_STATUS, bad);
    // Completions of ids that are not outstanding.
    nic.advance(1000000); // id 1 delivered
    completeIds(nic, m, {7}, 1100000);
    CHECK_EQ(rd(nic, ERR_STATUS), 1u << uint64_t(ErrorCode::BAD_COMPLETION));
    CHECK_EQ(rd(nic, ERR_ADDR), TX_PROD);
    completeIds(nic, m, {1, 1}, 1200000); // the second is a duplicate
    CHECK_EQ(rd(nic, COMPLETIONS), 1);
    CHECK_EQ(m.counts[unsigned(Count::BadCompletions)], 2);
}

TEST(bad_accesses_are_reported_not_performed)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 1), m);
    uint64_t v = 0;
    CHECK(nic.read(0x80, 8, 0, v).status == AccessStatus::UnknownOffset);
    CHECK(nic.read(0x300, 8, 0, v).status == AccessStatus::UnknownOffset); // flow 2
    CHECK(nic.read(0x130, 8, 0, v).status == AccessStatus::UnknownOffset);
    CHECK(nic.read(0x1000, 8, 0, v).status == AccessStatus::UnknownOffset);
    CHECK(nic.read(CTRL, 4, 0, v).status == AccessStatus::BadSize);
    CHECK(nic.read(CTRL + 4, 4, 0, v).status == AccessStatus::Unaligned);
    CHECK(nic.write(ARRIVALS, 8, 1, 0).status == AccessStatus::WriteToReadOnly);
    const AccessResult r = nic.write(rxProd(1), 8, 1, 0);
    CHECK(r.status == AccessStatus::WriteToReadOnly);
    CHECK_EQ(r.index, 1);
    const std::string msg = NicCore::describe(r, rxProd(1), 8, true);
    CHECK(msg.find("RX_PROD[1]") != std::string::npos);
    CHECK(msg.find("read-only") != std::string::npos);
}

TEST(stop_and_restart)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 10), m);
    startFlow0(nic, 16);
    nic.advance(2000000);
    wr(nic, CTRL, 0, 2500000);
    CHECK_EQ(nic.nextDeadline(), NEVER);
    nic.advance(9000000);
    CHECK_EQ(m.writes.size(), 2);
    wr(nic, CTRL, CTRL_START, 9000000);
    CHECK_EQ(nic.nextDeadline(), 10000000);
}

TEST(secure_dma_follows_ctrl)
{
    Mock m;
    NicCore nic(config("fixed:1us", 0, 10), m);
    wr(nic, rxRingBase(0), 0x100000);
    wr(nic, rxRingSize(0), 4);
    wr(nic, CTRL, CTRL_START | CTRL_DMA_SECURE);
    nic.advance(1000000);
    CHECK_EQ(m.writes.size(), 1);
    CHECK(m.writes[0].secure);
}

TEST(records_list_every_request_in_id_order)
{
    Mock m;
    NicCore nic(config("fixed:1us", 1, 2), m);
    startFlow0(nic, 2);
    nic.advance(3000000); // 1, 2 delivered; 3 dropped
    completeIds(nic, m, {2}, 3300000);
    std::ostringstream os;
    nic.writeRecords(os);
    const std::string want =
        std::string(NicCore::RECORDS_HEADER) + "\n" +
        "1,0,SYNTH,4000,0,1,1000000,1000000,0,outstanding,1000000,0\n"
        "2,0,SYNTH,4000,0,0,2000000,2000000,3300000,ok,1000000,1002\n"
        "3,0,SYNTH,4000,0,0,3000000,0,0,dropped,1000000,0\n";
    CHECK(os.str() == want);
    if (os.str() != want)
        std::printf("%s", os.str().c_str());
}

TEST(kv_descriptors_carry_key_and_scan_length)
{
    Mock m;
    NicCore nic(config("kv:0.5:7:100:uniform", 0, 200), m);
    startFlow0(nic, 256);
    nic.advance(200000000);
    int scans = 0;
    for (const auto &w : m.writes) {
        CHECK(w.words[RX_WORD_ARG0] < 100);
        if (w.words[RX_WORD_KIND] == uint64_t(DescKind::SCAN)) {
            scans++;
            CHECK_EQ(w.words[RX_WORD_ARG1], 7);
        } else {
            CHECK_EQ(w.words[RX_WORD_KIND], uint64_t(DescKind::GET));
            CHECK_EQ(w.words[RX_WORD_ARG1], 0);
        }
    }
    CHECK(scans > 60 && scans < 140);
    CHECK_EQ(nic.requests()[0].serviceTicks, 0);
}

TEST(config_checks)
{
    Config c = config("exp:1us", 0, 1);
    CHECK(NicCore::checkConfig(c) == nullptr);
    c.rate = 0;
    CHECK(NicCore::checkConfig(c) != nullptr);
    c = config("exp:1us", 0, 0);
    CHECK(NicCore::checkConfig(c) != nullptr);
    c = config("exp:1us", 0, 1);
    c.cyclePeriod = 0;
    CHECK(NicCore::checkConfig(c) != nullptr);
}

/**
 * The device's stream through an ideal FCFS server (one request at a time, each for its drawn
 * service time, completed at once): with Poisson arrivals and exp service this is an M/M/1
 * queue, whose mean sojourn time is S / (1 - rho). The driver's analytic check of a real run
 * relies on the stream being exactly that.
 */
double
fcfsMeanLatency(double rho, uint64_t requests, uint64_t seed)
{
    Mock m;
    Config c = config("exp:1us", 1000, requests, true, rho * 1e6);
    c.seed = seed;
    NicCore nic(c, m);
    startFlow0(nic, 1 << 16, 1 << 16);
    std::vector<std::pair<Tick, uint64_t>> done; // FCFS: completion ticks never decrease
    size_t nextDone = 0, seen = 0;
    Tick busyUntil = 0;
    uint64_t cons = 0;
    for (;;) {
        const Tick arrival = nic.nextDeadline();
        const bool haveDone = nextDone < done.size();
        if (arrival == NEVER && !haveDone)
            break;
        if (haveDone && done[nextDone].first <= arrival) {
            const auto [at, id] = done[nextDone++];
            wr(nic, rxCons(0), ++cons, at);
            completeIds(nic, m, {id}, at);
            continue;
        }
        nic.advance(arrival);
        for (; seen < m.writes.size(); ++seen) {
            const auto &w = m.writes[seen].words;
            if (w[RX_WORD_ID] == END_ID)
                continue;
            busyUntil = std::max<Tick>(busyUntil, w[RX_WORD_ARRIVAL_TICK]) +
                        nic.requests()[w[RX_WORD_ID] - 1].serviceTicks;
            done.push_back({busyUntil, w[RX_WORD_ID]});
        }
    }
    CHECK(nic.done());
    CHECK_EQ(rd(nic, DROPS), 0);
    double sum = 0;
    uint64_t n = 0;
    for (const Request &r : nic.requests()) {
        if (r.warmup)
            continue;
        CHECK(r.status == Request::Status::Ok);
        sum += double(r.completed - r.arrival);
        n++;
    }
    CHECK_EQ(n, requests);
    return sum / double(n);
}

TEST(poisson_stream_through_an_fcfs_server_is_mm1)
{
    // S = 1 us = 1e6 ticks; W = S / (1 - rho).
    const double w3 = fcfsMeanLatency(0.3, 100000, 5), w5 = fcfsMeanLatency(0.5, 100000, 6);
    std::printf("  M/M/1 through the device: rho 0.3: %.4g ticks (model %.4g), rho 0.5: %.4g "
                "(model %.4g)\n", w3, 1e6 / 0.7, w5, 1e6 / 0.5);
    CHECK_NEAR(w3, 1e6 / 0.7, 0.05);
    CHECK_NEAR(w5, 1e6 / 0.5, 0.05);
}

} // anonymous namespace

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
