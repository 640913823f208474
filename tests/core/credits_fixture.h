// A core with credits on, shared by the credit tests: one site of 2 nodes x 8 GPUs of type
// "gpu", tenants "rich" (100 credits) and "poor" (none), 10 credits per GPU-hour.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/core.h"
#include "test_util.h"

namespace hexa {

constexpr Micro kCredit = 1000000;  // one credit in micro-credits

inline SetPrice price(Micro credits_per_gpu_hour) {
  SetPrice p;
  p.gpu_type = "gpu";
  p.site = "s0";
  p.price.per_gpu_hour = credits_per_gpu_hour * kCredit;
  return p;
}

inline AddGrant grant(const std::string& id, const std::string& tenant, Micro credits, TimeMs expiry = 365 * kDay) {
  AddGrant g;
  g.grant = {id, tenant, "genai-studio", credits * kCredit, 0, expiry};
  return g;
}

class CreditsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core = std::move(Core::make(topo, opt)).value();
    for (const char* t : {"rich", "poor"}) ASSERT_TRUE(core->apply(AddTenant::root(t), 0).ok());
    ASSERT_TRUE(core->apply(price(10), 0).ok());
    ASSERT_TRUE(core->apply(grant("g1", "rich", 100), 0).ok());
  }
  JobId submit(const std::string& name, const std::string& tenant, int gpus, DurationMs limit, TimeMs now = 0,
               DurationMs checkpoint_every = 0) {
    JobSpec s;
    s.name = name;
    s.tenant = *core->find_tenant(tenant);
    s.gpus = gpus;
    s.time_limit = limit;
    s.checkpoint_every = checkpoint_every;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return fx.ok() ? std::get<JobAccepted>(fx->list.front()).job : 0;
  }
  Micro spendable(const std::string& t, TimeMs now) { return *core->ledger().spendable(t, now); }

  Topology topo = testing::cluster(1, 2, 8);
  SchedulerOptions opt;
  std::unique_ptr<Core> core;
};

}  // namespace hexa
