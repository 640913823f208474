// The request id end to end (docs/observability.md): a submit with X-Request-Id gets it back
// in the answer, the server's JSON log line of the request has it, the journal row of the
// submit keeps it (beside the Idempotency-Key, which still works), and the agent's JSON log
// line for the job's start has it; a cancel's id reaches the agent's line for the stop. A bad
// X-Request-Id is refused (400 naming the header) and changes nothing.
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "store/journal.h"

namespace hexa::testing {
namespace {

// The log's lines that are JSON objects; `all_json` false when some line is not one.
std::vector<Json> json_lines(const std::string& log, bool* all_json) {
  std::vector<Json> out;
  std::istringstream in(log);
  *all_json = true;
  for (std::string line; std::getline(in, line);) {
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object()) *all_json = false;
    else out.push_back(std::move(j));
  }
  return out;
}

// The first line of the log with these string fields, waiting for it up to 15 s.
Json wait_line(const std::function<std::string()>& log, const std::map<std::string, std::string>& fields,
               const std::string& msg_part) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    bool all_json = false;
    for (const Json& j : json_lines(log(), &all_json)) {
      bool match = j.value("msg", "").find(msg_part) != std::string::npos;
      for (const auto& [k, v] : fields) match = match && j.contains(k) && j[k].is_string() && j[k] == v;
      if (match) return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

TEST(RequestId, FromTheApiToTheJournalAndTheAgent) {
  auto cloud = LiveCloud::start(small_cloud(1, 2), {"--log-format", "json"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
  const std::string member = cloud->token("member", "acme");
  cloud->start_agent("n0", 2, "gpu", {"--log-format", "json"});
  ASSERT_TRUE(cloud->wait_node_up("n0")) << cloud->agent_log("n0");

  // Bad ids: 400 naming the header, nothing made.
  const Json sleep_job = {{"command", {"sleep", "60"}}};
  for (const std::string& bad : {std::string("has space"), std::string("a/b"), std::string(65, 'x'), std::string("semi;colon")}) {
    Answer a = cloud->call("POST", "/v1/jobs", sleep_job, member, {{"X-Request-Id", bad}});
    EXPECT_EQ(a.status, 400) << bad << ": " << a.body;
    EXPECT_EQ(a.json.value("field", ""), "X-Request-Id") << a.body;
    EXPECT_NE(a.json.value("detail", "").find("X-Request-Id"), std::string::npos) << a.body;
  }
  EXPECT_EQ(cloud->as_admin("GET", "/v1/jobs").json["jobs"].size(), 0u);
  // None given: one made, 16 hex digits.
  EXPECT_TRUE(std::regex_match(cloud->call("GET", "/healthz").headers["x-request-id"], std::regex("[0-9a-f]{16}")));

  Answer sub = cloud->call("POST", "/v1/jobs", sleep_job, member, {{"X-Request-Id", "e2e-submit.1"}, {"Idempotency-Key", "k1"}});
  ASSERT_EQ(sub.status, 201) << sub.body;
  EXPECT_EQ(sub.headers["x-request-id"], "e2e-submit.1");
  const std::int64_t id = sub.json["id"];
  Answer again = cloud->call("POST", "/v1/jobs", sleep_job, member, {{"X-Request-Id", "e2e-submit.2"}, {"Idempotency-Key", "k1"}});
  EXPECT_EQ(again.status, 200) << again.body;  // the same key: the same job, whatever the request id
  EXPECT_EQ(again.json["id"], id);

  auto agent_log = [&] { return cloud->agent_log("n0"); };
  Json started = wait_line(agent_log, {{"request_id", "e2e-submit.1"}}, "started");
  ASSERT_TRUE(started.is_object()) << agent_log();
  EXPECT_EQ(started.value("level", ""), "info");
  EXPECT_EQ(started.value("prog", ""), "hexa agent");
  EXPECT_NE(started.value("msg", "").find("job " + std::to_string(id) + "-"), std::string::npos) << started;

  Answer cancel = cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, member, {{"X-Request-Id", "e2e-cancel"}});
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_TRUE(wait_line(agent_log, {{"request_id", "e2e-cancel"}}, "stopping").is_object()) << agent_log();

  auto server_log = [&] { return cloud->server_log(); };
  Json logged = wait_line(server_log, {{"request_id", "e2e-submit.1"}, {"method", "POST"}, {"route", "/v1/jobs"}}, "request");
  ASSERT_TRUE(logged.is_object()) << server_log();
  EXPECT_EQ(logged.value("status", 0), 201);
  EXPECT_TRUE(std::regex_match(logged.value("ts", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << logged;

  cloud->kill_server(SIGTERM);
  bool all_json = false;
  json_lines(cloud->server_log(), &all_json);
  EXPECT_TRUE(all_json) << cloud->server_log();
  json_lines(cloud->agent_log("n0"), &all_json);
  EXPECT_TRUE(all_json) << cloud->agent_log("n0");

  // The journal: the submit's row has the id beside how to run it, and its Idempotency-Key in
  // its own column; the cancel's row has its id.
  auto journal = Journal::open(cloud->dir() + "/state");
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  int submits = 0, cancels = 0;
  ASSERT_TRUE((*journal)->read(0, [&](const JournalEntry& e) {
    if (e.command.find("\"request_id\":\"e2e-submit.1\"") != std::string::npos) {
      ++submits;
      EXPECT_NE(e.command.find("submit_job"), std::string::npos) << e.command;
      EXPECT_EQ(e.request_id, "acme\nk1");
    }
    if (e.command.find("\"request_id\":\"e2e-cancel\"") != std::string::npos) {
      ++cancels;
      EXPECT_NE(e.command.find("cancel"), std::string::npos) << e.command;
    }
    return Status::Ok();
  }).ok());
  EXPECT_EQ(submits, 1);
  EXPECT_EQ(cancels, 1);
  journal->reset();
  // Replayed, the rows give the same state.
  ASSERT_TRUE(cloud->restart_server());
  EXPECT_TRUE(state_is(cloud->wait_job(id, ended_state), "cancelled"));
}

}  // namespace
}  // namespace hexa::testing
