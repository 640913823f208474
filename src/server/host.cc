#include "server/host.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/command_json.h"
#include "api/json_writer.h"
#include "net/log.h"
#include "server/host_record.h"
#include "store/snapshot_file.h"

namespace hexa {
namespace {

using Json = nlohmann::json;

// An Idempotency-Key makes a retry safe for a day, as in the APIs people know.
constexpr DurationMs kRequestTtl = kDay;

TimeMs system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

const std::string* node_of(const Command& c) {
  if (auto* u = std::get_if<NodeUp>(&c)) return &u->node;
  if (auto* f = std::get_if<FailNode>(&c)) return &f->node;
  return nullptr;
}

}  // namespace

Host::Host(const Scenario& cloud, std::string dir, HostOptions opt)
    : cloud_(cloud), dir_(std::move(dir)), opt_(std::move(opt)), logs_(dir_ + "/logs") {
  if (!opt_.clock) opt_.clock = system_ms;
}

Host::~Host() { stop(); }

Result<std::unique_ptr<Host>> Host::open(const Scenario& cloud, const std::string& dir, HostOptions opt,
                                         std::vector<std::string>* notes) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/logs", ec);
  if (ec) return Status::Invalid("--state " + dir + ": cannot create it: " + ec.message());
  std::unique_ptr<Host> h(new Host(cloud, dir, std::move(opt)));
  auto journal = h->opt_.open_journal ? h->opt_.open_journal(dir) : Journal::open(dir);
  if (!journal.ok()) return journal.status();
  h->journal_ = std::move(journal).value();
  CoreOptions co;
  co.nodes_start_down = true;  // a node holds no work until its agent registers
  co.retire_ended = true;      // ended jobs live on in the archive table, not in memory
  auto core = Core::make(*cloud.topology, cloud.options.sched, co);
  if (!core.ok()) return core.status();
  h->core_ = std::move(core).value();
  bool lead = true;  // a shared journal: only the lease's holder leads (host_replica.cc)
  if (Status st = h->open_replica(&lead); !st.ok()) return st;
  Status st = lead && h->journal_->last_seq() == 0 ? h->first_start() : h->recover(notes);
  if (!st.ok()) return st;
  // Agents keep their jobs across a restart of the server: each node with an agent has its
  // grace from now, and gets its jobs' start orders again (an agent ignores what it runs).
  if (lead) h->start_leading(false);
  return h;
}

TimeMs Host::now() const { return std::max(last_now_.load(), opt_.clock() - origin_); }

// A journal row: the command as the codec writes it, then for a submit "\n" and how to run it
// ({"argv": [...], "env": {...}, "request_id"}); for another command of an API request,
// "\n" and {"request_id": ...} (its X-Request-Id). Host records (no command) begin with '#'.
std::string Host::envelope(const Command& c, const Plan* plan) const {
  std::string out = encode_command(c, *core_);
  if (plan && std::holds_alternative<SubmitJob>(c)) {
    Json run{{"argv", plan->run.argv}};
    if (!plan->run.env.empty()) run["env"] = plan->run.env;
    if (plan->run.memory_mb > 0) run["memory_mb"] = plan->run.memory_mb;
    if (plan->run.cpus > 0) run["cpus"] = plan->run.cpus;
    if (!plan->x_request_id.empty()) run["request_id"] = plan->x_request_id;
    out += "\n" + run.dump();
  } else if (plan && !plan->x_request_id.empty()) {  // any other command a request wrote: its id alone
    out += "\n" + Json{{"request_id", plan->x_request_id}}.dump();
  }
  return out;
}

// The configuration's tenants and money become the journal's first batch, at core time 0:
// later starts read them from the journal, so that editing the file cannot rewrite history.
Status Host::first_start() {
  origin_ = opt_.clock() / kDay * kDay;
  std::vector<Command> setup(cloud_.options.tenants.begin(), cloud_.options.tenants.end());
  setup.insert(setup.end(), cloud_.options.setup.begin(), cloud_.options.setup.end());
  setup.push_back(Schedule{});
  std::vector<JournalEntry> batch;
  std::unique_lock lock(mu_);
  for (const Command& c : setup) {
    if (batch.empty()) batch.push_back({0, 0, "#" + Json{{"origin_ms", origin_}}.dump(), ""});
    batch.push_back({0, 0, envelope(c, nullptr), ""});
    // Applied one by one so that each is encoded against the state it will be decoded in.
    auto fx = apply_one(c, nullptr, static_cast<std::int64_t>(batch.size()), 0, false);  // rows 1.. in order
    if (!fx.ok()) return Status::Invalid("the configuration: " + fx.status().message());
  }
  if (Status st = journal_->append(batch); !st.ok()) return st;
  seq_ = batch.back().seq;
  return Status::Ok();
}

Status Host::restore_snapshot(std::int64_t seq, std::string_view bytes) {
  if (bytes.size() < 4) return Status::Invalid("too short");
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= std::uint32_t(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)])) << (8 * i);
  if (n > bytes.size() - 4) return Status::Invalid("host state longer than the file");
  auto core = Core::restore(*cloud_.topology, cloud_.options.sched, core_->options(), bytes.substr(4 + n));
  if (!core.ok()) return core.status();
  std::swap(core_, *core);
  if (Status st = load_host_state(bytes.substr(4, n)); !st.ok()) {
    std::swap(core_, *core);
    return st;
  }
  seq_ = snapshot_seq_ = seq;
  return Status::Ok();
}

Status Host::recover(std::vector<std::string>* notes) {
  std::unique_lock lock(mu_);
  SnapshotAccept accept = [&](std::int64_t seq, std::string_view bytes) { return restore_snapshot(seq, bytes); };
  SnapshotLoad loaded = opt_.load_snapshot               ? opt_.load_snapshot(accept)
                        : journal_->keeps_snapshots() ? journal_->load_snapshot(accept)
                                                      : load_newest_snapshot(snapshot_dir(dir_), accept);
  if (notes) notes->insert(notes->end(), loaded.notes.begin(), loaded.notes.end());
  if (loaded.seq && notes) notes->push_back("restored the snapshot at journal row " + std::to_string(*loaded.seq));
  auto st = journal_->read(seq_, [&](const JournalEntry& e) { return replay_entry(e); });
  if (!st.ok()) return st;
  snapshot_at_ = last_now_.load();
  return Status::Ok();
}

Status Host::replay_entry(const JournalEntry& e) {
  const std::string row = "journal row " + std::to_string(e.seq);
  last_now_ = std::max(last_now_.load(), e.now);
  ++replayed_;
  if (e.command.starts_with("#")) {  // a host record
    Json note = Json::parse(e.command.substr(1), nullptr, false);
    if (!note.is_object()) return Status::Invalid(row + ": a host record that is not a JSON object");
    if (Status st = check_host_record(note); !st.ok()) return Status::Invalid(row + ": " + st.message());
    if (note.contains("origin_ms")) origin_ = note["origin_ms"].get<TimeMs>();
    apply_note(note);
    seq_ = e.seq;
    return Status::Ok();
  }
  const std::size_t nl = e.command.find('\n');
  auto cmd = decode_command(std::string_view(e.command).substr(0, nl), *core_);
  if (!cmd.ok()) return Status::Invalid(row + ": " + cmd.status().message());
  Plan plan;
  plan.request_id = e.request_id;
  if (nl != std::string::npos) {
    Json run = Json::parse(e.command.substr(nl + 1), nullptr, false);
    if (!run.is_object()) return Status::Invalid(row + ": how to run the job is not a JSON object");
    auto read = read_job_run(run);
    if (!read.ok()) return Status::Invalid(row + ": how to run the job: " + read.status().message());
    plan.run = std::move(read).value();
  }
  (void)apply_one(*cmd, &plan, e.seq, e.now, false);  // refused live: refused again, the same way
  return Status::Ok();
}

Result<Effects> Host::apply_one(const Command& c, const Plan* plan, std::int64_t seq, TimeMs now, bool live) {
  auto fx = core_->apply(c, now);
  seq_ = seq;
  if (!fx.ok()) return fx;
  if (auto* r = std::get_if<ResumeNode>(&c)) drains_.erase(r->node);  // its reason and deadline end with it
  if (const std::string* node = node_of(c)) {
    if (std::holds_alternative<NodeUp>(c))
      agents_.registered(*node, seq, opt_.clock());  // the registration's row is its epoch
    else {
      agents_.lost(*node);
      if (live) metrics_.count_node_lost();  // hexa_nodes_lost_total
    }
  }
  if (live && plan) cause_ = plan->x_request_id;  // the stop orders this command causes carry it
  for (const Effect& e : fx->list)
    if (auto* a = std::get_if<JobAccepted>(&e)) {
      if (plan) runs_[a->job] = plan->run;
      if (plan && !plan->x_request_id.empty()) runs_[a->job].request_id = plan->x_request_id;  // live (replay: in run)
      if (plan && !plan->request_id.empty()) requests_[plan->request_id] = {a->job, now};
    }
  timelines_.record(c, *fx, *core_, now);  // before on_effects: an ended job is archived with them
  on_effects(*fx, live);
  cause_.clear();
  return fx;
}

void Host::send_start(JobId id, const Allocation& alloc) {
  const Job& j = core_->job(id);
  std::vector<std::string> nodes;
  for (const NodeGpus& g : alloc) nodes.push_back(topology().node(g.node).name);
  const JobRun* run = run_of(id);
  logs_.started(id, j.segment, nodes);
  for (std::size_t r = 0; r < alloc.size(); ++r) {
    Order o;
    o.job = id;
    o.segment = j.segment;
    o.restarts = j.preemptions;
    o.name = j.spec.name;
    o.tenant = core_->state().tenants[j.spec.tenant].name;
    if (run) o.argv = run->argv, o.env = run->env, o.memory_mb = run->memory_mb, o.cpus = run->cpus;
    if (run) o.request_id = run->request_id;  // the submit's X-Request-Id
    for (int i = 0; i < kMaxGpusPerNode; ++i)
      if (alloc[r].mask & bit(static_cast<std::uint32_t>(i))) o.gpus.push_back(i);
    o.rank = static_cast<int>(r);
    o.nodes = nodes;
    if (alloc[r].slots != 0 && alloc[r].slice != 0 && o.gpus.size() == 1) {  // a slice of one GPU
      o.slice_profile = topology().slice_profile(alloc[r].slice).name;
      o.slice_slots = alloc[r].slots;
      o.slice_uuid = agents_.mig_uuid(nodes[r], o.gpus[0], o.slice_slots);
    }
    o.master_addr = node_addr(nodes.front());
    o.master_port = gang_port(id, j.segment);
    agents_.send(nodes[r], std::move(o));
  }
}

void Host::send_stop(JobId id, int segment, const Allocation& alloc) {
  for (const NodeGpus& g : alloc) {
    Order o;
    o.start = false;
    o.job = id;
    o.segment = segment;
    o.grace_ms = opt_.stop_grace;
    o.request_id = cause_;
    agents_.send(topology().node(g.node).name, std::move(o));
  }
}

// REQUIRES: mu_ held exclusively (or replay). Keeps running_alloc_ and, live, sends orders.
void Host::on_effects(const Effects& fx, bool live) {
  auto stopped = [&](JobId job, int segment) {
    auto it = running_alloc_.find(job);
    if (it == running_alloc_.end()) return;
    if (live) send_stop(job, segment, it->second);
    rank_exits_.erase(job);
  };
  for (const Effect& e : fx.list) {
    if (auto* s = std::get_if<JobStarted>(&e)) {
      running_alloc_[s->job] = s->alloc;
      rank_exits_.erase(s->job);
      if (live) send_start(s->job, s->alloc);
    } else if (auto* p = std::get_if<JobPreempted>(&e)) {
      stopped(p->job, p->segment);
    } else if (auto* f = std::get_if<JobFailed>(&e)) {
      stopped(f->job, f->segment);
    } else if (auto* d = std::get_if<JobEnded>(&e)) {
      stopped(d->job, d->segment);
      archive(d->job);
      if (live) metrics_.count_ended(unwritten_.at(d->job).state);  // hexa_jobs_ended_total
    } else if (auto* r = std::get_if<JobRejected>(&e)) {
      archive(r->job);
      if (live) metrics_.count_ended(unwritten_.at(r->job).state);
    } else if (auto* lf = std::get_if<LedgerFault>(&e)) {
      metrics_.count_fault();
      log_event("hexa serve", "error", "LEDGER FAULT: " + lf->what);
    } else if (auto* b = std::get_if<BudgetAlerted>(&e)) {
      if (live)
        log_event("hexa serve", "warn", "budget alert: tenant " + b->alert.tenant + " at " +
                                            std::to_string(b->alert.threshold_bps / 100) + "% of its budget");
    }
  }
}

// The job ended: its object is made now, with where it ran, and kept for the archive table.
void Host::archive(JobId id) {
  const Job& j = core_->job(id);
  auto alloc = running_alloc_.find(id);
  const Allocation* last = alloc == running_alloc_.end() ? nullptr : &alloc->second;
  ArchivedJob a;
  a.id = id;
  a.tenant_path = tenant_path(*core_, j.spec.tenant);
  a.state = job_state(j);
  a.submitted_ms = origin_ + j.submit;
  a.ended_ms = origin_ + j.end;
  Json o = job_json(*core_, j, run_of(id), origin_, j.end, last);
  o["segments"] = timelines_.json(id, topology(), origin_);
  a.json = o.dump();
  timelines_.forget(id);
  unwritten_[id] = std::move(a);
  runs_.erase(id);
  if (alloc != running_alloc_.end()) running_alloc_.erase(alloc);
}

// Host records: what the server must remember across a restart beyond the core's commands.
// {"rank_exit": {"job": J, "segment": S, "rank": R, "code": C}}: one rank of a gang ended well.
void Host::apply_note(const Json& j) {
  apply_node_note(j);
  if (!j.is_object() || !j.contains("rank_exit")) return;
  const Json& x = j["rank_exit"];
  JobId job = x.value("job", JobId{0});
  if (!core_->has_job(job) || core_->job(job).segment != x.value("segment", -1)) return;
  rank_exits_[job][x.value("rank", 0)] = x.value("code", 0);
}

const JobRun* Host::run_of(JobId id) const {
  auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : &it->second;
}

std::optional<ArchivedJob> Host::ended_job(JobId id) const {
  auto it = unwritten_.find(id);
  if (it != unwritten_.end()) return it->second;
  return journal_->archived(id);
}

std::vector<ArchivedJob> Host::unwritten() const {
  std::vector<ArchivedJob> out;
  for (const auto& [id, a] : unwritten_) out.push_back(a);
  return out;
}

std::optional<JobId> Host::job_for_request(const std::string& request_id) const {
  auto it = requests_.find(request_id);
  if (it == requests_.end() || last_now_ - it->second.at > kRequestTtl) return std::nullopt;
  return it->second.job;
}

int Host::ranks_exited(JobId id) const {
  auto it = rank_exits_.find(id);
  return it == rank_exits_.end() ? 0 : static_cast<int>(it->second.size());
}

void Host::resend_starts(const std::vector<JobId>& ids) {
  std::shared_lock lock(mu_);
  for (JobId id : ids)
    if (core_->has_job(id) && core_->job(id).phase == JobPhase::kRunning) send_start(id, core_->job(id).alloc);
}

void Host::start() { thread_ = std::thread([this] { loop(); }); }

void Host::stop() {
  {
    std::lock_guard lock(q_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  q_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (snap_thread_.joinable()) snap_thread_.join();
  if (replica_ && replica_->leading()) replica_->follow(), journal_->release_lease();  // a follower takes over now
  std::vector<Item> left;
  {
    std::lock_guard lock(q_mu_);
    left.swap(queue_);
  }
  Outcome down;
  down.journal = Status::Unavailable("the server is shutting down");
  for (Item& item : left) item.done(down, *core_);
  agents_.close_all(Status::Unavailable("the server is shutting down"));
}

void Host::enqueue(PlanFn plan, DoneFn done) {
  {
    std::lock_guard lock(q_mu_);
    if (!stopping_) {
      queue_.push_back({std::move(plan), std::move(done)});
      q_cv_.notify_one();
      return;
    }
  }
  Outcome down;
  down.journal = Status::Unavailable("the server is shutting down");
  done(down, *core_);
}

void Host::loop() {
  for (;;) {
    std::vector<Item> items;
    {
      std::unique_lock lock(q_mu_);
      // Wake for the core's next instant, long-poll deadlines and agents' grace: every 100 ms at least.
      TimeMs wall = opt_.clock();
      TimeMs wake = core_->wake_at() == kNever ? kNever : core_->wake_at() + origin_;
      DurationMs wait = std::clamp<TimeMs>(wake - wall, 0, 100);
      // A follower's turn waits for the journal's new rows itself (Host::tail): waiting here
      // too made every row reach it 100 ms late. After a failed tail, the pause stays.
      if (replica_ && !replica_->leading() && !tail_failed_) wait = 0;
      q_cv_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      items.swap(queue_);
    }
    turn(items);
  }
}

void Host::step() {
  std::vector<Item> items;
  {
    std::lock_guard lock(q_mu_);
    items.swap(queue_);
  }
  turn(items);
}

void Host::turn(std::vector<Item>& items) {
  if (replica_ && !replica_turn(items)) return;  // a follower tails the journal, no more
  TimeMs now = this->now();
  housekeeping(now);
  {
    std::lock_guard lock(q_mu_);  // what housekeeping queued (lost nodes) joins this batch
    for (Item& it : queue_) items.push_back(std::move(it));
    queue_.clear();
  }
  if (!items.empty() || core_->wake_at() <= now) run_batch(items, now);
  (void)maybe_snapshot(now, false);
  agents_.flush(opt_.clock());
}

void Host::run_batch(std::vector<Item>& items, TimeMs now) {
  std::vector<Plan> plans;
  plans.reserve(items.size());
  std::vector<JournalEntry> batch;
  std::map<std::string, std::size_t> keys;  // the same key twice in one batch: the first makes the job
  for (Item& item : items) {
    plans.push_back(item.plan(*core_));
    Plan& p = plans.back();
    if (!p.refused.ok() || p.existing) continue;
    if (!p.request_id.empty() && !keys.emplace(p.request_id, plans.size() - 1).second) {
      p.commands.clear();
      continue;
    }
    for (const Command& c : p.commands) batch.push_back({0, now, envelope(c, &p), p.request_id});
    for (const std::string& n : p.notes) batch.push_back({0, now, "#" + n, ""});
  }
  batch.push_back({0, now, envelope(Schedule{}, nullptr), ""});
  std::vector<ArchivedJob> rows;
  for (auto& [id, a] : unwritten_) rows.push_back(a);
  if (replica_ && !replica_->lease_valid(mono())) {  // never an append without a lease it can prove
    step_down("the lease was not renewed within " + std::to_string(replica_->ttl()) + " ms");
    return refuse(items, Status::Unavailable("this server no longer leads; retry: another server takes the lease"));
  }
  auto t0 = std::chrono::steady_clock::now();
  Status durable = journal_->append(batch, rows);
  if (replica_ && durable.code() == StatusCode::kConflict) {  // fenced: another server leads
    step_down(durable.message());
    durable = Status::Unavailable("this server no longer leads (" + durable.message() + "); retry: another server leads");
  }
  metrics_.commit.observe_us(micros_since(t0));
  std::vector<Outcome> outs(items.size());
  if (durable.ok() == journal_failing_) {  // said once when writes stop, once when they resume
    journal_failing_ = !durable.ok();
    log_event("hexa serve", durable.ok() ? "info" : "error", durable.ok() ? "the journal takes writes again" : "writes refused (503) until the journal takes them again: " + durable.message());
  }
  if (!durable.ok()) {
    for (std::size_t i = 0; i < items.size(); ++i) outs[i].journal = durable, items[i].done(outs[i], *core_);
    return;
  }
  {
    std::unique_lock lock(mu_);
    unwritten_.clear();
    std::size_t at = 0;
    for (std::size_t i = 0; i < plans.size(); ++i) {
      const Plan& p = plans[i];
      outs[i].existing = p.existing;
      if (!p.refused.ok() || p.existing) continue;
      if (!p.commands.empty()) outs[i].first_seq = batch[at].seq;
      for (const Command& c : p.commands) outs[i].results.push_back(apply_one(c, &p, batch[at++].seq, now, true));
      for (const std::string& n : p.notes) apply_note(Json::parse(n, nullptr, false)), seq_ = batch[at++].seq;
    }
    auto t1 = std::chrono::steady_clock::now();
    (void)apply_one(Schedule{}, nullptr, batch.back().seq, now, true);
    metrics_.pass.observe_us(micros_since(t1));
    last_now_ = now;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!plans[i].refused.ok()) outs[i].journal = plans[i].refused, outs[i].field = plans[i].field;
    if (!plans[i].request_id.empty() && plans[i].commands.empty() && !plans[i].existing)
      outs[i].existing = job_for_request(plans[i].request_id);  // its twin in this batch made it
    items[i].done(outs[i], *core_);
  }
  agents_.flush(opt_.clock());
}

// Core thread, before each batch: agents silent for longer than the grace have lost their
// node: journaled as FailNode, so that replay sees it too.
void Host::housekeeping(TimeMs now) {
  drain_deadlines(now);
  finish_gangs();
  for (const std::string& node : agents_.silent(opt_.clock(), opt_.node_grace)) {
    agents_.lost(node);
    log_event("hexa serve", "warn", "node " + node + " lost: its agent was silent for over " +
                                        std::to_string(opt_.node_grace / kSecond) + " s");
    std::lock_guard lock(q_mu_);
    queue_.push_back({[node](const Core& core) {
                        Plan p;
                        auto id = core.topology().find_node(node);
                        if (id && core.node(*id).online) p.commands.push_back(FailNode{node});
                        return p;
                      },
                      [](const Outcome&, const Core&) {}});
  }
}

std::uint64_t Host::digest() const {
  std::shared_lock lock(mu_);
  return core_->digest();
}

// The host's own state for a snapshot, as JSON text written by hand (a DOM of 100,000 jobs'
// command lines cost the core thread 150 ms): [origin, ..., runs, requests, ...] by name.
std::string Host::host_state() const {
  JsonWriter w;
  w.begin_object();
  w.key("origin_ms"), w.integer(origin_);
  w.key("last_now"), w.integer(last_now_.load());
  w.key("runs"), w.begin_array();
  for (const auto& [id, r] : runs_) {
    w.begin_array(), w.integer(id), w.begin_array();
    for (const std::string& a : r.argv) w.string(a);
    w.end_array(), w.begin_object();
    for (const auto& [k, v] : r.env) w.key(k), w.string(v);
    w.end_object();
    if (r.memory_mb > 0 || r.cpus > 0 || !r.request_id.empty()) w.integer(r.memory_mb), w.integer(r.cpus);  // limits, when given
    if (!r.request_id.empty()) w.string(r.request_id);
    w.end_array();
  }
  w.end_array();
  w.key("requests"), w.begin_array();
  for (const auto& [key, r] : requests_)
    if (last_now_ - r.at <= kRequestTtl) w.begin_array(), w.string(key), w.integer(r.job), w.integer(r.at), w.end_array();
  w.end_array();
  w.key("rank_exits"), w.begin_array();
  for (const auto& [job, m] : rank_exits_)
    for (const auto& [rank, code] : m) w.begin_array(), w.integer(job), w.integer(rank), w.integer(code), w.end_array();
  w.end_array();
  w.key("allocs"), w.begin_array();
  for (const auto& [job, a] : running_alloc_) {
    w.begin_array(), w.integer(job), w.begin_array();
    for (const NodeGpus& g : a)
      w.begin_array(), w.integer(g.node), w.integer(static_cast<std::int64_t>(g.mask)), w.integer(g.slots),
          w.integer(g.slice), w.end_array();
    w.end_array(), w.end_array();
  }
  w.end_array();
  write_nodes(w);
  w.key("timelines"), timelines_.write(w);
  w.key("epochs"), w.begin_array();
  for (const NodeInfo& n : topology().nodes())
    if (std::int64_t e = agents_.epoch(n.name)) w.begin_array(), w.string(n.name), w.integer(e), w.end_array();
  w.end_array();
  w.end_object();
  return w.take();
}

Status Host::load_host_state(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::Invalid("host state: not a JSON object");
  try {
    origin_ = j.at("origin_ms").get<TimeMs>();
    last_now_ = j.at("last_now").get<TimeMs>();
    runs_.clear();
    for (const Json& r : j.at("runs")) {
      JobRun& run = runs_[r.at(0).get<JobId>()] = JobRun{};
      run.argv = r.at(1).get<std::vector<std::string>>();
      run.env = r.at(2).get<std::map<std::string, std::string>>();
      if (r.size() >= 5) run.memory_mb = r.at(3).get<std::int64_t>(), run.cpus = r.at(4).get<std::int64_t>();
      if (r.size() >= 6) run.request_id = r.at(5).get<std::string>();
    }
    requests_.clear();
    for (const Json& r : j.at("requests")) requests_[r.at(0).get<std::string>()] = {r.at(1).get<JobId>(), r.at(2).get<TimeMs>()};
    rank_exits_.clear();
    for (const Json& r : j.at("rank_exits")) rank_exits_[r.at(0).get<JobId>()][r.at(1).get<int>()] = r.at(2).get<int>();
    running_alloc_.clear();
    for (const Json& r : j.at("allocs")) {
      Allocation a;
      for (const Json& g : r.at(1))
        a.push_back({g.at(0).get<NodeId>(), g.at(1).get<std::uint64_t>(), g.at(2).get<std::uint8_t>(),
                     g.at(3).get<std::uint8_t>()});
      running_alloc_[r.at(0).get<JobId>()] = std::move(a);
    }
    read_nodes(j);
    if (j.contains("timelines")) timelines_.read(j["timelines"]);  // older snapshots have none
    for (const Json& e : j.at("epochs")) agents_.registered(e.at(0).get<std::string>(), e.at(1).get<std::int64_t>(), 0);
  } catch (const Json::exception& e) {
    return Status::Invalid(std::string("host state: ") + e.what());
  }
  return Status::Ok();
}

Status Host::snapshot_now() {
  Status st = Status::Ok();
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  enqueue([](const Core&) { return Plan{}; },
          [&](const Outcome& o, const Core&) {
            std::lock_guard lock(m);
            st = o.journal.ok() ? maybe_snapshot(last_now_.load(), true) : o.journal;
            done = true;
            cv.notify_one();
          });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done; });
  return st;
}

// Core thread. Ended jobs not yet in the archive table go there first: the snapshot is past
// the rows that made them.
// Core thread. Ended jobs not yet in the archive table go there first: the snapshot is past
// the rows that made them. The state is captured here; the file is written (and fsynced) by a
// thread of its own, so that the core thread does not wait for the disk, unless `force`.
Status Host::maybe_snapshot(TimeMs now, bool force) {
  const bool due = seq_ - snapshot_seq_ >= opt_.snapshot_every ||
                   (opt_.snapshot_interval > 0 && now - snapshot_at_ >= opt_.snapshot_interval && seq_ > snapshot_seq_);
  if (!force && (!due || snap_busy_.load())) return Status::Ok();  // busy: the last one is still being written
  if (!leading()) return Status::Unavailable("this server follows: the leader writes the snapshots");
  if (!unwritten_.empty()) {
    std::vector<JournalEntry> none;
    std::vector<ArchivedJob> rows;
    for (auto& [id, a] : unwritten_) rows.push_back(a);
    if (Status st = journal_->append(none, rows); !st.ok()) return st;
    unwritten_.clear();
  }
  auto t0 = std::chrono::steady_clock::now();
  const std::string host = host_state();
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((host.size() >> (8 * i)) & 0xff);
  bytes += host;
  bytes += core_->snapshot();
  const std::int64_t capture_ms = micros_since(t0) / 1000;
  snapshot_seq_ = seq_;
  snapshot_at_ = now;
  if (snap_thread_.joinable()) snap_thread_.join();
  auto write = [this, seq = seq_, bytes = std::move(bytes), t0, capture_ms] {
    Status st = opt_.save_snapshot               ? opt_.save_snapshot(seq, bytes)
                : journal_->keeps_snapshots() ? journal_->save_snapshot(seq, bytes)
                                              : write_snapshot(snapshot_dir(dir_), seq, bytes);
    metrics_.snapshot.observe_us(micros_since(t0));
    if (st.ok())
      log_event("hexa serve", "info", "snapshot at row " + std::to_string(seq) + ": " + std::to_string(bytes.size()) +
                                          " bytes in " + std::to_string(micros_since(t0) / 1000) + " ms (" +
                                          std::to_string(capture_ms) + " ms on the core thread)");
    else
      log_event("hexa serve", "error", "snapshot at row " + std::to_string(seq) + " not written: " + st.message());
    snap_busy_ = false;
    return st;
  };
  if (force || !thread_.joinable()) return write();  // manual mode (step): no thread of its own
  snap_busy_ = true;
  snap_thread_ = std::thread(write);
  return Status::Ok();
}

}  // namespace hexa
