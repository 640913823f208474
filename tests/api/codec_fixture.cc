#include "codec_fixture.h"

#include <sstream>

namespace hexa::codec_test {

Topology cloud() {
  Topology t;
  SiteId paris = *t.add_site("paris");
  BlockId h100 = *t.add_block(paris, "paris-h100", "H100");
  (void)t.add_node(h100, "p1", 8);
  (void)t.add_node(h100, "p2", 8);
  BlockId mig = *t.add_block(paris, "paris-mig", "A100");
  (void)t.set_sliced(mig);
  (void)t.add_node(mig, "pm1", 2);
  SiteId lyon = *t.add_site("lyon");
  BlockId a100 = *t.add_block(lyon, "lyon-a100", "A100");
  (void)t.add_node(a100, "l1", 4);
  return t;
}

std::unique_ptr<Core> make_core(const Topology& topo) {
  return std::move(Core::make(topo, SchedulerOptions{})).value();
}

namespace {

AddTenant tenant(std::string name, std::string parent, std::optional<TenantKind> kind, int weight = 1) {
  AddTenant t;
  t.name = std::move(name);
  t.parent = std::move(parent);
  t.kind = kind;
  t.weight = weight;
  return t;
}

SetPrice price(std::string type, std::string site, Micro credits, int discount_bps = 0) {
  SetPrice p;
  p.gpu_type = std::move(type);
  p.site = std::move(site);
  p.price = Price{credits * kCredit, discount_bps};
  return p;
}

}  // namespace

std::vector<Step> setup_steps() {
  AddTenant acme = tenant("acme", "", TenantKind::kOrganisation, 3);
  acme.quotas = {QuotaSpec{"", 24, -1, -1, 10, 100}, QuotaSpec{"H100", 12, 4, 8, -1, -1}};
  Budget soft;
  soft.period = kDay;
  soft.credits = 10 * kCredit;
  soft.alert_bps = {5000, 9000};
  return {
      {acme, 0},
      {tenant("acme-vision", "acme", std::nullopt, 2), 0},
      {tenant("school", "", TenantKind::kProgramme), 0},
      {tenant("cohort-1", "school", std::nullopt), 0},
      {tenant("ada", "cohort-1", TenantKind::kLearner), 0},
      {price("H100", "paris", 4, 2500), 0},
      {price("A100", "paris", 2), 0},
      {price("A100", "lyon", 2), 0},
      {AddGrant{{"g1", "acme-vision", "genai", 500 * kCredit, 0, 30 * kDay}}, 0},
      {AddGrant{{"g2", "ada", "school-fund", 20 * kCredit, 0, 7 * kDay}}, 0},
      {AddTopUp{{"t1", "acme", 100 * kCredit, "invoice 42"}}, 0},
      {SetOverdraft{"acme", 10 * kCredit}, 0},
      {SetBudget{"acme-vision", soft}, 0},
      {SetRefundPolicy{RefundPolicy{50, 75}}, 0},
      {AddReservation{"ws1", "cohort-1", "paris", "A100", 0, "1g.10gb", 3, kHour, 3 * kHour}, 0},
      {AddReservation{"demo", "acme", "lyon", "A100", 2, "", 0, 4 * kHour, 5 * kHour}, 0},
  };
}

JobSpec spec(const Core& core, JobRequest r) {
  auto s = resolve(r, core);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : JobSpec{};
}

JobRequest request(std::string name, std::string tenant, int gpus) {
  JobRequest r;
  r.name = std::move(name);
  r.tenant = std::move(tenant);
  r.gpus = gpus;
  return r;
}

std::vector<Step> job_steps(const Core& core) {
  JobRequest train = request("train-0", "acme-vision", 8);
  train.gpu_types = {"H100"};
  train.sites = {"paris"};
  train.time_limit = 2 * kHour;
  train.checkpoint_every = 30 * kMinute;
  JobRequest lab = request("lab-0", "ada");
  lab.slice = "1g.10gb";
  lab.time_limit = kHour;
  JobRequest etl = request("etl", "acme", 4);
  etl.gpu_types = {"A100"};
  etl.sites = {"lyon"};
  etl.preemptible = false;
  etl.time_limit = kHour;
  JobRequest night = request("night", "acme-vision", 2);
  night.time_limit = kHour;
  night.deferrable = true;
  night.deadline = 2 * kDay;
  JobRequest notebook = request("notebook", "acme");
  notebook.gpu_types = {"H100"};
  notebook.prefer = {"paris"};
  notebook.time_limit = 30 * kMinute;
  notebook.start_target = 5 * kMinute;
  JobRequest big = request("big", "acme-vision", 16);
  big.gpu_types = {"H100"};
  big.time_limit = kHour;
  std::vector<Step> s;
  for (const JobRequest& r : {train, lab, etl, night, notebook, big}) s.push_back({SubmitJob{spec(core, r)}, 0});
  s.push_back({Schedule{}, 0});
  s.push_back({CompleteJob{2, 1, EndKind::kCompleted, 0, 0}, 10 * kMinute});
  s.push_back({FailNode{"p1"}, 15 * kMinute});
  s.push_back({FailNode{"p2"}, 15 * kMinute});
  s.push_back({Schedule{}, 15 * kMinute});
  s.push_back({NodeUp{"p1"}, 20 * kMinute});
  s.push_back({NodeUp{"p2"}, 20 * kMinute});
  s.push_back({DrainNode{"l1"}, 20 * kMinute});
  s.push_back({Schedule{}, 20 * kMinute});
  s.push_back({ResumeNode{"l1"}, 21 * kMinute});
  s.push_back({Checkpoint{4, 2}, 22 * kMinute});
  s.push_back({CompleteJob{0, 1, EndKind::kCompleted, 0, 0}, 25 * kMinute});  // stale: segment 2 runs
  s.push_back({RequeueJob{0, 2}, 26 * kMinute});  // a drain's deadline: back in the queue
  s.push_back({CompleteJob{4, 2, EndKind::kFailed, 137, 9}, 30 * kMinute});
  s.push_back({CancelJob{3}, 30 * kMinute});
  s.push_back({CancelJob{999}, 30 * kMinute});  // no such job
  s.push_back({SetBudget{"acme-vision", std::nullopt}, 40 * kMinute});
  for (TimeMs t : {kHour, 2 * kHour, 2 * kHour + 20 * kMinute, 3 * kHour, 6 * kHour}) s.push_back({Schedule{}, t});
  return s;
}

namespace {

void alloc_text(std::ostream& o, const Allocation& a) {
  for (const NodeGpus& g : a) o << " n" << g.node << "/" << g.mask << "/" << int{g.slots} << "/" << int{g.slice};
}

struct EffectText {
  std::ostream& o;
  void operator()(const JobAccepted& e) { o << "accepted " << e.job; }
  void operator()(const JobRejected& e) { o << "rejected " << e.job << " " << e.reason; }
  void operator()(const JobStarted& e) {
    o << "started " << e.job << "#" << e.segment;
    alloc_text(o, e.alloc);
  }
  void operator()(const JobPreempted& e) { o << "preempted " << e.job << "#" << e.segment; }
  void operator()(const JobEnded& e) { o << "ended " << e.job << "#" << e.segment << " " << end_name(e.how); }
  void operator()(const JobFailed& e) { o << "failed " << e.job << "#" << e.segment << " lost " << e.lost; }
  void operator()(const BudgetAlerted& e) {
    o << "alert " << e.alert.tenant << " " << e.alert.threshold_bps << " " << e.alert.used << "/" << e.alert.limit;
  }
  void operator()(const LedgerFault& e) { o << "fault " << e.what; }
};

}  // namespace

std::string outcome_text(const Result<Effects>& r) {
  std::ostringstream o;
  if (!r.ok()) {
    o << "error " << static_cast<int>(r.status().code()) << " " << r.status().message();
    return o.str();
  }
  for (const Effect& e : r->list) {
    std::visit(EffectText{o}, e);
    o << "; ";
  }
  o << "wake " << r->wake_at;
  return o.str();
}

std::string spec_text(const JobSpec& s) {
  std::ostringstream o;
  o << s.name << " t" << s.tenant << " g" << s.gpus << " " << s.types << "/" << s.sites << "/" << s.prefer << " sl"
    << s.slice << " p" << s.priority << " " << s.preemptible << " " << s.time_limit << " " << s.checkpoint_every
    << " " << s.oracle_duration << " " << s.start_target << " " << s.deferrable << " " << s.deadline;
  return o.str();
}

std::string state_text(const Core& core) {
  std::ostringstream o;
  for (JobId id = 0; id < core.state().jobs.size(); ++id) {
    if (!core.has_job(id)) continue;
    const Job& j = core.job(id);
    o << id << " " << spec_text(j.spec) << " | " << phase_name(j.phase) << " seg" << j.segment << " "
      << end_name(j.end_kind) << " "
      << j.end_reason << " " << j.exit_code << "/" << j.exit_signal << " " << j.first_start << " " << j.last_start
      << " " << j.end << " " << j.run_ms << " " << j.useful_ms << " " << j.preemptions << " " << j.failures << " "
      << j.lost_ms;
    alloc_text(o, j.alloc);
    o << "\n";
  }
  for (const Tenant& t : core.state().tenants)
    o << t.name << " w" << t.weight << " parent " << t.parent << " " << kind_name(t.kind) << " q" << t.quotas.size()
      << " usage " << t.usage << " running " << t.running_gpus << "\n";
  for (const NodeStatus& n : core.state().nodes) o << n.online << n.drain << " ";
  return o.str();
}

}  // namespace hexa::codec_test
