// /v1/nodes: the nodes with their state, GPUs and agents; drain and resume (docs/server.md, Nodes).
#include "server/api.h"

namespace hexa {
namespace {

// What runs on each node: its jobs and whole GPUs in use, from one pass over the running jobs
// (a pass per node was nodes x running: 0.1 s and more for 1,250 nodes and 10,000 jobs).
struct NodeUse {
  std::vector<JobId> jobs;
  int used = 0;
  std::vector<std::pair<int, const NodeGpus*>> slices;  // sliced nodes: (GPU index, holding)
};
std::vector<NodeUse> node_uses(const Core& core) {
  std::vector<NodeUse> out(core.topology().nodes().size());
  for (JobId id : core.state().running)
    for (const NodeGpus& g : core.job(id).alloc) {
      out[g.node].jobs.push_back(id);
      out[g.node].used += g.slots ? 0 : std::popcount(g.mask);
      if (g.slots && g.slice && g.mask) out[g.node].slices.emplace_back(std::countr_zero(g.mask), &g);
    }
  return out;
}

// A sliced node's GPUs: the slice profiles in use on each and the memory slots left free.
Json slices_json(const Topology& topo, const NodeInfo& info, const NodeUse& use) {
  Json out = Json::array();
  for (int gpu = 0; gpu < info.gpus; ++gpu) {
    Json in_use = Json::array();
    int held = 0;
    for (const auto& [i, g] : use.slices)
      if (i == gpu) in_use.push_back(topo.slice_profile(g->slice).name), held += std::popcount(g->slots);
    out.push_back(Json{{"gpu", gpu}, {"in_use", std::move(in_use)}, {"free_slots", kSliceSlots - held}});
  }
  return out;
}

Json node_json(Api& api, const Core& core, NodeId n, const NodeUse& use, bool with_jobs) {
  const Topology& topo = core.topology();
  const NodeInfo& info = topo.node(n);
  AgentBook::View agent = api.host.agents().view(info.name);
  Json jobs = with_jobs ? Json(use.jobs) : Json::array();
  const int used = use.used;
  NodeStatus st = core.node(n);
  Json o{{"name", info.name},
         {"site", topo.site(info.site).name},
         {"block", topo.block(info.block).name},
         {"gpu_type", topo.types().name(info.type)},
         {"gpus", info.gpus},
         {"sliced", info.sliced},
         {"free_gpus", st.takes_work() ? info.gpus - used : 0},
         {"state", node_state_name(st.state())},
         {"agent", agent.epoch != 0},
         {"heartbeat_age_ms", agent.epoch ? Json(std::max<TimeMs>(0, api.host.options().clock() - agent.heard)) : Json(nullptr)}};
  if (with_jobs) o["jobs"] = std::move(jobs);
  if (info.sliced) o["slices"] = slices_json(topo, info, use);
  const Host::Drain* drain = st.drain ? api.host.drain_of(info.name) : nullptr;
  o["drain_reason"] = drain && !drain->reason.empty() ? Json(drain->reason) : Json(nullptr);
  o["drain_deadline_ms"] = drain && drain->deadline != kNever ? Json(api.host.origin_ms() + drain->deadline) : Json(nullptr);
  return o;
}

// Drain: {"reason": TEXT, "deadline_s": N} (both optional). The reason and deadline are a host
// record journaled with the DrainNode (host_nodes.cc); resume takes no body.
void set_drain(Api& api, Call& call, bool drain) {
  const std::string name = call.params["name"];
  auto b = Body::parse(call.req.body, drain ? std::vector<std::string>{"reason", "deadline_s"} : std::vector<std::string>{});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  std::string reason;
  std::int64_t deadline_s = -1;
  for (Status st : {b->get("reason", &reason, 1024), b->get("deadline_s", &deadline_s, 0, 366 * 24 * 3600)})
    if (!st.ok()) return call.reply(bad_body(st));
  submit_plan(
      api, call,
      [&api, name, drain, reason, deadline_s](const Core& core) {
        Plan p;
        if (!core.topology().find_node(name)) {  // before the note is journaled
          p.refused = Status::NotFound("node: no node named '" + name + "' in the cluster");
          return p;
        }
        if (!drain) {
          p.commands.push_back(ResumeNode{name});
          return p;
        }
        p.commands.push_back(DrainNode{name});
        Json note{{"node", name}, {"reason", reason}};
        if (deadline_s >= 0) note["deadline"] = api.host.now() + deadline_s * kSecond;
        p.notes.push_back(Json{{"drain", note}}.dump());
        return p;
      },
      [&api, name](const Outcome&, const Core& core) {
        const NodeId n = *core.topology().find_node(name);
        return json_response(200, node_json(api, core, n, node_uses(core)[n], true));
      });
}

}  // namespace

void get_nodes(Api& api, Call& call) {
  bool with_jobs = !call.who->is("member");  // a member sees capacity, not others' jobs
  call.reply(api.host.read([&](const Core& core) {
    Json out{{"nodes", Json::array()}};
    const std::vector<NodeUse> uses = node_uses(core);
    for (NodeId n = 0; n < core.topology().nodes().size(); ++n) out["nodes"].push_back(node_json(api, core, n, uses[n], with_jobs));
    return json_response(200, out);
  }));
}

void post_node_drain(Api& api, Call& call) { set_drain(api, call, true); }
void post_node_resume(Api& api, Call& call) { set_drain(api, call, false); }

}  // namespace hexa
