// `hexa nodes`: the cluster's nodes and what runs on them.
#include <fmt/format.h>

#include "cli/table.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct NodesArgs {
  Globals g;
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
  Table t({"NODE", "SITE", "TYPE", "GPUS", "FREE", "STATE", "AGENT", "HEARTBEAT", "JOBS"});
  for (const Json& n : nodes)
    t.add({text_of(n, "name"), text_of(n, "site"), text_of(n, "gpu_type"), text_of(n, "gpus"), text_of(n, "free_gpus"),
           text_of(n, "state"), agent(n), age(n), joined(n, "jobs")});
  *io.out << t.render(io.terminal_width) << std::flush;
  return 0;
}

}  // namespace

void add_nodes(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<NodesArgs>();
  CLI::App* v = add_verb(app, "nodes", "List the nodes", "hexa nodes --json");
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_nodes(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
