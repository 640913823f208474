// Snapshots of the core: a restored core is indistinguishable from the one saved. The property
// test feeds both the same random commands after the restore and asks for the same effects,
// the same digest and the same explanations after every one.
#include <gtest/gtest.h>

#include "core/command_stream.h"
#include "core/credits_fixture.h"
#include "model/archive.h"

namespace hexa {
namespace {

using testing::CommandStream;
using testing::show;

std::unique_ptr<Core> restored(const Core& from, const Topology& topo, const SchedulerOptions& opt,
                               const CoreOptions& co) {
  const std::string bytes = from.snapshot();
  auto r = Core::restore(topo, opt, co, bytes);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return nullptr;
  EXPECT_EQ((*r)->snapshot(), bytes) << "a restored core saves the same bytes";
  EXPECT_EQ((*r)->digest(), from.digest());
  return std::move(r).value();
}

struct Case {
  std::string policy, placement;
  std::uint64_t seed;
};

std::string name_of(const Case& c) { return c.policy + "/" + c.placement + "/seed " + std::to_string(c.seed); }

SchedulerOptions options_of(const Case& c) {
  SchedulerOptions o;
  o.policy = c.policy;
  o.placement = c.placement;
  if (c.policy == "las") o.las_thresholds = {2 * kMinute, 20 * kMinute}, o.las_promote_knob = 2;
  if (c.seed % 2) o.restart_overhead = 30 * kSecond;
  if (c.seed % 5 == 1) o.site_choice = "cheapest";
  if (c.seed % 7 == 3) o.slice_placement = "bestfit";
  return o;
}

// One run: A takes the commands from the start; B is restored from a snapshot at random points
// (of A, or of B itself: a snapshot of a restored core restores too) and must answer as A.
void run_case(const Case& c, int steps) {
  SCOPED_TRACE(name_of(c));
  const Topology topo = testing::stream_cluster(c.seed % 3 == 0);
  const SchedulerOptions opt = options_of(c);
  CoreOptions co;
  co.retire_ended = c.seed % 2 == 0;
  co.nodes_start_down = c.seed % 4 == 1;
  auto a = std::move(Core::make(topo, opt, co)).value();
  CommandStream stream(c.seed, topo, {c.seed % 3 != 1, c.policy == "srtf"});
  std::vector<Command> setup = stream.setup();
  if (co.nodes_start_down)  // most nodes register; a few stay down
    for (const NodeInfo& n : topo.nodes())
      if (n.name != "a1n1") setup.push_back(NodeUp{n.name});
  testing::XorShift when{c.seed + 99};
  std::unique_ptr<Core> b = restored(*a, topo, opt, co);  // of a core with nothing in it
  for (const Command& cmd : setup) {
    ASSERT_EQ(show(a->apply(cmd, 0)), show(b->apply(cmd, 0)));
  }
  for (int step = 0; step < steps; ++step) {
    if (when(20) == 0) {
      b = restored(when(2) ? *a : *b, topo, opt, co);
      ASSERT_TRUE(b);
    }
    auto [cmd, now] = stream.next(*a);
    const std::string fa = show(a->apply(cmd, now));
    ASSERT_EQ(fa, show(b->apply(cmd, now))) << "step " << step;
    ASSERT_EQ(a->digest(), b->digest()) << "step " << step << ": " << fa;
    if (!std::holds_alternative<Schedule>(cmd)) continue;
    ASSERT_EQ(a->wake_at(), b->wake_at());
    for (const Job& j : a->state().jobs) ASSERT_EQ(a->explain(j.id), b->explain(j.id)) << "step " << step;
  }
  const std::string back = show(a->apply(Schedule{}, stream.now() - 1));  // time may not go back
  EXPECT_EQ(back, show(b->apply(Schedule{}, stream.now() - 1)));
  EXPECT_EQ(a->snapshot(), b->snapshot());
}

TEST(SnapshotProperty, RestoredCoreContinuesExactlyAsTheOriginal) {
  for (const char* policy : {"fifo", "backfill", "las", "srtf", "fair"})
    for (const char* placement : {"topology", "count"})
      for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        run_case({policy, placement, seed}, 250);
        if (::testing::Test::HasFatalFailure()) return;
      }
}

TEST(Snapshot, RoundTripGivesTheSameBytes) {
  Topology topo = testing::cluster(1, 2, 8);
  SchedulerOptions opt;
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("acme"), 0).ok());
  JobSpec s;
  s.name = "a";
  s.gpus = 12;
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  s.name = "b";
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 5).ok());
  const std::string bytes = core->snapshot();
  auto back = Core::restore(topo, opt, {}, bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ((*back)->snapshot(), bytes);
  EXPECT_EQ((*back)->now(), 5);
  EXPECT_EQ((*back)->job(0).phase, JobPhase::kRunning);
  EXPECT_EQ((*back)->explain(1), core->explain(1));
  EXPECT_EQ((*back)->state().free.total_free(), 4);
  // The next job gets the next id.
  s.name = "c";
  s.gpus = 1;
  auto fx = (*back)->apply(SubmitJob{s}, 6);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(std::get<JobAccepted>(fx->list.front()).job, 2u);
}

TEST(Snapshot, DigestIsTheChecksumOfTheSnapshot) {
  Topology topo = testing::cluster(1, 2, 8);
  auto core = std::move(Core::make(topo, {})).value();
  const std::string bytes = core->snapshot();
  Reader tail(std::string_view(bytes).substr(bytes.size() - 8));
  EXPECT_EQ(tail.fixed64(), core->digest());
  EXPECT_EQ(hash64(std::string_view(bytes).substr(0, bytes.size() - 8)), core->digest());
}

// A copy of a core with credits on, and one thing done to it: the digest says so.
class DigestTest : public CreditsTest {
 protected:
  std::unique_ptr<Core> copy() { return std::move(Core::restore(topo, opt, {}, core->snapshot())).value(); }
};

TEST_F(DigestTest, ChangesWhenAnyOneThingChanges) {
  submit("a", "rich", 4, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const std::uint64_t before = core->digest();
  EXPECT_EQ(copy()->digest(), before);

  auto one = copy();
  JobSpec s;
  s.name = "b";
  s.tenant = 0;
  s.time_limit = kHour;
  ASSERT_TRUE(one->apply(SubmitJob{s}, 1).ok());
  EXPECT_NE(one->digest(), before) << "a job submitted";

  auto two = copy();
  ASSERT_TRUE(two->apply(grant("g2", "poor", 1), 1).ok());
  EXPECT_NE(two->digest(), before) << "a grant";

  auto three = copy();
  ASSERT_TRUE(three->apply(DrainNode{"s0b0n1"}, 1).ok());
  EXPECT_NE(three->digest(), before) << "a node drained";

  auto four = copy();
  ASSERT_TRUE(four->apply(Schedule{}, 0).ok());
  EXPECT_EQ(four->digest(), before) << "a pass with nothing to look at changes nothing";
  ASSERT_TRUE(four->apply(DrainNode{"s0b0n1"}, 1).ok());
  ASSERT_TRUE(four->apply(Schedule{}, 1).ok());
  EXPECT_NE(four->digest(), three->digest()) << "a pass after a change counts, even one that starts nothing";

  auto five = copy();
  EXPECT_FALSE(five->apply(CancelJob{9}, 1).ok());
  EXPECT_EQ(five->digest(), before) << "a refused command changes nothing";
}

// With credits on, a refused money command leaves the ledger (and all else) as it was.
TEST_F(DigestTest, RefusedMoneyCommandsChangeNothing) {
  submit("a", "rich", 4, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const std::uint64_t before = core->digest();
  AddGrant other = grant("g1", "rich", 5);  // the id of another grant
  SetPrice bad_discount = price(10);
  bad_discount.price.preemptible_discount_bps = 10000;
  Budget no_period;
  no_period.period = 0;
  no_period.credits = 1;
  AddTopUp nobody;
  nobody.top_up = {"t1", "nobody", 1, ""};
  for (const Command& cmd : {Command{other}, Command{bad_discount}, Command{SetBudget{"rich", no_period}},
                             Command{SetOverdraft{"rich", -1}}, Command{nobody},
                             Command{SetPrice{"gpu", "nowhere", 0, Price{1, 0}}}}) {
    auto r = core->apply(cmd, kMinute);
    EXPECT_FALSE(r.ok()) << "command #" << cmd.index();
    EXPECT_EQ(core->digest(), before) << r.status().message();
  }
}

}  // namespace
}  // namespace hexa
