// Exponential decay in integers: value x 2^(-dt/half_life), the same on every machine.
#pragma once

#include "model/tenant.h"
#include "model/units.h"

namespace hexa {

// REQUIRES: value >= 0, dt >= 0, half_life > 0.
GpuMs decay(GpuMs value, DurationMs dt, DurationMs half_life);

// Brings a tenant's fair-share usage up to `now`: decays what was there and adds the GPU time
// its running jobs used since. Call before changing running_gpus.
void charge_usage(Tenant& t, TimeMs now, DurationMs half_life);

}  // namespace hexa
