#include "server/metrics.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace hexa {

const std::vector<MetricFamily>& metric_families() {
  static const std::vector<MetricFamily> table = {
      {"hexa_build_info", "gauge", "Always 1; the server's version in its label"},
      {"hexa_jobs", "gauge", "Jobs that wait or run, by state (pending, running) and tenant class"},
      {"hexa_jobs_ended_total", "counter", "Jobs that ended since the server started, by final state"},
      {"hexa_gpus", "gauge", "GPUs by site and state (busy, free, reserved, down, draining)"},
      {"hexa_queue_length", "gauge", "Pending jobs by the site they asked for (any: no site)"},
      {"hexa_queue_oldest_wait_seconds", "gauge", "How long the oldest pending job has waited, by site asked for"},
      {"hexa_scheduling_pass_seconds", "histogram", "One scheduling pass (the batch's Schedule)"},
      {"hexa_journal_commit_seconds", "histogram", "One journal append: the batch in one transaction, one fsync"},
      {"hexa_snapshot_seconds", "histogram", "One snapshot written"},
      {"hexa_api_requests_total", "counter", "API requests by route pattern and status code"},
      {"hexa_agents_registered", "gauge", "Nodes whose agent holds a current registration"},
      {"hexa_agent_heartbeat_age_seconds", "gauge", "Time since each registered node's agent was last heard"},
      {"hexa_nodes_lost_total", "counter", "Nodes lost (agent silent past the grace, or leaving) since the server started"},
      {"hexa_credits_consumed_total", "counter", "Credits consumed (usage less refunds), by tenant class"},
      {"hexa_credits_balance", "gauge", "Credits balance, by tenant class"},
      {"hexa_ledger_faults_total", "counter", "Money operations that failed (should stay 0)"},
      {"hexa_journal_bytes", "gauge", "Size of the journal database and its WAL"},
      {"hexa_replica_leader", "gauge", "1 when this server leads (holds the journal's lease, or the journal is not shared), 0 when it follows"},
      {"hexa_replica_epoch", "gauge", "The epoch of the journal's lease as this server last saw it (1 without a shared journal)"},
      {"hexa_replica_behind_rows", "gauge", "A follower: journal rows not yet applied here (0 on the leader)"},
      {"hexa_replica_behind_seconds", "gauge", "A follower: how long it has not been caught up with the journal (0 when it is)"},
      {"hexa_replica_failovers_total", "counter", "Leaderships this server took from a follower's seat (the last leader's lease lapsed)"},
  };
  return table;
}

std::string family_header(std::string_view name) {
  for (const MetricFamily& f : metric_families())
    if (name == f.name)
      return "# HELP " + std::string(name) + " " + f.help + "\n# TYPE " + std::string(name) + " " + f.type + "\n";
  // Unlisted: no HELP, so that `promtool check metrics` (tests/e2e/metrics_test.cc) fails.
  return "# TYPE " + std::string(name) + " untyped\n";
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::vector<std::string> metric_names_in(std::string_view expr) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  std::vector<std::string> out;
  for (std::size_t i = expr.find("hexa_"); i != std::string_view::npos; i = expr.find("hexa_", i)) {
    if (i > 0 && word(expr[i - 1])) {  // inside another word
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < expr.size() && word(expr[end])) ++end;
    std::string name(expr.substr(i, end - i));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view s = suffix;
      if (!name.ends_with(s)) continue;
      std::string base = name.substr(0, name.size() - s.size());
      for (const MetricFamily& f : metric_families())
        if (base == f.name && std::string_view(f.type) == "histogram") name = base;
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    i = end;
  }
  return out;
}

void LatencyHistogram::observe_us(std::int64_t us) {
  std::lock_guard lock(mu_);
  double s = static_cast<double>(us) / 1e6;
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (s <= kBounds[i]) ++counts_[i];
  ++count_;
  sum_us_ += us;
}

std::string LatencyHistogram::render(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::string out = family_header(name);
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

void ServerMetrics::count_ended(const std::string& state) {
  std::lock_guard lock(mu_);
  ++ended_[state];
}

std::map<std::string, std::uint64_t> ServerMetrics::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

std::string ServerMetrics::render_requests() const {
  std::lock_guard lock(mu_);
  std::string out = family_header("hexa_api_requests_total");
  for (const auto& [key, n] : requests_)
    out += "hexa_api_requests_total{route=\"" + label_value(key.first) + "\",code=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  return out;
}

}  // namespace hexa
