// Credit admission: the ledger behind the engine's Admission seam. A job starts only if its
// tenant can cover its time limit at its rate (live grants + cash + overdraft, and within a
// hard budget); the hold is placed at start, the GPU time used is metered when the segment
// ends, the rest is released. Work the cloud made the tenant pay twice is refunded, as far as
// the RefundPolicy says: a resumed segment's restart overhead, and the work a node failure
// threw away since the job's last checkpoint.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/admission.h"
#include "ledger/ledger.h"

namespace hexa {

class Reader;
class Writer;

// Percent of the cost of lost work given back (0..100), by what caused the loss.
struct RefundPolicy {
  int preemption_pct = 100;  // restart overhead after a preemption
  int failure_pct = 100;     // work since the last checkpoint, and restart overhead, after a node failure
  bool operator==(const RefundPolicy&) const = default;
};

class CreditAdmission final : public Admission {
 public:
  CreditAdmission(Ledger& ledger, DurationMs restart_overhead) : ledger_(ledger), overhead_(restart_overhead) {}

  bool admit(const ClusterState& s, const Job& j, const Allocation& alloc, TimeMs now, std::string* why) override;
  void started(const ClusterState& s, const Job& j, TimeMs now) override;
  void stopped(const ClusterState& s, const Job& j, TimeMs now) override;
  std::int64_t need(const ClusterState& s, const Job& j, const Allocation& alloc) const override;
  std::int64_t room(const ClusterState& s, TenantId t, TimeMs now) const override;
  std::int64_t price(const ClusterState& s, const Job& j, PoolId p) const override;

  void set_refunds(const RefundPolicy& p) { refunds_ = p; }
  // Money operations that failed since the last call, in words (Core: LedgerFault effects).
  std::vector<std::string> take_faults() { return std::exchange(faults_, {}); }
  const RefundPolicy& refunds() const { return refunds_; }
  // A node failure threw away `lost` ms of the job's useful work in the segment that just
  // closed: refunds failure_pct of its cost at that segment's rate.
  void lost_work(const ClusterState& s, const Job& j, DurationMs lost, TimeMs now);

  // The hold a job needs to start on `alloc` now.
  Result<HoldRequest> hold_for(const ClusterState& s, const Job& j, const Allocation& alloc) const;
  // What that hold is worth, without its names: admit() and need() ask for every placement the
  // scheduler tries, and copying five strings for each cost more than the price itself.
  struct Charge {
    Micro rate = 0;    // micro-credits per GPU-hour
    GpuMs gpu_ms = 0;  // the segment's GPU time by its time limit
    Micro amount = 0;  // what the hold sets aside, >= 1
  };
  Result<Charge> charge_for(const ClusterState& s, const Job& j, const Allocation& alloc) const;
  // "j17#2": job 17's third run segment.
  static std::string hold_id(const Job& j) { return hold_id(j.id, j.preemptions); }
  // The same for the segment after `preemptions` closed ones, without a copy of the job.
  static std::string hold_id(JobId id, int preemptions);

  // Snapshots (core/core_snapshot.cc): the refund policy, the holds that restart after a
  // failure, the faults not yet taken.
  void save(Writer& w) const;
  bool load(Reader& r);

 private:
  Ledger& ledger_;
  DurationMs overhead_;
  RefundPolicy refunds_;
  std::set<std::string> restart_cause_failure_;  // holds of segments that restart after a failure
  std::vector<std::string> faults_;
  // By JobId: 1 + the index in Ledger::holds() of the hold its running segment placed, 0 when
  // not known. A cache for stopped(), which checks the hold's id and looks it up when this
  // has none (a restored core starts with it empty): a lookup by id in a table of every hold
  // there was, at every segment's end, was a cache miss in a table of millions.
  std::vector<std::uint32_t> hold_of_;
  // Keeps a failed money operation for take_faults(); the run goes on.
  void check(const char* op, const std::string& id, const Status& st);
  // Refund `id` ("<hold>/<what>"): pct of the cost of `ms` of the job's GPUs at the hold's rate.
  void refund(const ClusterState& s, const Job& j, const std::string& id, DurationMs ms, int pct, const char* why,
              TimeMs now);
};

}  // namespace hexa
