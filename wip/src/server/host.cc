#include "server/host.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/command_json.h"

namespace hexa {

namespace {

using Json = nlohmann::json;

TimeMs system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Host::Host(const Scenario& cloud, std::string dir, HostOptions opt, std::unique_ptr<Journal> journal,
           std::unique_ptr<Core> core)
    : cloud_(cloud), topo_(cloud.topology.get()), dir_(std::move(dir)), opt_(std::move(opt)),
      journal_(std::move(journal)), core_(std::move(core)) {
  if (!opt_.wall_ms) opt_.wall_ms = system_ms;
}

Host::~Host() { stop(); }

Result<std::unique_ptr<Host>> Host::open(const Scenario& cloud, const std::string& dir, HostOptions opt) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/logs", ec);
  if (ec) return Status::Invalid("--state " + dir + ": cannot create it: " + ec.message());
  auto journal = Journal::open(dir);
  if (!journal.ok()) return journal.status();
  CoreOptions co;
  co.nodes_start_down = true;  // a node holds no work until its agent registers
  auto core = Core::make(*cloud.topology, cloud.options.sched, co);
  if (!core.ok()) return core.status();
  std::unique_ptr<Host> h(new Host(cloud, dir, std::move(opt), std::move(journal).value(), std::move(core).value()));
  Status st = h->journal_->last_seq() == 0 ? h->first_start() : h->replay();
  if (!st.ok()) return st;
  return h;
}

TimeMs Host::core_now() const { return std::max<TimeMs>(0, opt_.wall_ms() - origin_); }

std::string Host::envelope(const Command& c, const JobRun& run) const {
  Json e;
  e["c"] = Json::parse(encode_command(c, *core_));
  if (!run.argv.empty()) e["argv"] = run.argv;
  if (!run.env.empty()) e["env"] = run.env;
  return e.dump();
}

// The configuration's tenants and money become the journal's first batch, at core time 0:
// later starts read them from the journal, so that editing the file cannot rewrite history.
Status Host::first_start() {
  origin_ = opt_.wall_ms();
  std::vector<Command> setup(cloud_.options.tenants.begin(), cloud_.options.tenants.end());
  setup.insert(setup.end(), cloud_.options.setup.begin(), cloud_.options.setup.end());
  setup.push_back(Schedule{});
  std::vector<JournalEntry> batch;
  {
    std::unique_lock lock(mu_);
    for (const Command& c : setup) {
      JournalEntry e{0, 0, envelope(c, {}), ""};
      if (batch.empty()) {
        Json j = Json::parse(e.command);
        j["origin_ms"] = origin_;
        e.command = j.dump();
      }
      batch.push_back(std::move(e));
      // Applied one by one so that each is encoded against the state it will be decoded in.
      auto fx = apply_one(c, {}, 0);
      if (!fx.ok()) return Status::Invalid("the configuration: " + fx.status().message());
      on_effects(*fx, false);
    }
  }
  return journal_->append(batch);
}

Status Host::replay() {
  std::unique_lock lock(mu_);
  return journal_->read(0, [&](const JournalEntry& e) -> Status {
    Json env;
    try {
      env = Json::parse(e.command);
    } catch (const Json::exception& ex) {
      return Status::Invalid("journal row " + std::to_string(e.seq) + ": not JSON: " + ex.what());
    }
    if (e.seq == 1) origin_ = env.value("origin_ms", TimeMs{0});
    auto cmd = decode_command(env["c"].dump(), *core_);
    if (!cmd.ok()) return Status::Invalid("journal row " + std::to_string(e.seq) + ": " + cmd.status().message());
    JobRun run;
    if (env.contains("argv")) run.argv = env["argv"].get<std::vector<std::string>>();
    if (env.contains("env")) run.env = env["env"].get<std::map<std::string, std::string>>();
    run.request_id = e.request_id;
    auto fx = apply_one(*cmd, run, e.now);
    if (fx.ok()) on_effects(*fx, false);
    last_now_ = e.now;
    ++replayed_;
    return Status::Ok();
  });
}

Result<Effects> Host::apply_one(const Command& c, const JobRun& run, TimeMs now) {
  auto fx = core_->apply(c, now);
  if (!fx.ok()) return fx;
  for (const Effect& e : fx->list)
    if (auto* a = std::get_if<JobAccepted>(&e)) {
      if (runs_.size() <= a->job) runs_.resize(a->job + 1);
      runs_[a->job] = run;
      if (!run.request_id.empty()) requests_[run.request_id] = a->job;
    }
  if (fx->wake_at != kNever || std::holds_alternative<Schedule>(c)) wake_at_ = fx->wake_at;
  return fx;
}

std::optional<JobId> Host::job_for_request(const std::string& request_id) const {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return std::nullopt;
  return it->second;
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
  std::vector<std::pair<PlanFn, DoneFn>> left;
  {
    std::lock_guard lock(q_mu_);
    left.swap(queue_);
  }
  Outcome down;
  down.journal = Status::Unavailable("the server is shutting down");
  for (auto& item : left) item.second(down);
  std::lock_guard lock(agents_mu_);
  for (auto& [node, s] : agents_)
    if (s.waiting) (*s.waiting)(Status::Unavailable("the server is shutting down")), s.waiting.reset();
}

void Host::enqueue(PlanFn plan, DoneFn done) {
  {
    std::lock_guard lock(q_mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(plan), std::move(done));
      q_cv_.notify_one();
      return;
    }
  }
  Outcome down;
  down.journal = Status::Unavailable("the server is shutting down");
  done(down);
}

void Host::loop() {
  for (;;) {
    std::vector<std::pair<PlanFn, DoneFn>> items;
    {
      std::unique_lock lock(q_mu_);
      // Wake for the core's next instant, poll deadlines and node grace: at least every 100 ms.
      TimeMs wall_wake = wake_at_ == kNever ? kNever : wake_at_ + origin_;
      TimeMs until = std::min(opt_.wall_ms() + 100, wall_wake);
      DurationMs wait = std::max<TimeMs>(0, until - opt_.wall_ms());
      q_cv_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      items.swap(queue_);
    }
    TimeMs now = std::max(last_now_, core_now());
    housekeeping(now);
    {
      std::lock_guard lock(q_mu_);  // what housekeeping queued (lost nodes) joins this batch
      for (auto& it : queue_) items.push_back(std::move(it));
      queue_.clear();
    }
    if (!items.empty() || (wake_at_ != kNever && wake_at_ <= now)) run_batch(items, now);
  }
}

void Host::run_batch(std::vector<std::pair<PlanFn, DoneFn>>& items, TimeMs now) {
  std::vector<Plan> plans;
  std::vector<JournalEntry> batch;
  for (auto& item : items) {
    plans.push_back(item.first(*core_));
    Plan& p = plans.back();
    if (!p.run.request_id.empty() && !p.existing)
      for (const Plan& before : plans)  // the same key twice in one batch: the first wins
        if (&before != &p && before.run.request_id == p.run.request_id) p.commands.clear(), p.existing = JobId(~0u);
    for (const Command& c : p.commands) batch.push_back({0, now, envelope(c, p.run), p.run.request_id});
  }
  batch.push_back({0, now, envelope(Schedule{}, {}), ""});
  auto t0 = std::chrono::steady_clock::now();
  Status durable = journal_->append(batch);
  metrics_.commit.observe_us(micros_since(t0));
  std::vector<Outcome> outs(items.size());
  if (!durable.ok()) {
    for (std::size_t i = 0; i < items.size(); ++i) outs[i].journal = durable, items[i].second(outs[i]);
    return;
  }
  {
    std::unique_lock lock(mu_);
    for (std::size_t i = 0; i < plans.size(); ++i) {
      outs[i].existing = plans[i].existing;
      for (const Command& c : plans[i].commands) {
        auto fx = apply_one(c, plans[i].run, now);
        if (fx.ok()) on_effects(*fx, true);
        outs[i].results.push_back(std::move(fx));
      }
    }
    auto t1 = std::chrono::steady_clock::now();
    auto fx = apply_one(Schedule{}, {}, now);
    metrics_.pass.observe_us(micros_since(t1));
    if (fx.ok()) on_effects(*fx, true);
    last_now_ = now;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (outs[i].existing && *outs[i].existing == JobId(~0u))  // resolved now that the first applied
      outs[i].existing = read([&](const Core&) { return job_for_request(plans[i].run.request_id); });
    items[i].second(outs[i]);
  }
}

// REQUIRES: mu_ held exclusively (or replay). Keeps running_alloc_ and, live, sends orders.
void Host::on_effects(const Effects& fx, bool live) {
  std::unique_lock<std::mutex> agents;
  if (live) agents = std::unique_lock(agents_mu_);
  auto stop_all = [&](JobId job, int segment, std::optional<NodeId> except) {
    auto it = running_alloc_.find(job);
    if (it == running_alloc_.end()) return;
    if (live)
      for (const NodeGpus& g : it->second)
        if (!except || g.node != *except) send(topology().node(g.node).name, Order{false, job, segment, {}, {}, {}, 0, {}});
    running_alloc_.erase(it);
    rank_exits_.erase(job);
  };
  for (const Effect& e : fx.list) {
    if (auto* s = std::get_if<JobStarted>(&e)) {
      running_alloc_[s->job] = s->alloc;
      rank_exits_.erase(s->job);
      if (!live) continue;
      const Job& j = core_->job(s->job);
      std::vector<std::string> nodes;
      for (const NodeGpus& g : s->alloc) nodes.push_back(topology().node(g.node).name);
      for (std::size_t r = 0; r < s->alloc.size(); ++r) {
        Order o{true, s->job, s->segment, runs_[s->job].argv, runs_[s->job].env, {}, int(r), nodes};
        for (int i = 0; i < kMaxGpusPerNode; ++i)
          if (s->alloc[r].mask & bit(std::uint32_t(i))) o.gpus.push_back(i);
        o.env["HEXA_TENANT"] = core_->state().tenants[j.spec.tenant].name;
        send(nodes[r], std::move(o));
      }
    } else if (auto* p = std::get_if<JobPreempted>(&e)) {
      stop_all(p->job, p->segment, std::nullopt);
    } else if (auto* d = std::get_if<JobEnded>(&e)) {
      stop_all(d->job, d->segment, std::nullopt);
    } else if (auto* f = std::get_if<JobFailed>(&e)) {
      stop_all(f->job, f->segment, std::nullopt);
    }
  }
  if (live) flush_polls(opt_.wall_ms(), false);
}

void Host::send(const std::string& node, Order o) {
  auto it = agents_.find(node);
  if (it == agents_.end()) return;  // no agent: the node is down and holds nothing
  it->second.orders.push_back(std::move(o));
}

void Host::flush_polls(TimeMs wall, bool all) {
  for (auto& [node, s] : agents_) {
    if (!s.waiting) continue;
    if (s.orders.empty() && !all && wall < s.wait_until) continue;
    std::vector<Order> out(s.orders.begin(), s.orders.end());
    s.orders.clear();
    PollFn reply = std::move(*s.waiting);
    s.waiting.reset();
    reply(std::move(out));
  }
}

// Core thread, before each batch: empty long polls that reached their deadline, and nodes
// whose agents fell silent (lost: journaled as FailNode, so that replay sees it too).
void Host::housekeeping(TimeMs) {
  TimeMs wall = opt_.wall_ms();
  std::vector<std::string> lost;
  {
    std::lock_guard lock(agents_mu_);
    flush_polls(wall, false);
    for (auto it = agents_.begin(); it != agents_.end();) {
      if (wall - it->second.heard > opt_.node_grace) {
        lost.push_back(it->first);
        if (it->second.waiting) (*it->second.waiting)(Status::Conflict("node lost: register again"));
        it = agents_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& node : lost) {
    std::lock_guard lock(q_mu_);
    queue_.emplace_back([node](const Core&) { return Plan{{FailNode{node}}, {}, {}}; }, [](const Outcome&) {});
  }
}

void Host::register_agent(const std::string& node, int gpus, const std::string& gpu_type,
                          std::vector<std::pair<JobId, int>> running, std::function<void(Result<std::int64_t>)> done) {
  auto id = topology().find_node(node);
  if (!id) return done(Status::NotFound("node: '" + node + "' is not a node of this cloud's cluster"));
  const Node& n = topology().node(*id);
  const std::string type = topology().types().name(n.type);
  if (n.gpus != gpus || type != gpu_type)
    return done(Status::Invalid("node '" + node + "': the cluster declares " + std::to_string(n.gpus) + " " + type +
                                " GPUs, the agent has " + std::to_string(gpus) + " " + gpu_type));
  auto epoch = std::make_shared<std::int64_t>(0);
  enqueue(
      [this, node, nid = *id, running, epoch](const Core& core) {
        Plan p;
        // Jobs the core runs there that the agent does not: lost with the node, requeued.
        bool missing = false;
        for (JobId j : core.state().running)
          for (const NodeGpus& g : core.job(j).alloc)
            if (g.node == nid) {
              bool reported = false;
              for (auto& [rj, rs] : running) reported |= rj == j && rs == core.job(j).segment;
              missing |= !reported;
            }
        if (missing) p.commands.push_back(FailNode{node});
        if (missing || core.node_state(nid) != NodeState::kUp) p.commands.push_back(NodeUp{node});
        std::lock_guard lock(agents_mu_);
        TimeMs wall = opt_.wall_ms();
        *epoch = std::max(wall, last_epoch_[node] + 1);
        last_epoch_[node] = *epoch;
        Session& s = agents_[node];
        if (s.waiting) (*s.waiting)(Status::Conflict("a newer registration of this node")), s.waiting.reset();
        s = Session{};
        s.epoch = *epoch;
        s.heard = wall;
        // What the agent runs that is not running there now: stop it.
        for (auto& [rj, rs] : running) {
          bool here = !missing && rj < core.state().jobs.size() && core.job(rj).phase == JobPhase::kRunning &&
                      core.job(rj).segment == rs;
          if (!here) s.orders.push_back(Order{false, rj, rs, {}, {}, {}, 0, {}});
        }
        return p;
      },
      [done, epoch](const Outcome& o) {
        if (!o.journal.ok()) return done(o.journal);
        for (const auto& r : o.results)
          if (!r.ok()) return done(r.status());
        done(*epoch);
      });
}

Status Host::check_epoch(const std::string& node, std::int64_t epoch) {
  std::lock_guard lock(agents_mu_);
  auto it = agents_.find(node);
  if (it == agents_.end() || it->second.epoch != epoch)
    return Status::Conflict("node '" + node + "': epoch " + std::to_string(epoch) +
                            " is not current: stop every job and register again");
  it->second.heard = opt_.wall_ms();
  return Status::Ok();
}

void Host::poll(const std::string& node, std::int64_t epoch, DurationMs wait, PollFn reply) {
  std::lock_guard lock(agents_mu_);
  auto it = agents_.find(node);
  if (it == agents_.end() || it->second.epoch != epoch)
    return reply(Status::Conflict("node '" + node + "': epoch " + std::to_string(epoch) +
                                  " is not current: stop every job and register again"));
  Session& s = it->second;
  s.heard = opt_.wall_ms();
  if (s.waiting) (*s.waiting)(std::vector<Order>{}), s.waiting.reset();
  if (!s.orders.empty() || wait <= 0) {
    std::vector<Order> out(s.orders.begin(), s.orders.end());
    s.orders.clear();
    return reply(std::move(out));
  }
  s.waiting = std::move(reply);
  s.wait_until = s.heard + wait;
}

Status Host::report(const std::string& node, std::int64_t epoch, std::vector<AgentExit> exits) {
  if (Status st = check_epoch(node, epoch); !st.ok()) return st;
  if (exits.empty()) return Status::Ok();
  auto nid = *topology().find_node(node);
  enqueue(
      [this, nid, exits = std::move(exits)](const Core& core) {
        Plan p;
        for (const AgentExit& x : exits) {
          if (x.job >= core.state().jobs.size()) continue;
          const Job& j = core.job(x.job);
          if (j.phase != JobPhase::kRunning || j.segment != x.segment) continue;  // stale: already ended there
          int rank = -1;
          for (std::size_t r = 0; r < j.alloc.size(); ++r)
            if (j.alloc[r].node == nid) rank = int(r);
          if (rank < 0) continue;
          auto& ranks = rank_exits_[x.job];  // core thread only
          ranks[rank] = x.exit_code;
          bool failed = x.exit_code != 0 || x.signal != 0;
          if (failed || ranks.size() == j.alloc.size())
            p.commands.push_back(CompleteJob{x.job, x.segment, failed ? EndKind::kFailed : EndKind::kCompleted,
                                             x.exit_code, x.signal});
        }
        return p;
      },
      [](const Outcome&) {});
  return Status::Ok();
}

Host::AgentView Host::agent(const std::string& node) const {
  std::lock_guard lock(agents_mu_);
  auto it = agents_.find(node);
  if (it == agents_.end()) return {};
  return {true, it->second.heard};
}

std::uint64_t Host::digest() const {
  std::shared_lock lock(mu_);
  return core_->digest();
}

}  // namespace hexa
