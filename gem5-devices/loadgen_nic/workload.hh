/*
 * The LoadGenNic's random streams: arrivals (Poisson or fixed interval) and the workload
 * (synthetic service-time distributions and the key-value GET/SCAN mix), parsed from the
 * command-line strings of nic-spec (`exp:1us`, `bimodal:0.005:0.5us:500us`, ...).
 *
 * Plain C++17, no gem5 headers. Every draw comes from Rng (xoshiro256**, seeded by
 * splitmix64) and the distributions are computed here rather than by <random>, whose
 * distributions differ between standard libraries: the same seed gives the same stream on any
 * host, so a run's requests are reproducible from its seed alone.
 */

#ifndef __LOADGEN_NIC_WORKLOAD_HH__
#define __LOADGEN_NIC_WORKLOAD_HH__

#include <cstdint>
#include <string>
#include <vector>

namespace loadgen_nic
{

/** xoshiro256** (Blackman and Vigna), its state filled by splitmix64 from the seed. */
class Rng
{
  public:
    explicit Rng(uint64_t seed);
    uint64_t next();
    /** Uniform in [0, 1), 53 bits. */
    double uniform();
    /** Uniform in (0, 1]: safe under log(). */
    double uniformOpen();
    /** Uniform integer in [0, n), n >= 1 (unbiased). */
    uint64_t below(uint64_t n);
    /** Standard normal (Box-Muller; one value per call, the second is dropped). */
    double normal();

  private:
    uint64_t s[4];
};

/** What one drawn request is. Values are the DescKind codes of the register map. */
enum class Kind : uint64_t
{
    Synth = 1,
    Get = 2,
    Scan = 3,
};

/** One drawn request. */
struct Draw
{
    Kind kind = Kind::Synth;
    double serviceTicks = 0; // Synth only
    uint64_t key = 0;        // Get/Scan
    uint64_t scanLen = 0;    // Scan
};

/** A parsed workload string. */
struct WorkloadSpec
{
    enum class Type
    {
        Fixed,
        Exp,
        Bimodal,
        Lognormal,
        Kv,
    } type = Type::Fixed;
    double a = 0;         // fixed: T; exp: MEAN; bimodal: P (of LONG); lognormal: MEAN (ticks)
    double b = 0;         // bimodal: SHORT (ticks); lognormal: SIGMA
    double c = 0;         // bimodal: LONG (ticks)
    double getFraction = 0;
    uint64_t scanLen = 0;
    uint64_t keys = 0;
    bool zipf = false;
    double zipfS = 0;

    /** The mean service time in ticks of a synthetic workload (0 for kv). */
    double meanTicks() const;
};

/** Largest key space for Zipf keys (its CDF table is 8 bytes a key). */
constexpr uint64_t MAX_ZIPF_KEYS = uint64_t(1) << 24;

/**
 * Parse `text` (ticksPerNs ticks a ns for the ns/us suffixes). Returns "" on success, else a
 * message saying what is wrong and listing the forms.
 */
std::string parseWorkload(const std::string &text, double ticksPerNs, WorkloadSpec &out);

/** The accepted forms, for error messages. */
extern const char *const WORKLOAD_FORMS;

/** Draws requests of one workload from one Rng. */
class Workload
{
  public:
    Workload(const WorkloadSpec &spec, uint64_t seed);
    Draw draw();
    const WorkloadSpec &spec() const { return spec_; }

  private:
    uint64_t drawKey();

    WorkloadSpec spec_;
    Rng rng;
    std::vector<double> zipfCdf; // cumulative probability of ranks 1..keys
};

/** Inter-arrival times: Poisson (exponential gaps) or a fixed interval. */
class Arrivals
{
  public:
    /** rate in requests per second; ticksPerSecond the simulator's tick frequency. */
    Arrivals(bool poisson, double rate, double ticksPerSecond, uint64_t seed);
    /** The next gap in ticks (fractional: the caller accumulates exactly). */
    double gap();

  private:
    bool poisson;
    double meanGap;
    Rng rng;
};

} // namespace loadgen_nic

#endif // __LOADGEN_NIC_WORKLOAD_HH__
