// The agent's clock: monotonic milliseconds (deadlines, grace periods, heartbeats), never the
// wall clock, which may jump under NTP.
#pragma once

#include <chrono>

#include "model/units.h"

namespace hexa {

inline TimeMs agent_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace hexa
