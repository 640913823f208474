// The invariants, checked after every step of the server and at every job's start on a node:
//   - no GPU held by two running jobs (the core), nor by two live processes (the nodes);
//   - gangs whole: all of a job's GPUs placed, or none;
//   - a job's segment whose node was counted lost (FailNode, or a new registration that left
//     it out) has no process left on that node when a later segment of it starts: the fence
//     came first (no stop order goes there);
//   - every acknowledged submit is there (the core or the archive), and the same key never
//     answers two jobs;
//   - every job ends once: once ended, its state and end never change and it never runs again;
//   - every run segment is charged once: a running segment holds exactly one open hold, every
//     other hold is released (metered once), no ledger fault, and the ledger balances;
//   - after every restart, the state is what a fresh replay of the journal gives, and after a
//     crash between two steps, the very state the server had.
#include <bit>

#include <nlohmann/json.hpp>

#include "core/credits.h"
#include "server/api.h"
#include "server/host.h"
#include "dst/world.h"

namespace hexa::dst {

// The FailNode and RequeueJob rows the journal took since the last look (rows are never taken
// back: a crashed append keeps its whole batch or none of it).
World::LostRows World::scan_lost_rows() {
  LostRows out;
  for (; rows_scanned_ < disk_.rows.size(); ++rows_scanned_) {
    const std::string& cmd = disk_.rows[rows_scanned_].command;
    if (cmd.starts_with("#")) continue;  // a host record
    nlohmann::json j = nlohmann::json::parse(cmd.substr(0, cmd.find('\n')), nullptr, false);
    const std::string type = j.is_object() ? j.value("type", "") : "";
    if (type == "fail_node") out.nodes.insert(j.value("node", ""));
    if (type == "requeue_job") out.segments.insert({j.value("job", JobId{0}), j.value("segment", 0)});
  }
  return out;
}

void World::check_server() {
  const std::string why = host_->read([&](const Core& core) -> std::string {
    const ClusterState& s = core.state();
    const Topology& topo = core.topology();
    std::vector<std::uint64_t> used(topo.nodes().size(), 0);
    std::set<std::string> open_holds;
    std::map<JobId, std::pair<int, std::vector<int>>> running;
    for (JobId id : s.running) {
      const Job& j = core.job(id);
      int gpus = 0;
      std::vector<int> nodes;
      for (const NodeGpus& g : j.alloc) {
        if (used[g.node] & g.mask)
          return "GPU held by two running jobs on " + topo.node(g.node).name + " (job " + std::to_string(id) + " among them)";
        used[g.node] |= g.mask;
        gpus += std::popcount(g.mask);
        nodes.push_back(static_cast<int>(g.node));
      }
      if (gpus != j.spec.gpus)
        return "job " + std::to_string(id) + " runs on " + std::to_string(gpus) + " of its " + std::to_string(j.spec.gpus) + " GPUs: a gang not whole";
      running[id] = {j.segment, nodes};
      const Hold* h = core.ledger().find_hold(CreditAdmission::hold_id(j));
      if (!h || h->released) return "job " + std::to_string(id) + " runs without its open hold " + CreditAdmission::hold_id(j);
      open_holds.insert(CreditAdmission::hold_id(j));
    }
    for (const Hold& h : core.ledger().holds())
      if (!h.released && !open_holds.count(h.req.id)) return "hold " + h.req.id + " open though its segment does not run";
    if (core.ledger().book().total() != 0) return "the ledger does not balance";
    if (host_->metrics().faults() != 0) return "a ledger fault (see the server's lines)";
    // Segments that left the running set since the last step because the server counted them
    // lost on a node get no stop order there: the node failed (FailNode), or registered anew
    // without them (a new epoch, and RequeueJob). Their processes there must be gone before a
    // later segment starts (the fence came first). Elsewhere, as after a preemption (even one
    // right after a registration: seed 193498), a stop order is on its way.
    const LostRows lost = scan_lost_rows();
    for (const auto& [id, seg] : running_) {
      auto now_running = running.find(id);
      if (now_running != running.end() && now_running->second.first == seg.first) continue;
      for (int n : seg.second) {
        const std::string& name = topo.node(static_cast<NodeId>(n)).name;
        const bool registered_anew = host_->agents().epoch(name) != epochs_[name];
        if (!core.node(static_cast<NodeId>(n)).online || lost.nodes.count(name) ||
            (registered_anew && lost.segments.count({id, seg.first}))) {
          lost_segments_.insert({{id, seg.first}, name});
          say("job " + std::to_string(id) + "/" + std::to_string(seg.first) + " lost with node " + name);
        }
      }
    }
    running_ = std::move(running);
    for (const NodeInfo& n : topo.nodes()) epochs_[n.name] = host_->agents().epoch(n.name);
    for (const ClientJob& cj : jobs_) {
      if (!cj.acked) continue;
      const std::string job = "job " + std::to_string(cj.id) + " (key " + cj.key + ")";
      const bool live = core.has_job(cj.id) &&
                        (core.job(cj.id).phase == JobPhase::kPending || core.job(cj.id).phase == JobPhase::kRunning);
      auto ended = host_->ended_job(cj.id);
      if (!live && !ended) return "acknowledged " + job + " is gone: neither in the core nor in the archive";
      auto seen = ended_.find(cj.id);
      if (live && seen != ended_.end()) return job + " ended (" + seen->second.state + ") and is back: it ends twice";
      if (!ended) continue;
      if (live) return job + " is both live and ended";
      Seen now_seen{ended->state, ended->ended_ms};
      if (seen == ended_.end()) {
        ended_[cj.id] = now_seen;
      } else if (seen->second.state != now_seen.state || seen->second.ended_ms != now_seen.ended_ms) {
        return job + " ended twice: " + seen->second.state + " at " + std::to_string(seen->second.ended_ms) + ", then " +
               now_seen.state + " at " + std::to_string(now_seen.ended_ms);
      }
    }
    return "";
  });
  if (!why.empty()) fail(why);
}

void World::check_proc_start(int n, const SimProc& p) {
  const std::string& here = nodes_[static_cast<std::size_t>(n)].name;
  for (const SimProc& o : nodes_[static_cast<std::size_t>(n)].procs)
    for (int g : o.gpus)
      if (o.live() && std::find(p.gpus.begin(), p.gpus.end(), g) != p.gpus.end())
        return fail("GPU " + std::to_string(g) + " of " + here + ": job " + std::to_string(p.key.job) + "/" +
                    std::to_string(p.key.segment) + " starts while job " + std::to_string(o.key.job) + "/" +
                    std::to_string(o.key.segment) + " still runs there");
  for (const SimNode& node : nodes_)
    for (const SimProc& o : node.procs) {
      if (!o.live() || o.key.job != p.key.job) continue;
      if (o.key.segment == p.key.segment && o.rank == p.rank)
        return fail("job " + std::to_string(p.key.job) + "/" + std::to_string(p.key.segment) + " rank " +
                    std::to_string(p.rank) + " starts on " + here + " while it runs on " + node.name);
      if (o.key.segment < p.key.segment && lost_segments_.count({o.key, node.name}))
        return fail("job " + std::to_string(p.key.job) + ": segment " + std::to_string(p.key.segment) + " starts on " + here +
                    " while segment " + std::to_string(o.key.segment) + " still runs on " + node.name +
                    ", whose loss the server counted before the fence stopped it");
    }
  say(here + ": job " + std::to_string(p.key.job) + "/" + std::to_string(p.key.segment) + " started on GPUs " +
      nlohmann::json(p.gpus).dump());
}

// After a restart: the restored state (snapshot + the journal after it) is what a fresh replay
// of the whole journal gives; after a crash between two steps, it is the state before it.
void World::check_restart() {
  const std::uint64_t restored = host_->digest();
  if (digest_at_crash_ && *digest_at_crash_ != restored)
    return fail("the restarted server's state differs from the state it crashed in (digest)");
  HostOptions opt = host_->options();
  opt.load_snapshot = [](const SnapshotAccept&) { return SnapshotLoad{}; };  // the whole journal
  auto fresh = Host::open(*setup_.cloud, setup_.dir, opt);
  if (!fresh.ok()) return fail("a fresh replay of the journal fails: " + fresh.status().message());
  if ((*fresh)->digest() != restored) return fail("the restored state differs from a fresh replay of the journal (digest)");
}

// The end of the calm: every acknowledged job ended, and no process of an ended job is left
// running unstopped on a node; then a last crash and restart.
void World::check_final() {
  if (!server_up_) return fail("the server is still down at the end");
  check_server();
  for (const ClientJob& cj : jobs_)
    if (cj.acked && !ended_.count(cj.id)) return fail("acknowledged job " + std::to_string(cj.id) + " never ended");
  for (const SimNode& node : nodes_)
    for (const SimProc& p : node.procs)
      if (p.live() && !p.stopping && ended_.count(p.key.job))
        return fail("job " + std::to_string(p.key.job) + "/" + std::to_string(p.key.segment) + " ended at the server (" +
                    ended_[p.key.job].state + ") but still runs on " + node.name + ", never told to stop");
  crash_server(true);
  restart_server();
}

}  // namespace hexa::dst
