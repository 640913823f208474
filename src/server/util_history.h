// Utilisation and queue length over the last hours, for the console's overview: the server
// takes a sample once a minute (its own thread) into a bounded ring, so the page reads a
// day of history without touching the jobs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "model/units.h"

namespace hexa {

struct UtilSample {
  TimeMs at_ms = 0;  // wall clock
  int busy_gpus = 0, total_gpus = 0, down_gpus = 0;
  int running_jobs = 0, pending_jobs = 0;
  double power_kw = -1;  // the busy GPUs' power at the wall (server/site_power.h); -1: unknown
};

class UtilHistory {
 public:
  explicit UtilHistory(std::size_t capacity = 24 * 60) : capacity_(capacity) {}
  ~UtilHistory() { stop(); }
  UtilHistory(const UtilHistory&) = delete;
  UtilHistory& operator=(const UtilHistory&) = delete;

  void add(const UtilSample& s);
  // Oldest first, at most `capacity` of them.
  std::vector<UtilSample> samples() const;

  // Calls `take` now and then every `every` on a thread of its own, until stop().
  void start(std::function<UtilSample()> take, DurationMs every);
  void stop();

 private:
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::vector<UtilSample> ring_;
  std::size_t next_ = 0;  // where the next sample goes once the ring is full
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hexa
