// Prometheus text metrics the server keeps itself: latency histograms and request counters.
// Gauges read from the core (jobs by state, GPUs by site) are added when /metrics renders.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hexa {

class LatencyHistogram {
 public:
  // Bucket bounds in seconds: 0.1 ms .. 10 s.
  static constexpr std::array<double, 12> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   1.0,    10.0};
  void observe_us(std::int64_t us);
  // The histogram's lines in Prometheus text format under `name`.
  std::string render(const std::string& name, const std::string& help) const;

 private:
  mutable std::mutex mu_;
  std::array<std::uint64_t, kBounds.size()> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t sum_us_ = 0;
};

class ServerMetrics {
 public:
  LatencyHistogram pass;      // one scheduling pass
  LatencyHistogram commit;    // one journal append (group commit)
  LatencyHistogram snapshot;  // one snapshot written
  void count_request(const std::string& route, int code);
  std::string render_requests() const;
  void count_fault() { faults_.fetch_add(1); }
  std::uint64_t faults() const { return faults_.load(); }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::atomic<std::uint64_t> faults_{0};  // LedgerFault effects: should stay 0
};

}  // namespace hexa
