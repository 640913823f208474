#include "sim/parallel_host.h"

#include <atomic>

namespace hexa {
namespace {

// Atomic: a test may flip it while no run is going, and runs on other threads read it.
std::atomic<bool> on_{true};

}  // namespace

bool parallel_host() { return on_.load(std::memory_order_relaxed); }
void set_parallel_host(bool on) { on_.store(on, std::memory_order_relaxed); }

}  // namespace hexa
