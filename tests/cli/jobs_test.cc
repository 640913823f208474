// hexa queue, show, cancel: the requests (targets, cursors), the table and key: value views,
// --json documents, exit codes.
#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

// now (TestIo) is 2025-06-15 15:06:40 UTC = 1'750'000'000'000.
const std::string kRunning =
    R"({"id":9,"name":"train","tenant":"acme","state":"running","reason":"running since 15:00","gpus":2,)"
    R"("gpu_type":"H100","site":"paris","slice":null,"priority":0,"preemptible":true,"time_limit_s":7200,)"
    R"("command":["python","train.py","--note","a b"],"submitted_ms":1749999000000,"started_ms":1749999600000,)"
    R"("ended_ms":null,"segment":1,"restarts":0,"nodes":["n1","n2"],"gpu_indices":[[0,1],[2,3]],)"
    R"("exit_code":null,"credits_micro":1234567})";
const std::string kPending =
    R"({"id":8,"name":"eval","tenant":"acme/ml","state":"pending","reason":"waiting for 4 free H100 GPUs at paris",)"
    R"("gpus":4,"gpu_type":null,"site":null,"slice":null,"submitted_ms":1749999940000,"started_ms":null,)"
    R"("ended_ms":null,"nodes":[],"exit_code":null,"credits_micro":0})";
const std::string kOld =
    R"({"id":3,"name":"old","tenant":"acme","state":"finished","reason":"exit 0","gpus":1,"slice":"1g.10gb",)"
    R"("site":"lyon","submitted_ms":1749990000000,"started_ms":1749990060000,"ended_ms":1749990120000,)"
    R"("nodes":["n3"],"exit_code":0,"credits_micro":5000})";

TEST(Queue, ListsRunningThenPendingFollowingCursorsNewestFirst) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"jobs":[)" + kRunning + R"(],"next_cursor":"c2"})");
  server.reply(200, R"({"jobs":[]})");
  server.reply(200, R"({"jobs":[)" + kPending + "]}");
  ASSERT_EQ(run(server, t, {"queue"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 3u);
  EXPECT_EQ(server.sent[0].method, "GET");
  EXPECT_EQ(server.sent[0].target, "/v1/jobs?state=running&limit=1000");
  EXPECT_EQ(server.sent[1].target, "/v1/jobs?state=running&limit=999&cursor=c2");
  EXPECT_EQ(server.sent[2].target, "/v1/jobs?state=pending&limit=1000");
  EXPECT_EQ(t.out.str(),
            "JOBID  NAME   TENANT   STATE    GPUS    SITE   TIME  START  NODES  REASON\n"
            "9      train  acme     running  2xH100  paris  6:40  -      n1,n2  running since 15:00\n"
            "8      eval   acme/ml  pending  4       -      1:00  ?      -      waiting for 4 free H100 GPUs at paris\n");
}

TEST(Queue, AllIsOneListingAndTheLimitStopsIt) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"jobs":[)" + kRunning + "," + kPending + R"(],"next_cursor":"more"})");
  ASSERT_EQ(run(server, t, {"queue", "--all", "--limit", "2", "--tenant", "acme/ml x"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(server.sent[0].target, "/v1/jobs?tenant=acme%2Fml%20x&limit=2");
}

TEST(Queue, StateFiltersAndEndedJobsShowTheirRunTime) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"jobs":[)" + kOld + "]}");
  ASSERT_EQ(run(server, t, {"queue", "--state", "finished"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/jobs?state=finished&limit=1000");
  EXPECT_EQ(t.out.str(),
            "JOBID  NAME  TENANT  STATE     GPUS       SITE  TIME  START  NODES  REASON\n"
            "3      old   acme    finished  1x1g.10gb  lyon  1:00  -      n3     exit 0\n");
}

TEST(Queue, CutsTheReasonToTheTerminal) {
  FakeServer server;
  TestIo t;
  t.width = 77;
  server.reply(200, R"({"jobs":[)" + kPending + "]}");
  ASSERT_EQ(run(server, t, {"queue", "--all"}), 0) << t.err.str();
  EXPECT_EQ(t.out.str(),
            "JOBID  NAME  TENANT   STATE    GPUS  SITE  TIME  START  NODES  REASON\n"
            "8      eval  acme/ml  pending  4     -     1:00  ?      -      waiting for...\n");
}

TEST(Queue, JsonIsOneArray) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"jobs":[)" + kRunning + "]}");
  server.reply(200, R"({"jobs":[)" + kPending + "]}");
  ASSERT_EQ(run(server, t, {"queue", "--json"}), 0) << t.err.str();
  EXPECT_EQ(t.out.str(), "[" + kRunning + "," + kPending + "]\n");
}

TEST(Queue, RefusesAnUnknownStateOrLimit) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {"queue", "--state", "done"}), 2);
  EXPECT_EQ(t.err.str(), "hexa: --state: 'done' is not a job state (pending, running, finished, failed, cancelled, "
                         "timeout, rejected)\n");
  TestIo t2;
  EXPECT_EQ(run(server, t2, {"queue", "--limit", "0"}), 2);
  EXPECT_EQ(t2.err.str(), "hexa: --limit: must be >= 1 (got 0)\n");
  EXPECT_TRUE(server.sent.empty());
}

TEST(Show, PrintsKeyValueLines) {
  setenv("TZ", "UTC", 1);
  tzset();
  FakeServer server;
  TestIo t;
  server.reply(200, kRunning);
  ASSERT_EQ(run(server, t, {"show", "9"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].method, "GET");
  EXPECT_EQ(server.sent[0].target, "/v1/jobs/9");
  EXPECT_EQ(t.out.str(),
            "job:             9\n"
            "name:            train\n"
            "state:           running\n"
            "reason:          running since 15:00\n"
            "tenant:          acme\n"
            "gpus:            2\n"
            "gpu type:        H100\n"
            "site:            paris\n"
            "slice:           -\n"
            "priority:        0\n"
            "preemptible:     yes\n"
            "time limit:      2:00:00\n"
            "submitted:       2025-06-15 14:50:00 UTC\n"
            "started:         2025-06-15 15:00:00 UTC\n"
            "ended:           -\n"
            "waited:          10:00\n"
            "run time:        6:40\n"
            "nodes:           n1 (GPUs 0,1), n2 (GPUs 2,3)\n"
            "restarts:        0\n"
            "exit code:       -\n"
            "credits:         1.23\n"
            "command:         python train.py --note 'a b'\n");
}

TEST(Show, JsonIsTheObjectAndAMissingJobIsOneLine) {
  FakeServer server;
  TestIo t;
  server.reply(200, kPending);
  ASSERT_EQ(run(server, t, {"show", "8", "--json"}), 0);
  EXPECT_EQ(t.out.str(), kPending + "\n");
  TestIo t2;
  server.reply(problem(404, "job 99: not found"));
  EXPECT_EQ(run(server, t2, {"show", "99"}), 2);
  EXPECT_EQ(t2.err.str(), "hexa: job 99: not found (HTTP 404)\n");
  EXPECT_EQ(t2.out.str(), "");
  TestIo t3;
  EXPECT_EQ(run(server, t3, {"show", "abc"}), 2);
  EXPECT_EQ(t3.err.str(), "hexa: JOB: 'abc' is not a job id (a whole number >= 0)\n");
}

TEST(Show, PendingJobWithAnEstimatedStart) {
  setenv("TZ", "UTC", 1);
  tzset();
  FakeServer server;
  TestIo t;
  std::string job = kPending;
  job.insert(job.size() - 1, R"(,"estimated_start_ms":1750004800000,"estimated_start_note":"backfill reservation")");
  server.reply(200, job);
  ASSERT_EQ(run(server, t, {"show", "8"}), 0);
  EXPECT_NE(t.out.str().find("estimated start: 2025-06-15 16:26 UTC (in 1 h 20 min; backfill reservation)\n"
                             "started:         -\n"),
            std::string::npos)
      << t.out.str();
  EXPECT_NE(t.out.str().find("waited:          1:00\nrun time:        -\n"), std::string::npos) << t.out.str();
}

TEST(Show, PendingJobWithAnUnknownStart) {
  FakeServer server;
  TestIo t;
  std::string job = kPending;
  job.insert(job.size() - 1, R"(,"estimated_start_ms":null,"estimated_start_note":"unknown: waiting for credits")");
  server.reply(200, job);
  ASSERT_EQ(run(server, t, {"show", "8"}), 0);
  EXPECT_NE(t.out.str().find("estimated start: unknown (waiting for credits)\n"), std::string::npos) << t.out.str();
  TestIo t2;  // a running job has no estimate: no line
  server.reply(200, kRunning);
  ASSERT_EQ(run(server, t2, {"show", "9"}), 0);
  EXPECT_EQ(t2.out.str().find("estimated start"), std::string::npos) << t2.out.str();
}

TEST(Queue, StartColumnIsRelative) {
  FakeServer server;
  TestIo t;
  std::string soon = kPending, unknown = kPending;
  soon.insert(soon.size() - 1, R"(,"estimated_start_ms":1750004800000)");
  soon.replace(soon.find(R"("id":8)"), 6, R"("id":7)");
  unknown.insert(unknown.size() - 1, R"(,"estimated_start_ms":null,"estimated_start_note":"unknown: waiting for a quota")");
  server.reply(200, R"({"jobs":[)" + kRunning + "," + soon + "," + unknown + "]}");
  ASSERT_EQ(run(server, t, {"queue", "--all"}), 0) << t.err.str();
  EXPECT_EQ(t.out.str(),
            "JOBID  NAME   TENANT   STATE    GPUS    SITE   TIME  START     NODES  REASON\n"
            "9      train  acme     running  2xH100  paris  6:40  -         n1,n2  running since 15:00\n"
            "8      eval   acme/ml  pending  4       -      1:00  ?         -      waiting for 4 free H100 GPUs at paris\n"
            "7      eval   acme/ml  pending  4       -      1:00  in 1h20m  -      waiting for 4 free H100 GPUs at paris\n");
}

TEST(Cancel, OneLinePerJobAndExit2IfAnyFailed) {
  FakeServer server;
  TestIo t;
  server.reply(200, kRunning);
  server.reply(problem(409, "job 3: already ended (finished)"));
  server.reply(200, kPending);
  EXPECT_EQ(run(server, t, {"cancel", "9", "3", "x", "8"}), 2);
  ASSERT_EQ(server.sent.size(), 3u);
  EXPECT_EQ(server.sent[0].method, "DELETE");
  EXPECT_EQ(server.sent[0].target, "/v1/jobs/9");
  EXPECT_EQ(server.sent[1].target, "/v1/jobs/3");
  EXPECT_EQ(server.sent[2].target, "/v1/jobs/8");
  EXPECT_EQ(t.out.str(), "cancelled 9\ncancelled 8\n");
  EXPECT_EQ(t.err.str(),
            "hexa: cannot cancel 3: job 3: already ended (finished) (HTTP 409)\n"
            "hexa: JOB: 'x' is not a job id (a whole number >= 0)\n");
}

TEST(Cancel, AllDoneExitsZero) {
  FakeServer server;
  TestIo t;
  server.reply(200, kRunning);
  EXPECT_EQ(run(server, t, {"cancel", "9"}), 0);
  EXPECT_EQ(t.out.str(), "cancelled 9\n");
  EXPECT_EQ(t.err.str(), "");
}

}  // namespace
}  // namespace hexa::testing
