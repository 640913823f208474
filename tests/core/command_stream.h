// A seeded random stream of commands for a core, for property tests of the whole core
// (snapshot_test.cc): a tenant tree with quotas, prices, grants and budgets (credits on in some
// seeds), reservations of whole GPUs and of slices, gangs and slice jobs, completions of
// running jobs with their segment, cancels, node failures and states, and a Schedule at each
// instant. The stream reads the core it drives (which jobs run), so two cores fed the same
// stream must stay in the same state.
#pragma once

#include <string>
#include <vector>

#include "core/core.h"
#include "test_util.h"

namespace hexa::testing {

// Two sites: whole-GPU blocks of types A and B, a sliced block of type A; in some seeds a
// downtime on one node of s1.
inline Topology stream_cluster(bool downtime) {
  Topology t;
  SiteId s0 = *t.add_site("s0");
  auto block = [&](SiteId site, const std::string& name, const char* type, int nodes, int gpus, bool sliced = false) {
    BlockId b = *t.add_block(site, name, type);
    if (sliced) (void)t.set_sliced(b);
    for (int n = 0; n < nodes; ++n) (void)t.add_node(b, name + "n" + std::to_string(n), gpus);
  };
  block(s0, "a0", "A", 3, 8);
  block(s0, "a1", "A", 2, 8);
  block(s0, "b0", "B", 2, 4);
  block(s0, "m", "A", 2, 2, true);
  SiteId s1 = *t.add_site("s1");
  block(s1, "c0", "A", 2, 8);
  if (downtime) (void)t.add_downtime({"maint", "maintenance of c0n0", {*t.find_node("c0n0")}, 20 * kMinute, 50 * kMinute});
  return t;
}

// Prints an effect with every field, so that two lists of effects compare as text.
inline std::string show(const Effect& e) {
  auto alloc = [](const Allocation& a) {
    std::string s;
    for (const NodeGpus& g : a)
      s += " " + std::to_string(g.node) + ":" + std::to_string(g.mask) + ":" + std::to_string(g.slots) + ":" +
           std::to_string(g.slice);
    return s;
  };
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, JobAccepted>) return "accepted " + std::to_string(x.job);
        if constexpr (std::is_same_v<T, JobRejected>) return "rejected " + std::to_string(x.job) + " " + x.reason;
        if constexpr (std::is_same_v<T, JobStarted>)
          return "started " + std::to_string(x.job) + "#" + std::to_string(x.segment) + alloc(x.alloc);
        if constexpr (std::is_same_v<T, JobPreempted>) return "preempted " + std::to_string(x.job) + "#" + std::to_string(x.segment);
        if constexpr (std::is_same_v<T, JobEnded>)
          return "ended " + std::to_string(x.job) + " " + end_name(x.how) + " #" + std::to_string(x.segment);
        if constexpr (std::is_same_v<T, JobFailed>)
          return "failed " + std::to_string(x.job) + " lost " + std::to_string(x.lost) + " #" + std::to_string(x.segment);
        if constexpr (std::is_same_v<T, BudgetAlerted>)
          return "alert " + x.alert.tenant + " " + std::to_string(x.alert.period) + " " + std::to_string(x.alert.at) + " " +
                 measure_name(x.alert.measure) + " " + std::to_string(x.alert.threshold_bps) + " " +
                 std::to_string(x.alert.used) + "/" + std::to_string(x.alert.limit);
        if constexpr (std::is_same_v<T, LedgerFault>) return "fault " + x.what;
      },
      e);
}

inline std::string show(const Result<Effects>& fx) {
  if (!fx.ok()) return "error " + std::to_string(static_cast<int>(fx.status().code())) + " " + fx.status().message();
  std::string s;
  for (const Effect& e : fx->list) s += show(e) + "; ";
  return s + "wake " + std::to_string(fx->wake_at);
}

struct StreamOptions {
  bool credits = false;
  bool oracle = false;  // srtf: every job says its true duration
};

class CommandStream {
 public:
  CommandStream(std::uint64_t seed, const Topology& topo, StreamOptions o) : rng_{seed * 2654435761u + 17}, topo_(topo), o_(o) {}

  // Tenants, and with credits prices, grants, a top-up, an overdraft, budgets and refunds.
  std::vector<Command> setup() {
    std::vector<Command> out;
    auto tenant = [&](std::string name, std::string parent, int weight, std::vector<QuotaSpec> quotas = {},
                      std::optional<TenantKind> kind = std::nullopt) {
      AddTenant t = AddTenant::root(std::move(name), weight);
      t.parent = std::move(parent), t.quotas = std::move(quotas), t.kind = kind;
      out.push_back(t);
    };
    tenant("org0", "", 2, {QuotaSpec{"", -1, 16, 8, -1, -1}});
    tenant("org1", "", 1, {QuotaSpec{"", 24, -1, -1, 6, -1}, QuotaSpec{"B", 4, -1, -1, -1, -1}});
    tenant("p0", "org0", 1);
    tenant("p1", "org0", 3);
    tenant("p2", "org1", 1, {QuotaSpec{"", -1, -1, -1, -1, 20}});
    tenant("prog", "", 1, {}, TenantKind::kProgramme);
    tenant("c0", "prog", 1, {QuotaSpec{"", -1, 4, 4, -1, -1}});
    tenant("l0", "c0", 1, {QuotaSpec{"", -1, -1, -1, 2, -1}});
    tenant("l1", "c0", 1);
    if (!o_.credits) return out;
    for (const char* site : {"s0", "s1"})
      for (int prio : {0, 1}) {
        SetPrice p{"A", site, prio, Price{(10 + 5 * prio) * 1000000, 3000}};
        out.push_back(p);
      }
    out.push_back(SetPrice{"B", "s0", 0, Price{6000000, 0}});
    for (const std::string& t : kSubmitters) {
      AddGrant g;
      g.grant = {"g-" + t, t, "studio", (20 + rng_(200)) * 1000000, 0, 3 * kHour + rng_(2) * kHour};
      out.push_back(g);
    }
    AddGrant later;
    later.grant = {"later-p2", "p2", "studio", 500 * 1000000, 40 * kMinute, 5 * kHour};
    out.push_back(later);
    AddTopUp top;
    top.top_up = {"t-p2", "p2", 50 * 1000000, "invoice 1"};
    out.push_back(top);
    out.push_back(SetOverdraft{"l0", 5 * 1000000});
    Budget hard;
    hard.period = 30 * kMinute, hard.credits = 60 * 1000000, hard.hard = true;
    out.push_back(SetBudget{"p1", hard});
    Budget soft;
    soft.period = kHour, soft.gpu_ms = 20 * kHour, soft.alert_bps = {5000, 9000};
    out.push_back(SetBudget{"org1", soft});
    out.push_back(SetRefundPolicy{RefundPolicy{50, 80}});
    return out;
  }

  // The next command and its time: time moves on now and then (then a Schedule comes first).
  std::pair<Command, TimeMs> next(const Core& c) {
    if (rng_(3) == 0) {
      now_ += rng_(4) == 0 && c.wake_at() != kNever && c.wake_at() > now_ ? c.wake_at() - now_
                                                                        : 1 + rng_(240) * kSecond + rng_(1000);
      return {Schedule{}, now_};
    }
    return {pick(c), now_};
  }
  TimeMs now() const { return now_; }

 private:
  Command pick(const Core& c) {
    const long k = rng_(100);
    if (k < 30) return submit(c);
    if (k < 50) return Schedule{};
    if (k < 62 && !c.state().running.empty()) {
      const JobId id = c.state().running[static_cast<std::size_t>(rng_(c.state().running.size()))];
      if (rng_(4) == 0) return Checkpoint{id, c.job(id).segment - (rng_(10) == 0 ? 1 : 0)};
      if (rng_(6) == 0) return RequeueJob{id, c.job(id).segment};  // a drain's deadline
      CompleteJob done{id, c.job(id).segment - (rng_(10) == 0 ? 1 : 0), rng_(4) ? EndKind::kCompleted : EndKind::kFailed};
      if (done.how == EndKind::kFailed) done.exit_code = 1 + static_cast<int>(rng_(3)), done.signal = rng_(2) ? 9 : 0;
      return done;
    }
    if (k < 67) return CancelJob{static_cast<JobId>(rng_(c.state().jobs.size() + 2))};
    const std::string node = topo_.node(static_cast<NodeId>(rng_(topo_.nodes().size()))).name;
    if (k < 70) return FailNode{node};
    if (k < 75) return NodeUp{node};
    if (k < 78) return DrainNode{node};
    if (k < 81) return ResumeNode{node};
    if (k < 85) return reservation();
    if (k < 87) return SetRefundPolicy{RefundPolicy{static_cast<int>(rng_(120)), static_cast<int>(rng_(101))}};
    if (k < 90) return AddTenant::root("org0");  // refused: declared twice
    if (!o_.credits) return Schedule{};
    const std::string t = kSubmitters[static_cast<std::size_t>(rng_(kSubmitters.size()))];
    if (k < 94) {
      AddGrant g;
      g.grant = {"g" + std::to_string(++grants_), t, "studio", (1 + rng_(100)) * 1000000, now_ + rng_(3) * 10 * kMinute,
                 now_ + kHour + rng_(3) * kHour};
      return g;
    }
    if (k < 96) {
      AddTopUp top;
      top.top_up = {"t" + std::to_string(++grants_), t, (1 + rng_(30)) * 1000000, ""};
      return top;
    }
    if (k < 98) return SetPrice{"A", "s0", 0, Price{(8 + rng_(8)) * 1000000, static_cast<int>(rng_(5000))}};
    Budget b;
    b.period = (1 + rng_(2)) * 20 * kMinute, b.credits = (10 + rng_(80)) * 1000000, b.hard = rng_(2) == 0;
    return SetBudget{t, rng_(5) == 0 ? std::nullopt : std::optional<Budget>(b)};
  }

  Command submit(const Core& c) {
    JobSpec s;
    s.name = "j" + std::to_string(++jobs_);
    const std::string t = kSubmitters[static_cast<std::size_t>(rng_(kSubmitters.size()))];
    s.tenant = *c.find_tenant(t);
    const TypeMask a = bit(*topo_.find_type("A")), b = bit(*topo_.find_type("B"));
    if (rng_(4) == 0) {
      s.slice = 1 + static_cast<int>(rng_(topo_.slice_profiles().size()));
      if (rng_(3) == 0) s.types = a;
    } else {
      const int sizes[] = {1, 1, 2, 4, 8, 8, 12, 16};
      s.gpus = sizes[rng_(std::size(sizes))];
      const long ty = rng_(6);
      s.types = ty == 0 ? a : ty == 1 ? b : 0;
      const long si = rng_(6);
      s.sites = si == 0 ? bit(0) : si == 1 ? bit(1) : 0;
      if (s.sites == 0 && rng_(4) == 0) s.prefer = bit(static_cast<std::uint32_t>(rng_(2)));
    }
    s.priority = rng_(5) == 0 ? 1 : 0;
    s.preemptible = rng_(7) != 0;
    if (o_.credits || rng_(2) == 0) s.time_limit = (1 + rng_(60)) * kMinute;
    if (rng_(3) == 0) s.checkpoint_every = 5 * kMinute;
    if (o_.oracle) s.oracle_duration = (1 + rng_(50)) * kMinute;
    if (rng_(20) == 0) s.deferrable = true, s.deadline = now_ + 4 * kHour;
    if (rng_(15) == 0) s.start_target = 5 * kMinute;
    return SubmitJob{s};
  }

  Command reservation() {
    AddReservation r;
    r.name = "r" + std::to_string(++reservations_);
    r.tenant = rng_(2) ? "c0" : "p0";
    r.site = "s0";
    r.gpu_type = "A";
    r.from = now_ + rng_(30) * kMinute;
    r.to = r.from + (5 + rng_(60)) * kMinute;
    if (rng_(2)) {
      r.slice = rng_(2) ? "1g.10gb" : "2g.20gb";
      r.slices = 1 + static_cast<int>(rng_(6));
    } else {
      r.gpus = 1 + static_cast<int>(rng_(8));
    }
    return r;
  }

  inline static const std::vector<std::string> kSubmitters = {"p0", "p1", "p2", "org1", "l0", "l1", "c0"};
  XorShift rng_;
  const Topology& topo_;
  StreamOptions o_;
  TimeMs now_ = 0;
  int jobs_ = 0, grants_ = 0, reservations_ = 0;
};

}  // namespace hexa::testing
