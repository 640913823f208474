// Data residency: a job may restrict the sites or providers it uses, and may prefer some sites.
#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

// Three sites of two 8-GPU nodes: s0 and s1 run by "hexagone", s2 by "other".
Topology three_sites() {
  Topology t = testing::cluster(1, 2, 8, 3);
  for (SiteId s = 0; s < 3; ++s) {
    SiteProfile p;
    p.provider = s < 2 ? "hexagone" : "other";
    EXPECT_TRUE(t.set_profile(s, p).ok());
  }
  return t;
}

TEST(ResidencyTest, ProvidersNameTheirSites) {
  Topology topo = three_sites();
  EXPECT_EQ(topo.provider_sites("hexagone"), bit(0) | bit(1));
  EXPECT_EQ(topo.provider_sites("other"), bit(2));
  EXPECT_EQ(topo.provider_sites("nobody"), 0u);
}

TEST(ResidencyTest, ThePreferredSiteComesFirst) {
  Topology topo = three_sites();
  SimOptions opt = testing::options("fifo");
  TraceJob a = testing::job("a", 0, 8, 60);
  a.prefer = {"s2"};
  TraceJob b = testing::job("b", 0, 8, 60);
  b.providers = {"hexagone"};
  b.prefer = {"s1"};
  auto out = testing::run(topo, {a, b}, opt);
  EXPECT_EQ(out.rec("a").site, "s2");
  EXPECT_EQ(out.rec("b").site, "s1");
}

TEST(ResidencyTest, ARuleNoSiteSatisfiesIsAClearRejection) {
  Topology topo = three_sites();
  SimOptions opt = testing::options("fifo");
  TraceJob a = testing::job("a", 0, 8, 60);
  a.providers = {"nobody"};
  TraceJob b = testing::job("b", 0, 8, 60);
  b.sites = {"s2"};
  b.providers = {"hexagone"};
  TraceJob c = testing::job("c", 0, 32, 60);  // more than any hexagone site has
  c.providers = {"hexagone"};
  TraceJob d = testing::job("d", 0, 8, 60);
  d.sites = {"s0"};
  d.prefer = {"s1"};
  auto out = testing::run(topo, {a, b, c, d}, opt);
  EXPECT_EQ(out.rec("a").reason, "no site run by provider 'nobody'");
  EXPECT_EQ(out.rec("b").reason, "residency: none of the sites s2 is run by a provider it allows");
  EXPECT_EQ(out.rec("c").reason,
            "can never run: needs 32 GPUs (any type) in one site (s0|s1); the largest such pool has 16 (s0 gpu)");
  EXPECT_EQ(out.rec("d").reason, "job 'd'.prefer: s1 is not among its allowed sites (s0)");
  for (const char* id : {"a", "b", "c", "d"}) EXPECT_EQ(out.rec(id).state, "rejected") << id;
}

// Random jobs with random residency rules on a busy cluster: at every pass, every running
// job's GPUs are all on sites its rule allows.
TEST(ResidencyProperty, NeverViolated) {
  for (const char* policy : {"fifo", "backfill", "fair", "las"}) {
    Topology topo = three_sites();
    SimOptions opt = testing::options(policy);
    testing::XorShift next{7};
    std::vector<TraceJob> jobs;
    for (int i = 0; i < 400; ++i) {
      long submit = next(20 * 3600);
      long gpus = 1 << next(5);
      long dur = 60 + next(4 * 3600);
      TraceJob j = testing::job("j" + std::to_string(i), submit, static_cast<int>(gpus), dur,
                                "t" + std::to_string(next(4)));
      long rule = next(5);
      if (rule == 1) j.providers = {"hexagone"};
      if (rule == 2) j.providers = {"other"};
      if (rule == 3) j.sites = {"s" + std::to_string(next(3))};
      if (rule == 4) j.sites = {"s0", "s2"}, j.prefer = {"s2"};
      jobs.push_back(j);
    }
    std::sort(jobs.begin(), jobs.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
    long running_checked = 0;
    opt.after_pass = [&](const Core& core, TimeMs) {
      for (JobId id : core.state().running) {
        const Job& j = core.job(id);
        for (const NodeGpus& g : j.alloc)
          if (!allows(j.spec.sites, topo.node(g.node).site)) ADD_FAILURE() << j.spec.name << " outside its sites";
        ++running_checked;
      }
    };
    auto out = testing::run(topo, jobs, opt);
    EXPECT_GT(running_checked, 1000) << policy;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const JobRecord& r = out.result.jobs[i];
      ASSERT_EQ(r.state, "finished") << policy << " " << r.id << ": " << r.reason;
      if (jobs[i].providers == std::vector<std::string>{"other"}) {
        EXPECT_EQ(r.site, "s2");
      }
      if (jobs[i].providers == std::vector<std::string>{"hexagone"}) {
        EXPECT_NE(r.site, "s2");
      }
    }
  }
}

}  // namespace
}  // namespace hexa
