// /v1/agent/*: what node agents call (docs/server.md, Agents). An agent token works for its own
// node only: another node answers 404, as if it did not exist.
#include <cctype>

#include "net/base64.h"
#include "server/api.h"
#include "server/registered_gpus.h"

namespace hexa {
namespace {

// The node named in the request, if this principal may act for it.
std::optional<NodeId> own_node(Api& api, const Call& call, const std::string& node) {
  if (call.who->is("agent") && call.who->node != node) return std::nullopt;
  return api.host.topology().find_node(node);
}

HttpResponse no_node(const std::string& node) { return problem(404, "node: no node named '" + node + "' in the cluster", "node"); }

struct RunningRef {
  JobId job;
  int segment;
};

Status read_refs(const Body& b, const char* key, std::vector<RunningRef>* out, std::vector<std::pair<int, int>>* codes) {
  if (!b.has(key)) return Status::Ok();
  const Json& list = b.json()[key];
  if (!list.is_array() || list.size() > 4096) return Status::Invalid(std::string(key) + ": must be an array of at most 4096 entries");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
    auto e = Body::parse(list[i].dump(), {"job", "segment", "exit_code", "signal"});
    if (!e.ok()) return Status::Invalid(at + "." + e.status().message());
    std::int64_t job = -1;
    int segment = -1, code = 0, signal = 0;
    for (Status st : {e->require("job"), e->require("segment"), e->get("job", &job, 0, UINT32_MAX),
                      e->get("segment", &segment, 1, 1 << 30), e->get("exit_code", &code, -1, 255),
                      e->get("signal", &signal, 0, 64)})
      if (!st.ok()) return Status::Invalid(at + "." + st.message());
    out->push_back({static_cast<JobId>(job), segment});
    if (codes) codes->push_back({code, signal});
  }
  return Status::Ok();
}

// The host part of "HOST:PORT" or "[V6]:PORT", as the server saw the connection come from.
std::string peer_host(const std::string& peer) {
  if (peer.starts_with("[")) return peer.substr(1, peer.find(']') - 1);
  return peer.substr(0, peer.rfind(':'));
}

// An address other nodes' ranks can connect to: a host name or an IP address, nothing else.
Status check_addr(const std::string& addr) {
  if (addr.empty() || addr.size() > 253) return Status::Invalid("addr: must be 1 to 253 characters");
  for (char c : addr)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '_')
      return Status::Invalid("addr: must be a host name or an IP address (letters, digits, '.', '-', ':', '_')");
  return Status::Ok();
}

int rank_on(const Job& j, NodeId n) {
  for (std::size_t r = 0; r < j.alloc.size(); ++r)
    if (j.alloc[r].node == n) return static_cast<int>(r);
  return -1;
}

// As submit_plan, but only the plan's last command (the NodeUp) decides the answer: the requeue
// of a missing job is refused when the job ended in the same batch (a cancel decided before it:
// tests/dst seed 5821), and that is no reason to refuse the registration.
void submit_registration(Api& api, Call& call, Host::PlanFn plan,
                         std::function<HttpResponse(const Outcome&, const Core&)> on_done) {
  Reply reply = call.reply;
  api.host.enqueue(std::move(plan), [reply, on_done = std::move(on_done)](const Outcome& o, const Core& core) {
    if (!o.journal.ok()) return reply(problem_of(o.journal, o.field));
    if (o.results.empty() || !o.results.back().ok())
      return reply(problem_of(o.results.empty() ? Status::Unavailable("registration not applied") : o.results.back().status()));
    reply(on_done(o, core));
  });
}

}  // namespace

void post_agent_register(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"node", "gpus", "gpu_type", "running", "gpu_model", "gpu_uuids", "mig", "addr"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  std::string node, type, addr;
  int gpus = 0;
  std::vector<RunningRef> running;
  for (Status st : {b->require("node"), b->require("gpus"), b->require("gpu_type"), b->get("node", &node),
                    b->get("gpus", &gpus, 1, kMaxGpusPerNode), b->get("gpu_type", &type), read_refs(*b, "running", &running, nullptr),
                    b->get("addr", &addr), b->has("addr") ? check_addr(addr) : Status::Ok()})
    if (!st.ok()) return call.reply(bad_body(st));
  if (addr.empty()) addr = peer_host(call.req.peer);
  auto id = own_node(api, call, node);
  if (!id) return call.reply(no_node(node));
  const NodeInfo& info = api.host.topology().node(*id);
  auto found = read_registered_gpus(*b, gpus, api.host.topology());  // discovered: model, UUIDs, MIG devices
  if (!found.ok()) return call.reply(bad_body(found.status()));
  const std::string declared = api.host.topology().types().name(info.type);
  if (std::string why = node_mismatch(info, declared, gpus, type, found->model); !why.empty())
    return call.reply(problem(400, why, "gpus"));
  Host& host = api.host;
  host.agents().set_mig(node, found->mig);  // before the NodeUp: start orders may follow at once
  submit_registration(
      api, call,
      [node, n = *id, running, addr](const Core& core) {
        Plan p;
        // Where its ranks are reached (a gang's master), journaled with the registration.
        if (!addr.empty()) p.notes.push_back(Json{{"node_addr", {{"node", node}, {"addr", addr}}}}.dump());
        // Jobs the core runs there that the agent does not: lost, requeued. When it runs none of
        // them (a reboot, a fenced agent) the node was lost (FailNode: a failure's accounting);
        // else only the missing ones are requeued: failing the node would requeue the jobs the
        // agent still runs too, and start them again while they run here (tests/dst seed 121).
        std::vector<RequeueJob> missing;
        bool kept = false;
        for (JobId j : core.state().running) {
          const Job& job = core.job(j);
          if (rank_on(job, n) < 0) continue;
          bool reported = false;
          for (const RunningRef& r : running) reported |= r.job == j && r.segment == job.segment;
          if (reported) kept = true;
          else missing.push_back({j, job.segment});
        }
        if (!missing.empty() && !kept && core.node(n).online) p.commands.push_back(FailNode{node});
        if (kept) p.commands.insert(p.commands.end(), missing.begin(), missing.end());
        p.commands.push_back(NodeUp{node});  // always: its journal row is the new epoch
        return p;
      },
      [&host, node, n = *id, running](const Outcome& o, const Core& core) {
        // What the agent runs that does not run there now: stop it.
        for (const RunningRef& r : running) {
          bool here = core.has_job(r.job) && core.job(r.job).phase == JobPhase::kRunning &&
                      core.job(r.job).segment == r.segment && rank_on(core.job(r.job), n) >= 0;
          if (here) continue;
          Order stop;
          stop.start = false, stop.job = r.job, stop.segment = r.segment, stop.grace_ms = host.options().stop_grace;
          host.agents().send(node, stop);
        }
        const std::int64_t epoch = o.first_seq + static_cast<std::int64_t>(o.results.size()) - 1;
        return json_response(200, Json{{"epoch", epoch},
                                        {"heartbeat_s", host.options().heartbeat_s},
                                        {"node_grace_ms", host.options().node_grace},
                                        {"fence_ms", host.options().fence_ms()}});
      });
}

void get_agent_orders(Api& api, Call& call) {
  auto q = call.req.query();
  const std::string node = q["node"];
  if (!own_node(api, call, node)) return call.reply(no_node(node));
  auto epoch = parse_int(q["epoch"]);
  if (!epoch) return call.reply(problem(400, "epoch: must be the integer register gave", "epoch"));
  auto wait = q["wait_ms"].empty() ? std::optional<std::int64_t>(0) : parse_int(q["wait_ms"]);
  if (!wait || *wait < 0 || *wait > 30000) return call.reply(problem(400, "wait_ms: must be an integer between 0 and 30000", "wait_ms"));
  Reply reply = call.reply;
  api.host.agents().poll(node, *epoch, *wait, api.host.options().clock(), [reply](Result<std::vector<Order>> orders) {
    if (!orders.ok()) return reply(problem_of(orders.status()));
    HttpResponse r;
    r.body = orders_json(*orders);
    reply(std::move(r));
  });
}

void post_agent_report(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"node", "epoch", "exits", "running", "checkpoints", "leaving"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  std::string node;
  bool leaving = false;
  std::int64_t epoch = 0;
  std::vector<RunningRef> exits, running, checkpoints;
  std::vector<std::pair<int, int>> codes;
  for (Status st : {b->require("node"), b->require("epoch"), b->get("node", &node), b->get("epoch", &epoch, 0, INT64_MAX),
                    read_refs(*b, "exits", &exits, &codes), read_refs(*b, "running", &running, nullptr),
                    read_refs(*b, "checkpoints", &checkpoints, nullptr), b->get("leaving", &leaving)})
    if (!st.ok()) return call.reply(bad_body(st));
  auto id = own_node(api, call, node);
  if (!id) return call.reply(no_node(node));
  Host& host = api.host;
  if (Status st = host.agents().heard(node, epoch, host.options().clock()); !st.ok()) return call.reply(problem_of(st));
  if (leaving) {
    // The agent stops (its node goes away): the node is lost now rather than after the grace,
    // and what ran there goes back to the queue; the SIGTERMs it sent are not the jobs' ends.
    return submit_plan(
        api, call,
        [node, n = *id](const Core& core) {
          Plan p;
          if (core.node(n).online) p.commands.push_back(FailNode{node});
          return p;
        },
        [](const Outcome&, const Core&) { return json_response(200, Json::object()); });
  }
  if (exits.empty() && checkpoints.empty()) {
    // A heartbeat. Jobs the core runs there that the agent does not know of, well after their
    // start: their start order was lost (a restart of the server): send it again.
    if (b->has("running")) {
      std::vector<JobId> lost = host.read([&](const Core& core) {
        std::vector<JobId> out;
        for (JobId j : core.state().running) {
          const Job& job = core.job(j);
          if (rank_on(job, *id) < 0 || host.now() - job.last_start < 2 * host.options().heartbeat_s * kSecond) continue;
          bool known = false;
          for (const RunningRef& r : running) known |= r.job == j && r.segment == job.segment;
          if (!known && !host.agents().start_waits(node, j, job.segment)) out.push_back(j);
        }
        return out;
      });
      if (!lost.empty()) host.resend_starts(lost);
    }
    return call.reply(json_response(200, Json::object()));
  }
  submit_plan(
      api, call,
      [&host, n = *id, exits, codes, checkpoints](const Core& core) {
        Plan p;
        // A checkpoint of the segment that runs there now (the job saved its progress when the
        // agent saw it); a stale one is dropped like a stale exit.
        for (const auto& [job, segment] : checkpoints)
          if (core.has_job(job) && core.job(job).phase == JobPhase::kRunning && core.job(job).segment == segment &&
              rank_on(core.job(job), n) >= 0)
            p.commands.push_back(Checkpoint{job, segment});
        for (std::size_t i = 0; i < exits.size(); ++i) {
          const auto [job, segment] = exits[i];
          const auto [code, signal] = codes[i];
          if (!core.has_job(job)) continue;
          const Job& j = core.job(job);
          int rank = rank_on(j, n);
          if (j.phase != JobPhase::kRunning || j.segment != segment || rank < 0) continue;  // stale: it ended or moved
          const bool failed = code != 0 || signal != 0;
          if (failed || host.ranks_exited(job) + 1 >= static_cast<int>(j.alloc.size())) {
            p.commands.push_back(CompleteJob{job, segment, failed ? EndKind::kFailed : EndKind::kCompleted, code, signal});
          } else {  // one rank of a gang ended well: the others still run
            p.notes.push_back(Json{{"rank_exit", {{"job", job}, {"segment", segment}, {"rank", rank}, {"code", code}}}}.dump());
          }
        }
        return p;
      },
      [](const Outcome&, const Core&) { return json_response(200, Json::object()); });
}

void post_agent_logs(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"node", "epoch", "job", "segment", "rank", "stream", "offset", "data_b64"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  std::string node, stream, data;
  std::int64_t epoch = 0, job = 0, offset = 0;
  int segment = 0, rank = 0;
  for (Status st : {b->require("node"), b->require("epoch"), b->require("job"), b->require("segment"), b->require("stream"),
                    b->require("offset"), b->get("node", &node), b->get("epoch", &epoch, 0, INT64_MAX),
                    b->get("job", &job, 0, UINT32_MAX), b->get("segment", &segment, 1, 1 << 30),
                    b->get("rank", &rank, 0, 65535), b->get("stream", &stream),
                    b->get("offset", &offset, 0, std::int64_t{1} << 50), b->get("data_b64", &data, 2 << 20)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (!own_node(api, call, node)) return call.reply(no_node(node));
  if (Status st = api.host.agents().heard(node, epoch, api.host.options().clock()); !st.ok()) return call.reply(problem_of(st));
  auto bytes = base64_decode(data);
  if (!bytes) return call.reply(problem(400, "data_b64: not padded base64", "data_b64"));
  auto size = api.host.logs().append(static_cast<JobId>(job), segment, node, stream, offset, *bytes);
  if (!size.ok()) return call.reply(problem_of(size.status()));
  call.reply(json_response(200, Json{{"size", *size}}));
}

}  // namespace hexa
