#include "server/metrics.h"

#include <cstdio>

namespace hexa {

void LatencyHistogram::observe_us(std::int64_t us) {
  std::lock_guard lock(mu_);
  double s = static_cast<double>(us) / 1e6;
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (s <= kBounds[i]) ++counts_[i];
  ++count_;
  sum_us_ += us;
}

std::string LatencyHistogram::render(const std::string& name, const std::string& help) const {
  std::lock_guard lock(mu_);
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  char buf[64];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%g", kBounds[i]);
    out += name + "_bucket{le=\"" + buf + "\"} " + std::to_string(counts_[i]) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(sum_us_) / 1e6);
  out += name + "_sum " + buf + "\n" + name + "_count " + std::to_string(count_) + "\n";
  return out;
}

void ServerMetrics::count_request(const std::string& route, int code) {
  std::lock_guard lock(mu_);
  ++requests_[{route, code}];
}

std::string ServerMetrics::render_requests() const {
  std::lock_guard lock(mu_);
  std::string out = "# HELP hexa_api_requests_total API requests by route and status code\n"
                    "# TYPE hexa_api_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "hexa_api_requests_total{route=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  return out;
}

}  // namespace hexa
