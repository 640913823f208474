// How long to wait before trying an unreachable (or failing) server again: 100 ms, doubling
// up to 2 s, back to 100 ms once it answers.
#pragma once

#include <algorithm>

#include "model/units.h"

namespace hexa {

class Backoff {
 public:
  static constexpr DurationMs kFirst = 100;
  static constexpr DurationMs kMost = 2000;

  // The wait before the next try; each call doubles the one after.
  DurationMs next() {
    DurationMs d = next_;
    next_ = std::min(next_ * 2, kMost);
    return d;
  }
  void reset() { next_ = kFirst; }

 private:
  DurationMs next_ = kFirst;
};

}  // namespace hexa
