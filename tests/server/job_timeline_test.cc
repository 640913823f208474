// A job's run segments with times and nodes (the job page's timeline), from the core's effects,
// through the host state of a snapshot, and bounded.
#include "server/job_timeline.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hexa {
namespace {

constexpr TimeMs kOrigin = 1'700'000'000'000;

class JobTimelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topo = testing::cluster(1, 1, 4);
    core = std::move(Core::make(topo, SchedulerOptions{})).value();
    ASSERT_TRUE(core->apply(AddTenant::root("acme", 1), 0).ok());
    JobSpec s;
    s.name = "train";
    s.gpus = 4;
    apply(SubmitJob{s}, 0);
  }
  void apply(const Command& c, TimeMs now) {
    auto fx = core->apply(c, now);
    ASSERT_TRUE(fx.ok()) << fx.status().message();
    timelines.record(c, *fx, *core, now);
  }
  int segment() const { return core->job(0).segment; }
  Topology topo;
  std::unique_ptr<Core> core;
  JobTimelines timelines;
};

TEST_F(JobTimelineTest, RequeuedThenResumedThenFinishedShowsBothSegmentsWithTimes) {
  apply(Schedule{}, 1'000);
  apply(RequeueJob{0, segment()}, 5'000);
  apply(Schedule{}, 6'000);
  nlohmann::json j = timelines.json(0, topo, kOrigin);
  ASSERT_EQ(j.size(), 2u) << j.dump();
  EXPECT_EQ(j[0], (nlohmann::json{{"segment", 1}, {"started_ms", kOrigin + 1'000}, {"ended_ms", kOrigin + 5'000},
                                  {"nodes", {"s0b0n0"}}, {"how", "requeued"}}));
  EXPECT_EQ(j[1]["segment"], 2);
  EXPECT_EQ(j[1]["started_ms"], kOrigin + 6'000);
  EXPECT_TRUE(j[1]["ended_ms"].is_null());
  EXPECT_EQ(j[1]["how"], "running");
  apply(CompleteJob{0, segment()}, 9'000);
  j = timelines.json(0, topo, kOrigin);
  EXPECT_EQ(j[1]["ended_ms"], kOrigin + 9'000);
  EXPECT_EQ(j[1]["how"], "finished");
}

TEST_F(JobTimelineTest, ANodeLostAndACancelAreSaidSo) {
  apply(Schedule{}, 1'000);
  apply(FailNode{"s0b0n0"}, 2'000);
  apply(NodeUp{"s0b0n0"}, 3'000);
  apply(Schedule{}, 3'000);
  apply(CancelJob{0}, 4'000);
  const nlohmann::json j = timelines.json(0, topo, kOrigin);
  ASSERT_EQ(j.size(), 2u) << j.dump();
  EXPECT_EQ(j[0]["how"], "node lost");
  EXPECT_EQ(j[0]["ended_ms"], kOrigin + 2'000);
  EXPECT_EQ(j[1]["how"], "cancelled");
  EXPECT_EQ(j[1]["ended_ms"], kOrigin + 4'000);
}

TEST_F(JobTimelineTest, TheHostStateKeepsThemAndAMalformedOneThrows) {
  apply(Schedule{}, 1'000);
  apply(RequeueJob{0, segment()}, 5'000);
  apply(Schedule{}, 6'000);
  JsonWriter w;
  timelines.write(w);
  JobTimelines back;
  back.read(nlohmann::json::parse(w.take()));
  EXPECT_EQ(back.json(0, topo, kOrigin), timelines.json(0, topo, kOrigin));
  EXPECT_THROW(back.read(nlohmann::json::parse(R"([[0, [[1, "x"]]]])")), nlohmann::json::exception);
  timelines.forget(0);
  EXPECT_TRUE(timelines.json(0, topo, kOrigin).empty());
}

TEST_F(JobTimelineTest, OnlyTheNewestFiftySegmentsAreKept) {
  TimeMs t = 0;
  for (int i = 0; i < 60; ++i) {
    apply(Schedule{}, t += 10);
    apply(RequeueJob{0, segment()}, t += 10);
  }
  const nlohmann::json j = timelines.json(0, topo, kOrigin);
  ASSERT_EQ(j.size(), JobTimelines::kMaxSegments);
  EXPECT_EQ(j.front()["segment"], 11);
  EXPECT_EQ(j.back()["segment"], 60);
}

}  // namespace
}  // namespace hexa
