/*
 * CoroSchedSource: an ArmInterruptPin that drives a CoroSched event source instead of a GIC
 * interrupt, so that another device's interrupt line becomes an event source of the binding
 * table ("event sources are interrupt lines of other devices").
 */

#ifndef __CORO_SCHED_SOURCE_PIN_HH__
#define __CORO_SCHED_SOURCE_PIN_HH__

#include "dev/arm/base_gic.hh"
#include "params/CoroSchedSource.hh"

namespace gem5
{

class CoroSched;

/** The pin: a rising edge (raise() while inactive) fires the source. */
class CoroSchedSourcePin : public ArmInterruptPin
{
  public:
    CoroSchedSourcePin(const CoroSchedSourceParams &p);

    void raise() override;
    void clear() override;

  private:
    CoroSched *const sched;
    const unsigned source;
};

/** The generator gem5 instantiates for a Param.ArmInterruptPin. */
class CoroSchedSourceGen : public ArmInterruptPinGen
{
  public:
    PARAMS(CoroSchedSource);
    CoroSchedSourceGen(const Params &p);

    ArmInterruptPin *get(ThreadContext *tc = nullptr) override;

  private:
    CoroSchedSourcePin pin;
};

} // namespace gem5

#endif // __CORO_SCHED_SOURCE_PIN_HH__
