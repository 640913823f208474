// A tenant: who owns jobs. Its weight sets its fair share.
#pragma once

#include <string>

#include "model/units.h"

namespace hexa {

struct Tenant {
  std::string name;
  int weight = 1;
  // Fair-share usage in GPU-ms, decayed to `usage_at`; kept apart from money.
  GpuMs usage = 0;
  TimeMs usage_at = 0;
  int running_gpus = 0;
};

}  // namespace hexa
