/*
 * CoroSchedSource: another device's interrupt line as a CoroSched event source.
 */

#include "coro_sched/source_pin.hh"

#include "base/logging.hh"
#include "coro_sched/coro_sched.hh"
#include "coro_sched/coro_sched_regs.hh"

namespace gem5
{

CoroSchedSourcePin::CoroSchedSourcePin(const CoroSchedSourceParams &p)
    : ArmInterruptPin(p, nullptr), sched(p.sched), source(p.source)
{
    fatal_if(!sched, "%s: no CoroSched given", p.name);
    fatal_if(source >= coro_sched::regs::DEV_NUM_SOURCES,
             "%s: source %u out of range (the device has %u sources)", p.name, source,
             coro_sched::regs::DEV_NUM_SOURCES);
}

void
CoroSchedSourcePin::raise()
{
    if (_active)
        return; // level already high: no new edge
    _active = true;
    sched->sourceFired(source);
}

void
CoroSchedSourcePin::clear()
{
    _active = false;
}

CoroSchedSourceGen::CoroSchedSourceGen(const Params &p)
    : ArmInterruptPinGen(p), pin(p)
{
}

ArmInterruptPin *
CoroSchedSourceGen::get(ThreadContext *tc)
{
    (void)tc;
    return &pin;
}

} // namespace gem5
