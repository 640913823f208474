// End to end, estimated start times (issue 14): a job queued behind a running one gets the
// backfill reservation's time (on one node of 4 GPUs, 2 of them busy) in GET /v1/jobs/{id} and the list, `hexa show` prints it, and
// `hexa queue` has a START column; a job that does not wait has null fields. The submit's 201
// answer leaves the estimate to a GET (no walk of the queue per batch of submits).
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

TEST(Estimate, QueuedJobShowsWhenItStarts) {
  auto cloud = LiveCloud::start(small_cloud(1, 4), {"--stop-grace-s", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  const std::string acme = cloud->token("member", "acme");
  cloud->start_agent("n0", 4);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  Json answer;  // the last submit's 201 answer
  auto submit = [&](int gpus, int limit_s) {
    Answer a = cloud->call("POST", "/v1/jobs",
                           {{"gpus", gpus}, {"time_limit_s", limit_s}, {"command", {"sleep", "120"}}}, acme);
    EXPECT_EQ(a.status, 201) << a.body;
    answer = a.json;
    return a.json.is_object() ? a.json.value("id", std::int64_t{-1}) : -1;
  };
  const std::int64_t first = submit(2, 600);
  Json running = cloud->wait_job(first, [](const Json& j) { return state_is(j, "running"); });
  ASSERT_TRUE(state_is(running, "running")) << running.dump();
  EXPECT_TRUE(running["estimated_start_ms"].is_null()) << running.dump();
  EXPECT_TRUE(running["estimated_start_note"].is_null()) << running.dump();

  // 4 GPUs: not with 2 free; it holds the backfill reservation for the first job's limit.
  const std::int64_t second = submit(4, 60);
  // The submit's answer does not walk the queue for it (no GET has since the pass): it says where.
  ASSERT_TRUE(state_is(answer, "pending")) << answer.dump();
  EXPECT_TRUE(answer["estimated_start_ms"].is_null()) << answer.dump();
  EXPECT_EQ(answer["estimated_start_note"], "unknown: not worked out in a submit's answer (GET the job for it)");
  Json waiting = cloud->wait_job(second, [](const Json& j) {
    return state_is(j, "pending") && j["estimated_start_ms"].is_number_integer();
  });
  ASSERT_TRUE(waiting["estimated_start_ms"].is_number_integer()) << waiting.dump();
  EXPECT_EQ(waiting["estimated_start_ms"].get<std::int64_t>(), running["started_ms"].get<std::int64_t>() + 600'000);
  EXPECT_EQ(waiting["estimated_start_note"], "backfill reservation");

  Answer list = cloud->call("GET", "/v1/jobs?state=pending", nullptr, acme);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["jobs"].size(), 1u) << list.body;
  EXPECT_EQ(list.json["jobs"][0]["estimated_start_ms"], waiting["estimated_start_ms"]);

  std::string out, err;
  ASSERT_EQ(cloud->hexa({"show", std::to_string(second)}, acme, &out, &err), 0) << err;
  EXPECT_NE(out.find("estimated start: "), std::string::npos) << out;
  EXPECT_NE(out.find("; backfill reservation)"), std::string::npos) << out;
  ASSERT_EQ(cloud->hexa({"queue"}, acme, &out, &err), 0) << err;
  EXPECT_NE(out.find("START"), std::string::npos) << out;
  EXPECT_NE(out.find(" in "), std::string::npos) << out;  // "in 9m" or so: the machine may be slow

  for (std::int64_t id : {second, first})
    EXPECT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme).status, 200);
}

}  // namespace
}  // namespace hexa::testing
