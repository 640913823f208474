// hexa logs: read by offset until drained; --follow polls every 500 ms until the job has ended
// and its log is drained.
#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

HttpResponse chunk(const std::string& text, long size, const std::string& state) {
  HttpResponse r = answer(200, text, "text/plain");
  r.headers = {{"X-Hexa-Log-Size", std::to_string(size)}, {"X-Hexa-Job-State", state}};
  return r;
}

TEST(Logs, PrintsTheLogOnce) {
  FakeServer server;
  TestIo t;
  server.reply(chunk("hello\n", 6, "running"));
  ASSERT_EQ(run(server, t, {"logs", "7"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(server.sent[0].method, "GET");
  EXPECT_EQ(server.sent[0].target, "/v1/jobs/7/logs?stream=stdout&offset=0");
  EXPECT_EQ(t.out.str(), "hello\n");
  EXPECT_TRUE(t.sleeps.empty());
}

TEST(Logs, ReadsOneRankOfAMultiNodeJob) {
  FakeServer server;
  TestIo t;
  server.reply(chunk("rank 1\n", 7, "finished"));
  ASSERT_EQ(run(server, t, {"logs", "7", "--rank", "1", "--stderr"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(server.sent[0].target, "/v1/jobs/7/logs?stream=stderr&offset=0&rank=1");
  EXPECT_EQ(t.out.str(), "rank 1\n");
  EXPECT_EQ(run(server, t, {"logs", "7", "--rank", "70000"}), 2);
  EXPECT_EQ(server.sent.size(), 1u) << "refused before any request";
}

TEST(Logs, ReadsOnWhileTheServerSentLessThanTheSize) {
  FakeServer server;
  TestIo t;
  server.reply(chunk("abc", 5, "running"));
  server.reply(chunk("de", 5, "running"));
  ASSERT_EQ(run(server, t, {"logs", "7", "--stderr"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(server.sent[0].target, "/v1/jobs/7/logs?stream=stderr&offset=0");
  EXPECT_EQ(server.sent[1].target, "/v1/jobs/7/logs?stream=stderr&offset=3");
  EXPECT_EQ(t.out.str(), "abcde");
  EXPECT_TRUE(t.sleeps.empty());
}

TEST(Logs, FollowPollsUntilTheJobEndedAndTheLogIsDrained) {
  FakeServer server;
  TestIo t;
  server.reply(chunk("", 0, "pending"));
  server.reply(chunk("step 1\n", 7, "running"));
  server.reply(chunk("", 7, "running"));
  server.refuse();  // the server restarts: --follow waits for it
  server.reply(chunk("step 2\n", 20, "finished"));  // ended, but more to read
  server.reply(chunk("done\n", 19, "finished"));    // (a size that says drained)
  ASSERT_EQ(run(server, t, {"logs", "7", "--follow"}), 0) << t.err.str();
  std::vector<std::string> targets;
  for (const Sent& s : server.sent) targets.push_back(s.target);
  EXPECT_EQ(targets, (std::vector<std::string>{
                         "/v1/jobs/7/logs?stream=stdout&offset=0", "/v1/jobs/7/logs?stream=stdout&offset=0",
                         "/v1/jobs/7/logs?stream=stdout&offset=7", "/v1/jobs/7/logs?stream=stdout&offset=7",
                         "/v1/jobs/7/logs?stream=stdout&offset=7", "/v1/jobs/7/logs?stream=stdout&offset=14"}));
  EXPECT_EQ(t.out.str(), "step 1\nstep 2\ndone\n");
  EXPECT_EQ(t.sleeps, (std::vector<int>{500, 500, 500, 500}));
  EXPECT_EQ(t.err.str(), "");
}

TEST(Logs, FollowStopsAtOnceForAnEndedJobWithNothingLeft) {
  FakeServer server;
  TestIo t;
  server.reply(chunk("all\n", 4, "failed"));
  ASSERT_EQ(run(server, t, {"logs", "7", "-f"}), 0);
  EXPECT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(t.out.str(), "all\n");
}

TEST(Logs, HeaderNamesAreCaseInsensitive) {
  FakeServer server;
  TestIo t;
  HttpResponse r = answer(200, "x", "text/plain");
  r.headers = {{"x-hexa-log-size", "1"}, {"x-hexa-job-state", "cancelled"}};
  server.reply(r);
  ASSERT_EQ(run(server, t, {"logs", "7", "--follow"}), 0);
  EXPECT_EQ(server.sent.size(), 1u);
}

TEST(Logs, AMissingJobIsOneLine) {
  FakeServer server;
  TestIo t;
  server.reply(problem(404, "job 7: not found"));
  EXPECT_EQ(run(server, t, {"logs", "7", "--follow"}), 2);
  EXPECT_EQ(t.err.str(), "hexa: job 7: not found (HTTP 404)\n");
  EXPECT_EQ(t.out.str(), "");
}

}  // namespace
}  // namespace hexa::testing
