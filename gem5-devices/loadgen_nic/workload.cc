/*
 * The LoadGenNic's random streams (see workload.hh).
 */

#include "loadgen_nic/workload.hh"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace loadgen_nic
{

namespace
{

uint64_t
splitmix64(uint64_t &state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

std::vector<std::string>
split(const std::string &s, char sep)
{
    std::vector<std::string> parts;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    return parts;
}

/** A whole finite decimal number, or false. */
bool
parseNumber(const std::string &s, double &out)
{
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])))
        return false;
    errno = 0;
    char *end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return errno == 0 && end == s.c_str() + s.size() && std::isfinite(out);
}

/** A whole non-negative integer, or false. */
bool
parseCount(const std::string &s, uint64_t &out)
{
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    errno = 0;
    out = std::strtoull(s.c_str(), nullptr, 10);
    return errno == 0;
}

/** A positive duration with a unit suffix ns or us, in ticks. */
std::string
parseDuration(const std::string &s, const char *what, double ticksPerNs, double &ticks)
{
    double scale = 0;
    std::string num;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, "ns") == 0)
        scale = 1;
    else if (s.size() > 2 && s.compare(s.size() - 2, 2, "us") == 0)
        scale = 1000;
    else
        return std::string(what) + " `" + s + "` needs a unit: ns or us (e.g. 500ns, 1.5us)";
    num = s.substr(0, s.size() - 2);
    double v = 0;
    if (!parseNumber(num, v) || !(v > 0))
        return std::string(what) + " `" + s + "` is not a positive number of " +
               s.substr(s.size() - 2);
    ticks = v * scale * ticksPerNs;
    return "";
}

std::string
parseFraction(const std::string &s, const char *what, double &out)
{
    if (!parseNumber(s, out) || out < 0 || out > 1)
        return std::string(what) + " `" + s + "` is not a fraction in [0, 1]";
    return "";
}

} // anonymous namespace

const char *const WORKLOAD_FORMS =
    "fixed:T, exp:MEAN, bimodal:P:SHORT:LONG (P = fraction of LONG), lognormal:MEAN:SIGMA, "
    "kv:GET_FRACTION:SCAN_LEN:KEYS:uniform, kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S "
    "(T, MEAN, SHORT, LONG with a unit ns or us, e.g. bimodal:0.005:0.5us:500us)";

// ---- Rng ----------------------------------------------------------------------------------

Rng::Rng(uint64_t seed)
{
    uint64_t st = seed;
    for (auto &w : s)
        w = splitmix64(st);
}

uint64_t
Rng::next()
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double
Rng::uniform()
{
    return double(next() >> 11) * 0x1.0p-53;
}

double
Rng::uniformOpen()
{
    return double((next() >> 11) + 1) * 0x1.0p-53;
}

uint64_t
Rng::below(uint64_t n)
{
    // Reject the lowest (2^64 mod n) values so that every residue is equally likely.
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
        const uint64_t r = next();
        if (r >= threshold)
            return r % n;
    }
}

double
Rng::normal()
{
    const double u1 = uniformOpen();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// ---- parsing ------------------------------------------------------------------------------

double
WorkloadSpec::meanTicks() const
{
    switch (type) {
      case Type::Fixed:
      case Type::Exp:
      case Type::Lognormal:
        return a;
      case Type::Bimodal:
        return (1 - a) * b + a * c;
      case Type::Kv:
        return 0;
    }
    return 0;
}

std::string
parseWorkload(const std::string &text, double ticksPerNs, WorkloadSpec &out)
{
    const std::vector<std::string> p = split(text, ':');
    const std::string &name = p[0];
    auto wrongArity = [&](const char *form) {
        return "workload `" + text + "`: " + name + " takes the form " + form;
    };
    auto fail = [&](const std::string &why) { return "workload `" + text + "`: " + why; };
    WorkloadSpec w;
    std::string err;
    if (name == "fixed" || name == "exp") {
        if (p.size() != 2)
            return wrongArity(name == "fixed" ? "fixed:T" : "exp:MEAN");
        w.type = name == "fixed" ? WorkloadSpec::Type::Fixed : WorkloadSpec::Type::Exp;
        if (!(err = parseDuration(p[1], name == "fixed" ? "T" : "MEAN", ticksPerNs, w.a)).empty())
            return fail(err);
    } else if (name == "bimodal") {
        if (p.size() != 4)
            return wrongArity("bimodal:P:SHORT:LONG");
        w.type = WorkloadSpec::Type::Bimodal;
        if (!(err = parseFraction(p[1], "P", w.a)).empty() ||
            !(err = parseDuration(p[2], "SHORT", ticksPerNs, w.b)).empty() ||
            !(err = parseDuration(p[3], "LONG", ticksPerNs, w.c)).empty())
            return fail(err);
    } else if (name == "lognormal") {
        if (p.size() != 3)
            return wrongArity("lognormal:MEAN:SIGMA");
        w.type = WorkloadSpec::Type::Lognormal;
        if (!(err = parseDuration(p[1], "MEAN", ticksPerNs, w.a)).empty())
            return fail(err);
        if (!parseNumber(p[2], w.b) || !(w.b > 0) || w.b > 4)
            return fail("SIGMA `" + p[2] + "` is not a number in (0, 4]");
    } else if (name == "kv") {
        if (p.size() < 5)
            return wrongArity("kv:GET_FRACTION:SCAN_LEN:KEYS:uniform or "
                              "kv:GET_FRACTION:SCAN_LEN:KEYS:zipf:S");
        w.type = WorkloadSpec::Type::Kv;
        if (!(err = parseFraction(p[1], "GET_FRACTION", w.getFraction)).empty())
            return fail(err);
        w.a = 0;
        if (!parseCount(p[2], w.scanLen) || w.scanLen == 0)
            return fail("SCAN_LEN `" + p[2] + "` is not a positive integer");
        if (!parseCount(p[3], w.keys) || w.keys == 0)
            return fail("KEYS `" + p[3] + "` is not a positive integer");
        if (p[4] == "uniform" && p.size() == 5) {
            w.zipf = false;
        } else if (p[4] == "zipf" && p.size() == 6) {
            w.zipf = true;
            if (!parseNumber(p[5], w.zipfS) || !(w.zipfS > 0) || w.zipfS > 10)
                return fail("zipf S `" + p[5] + "` is not a number in (0, 10]");
            if (w.keys > MAX_ZIPF_KEYS) {
                std::ostringstream os;
                os << "zipf keys are limited to " << MAX_ZIPF_KEYS << " (KEYS is " << w.keys
                   << ")";
                return fail(os.str());
            }
        } else {
            return fail("the key distribution `" + p[4] +
                        (p.size() > 5 ? ":" + p[5] : std::string()) +
                        "` is not one of: uniform, zipf:S");
        }
    } else {
        return "unknown workload `" + text + "`; the choices are " + WORKLOAD_FORMS;
    }
    out = w;
    return "";
}

// ---- Workload -----------------------------------------------------------------------------

Workload::Workload(const WorkloadSpec &spec, uint64_t seed)
    : spec_(spec), rng(seed ^ 0x776f726b6c6f6164ULL) // "workload": its own stream
{
    if (spec.type == WorkloadSpec::Type::Kv && spec.zipf) {
        zipfCdf.resize(spec.keys);
        double sum = 0;
        for (uint64_t r = 1; r <= spec.keys; ++r) {
            sum += std::pow(double(r), -spec.zipfS);
            zipfCdf[r - 1] = sum;
        }
        for (auto &c : zipfCdf)
            c /= sum;
        zipfCdf.back() = 1.0; // no rounding gap above the last rank
    }
}

uint64_t
Workload::drawKey()
{
    if (!spec_.zipf)
        return rng.below(spec_.keys);
    // The key is the rank - 1: key 0 is the most popular.
    const double u = rng.uniform();
    return uint64_t(std::upper_bound(zipfCdf.begin(), zipfCdf.end(), u) - zipfCdf.begin());
}

Draw
Workload::draw()
{
    Draw d;
    using T = WorkloadSpec::Type;
    switch (spec_.type) {
      case T::Fixed:
        d.serviceTicks = spec_.a;
        break;
      case T::Exp:
        d.serviceTicks = -spec_.a * std::log(rng.uniformOpen());
        break;
      case T::Bimodal:
        d.serviceTicks = rng.uniform() < spec_.a ? spec_.c : spec_.b;
        break;
      case T::Lognormal: {
        // MEAN is the distribution's mean: mu = ln(MEAN) - sigma^2 / 2.
        const double sigma = spec_.b;
        const double mu = std::log(spec_.a) - sigma * sigma / 2;
        d.serviceTicks = std::exp(mu + sigma * rng.normal());
        break;
      }
      case T::Kv:
        if (rng.uniform() < spec_.getFraction) {
            d.kind = Kind::Get;
        } else {
            d.kind = Kind::Scan;
            d.scanLen = spec_.scanLen;
        }
        d.key = drawKey();
        break;
    }
    return d;
}

// ---- Arrivals -----------------------------------------------------------------------------

Arrivals::Arrivals(bool poisson_, double rate, double ticksPerSecond, uint64_t seed)
    : poisson(poisson_), meanGap(ticksPerSecond / rate),
      rng(seed ^ 0x6172726976616c73ULL) // "arrivals": its own stream
{
}

double
Arrivals::gap()
{
    return poisson ? -meanGap * std::log(rng.uniformOpen()) : meanGap;
}

} // namespace loadgen_nic
