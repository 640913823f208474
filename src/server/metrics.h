// Prometheus text metrics (docs/observability.md). The server keeps latency histograms and
// counters itself; gauges read from the core (jobs, GPUs, queues, agents, credits) are added
// when /metrics renders (server/metrics_render.h). Every family the server exports is listed
// once in metric_families(), with its type and help: the renderer takes its HELP and TYPE lines
// from there, and tests check the Grafana dashboard's queries against it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hexa {

struct MetricFamily {
  const char* name;  // hexa_..., base units (seconds, bytes), counters end in _total
  const char* type;  // counter | gauge | histogram
  const char* help;
};
const std::vector<MetricFamily>& metric_families();
// "# HELP name ...\n# TYPE name ...\n" from metric_families(). REQUIRES: name is listed there.
std::string family_header(std::string_view name);
// A label value as the text format wants it: backslash, double quote and newline escaped.
std::string label_value(std::string_view v);
// The series names a query expression uses: every hexa_... identifier in it, with the
// _bucket/_sum/_count suffixes of histograms taken off (for checking dashboards).
std::vector<std::string> metric_names_in(std::string_view expr);

class LatencyHistogram {
 public:
  // Bucket bounds in seconds: 0.1 ms .. 10 s.
  static constexpr std::array<double, 12> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   1.0,    10.0};
  void observe_us(std::int64_t us);
  // The histogram's lines in Prometheus text format under `name` (HELP and TYPE from the table).
  std::string render(const std::string& name) const;

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
  void count_node_lost() { nodes_lost_.fetch_add(1); }
  std::uint64_t nodes_lost() const { return nodes_lost_.load(); }
  void count_ended(const std::string& state);  // a job ended (live, not replayed)
  std::map<std::string, std::uint64_t> ended() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::atomic<std::uint64_t> faults_{0};      // LedgerFault effects: should stay 0
  std::atomic<std::uint64_t> nodes_lost_{0};  // nodes lost since this process started
  std::map<std::string, std::uint64_t> ended_;  // jobs ended since this process started, by state
};

}  // namespace hexa
