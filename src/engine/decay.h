// Exponential decay of fair-share usage in integers: value x 2^(-dt/half_life), the same on
// every machine, and the same however often it is brought up to date.
#pragma once

#include "model/tenant.h"
#include "model/units.h"

namespace hexa {

// Brings a tenant's fair-share usage up to `now`: adds the GPU time its running jobs used since
// and decays it. Decay happens on a fixed grid of 1/1024 of a half-life: at each grid time
// crossed, the usage (with the GPU time added up to then) is multiplied by 2^(-1/1024). So the
// usage at any time depends only on what ran when, not on when it was charged: charged every
// second or once a week, a waiting tenant's usage is the same. (Decaying by the time since the
// last charge instead rounds every short interval to no decay at all: a tenant looked at in
// every pass never decayed.) Call before changing running_gpus. REQUIRES: half_life > 0.
void charge_usage(Tenant& t, TimeMs now, DurationMs half_life);

// (usage << 32) / weight, rounded down: what orders tenants by usage per weight (the fair
// policy), exactly. REQUIRES: weight > 0.
Int128 share_quotient(GpuMs usage, int weight);

}  // namespace hexa
