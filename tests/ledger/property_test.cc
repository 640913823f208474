// Property tests: random sequences of ledger operations, valid and invalid, with fixed seeds.
// After every step the invariants hold; a failed operation changes nothing; at the end,
// replaying every transfer and every operation changes nothing.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;
constexpr Micro kMax = std::numeric_limits<Micro>::max();
constexpr Micro kMin = std::numeric_limits<Micro>::min();

// splitmix64: small, and the same sequence with every standard library.
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <class V>  // a std::vector, or the ledger's BlockVector of holds
  const auto& pick(const V& v) { return v[static_cast<std::size_t>(below(static_cast<std::int64_t>(v.size())))]; }
};

using Op = std::function<Result<OpOutcome>(Ledger&)>;

class Fuzzer {
 public:
  explicit Fuzzer(std::uint64_t seed) : rng_{seed} {}

  void run(int steps) {
    for (int i = 0; i < steps; ++i) {
      step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    replay_transfers();
    replay_operations();
    // Not vacuous: a fair share of operations succeeded, and of each outcome some happened.
    EXPECT_GT(applied_, steps / 5);
    EXPECT_GT(failed_, steps / 20);
    EXPECT_GT(duplicates_, 0);
    std::map<TransferKind, int> kinds;
    for (const TransferView& t : l_.book().transfers()) ++kinds[t.memo.kind];
    for (TransferKind k : {TransferKind::kGrant, TransferKind::kUsage, TransferKind::kHold, TransferKind::kRelease,
                           TransferKind::kRefund, TransferKind::kExpiry, TransferKind::kTopup})
      EXPECT_GT(kinds[k], 0) << "no transfer of kind " << kind_name(k);
  }

 private:
  // --- random inputs: mostly sensible, sometimes broken
  Micro amount() {
    switch (rng_.below(40)) {
      case 0: return 0;
      case 1: return -rng_.below(10 * C) - 1;
      case 2: return kMax;
      case 3: return kMin;
      case 4: return kMax / 2 + rng_.below(1000);
      case 5: return 1;
      default: return rng_.below(60 * C) + 1;
    }
  }
  TimeMs when() {
    if (rng_.chance(3) && now_ > 0) return now_ - 1 - rng_.below(kHour);  // backwards: refused
    if (rng_.chance(40)) now_ += rng_.below(3 * kDay);
    return now_;
  }
  std::string tenant() { return rng_.chance(5) ? "ghost" : rng_.pick(tenant_names_); }
  // A new id, or one used before (a replay or a conflict), or a bad one.
  std::string id(std::vector<std::string>& used, const char* prefix) {
    if (rng_.chance(2)) return "";
    if (!used.empty() && rng_.chance(15)) return rng_.pick(used);
    used.push_back(prefix + std::to_string(++counter_));
    return used.back();
  }
  // Mostly a hold that exists, preferably open; sometimes one that does not.
  std::string hold_id() {
    const auto& holds = l_.holds();
    if (holds.empty() || rng_.chance(5)) return rng_.chance(50) || hold_ids_.empty() ? "nohold" : rng_.pick(hold_ids_);
    for (int tries = 0; tries < 4; ++tries) {
      const Hold& h = rng_.pick(holds);
      if (!h.released || rng_.chance(20)) return h.req.id;
    }
    return rng_.pick(holds).req.id;
  }

  // --- one step
  void step() {
    Ledger before = l_;
    std::optional<Op> op;  // set for operations with an id: they are replayed at the end
    std::string kind, hold_of_op;  // for check_once
    std::optional<Status> status;
    TimeMs t = when();
    switch (rng_.below(16)) {
      case 0: {
        std::string name = rng_.chance(3) ? "" : rng_.pick(tenant_names_);
        Micro overdraft = rng_.chance(10) ? -1 : rng_.chance(30) ? 20 * C : 0;
        op = [name, overdraft](Ledger& l) { return l.add_tenant(name, overdraft); };
        kind = "tenant";
        break;
      }
      case 1:
      case 2: {
        TimeMs start = t + rng_.below(2 * kDay) - kDay;
        GrantRequest g{id(grant_ids_, "g"), tenant(), rng_.chance(3) ? "" : rng_.pick(programmes_), amount(), start,
                       start + rng_.below(40 * kDay) - kDay};
        op = [g, t](Ledger& l) { return l.grant(g, t); };
        kind = "grant";
        break;
      }
      case 3: {
        TopUpRequest r{id(topup_ids_, "u"), tenant(), amount(), rng_.chance(50) ? "" : "invoice"};
        op = [r, t](Ledger& l) { return l.top_up(r, t); };
        kind = "topup";
        break;
      }
      case 4: {
        auto r = l_.expire_until(t);
        status = r.status();
        break;
      }
      case 5:
      case 6: {
        const Micro rates[] = {0, 1, 2 * C, 1'000'001};
        HoldRequest h{id(hold_ids_, "h"), tenant(), amount(), rng_.chance(5) ? -1 : rng_.below(20 * kHour),
                      "job", "H100", "paris", rates[rng_.below(4)]};
        op = [h, t](Ledger& l) {
          // Where the tenant is known, by index too (the engine's way): the same outcome, and
          // the same ledger after it, as by name.
          for (std::uint32_t i = 0; i < l.tenants().size(); ++i) {
            if (l.tenants()[i].name != h.tenant) continue;
            Ledger by_index = l;
            auto at = by_index.place_hold_at(i, h, t);
            auto r = l.place_hold(h, t);
            EXPECT_EQ(at.ok(), r.ok()) << h.id;
            EXPECT_EQ(at.status().message(), r.status().message());
            if (at.ok() && r.ok()) {
              EXPECT_EQ(*at, *r);
            }
            EXPECT_TRUE(by_index == l) << "place_hold_at left another ledger than place_hold, " << h.id;
            return r;
          }
          return l.place_hold(h, t);
        };
        kind = "hold";
        break;
      }
      case 7:
      case 8: {
        std::string hold = hold_id();
        const Hold* h = l_.find_hold(hold);
        Micro a = h && rng_.chance(70) ? rng_.below(h->req.amount - h->posted + 2) : amount();
        PostRequest p{id(post_ids_, "p"), hold, a, rng_.chance(5) ? -1 : rng_.below(10 * kHour)};
        kind = "post";
        hold_of_op = hold;
        op = [p, t](Ledger& l) { return l.post(p, t); };
        break;
      }
      case 9:
      case 10: {
        std::string hold = hold_id();
        const Hold* h = l_.find_hold(hold);
        GpuMs total = (h ? h->metered_gpu_ms : 0) + rng_.below(20 * kHour) - 2 * kHour;
        if (rng_.chance(3)) total = kMax;
        kind = "meter";
        hold_of_op = hold;
        op = [hold, total, t](Ledger& l) { return l.meter(hold, total, t); };
        break;
      }
      case 11: {
        std::string hold = hold_id();
        op = [hold, t](Ledger& l) { return l.release(hold, t); };
        kind = "release";
        hold_of_op = hold;
        break;
      }
      case 12: {
        RefundRequest r{id(refund_ids_, "r"), tenant(), rng_.chance(50) ? rng_.below(5 * C) + 1 : amount(),
                        rng_.chance(5) ? "" : "preempted", "job", rng_.below(kHour)};
        op = [r, t](Ledger& l) { return l.refund(r, t); };
        kind = "refund";
        break;
      }
      case 13: {
        Budget b;
        b.period = rng_.chance(5) ? 0 : 10 * kDay;
        if (rng_.chance(70)) b.credits = rng_.chance(5) ? -C : rng_.below(200 * C) + 1;
        if (rng_.chance(40)) b.gpu_ms = rng_.below(200 * kHour) + 1;
        b.hard = rng_.chance(50);
        if (rng_.chance(20)) b.alert_bps = {5000, 9000, 10000, 12000};
        status = l_.set_budget(tenant(), b, t);
        break;
      }
      case 14: {
        switch (rng_.below(3)) {
          case 0: status = l_.set_overdraft(tenant(), rng_.chance(10) ? -1 : rng_.below(30 * C)); break;
          case 1: status = l_.clear_budget(tenant()); break;
          default: {
            Status s = l_.check_start(tenant(), amount(), rng_.below(10 * kHour), t);
            EXPECT_TRUE(l_ == before) << "check_start changed the ledger";
            return;
          }
        }
        break;
      }
      default: {
        Status s = l_.prices().set(rng_.chance(5) ? "" : "H100", "paris", 0, {amount(), 0});
        status = s;
        break;
      }
    }
    if (op) {
      auto r = (*op)(l_);
      status = r.status();
      if (r.ok()) {
        check_once(kind, hold_of_op, *r, before.book().transfers().size());
        replays_.push_back(*op);
        if (*r == OpOutcome::kDuplicate) {
          ++duplicates_;
          EXPECT_TRUE(l_ == before) << "a duplicate changed the ledger";
        }
      }
    }
    if (status->ok()) {
      ++applied_;
    } else {
      ++failed_;
      ASSERT_TRUE(l_ == before) << "a failed operation changed the ledger: " << status->message();
    }
    check_invariants();
  }

  void check_invariants() {
    const Book& b = l_.book();
    ASSERT_EQ(b.total(), 0) << "the ledger does not balance";
    for (AccountId a = 0; a < b.size(); ++a)
      if (b.account(a).floor) {
        ASSERT_GE(b.account(a).balance, *b.account(a).floor) << b.account(a).name;
      }
    std::vector<Micro> held(l_.tenants().size()), held_gpu(l_.tenants().size());
    for (const Hold& h : l_.holds()) {
      ASSERT_LE(h.posted, h.req.amount);
      ASSERT_EQ(b.account(h.account).balance, h.left()) << h.req.id;
      Micro drawn = 0, used = 0;
      for (const Draw& d : h.draws) {
        ASSERT_LE(d.used, d.amount);
        drawn += d.amount;
        used += d.used;
      }
      ASSERT_EQ(drawn, h.req.amount);
      ASSERT_EQ(used, h.posted);
      held[h.tenant] += h.left();
      held_gpu[h.tenant] += h.gpu_ms_left();
    }
    Int128 paid = 0;
    for (std::size_t i = 0; i < l_.tenants().size(); ++i) {
      const TenantFunds& t = l_.tenants()[i];
      ASSERT_EQ(t.held, held[i]);
      ASSERT_EQ(t.held_gpu_ms, held_gpu[i]);
      ASSERT_GE(t.paid, 0);
      ASSERT_GE(*l_.spendable(t.name, now_), 0);
      // By index, the same answer as by name, about what it can spend and its budget.
      const Micro can = *l_.spendable(t.name, now_);  // up to INT64_MAX (clamped): add with care
      constexpr Micro kMost = std::numeric_limits<Micro>::max();
      for (Micro amount : {Micro{1}, can, can == kMost ? kMost : can + 1, can > kMost / 2 ? kMost : 2 * can + 1})
        for (GpuMs gpu_ms : {GpuMs{0}, GpuMs{3'600'000}}) {
          const Status by_name = l_.check_start(t.name, amount, gpu_ms, now_);
          const Status by_index = l_.check_start_at(static_cast<std::uint32_t>(i), amount, gpu_ms, now_);
          ASSERT_EQ(by_name.ok(), by_index.ok()) << t.name << " " << amount;
          ASSERT_EQ(by_name.message(), by_index.message());
        }
      paid += t.paid;
      for (std::size_t k = 0; k < t.grants.size(); ++k) {
        ASSERT_FALSE(l_.grants()[t.grants[k]].swept);
        if (k > 0) {
          ASSERT_TRUE(spend_before(l_.grants()[t.grants[k - 1]], l_.grants()[t.grants[k]]));
        }
      }
    }
    // Revenue is exactly usage posted less refunds.
    ASSERT_EQ(b.account(l_.revenue()).balance, paid);
    ASSERT_GE(b.account(l_.expired()).balance, 0);
    for (const Grant& g : l_.grants()) {
      if (g.swept) {
        ASSERT_EQ(b.account(g.account).balance, 0) << g.req.id;
      }
    }
  }

  // Each hold is released at most once, and nothing is posted from it after.
  void check_once(const std::string& kind, const std::string& hold, OpOutcome outcome, std::size_t transfers_before) {
    if (outcome != OpOutcome::kApplied) return;
    if (kind == "release") {
      ASSERT_EQ(++releases_[hold], 1) << "hold " << hold << " released twice";
    } else if ((kind == "post" || kind == "meter") && releases_[hold] > 0) {
      ASSERT_EQ(l_.book().transfers().size(), transfers_before) << "posted from released hold " << hold;
    }
  }

  void replay_transfers() {
    Book copy = l_.book();
    for (const TransferView& t : l_.book().transfers()) {
      auto r = copy.transfer(t);
      ASSERT_TRUE(r.ok()) << r.status().message();
      ASSERT_EQ(*r, OpOutcome::kDuplicate) << t.id;
    }
    ASSERT_TRUE(copy == l_.book());
  }

  void replay_operations() {
    Ledger copy = l_;
    for (const Op& op : replays_) {
      auto r = op(copy);
      ASSERT_TRUE(r.ok()) << r.status().message();
      ASSERT_EQ(*r, OpOutcome::kDuplicate);
    }
    ASSERT_TRUE(copy == l_);
  }

  SplitMix rng_;
  Ledger l_;
  TimeMs now_ = 0;
  int counter_ = 0;
  int applied_ = 0, failed_ = 0, duplicates_ = 0;
  const std::vector<std::string> tenant_names_ = {"t0", "t1", "t2", "t3", "t4"};
  const std::vector<std::string> programmes_ = {"startups", "training"};
  std::vector<std::string> grant_ids_, topup_ids_, hold_ids_, post_ids_, refund_ids_;
  std::vector<Op> replays_;
  std::map<std::string, int> releases_;
};

class LedgerProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(LedgerProperty, RandomOperationsKeepTheInvariants) { Fuzzer(GetParam()).run(2000); }

INSTANTIATE_TEST_SUITE_P(LedgerSeeds, LedgerProperty, ::testing::Range<std::uint64_t>(1, 21),
                         [](const ::testing::TestParamInfo<std::uint64_t>& p) { return "seed_" + std::to_string(p.param); });

}  // namespace
}  // namespace hexa
