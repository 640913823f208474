// Slice jobs through the core and the simulator: bad input, reasons, billing, utilisation,
// preemption of exactly the overlapping slice.
#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

constexpr Micro kCredit = 1000000;

// One site "s0": `whole` nodes of 8 whole GPUs, `sliced` nodes of `gpus` sliced GPUs, type "gpu".
Topology slice_cluster(int whole, int sliced, int gpus = 1) {
  Topology t;
  SiteId site = *t.add_site("s0");
  if (whole) {
    BlockId b = *t.add_block(site, "w", "gpu");
    for (int n = 0; n < whole; ++n) (void)t.add_node(b, "w" + std::to_string(n), 8);
  }
  if (sliced) {
    BlockId b = *t.add_block(site, "m", "gpu");
    (void)t.set_sliced(b);
    for (int n = 0; n < sliced; ++n) (void)t.add_node(b, "m" + std::to_string(n), gpus);
  }
  return t;
}

JobSpec slice_job(const std::string& name, int slice, DurationMs limit = 0, int priority = 0) {
  JobSpec s;
  s.name = name;
  s.slice = slice;
  s.time_limit = limit;
  s.priority = priority;
  return s;
}

TEST(SliceCore, UnknownSliceIdIsRejectedWithTheRule) {
  Topology topo = slice_cluster(0, 1);
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  auto fx = core->apply(SubmitJob{slice_job("a", 9)}, 0);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message(),
            "job 'a'.slice: unknown slice profile #9; must be 1..6 (1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb)");
  JobSpec two = slice_job("b", 1);
  two.gpus = 2;
  fx = core->apply(SubmitJob{two}, 0);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message(), "job 'b'.gpus: a slice job asks for exactly 1 GPU (one slice of it), got 2");
  EXPECT_EQ(core->state().jobs.size(), 0u) << "bad input changes nothing";
}

TEST(SliceCore, NoSlicedNodeMeansRejectedNotAHang) {
  Topology topo = slice_cluster(1, 0);
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  auto fx = core->apply(SubmitJob{slice_job("a", 1)}, 0);
  ASSERT_TRUE(fx.ok());
  ASSERT_EQ(fx->list.size(), 2u);
  EXPECT_EQ(std::get<JobRejected>(fx->list[1]).reason,
            "can never run: needs a 1g.10gb slice (any type) in any site; no node offers GPU slices");
}

TEST(SliceCore, WaitingSliceJobSaysWhatItNeeds) {
  Topology topo = slice_cluster(1, 1);
  auto core = std::move(Core::make(topo, SchedulerOptions{.policy = "backfill"})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  auto a = core->apply(SubmitJob{slice_job("a", *topo.find_slice("4g.40gb"), kHour)}, 0);
  auto b = core->apply(SubmitJob{slice_job("b", *topo.find_slice("4g.40gb"), kHour)}, 0);
  JobSpec whole;
  whole.name = "w";
  whole.gpus = 8;
  auto w = core->apply(SubmitJob{whole}, 0);
  auto fx = core->apply(Schedule{}, 0);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(fx->list.size(), 2u) << "one 4g and the whole-GPU job start; the second 4g waits";
  JobId bid = std::get<JobAccepted>(b->list.front()).job;
  EXPECT_EQ(core->job(bid).phase, JobPhase::kPending);
  EXPECT_NE(core->explain(bid).find("needs a 4g.40gb slice at any site"), std::string::npos) << core->explain(bid);
  EXPECT_EQ(core->job(std::get<JobAccepted>(w->list.front()).job).phase, JobPhase::kRunning)
      << "whole GPUs busy or not, slices are scheduled on their own GPUs";
  // The first 4g ends: the second starts on the same GPU, at the same slots.
  JobId aid = std::get<JobAccepted>(a->list.front()).job;
  Allocation held = core->job(aid).alloc;
  ASSERT_TRUE(core->apply(CompleteJob{aid, core->job(aid).segment}, kMinute).ok());
  ASSERT_TRUE(core->apply(Schedule{}, kMinute).ok());
  EXPECT_EQ(core->job(bid).alloc, held);
}

TEST(SliceCore, PreemptsOnlyTheSliceItNeeds) {
  Topology topo = slice_cluster(0, 1);
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  const int g3 = *topo.find_slice("3g.40gb");
  ASSERT_TRUE(core->apply(SubmitJob{slice_job("lo1", g3)}, 0).ok());
  ASSERT_TRUE(core->apply(SubmitJob{slice_job("lo2", g3)}, 0).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_TRUE(core->apply(SubmitJob{slice_job("hi", g3, 0, 5)}, kMinute).ok());
  auto fx = core->apply(Schedule{}, kMinute);
  ASSERT_TRUE(fx.ok());
  int preempted = 0;
  for (const Effect& e : fx->list) preempted += std::holds_alternative<JobPreempted>(e);
  EXPECT_EQ(preempted, 1) << "the two 3g slices do not overlap: one victim is enough";
  EXPECT_EQ(core->job(2).phase, JobPhase::kRunning);
}

TEST(SliceCore, SliceIsChargedItsShareOfTheRate) {
  Topology topo = slice_cluster(0, 1);
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  SetPrice p;
  p.gpu_type = "gpu";
  p.site = "s0";
  p.price.per_gpu_hour = 7 * kCredit;
  ASSERT_TRUE(core->apply(p, 0).ok());
  AddGrant g;
  g.grant = {"g", "t", "p", 100 * kCredit, 0, 365 * kDay};
  ASSERT_TRUE(core->apply(g, 0).ok());
  ASSERT_TRUE(core->apply(SubmitJob{slice_job("a", *topo.find_slice("2g.20gb"), 7 * kHour)}, 0).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  // Hold: 7 h x 2/7 GPU x 7 credits = 14 credits.
  EXPECT_EQ(*core->ledger().spendable("t", 0), 86 * kCredit);
  ASSERT_TRUE(core->apply(CompleteJob{0, core->job(0).segment}, 7 * kHour / 2).ok());
  EXPECT_EQ(*core->ledger().consumed("t"), 7 * kCredit) << "3.5 h x 2/7 x 7";
  // GPU-ms of a slice are rounded up per segment, like money: 1 ms of a 1g is 1 GPU-ms.
  EXPECT_EQ(slice_gpu_ms(1, 1), 1);
  EXPECT_EQ(slice_gpu_ms(2, 7 * kHour), 2 * kHour);
}

TEST(SliceSim, UnknownProfileNameIsRejectedWithItsName) {
  Topology topo = slice_cluster(0, 1);
  TraceJob j = testing::job("a", 0, 1, 10);
  j.slice = "9g.90gb";
  auto out = testing::run(topo, {j}, testing::options("fifo"));
  EXPECT_EQ(out.rec("a").state, "rejected");
  EXPECT_EQ(out.rec("a").reason.rfind("unknown slice profile '9g.90gb'", 0), 0u) << out.rec("a").reason;
}

TEST(SliceSim, UtilisationCountsASliceAsItsShare) {
  Topology topo = slice_cluster(0, 1);
  TraceJob a = testing::job("a", 0, 1, 70), b = testing::job("b", 0, 1, 70);
  a.slice = "3g.40gb";
  b.slice = "4g.40gb";
  auto out = testing::run(topo, {a, b}, testing::options("fifo"));
  EXPECT_EQ(out.rec("a").first_start, 0);
  EXPECT_EQ(out.rec("b").first_start, 0) << "both share the one GPU";
  EXPECT_EQ(out.result.sites.at(0).busy, 70 * kSecond) << "3/7 + 4/7 of one GPU for 70 s";
}

}  // namespace
}  // namespace hexa
