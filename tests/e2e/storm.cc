#include "e2e/storm.h"

#include <signal.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

namespace hexa::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// An admin's read that keeps to the server's rate limit: it waits as Retry-After says.
Answer admin_get(const Caller& call, const std::string& admin, const std::string& target) {
  Answer a;
  for (int i = 0; i < 100 && (a = call("GET", target, nullptr, admin, {})).status == 429; ++i)
    std::this_thread::sleep_for(std::chrono::seconds(std::max(1, std::atoi(a.headers["retry-after"].c_str()))));
  return a;
}

Answer admin_get(LiveCloud& c, const std::string& target) { return admin_get(caller_of(c), c.admin(), target); }

}  // namespace

Caller caller_of(LiveCloud& c) {
  return [&c](const std::string& method, const std::string& target, const Json& body, const std::string& token,
              const std::vector<std::pair<std::string, std::string>>& headers) {
    return c.call(method, target, body, token, headers);
  };
}

std::string digest(const Caller& call, const std::string& admin) {
  return admin_get(call, admin, "/v1/debug/digest").json.value("digest", "?");
}
std::string digest(LiveCloud& c) { return digest(caller_of(c), c.admin()); }

void Storm::run(int client) {
  for (int k = 0; !stop_; ++k) {
    const std::string key = "c" + std::to_string(client) + "-" + std::to_string(k);
    // The same key until answered: a retry after a crash must not make a second job.
    for (int attempt = 0; !stop_ || attempt > 0; ++attempt) {
      Answer a = call_("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, token_, {{"Idempotency-Key", key}});
      {
        std::lock_guard lock(mu_);
        ++statuses_[a.status];
        if (a.status == 201 || a.status == 200) {
          acked_[key] = a.json["id"].get<std::int64_t>();
          break;
        }
      }
      ++retries_;
      if (attempt > 400) return;  // 20 s without an answer: the test fails on the count
      std::this_thread::sleep_for(50ms);
    }
  }
}

void check_acked(LiveCloud& cloud, const std::map<std::string, std::int64_t>& acked, std::size_t clients) {
  check_acked(caller_of(cloud), cloud.admin(), acked, clients);
}

void check_acked(const Caller& call, const std::string& admin, const std::map<std::string, std::int64_t>& acked,
                 std::size_t clients) {
  std::set<std::int64_t> ids;
  for (const auto& [key, id] : acked) {
    EXPECT_TRUE(ids.insert(id).second) << "two acknowledged keys got job " << id;
    Answer a = admin_get(call, admin, "/v1/jobs/" + std::to_string(id));
    ASSERT_EQ(a.status, 200) << "acknowledged job " << id << " (key " << key << ") lost";
  }
  // Nothing twice: the jobs the server has are the acknowledged ones, plus at most those the
  // clients were still waiting for when the storm stopped (one per client).
  std::size_t total = 0;
  for (std::string cursor;;) {
    Answer page = admin_get(call, admin, "/v1/jobs?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200);
    total += page.json["jobs"].size();
    if (!page.json.contains("next_cursor")) break;
    cursor = page.json["next_cursor"];
  }
  EXPECT_GE(total, acked.size());
  EXPECT_LE(total, acked.size() + clients);
}

void check_fresh_replay(LiveCloud& cloud) {
  Answer d = admin_get(cloud, "/v1/debug/digest");
  EXPECT_EQ(d.json.value("ledger_total_micro", -1), 0) << "the ledger does not balance: " << d.body;
  const std::string before = digest(cloud);
  cloud.kill_server(SIGKILL);
  std::error_code ec;
  fs::rename(cloud.dir() + "/state/snapshots", cloud.dir() + "/snapshots.aside", ec);
  ASSERT_TRUE(cloud.restart_server()) << cloud.server_log();
  EXPECT_EQ(digest(cloud), before) << "a fresh replay of the journal gives another state";
  cloud.kill_server(SIGKILL);
  fs::remove_all(cloud.dir() + "/state/snapshots", ec);
  fs::rename(cloud.dir() + "/snapshots.aside", cloud.dir() + "/state/snapshots", ec);
  ASSERT_TRUE(cloud.restart_server()) << cloud.server_log();
  EXPECT_EQ(digest(cloud), before) << "snapshot + replay gives another state";
}

}  // namespace hexa::testing
