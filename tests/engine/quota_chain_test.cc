// check_quotas' shortcut (ClusterState::quota_chain): a tenant whose chain has no quota, or only
// quotas on all GPU types, is checked once instead of once per type. The shortcut must give
// the verdict of the full check, which a state without quota chains falls back to.
#include <random>

#include <gtest/gtest.h>

#include "engine/quota.h"
#include "test_util.h"

namespace hexa {
namespace {

// Two GPU types, one block of each.
Topology two_types() {
  Topology t;
  SiteId site = *t.add_site("s0");
  (void)t.add_node(*t.add_block(site, "a", "H100"), "a0", 8);
  (void)t.add_node(*t.add_block(site, "b", "A100"), "b0", 8);
  return t;
}

bool same(const QuotaVerdict& x, const QuotaVerdict& y) {
  const WaitReason &a = x.wait, &b = y.wait;
  return x.ok == y.ok && x.allowed == y.allowed && a.kind == b.kind && a.a == b.a && a.b == b.b && a.other == b.other &&
         a.field == b.field && a.type == b.type;
}

TEST(QuotaChain, MarksChainsWithQuotasAndTypedOnes) {
  const Topology topo = two_types();
  ClusterState s(topo);
  s.tenants.resize(5);
  s.tenants[1].parent = 0;                        // no quota above
  s.tenants[2].quotas = {Quota{std::nullopt, 4}};  // all types
  s.tenants[3].parent = 2;
  s.tenants[4].parent = 3;
  s.tenants[4].quotas = {Quota{TypeId{1}, 2}};  // one type
  note_quotas(s);
  EXPECT_EQ(s.quota_chain, (std::vector<std::uint8_t>{0, 0, 1, 1, 3}));
  s.tenants.push_back(Tenant{});
  s.tenants.back().parent = 4;
  note_quotas(s);  // only the new one
  EXPECT_EQ(s.quota_chain.back(), 3);
}

TEST(QuotaChain, ShortcutGivesTheFullChecksVerdict) {
  const Topology topo = two_types();
  std::mt19937 rng(16);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  long quick_paths = 0;
  for (int round = 0; round < 200; ++round) {
    ClusterState s(topo);
    s.any_quotas = true;
    s.tenants.resize(6);
    for (TenantId t = 0; t < s.tenants.size(); ++t) {
      Tenant& ten = s.tenants[t];
      ten.parent = t == 0 || pick(3) == 0 ? kNoTenant : static_cast<TenantId>(pick(static_cast<int>(t)));
      ten.sub_gpus = {pick(9), pick(9)};
      ten.sub_running = pick(3);
      for (int q = pick(3) - 1; q > 0; --q) {  // mostly none
        Quota quota;
        if (pick(3) == 0) quota.type = static_cast<TypeId>(pick(2));
        quota.max_gpus = pick(3) ? pick(12) : -1;
        quota.guaranteed_gpus = pick(2) ? pick(8) : -1;
        quota.borrow_limit = pick(2) ? pick(4) : -1;
        if (!quota.type) quota.max_running = pick(2) ? pick(3) : -1;
        ten.quotas.push_back(quota);
      }
    }
    note_quotas(s);
    for (int k = 0; k < 20; ++k) {
      Job j;
      j.spec.tenant = static_cast<TenantId>(pick(6));
      j.spec.gpus = 1 + pick(8);
      j.spec.types = static_cast<TypeMask>(pick(4));  // 0: any
      j.spec.preemptible = pick(2) == 0;
      const QuotaVerdict quick = check_quotas(s, j);
      quick_paths += (s.quota_chain[j.spec.tenant] & ClusterState::kTypedChain) == 0;
      std::vector<std::uint8_t> chains = std::move(s.quota_chain);
      s.quota_chain.clear();  // every tenant past its end: the full check
      EXPECT_TRUE(same(quick, check_quotas(s, j))) << "round " << round << " job " << k;
      s.quota_chain = std::move(chains);
    }
  }
  EXPECT_GT(quick_paths, 1000) << "the shortcut was taken";
}

}  // namespace
}  // namespace hexa
