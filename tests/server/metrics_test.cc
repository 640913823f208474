// The metric families' names (Prometheus conventions), the text format's escaping, and the
// deploy/ files: the Grafana dashboard's queries use only metrics the server exports, from the
// list in code (tests/e2e/metrics_test.cc checks the live /metrics exports that whole list).
#include "server/metrics.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/request_id.h"

namespace hexa {
namespace {

using Json = nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MetricFamilies, FollowPrometheusConventions) {
  std::set<std::string> seen;
  for (const MetricFamily& f : metric_families()) {
    const std::string name = f.name, type = f.type;
    EXPECT_TRUE(seen.insert(name).second) << name << " twice";
    EXPECT_TRUE(std::regex_match(name, std::regex("hexa_[a-z0-9_]+"))) << name;
    EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << name;
    EXPECT_EQ(type == "counter", name.ends_with("_total")) << name << ": _total for counters, only them";
    for (const char* unit : {"_ms", "_milliseconds", "_micro", "_kb", "_mb", "_minutes", "_hours"})
      EXPECT_EQ(name.find(unit), std::string::npos) << name << ": base units (seconds, bytes)";
    EXPECT_FALSE(std::string(f.help).empty()) << name;
    EXPECT_EQ(family_header(name), "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n");
  }
  EXPECT_EQ(family_header("hexa_not_listed"), "# TYPE hexa_not_listed untyped\n");  // no HELP: promtool fails
}

TEST(MetricFamilies, LabelValuesAreEscaped) {
  EXPECT_EQ(label_value("paris"), "paris");
  EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(MetricFamilies, NamesInAQuery) {
  EXPECT_EQ(metric_names_in("histogram_quantile(0.99, sum by (le) (rate(hexa_scheduling_pass_seconds_bucket[5m])))"),
            std::vector<std::string>{"hexa_scheduling_pass_seconds"});
  EXPECT_EQ(metric_names_in("sum(hexa_gpus{state=\"busy\"}) / sum(hexa_gpus) + hexa_nope_total"),
            (std::vector<std::string>{"hexa_gpus", "hexa_nope_total"}));
  EXPECT_EQ(metric_names_in("hexa_gpus_count"), std::vector<std::string>{"hexa_gpus_count"});  // not a histogram
  EXPECT_EQ(metric_names_in("my_hexa_x + 1"), std::vector<std::string>{});
}

TEST(MetricFamilies, HistogramRendersBucketsSumAndCount) {
  LatencyHistogram h;
  h.observe_us(200);     // 0.2 ms
  h.observe_us(30'000);  // 30 ms
  const std::string text = h.render("hexa_journal_commit_seconds");
  EXPECT_EQ(text.rfind(family_header("hexa_journal_commit_seconds"), 0), 0u) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_bucket{le=\"0.0001\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_bucket{le=\"0.00025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_bucket{le=\"0.05\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_sum 0.030200\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hexa_journal_commit_seconds_count 2\n"), std::string::npos) << text;
}

// Every expression of every panel (rows' panels included).
void collect_exprs(const Json& panels, std::vector<std::pair<std::string, std::string>>* out) {
  for (const Json& p : panels) {
    if (p.contains("panels")) collect_exprs(p["panels"], out);
    for (const Json& t : p.value("targets", Json::array())) out->push_back({p.value("title", "?"), t.value("expr", "")});
  }
}

TEST(Deploy, GrafanaDashboardQueriesOnlyExportedMetrics) {
  const std::string text = slurp(HEXA_SOURCE_DIR "/deploy/grafana/hexagone.json");
  ASSERT_FALSE(text.empty());
  const Json d = Json::parse(text, nullptr, false);
  ASSERT_TRUE(d.is_object()) << "deploy/grafana/hexagone.json is not JSON";
  EXPECT_FALSE(d.value("title", "").empty());
  EXPECT_FALSE(d.value("uid", "").empty());
  // The datasource is a variable, so that the dashboard imports into any Grafana.
  bool ds_var = false;
  for (const Json& v : d["templating"]["list"]) ds_var |= v.value("type", "") == "datasource" && v.value("name", "") == "datasource";
  EXPECT_TRUE(ds_var) << "no templating variable `datasource` of type datasource";
  std::set<std::string> exported;
  for (const MetricFamily& f : metric_families()) exported.insert(f.name);
  std::vector<std::pair<std::string, std::string>> exprs;
  collect_exprs(d["panels"], &exprs);
  EXPECT_GE(exprs.size(), 12u);
  std::set<std::string> used;
  for (const auto& [title, expr] : exprs) {
    const auto names = metric_names_in(expr);
    EXPECT_FALSE(names.empty()) << title << ": " << expr;
    for (const std::string& n : names) {
      EXPECT_TRUE(exported.count(n)) << title << ": " << n << " is not a metric the server exports";
      used.insert(n);
    }
  }
  for (const Json& p : d["panels"]) {
    if (p.value("type", "") == "row") continue;
    EXPECT_EQ(p["datasource"].value("uid", ""), "${datasource}") << p.value("title", "?");
  }
  // The panels an operator needs (the list) have their metrics on the dashboard.
  for (const char* n : {"hexa_gpus", "hexa_queue_length", "hexa_queue_oldest_wait_seconds", "hexa_jobs",
                        "hexa_scheduling_pass_seconds", "hexa_journal_commit_seconds", "hexa_api_requests_total",
                        "hexa_agents_registered", "hexa_agent_heartbeat_age_seconds", "hexa_credits_consumed_total"})
    EXPECT_TRUE(used.count(n)) << n << " on no panel";
}

TEST(Deploy, PrometheusScrapeConfigScrapesTheServer) {
  const std::string text = slurp(HEXA_SOURCE_DIR "/deploy/prometheus.yml");
  EXPECT_NE(text.find("scrape_configs:"), std::string::npos) << text;
  EXPECT_NE(text.find("metrics_path: /metrics"), std::string::npos) << text;
  EXPECT_NE(text.find("# scheme: https"), std::string::npos) << "TLS, commented: " << text;
}

TEST(RequestId, WellFormedOnly) {
  for (const char* ok : {"a", "req-1.2_3", "ABCdef0123456789"}) EXPECT_TRUE(check_request_id(ok).ok()) << ok;
  EXPECT_TRUE(check_request_id(std::string(64, 'x')).ok());
  for (const std::string& bad : {std::string(), std::string(65, 'x'), std::string("a b"), std::string("a/b"),
                                 std::string("a\nb"), std::string("\xc3\xa9")}) {
    Status st = check_request_id(bad);
    EXPECT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.message().rfind("X-Request-Id: ", 0), 0u) << st.message();
  }
  const std::string a = new_request_id(), b = new_request_id();
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{16}"))) << a;
  EXPECT_TRUE(check_request_id(a).ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace hexa
