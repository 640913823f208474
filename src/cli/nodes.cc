// `hexa nodes`: the cluster's nodes and what runs on them; `hexa nodes drain NODE` and
// `hexa nodes resume NODE` (operator, admin).
#include <fmt/format.h>

#include "cli/table.h"
#include "cli/time_arg.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct NodesArgs {
  Globals g;
};

struct DrainArgs {
  Globals g;
  std::string node, reason, deadline;
};

// "4s", "12m", "3h": how long ago the agent last spoke.
std::string age(const Json& node) {
  auto ms = int_of(node, "heartbeat_age_ms");
  if (!ms) return "-";
  std::int64_t s = *ms / 1000;
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  return fmt::format("{}h", s / 3600);
}

std::string agent(const Json& node) {
  auto a = bool_of(node, "agent");
  return a ? (*a ? "yes" : "no") : "-";
}

int run_nodes(const NodesArgs& a, Session& s, const ClientIo& io) {
  auto answer = s.call_json("GET", "/v1/nodes");
  if (!answer.ok()) return fail(io, answer.status());
  const Json& nodes = field(*answer, "nodes");
  if (!nodes.is_array()) return fail(io, "the server's node list has no \"nodes\" array");
  if (a.g.json) {
    print_document(io, dump(nodes));
    return 0;
  }
  // The drain reasons only when some node has one: most of the time no column is empty.
  bool reasons = false;
  for (const Json& n : nodes) reasons |= str(n, "drain_reason").has_value();
  std::vector<std::string> head = {"NODE", "SITE", "TYPE", "GPUS", "FREE", "STATE", "AGENT", "HEARTBEAT", "JOBS"};
  if (reasons) head.push_back("REASON");
  Table t(head);
  for (const Json& n : nodes) {
    std::vector<std::string> row = {text_of(n, "name"), text_of(n, "site"), text_of(n, "gpu_type"), text_of(n, "gpus"),
                                    text_of(n, "free_gpus"), text_of(n, "state"), agent(n), age(n), joined(n, "jobs")};
    if (reasons) row.push_back(text_of(n, "drain_reason"));
    t.add(row);
  }
  *io.out << t.render(io.terminal_width) << std::flush;
  return 0;
}

// Drain or resume; prints the node's new state, and a drain's deadline when given.
int run_drain(const DrainArgs& a, bool drain, Session& s, const ClientIo& io) {
  Json body = Json::object();
  if (drain && !a.reason.empty()) body["reason"] = a.reason;
  if (drain && !a.deadline.empty()) {
    auto secs = parse_duration_s("--deadline", a.deadline);
    if (!secs.ok()) return fail(io, secs.status());
    body["deadline_s"] = *secs;
  }
  auto answer = s.call_json("POST", "/v1/nodes/" + url_encode(a.node) + (drain ? "/drain" : "/resume"), &body);
  if (!answer.ok()) return fail(io, answer.status());
  if (a.g.json) {
    print_document(io, dump(*answer));
    return 0;
  }
  std::string line = "node " + text_of(*answer, "name") + ": " + text_of(*answer, "state");
  if (auto reason = str(*answer, "drain_reason")) line += " (" + *reason + ")";
  if (auto at = int_of(*answer, "drain_deadline_ms"); at && drain) line += "; jobs still running in " + a.deadline + " are requeued";
  print_document(io, line);
  return 0;
}

void add_drain(CLI::App& nodes, Verbs& verbs, bool drain) {
  auto a = std::make_shared<DrainArgs>();
  CLI::App* v = drain ? add_verb(nodes, "drain",
                                 "Take no new work on a node; what runs there finishes, or with --deadline is requeued "
                                 "(stopped gracefully, run elsewhere) when the deadline comes",
                                 "hexa nodes drain n17 --reason \"DIMM swap\" --deadline 2h")
                      : add_verb(nodes, "resume", "Give a drained node work again", "hexa nodes resume n17");
  v->add_option("NODE", a->node, "Node name")->required();
  if (drain) {
    v->add_option("--reason", a->reason, "Why, shown in hexa nodes (at most 1024 bytes)");
    v->add_option("--deadline", a->deadline,
                  "Requeue what still runs there this long from now: 30s, 45m, 2h, 1d, H:MM:SS (Slurm's forms)");
  }
  add_global_options(*v, a->g);
  verbs.push_back({v, [a, drain](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_drain(*a, drain, s, io); });
                   }});
}

}  // namespace

void add_nodes(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<NodesArgs>();
  CLI::App* v = add_verb(app, "nodes", "List the nodes; drain and resume one", "hexa nodes --json");
  add_global_options(*v, a->g);
  // Before `nodes` itself: the first verb whose command parsed runs, and `nodes drain` parses both.
  add_drain(*v, verbs, true);
  add_drain(*v, verbs, false);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_nodes(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
