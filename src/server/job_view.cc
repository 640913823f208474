#include "server/job_view.h"

#include <nlohmann/json.hpp>

#include "core/credits.h"
#include "core/job_request.h"
#include "engine/start_estimate.h"

namespace hexa {

const char* job_state(const Job& j) {
  switch (j.phase) {
    case JobPhase::kPending: return "pending";
    case JobPhase::kRunning: return "running";
    case JobPhase::kCancelled: return "cancelled";
    case JobPhase::kRejected: return "rejected";
    case JobPhase::kFinished: break;
  }
  switch (j.end_kind) {
    case EndKind::kTimeout: return "timeout";
    case EndKind::kFailed: return "failed";
    default: return "finished";
  }
}

bool ended_state(const std::string& state) { return state != "pending" && state != "running"; }

std::string tenant_path(const Core& core, TenantId t) {
  std::vector<const std::string*> names;
  for (; t != kNoTenant; t = core.state().tenants[t].parent) names.push_back(&core.state().tenants[t].name);
  std::string path = "/";
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += **it + "/";
  return path;
}

Micro job_credits(const Core& core, const Job& j, TimeMs now) {
  if (!core.credits_on()) return 0;
  Micro total = 0;
  Job seg = j;
  const Hold* last = nullptr;
  for (int k = 0; k <= j.preemptions; ++k) {
    seg.preemptions = k;
    if (const Hold* h = core.ledger().find_hold(CreditAdmission::hold_id(seg))) total += h->posted, last = h;
  }
  if (j.phase == JobPhase::kRunning && last && !last->released) {  // the segment so far, not metered yet
    const Topology& topo = core.topology();
    DurationMs ms = now - j.last_start;
    GpuMs used = j.spec.slice ? slice_gpu_ms(topo.slice_profile(j.spec.slice).compute, ms) : GpuMs{j.spec.gpus} * ms;
    if (auto cost = usage_cost(used, last->req.rate); cost.ok()) total += std::min(*cost, last->req.amount);
  }
  return total;
}

namespace {

nlohmann::json wall(TimeMs t, TimeMs origin) { return t < 0 ? nlohmann::json(nullptr) : nlohmann::json(origin + t); }

std::string reason(const Core& core, const Job& j) {
  if (j.phase == JobPhase::kPending) return core.explain(j.id);
  if (j.phase != JobPhase::kRunning) return j.end_reason;
  std::string on;
  for (const NodeGpus& g : j.alloc) on += (on.empty() ? "" : ", ") + core.topology().node(g.node).name;
  return "running on " + on;
}

// When a pending job is expected to start (engine/start_estimate.h): wall-clock ms or null,
// and how it was estimated or why it is unknown. Both null for a job that does not wait.
void add_estimate(const Core& core, const Job& j, TimeMs origin, EstimateWay way, nlohmann::json& o) {
  if (j.phase != JobPhase::kPending) {
    o["estimated_start_ms"] = nullptr;
    o["estimated_start_note"] = nullptr;
    return;
  }
  auto all = way == EstimateWay::kWorkOut ? core.start_estimates() : core.ready_start_estimates();
  if (!all) {
    o["estimated_start_ms"] = nullptr;
    o["estimated_start_note"] = kEstimateOnGet;
    return;
  }
  StartEstimate e = all->of(j);
  o["estimated_start_ms"] = e.known() ? nlohmann::json(origin + e.at) : nlohmann::json(nullptr);
  o["estimated_start_note"] = note_text(e.note, core.scheduler().policy().name());
}

}  // namespace

nlohmann::json job_json(const Core& core, const Job& j, const JobRun* run, TimeMs origin, TimeMs now,
                        const Allocation* last_alloc, EstimateWay way) {
  const Topology& topo = core.topology();
  nlohmann::json o;
  o["id"] = j.id;
  o["name"] = j.spec.name;
  o["tenant"] = core.state().tenants[j.spec.tenant].name;
  o["state"] = job_state(j);
  o["reason"] = reason(core, j);
  o["gpus"] = j.spec.gpus;
  const auto types = describe(j.spec, core);
  o["gpu_type"] = types.gpu_types.size() == 1 ? nlohmann::json(types.gpu_types[0]) : nlohmann::json(nullptr);
  o["site"] = types.sites.size() == 1 ? nlohmann::json(types.sites[0]) : nlohmann::json(nullptr);
  o["slice"] = j.spec.slice ? nlohmann::json(topo.slice_profile(j.spec.slice).name) : nlohmann::json(nullptr);
  o["priority"] = j.spec.priority;
  o["preemptible"] = j.spec.preemptible;
  o["time_limit_s"] = j.spec.time_limit / kSecond;
  o["command"] = run ? run->argv : std::vector<std::string>{};
  o["submitted_ms"] = origin + j.submit;
  o["started_ms"] = wall(j.first_start, origin);
  o["ended_ms"] = wall(j.end, origin);
  o["segment"] = j.segment;
  o["restarts"] = j.preemptions;
  nlohmann::json nodes = nlohmann::json::array(), gpus = nlohmann::json::array();
  const Allocation& alloc = j.alloc.empty() && last_alloc ? *last_alloc : j.alloc;
  for (const NodeGpus& g : alloc) {
    nodes.push_back(topo.node(g.node).name);
    nlohmann::json idx = nlohmann::json::array();
    for (int i = 0; i < kMaxGpusPerNode; ++i)
      if (g.mask & bit(static_cast<std::uint32_t>(i))) idx.push_back(i);
    gpus.push_back(std::move(idx));
  }
  o["nodes"] = std::move(nodes);
  o["gpu_indices"] = std::move(gpus);
  o["exit_code"] = j.end_kind == EndKind::kCompleted || j.end_kind == EndKind::kFailed ? nlohmann::json(j.exit_code)
                                                                                         : nlohmann::json(nullptr);
  o["exit_signal"] = j.exit_signal ? nlohmann::json(j.exit_signal) : nlohmann::json(nullptr);
  o["credits_micro"] = job_credits(core, j, now);
  o["run_ms"] = j.run_ms + (j.phase == JobPhase::kRunning ? now - j.last_start : 0);
  o["lost_ms"] = j.lost_ms;  // useful work lost to node failures (after its last checkpoint), done again
  add_estimate(core, j, origin, way, o);
  return o;
}

}  // namespace hexa
