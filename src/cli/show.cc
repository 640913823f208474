// `hexa show JOB`: one job, a `key: value` line per fact.
#include <fmt/format.h>

#include "cli/credits_arg.h"
#include "cli/date_arg.h"
#include "cli/job_view.h"
#include "cli/time_arg.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct ShowArgs {
  Globals g;
  std::string job;
};

std::string date_of(const Json& job, const char* key) {
  auto ms = int_of(job, key);
  return ms ? format_local(*ms) : "-";
}

// "n1 (GPUs 0,1), n2 (GPUs 2,3)"
std::string placement(const Json& job) {
  const Json& nodes = field(job, "nodes");
  const Json& gpus = field(job, "gpu_indices");
  if (!nodes.is_array() || nodes.empty()) return "-";
  std::string out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    out += (i ? ", " : "") + (nodes[i].is_string() ? nodes[i].get<std::string>() : dump(nodes[i]));
    if (gpus.is_array() && i < gpus.size() && gpus[i].is_array()) out += " (GPUs " + join_array(gpus[i]) + ")";
  }
  return out;
}

std::string preemption(const Json& job) {
  auto p = bool_of(job, "preemptible");
  return p ? (*p ? "yes" : "no") : "-";
}

std::string waited(const Json& job, std::int64_t now) {
  auto submitted = int_of(job, "submitted_ms");
  if (!submitted) return "-";
  auto until = int_of(job, "started_ms");
  if (!until) until = int_of(job, "ended_ms");
  return format_elapsed(until.value_or(now) - *submitted);
}

std::string run_time(const Json& job, std::int64_t now) {
  auto started = int_of(job, "started_ms");
  if (!started) return "-";
  return format_elapsed(int_of(job, "ended_ms").value_or(now) - *started);
}

std::string time_limit(const Json& job) {
  auto s = int_of(job, "time_limit_s");
  return s ? format_elapsed(*s * 1000) : "-";
}

std::string credits(const Json& job) {
  auto micro = int_of(job, "credits_micro");
  return micro ? format_credits(*micro) : "-";
}

std::string render(const Json& j, std::int64_t now) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"job", text_of(j, "id")},           {"name", text_of(j, "name")},
      {"state", text_of(j, "state")},       {"reason", text_of(j, "reason")},
      {"tenant", text_of(j, "tenant")},     {"gpus", text_of(j, "gpus")},
      {"gpu type", text_of(j, "gpu_type", "any")}, {"site", text_of(j, "site", "any")},
      {"slice", text_of(j, "slice")},       {"priority", text_of(j, "priority")},
      {"preemptible", preemption(j)},       {"time limit", time_limit(j)},
      {"submitted", date_of(j, "submitted_ms")}};
  if (std::string start = start_line(j, now); !start.empty()) lines.push_back({"estimated start", start});
  std::vector<std::pair<std::string, std::string>> more = {
      {"started", date_of(j, "started_ms")}, {"ended", date_of(j, "ended_ms")},
      {"waited", waited(j, now)},           {"run time", run_time(j, now)},
      {"nodes", placement(j)},              {"restarts", text_of(j, "restarts")},
      {"exit code", text_of(j, "exit_code")}, {"credits", credits(j)},
      {"command", shell_words(j)}};
  lines.insert(lines.end(), more.begin(), more.end());
  std::string out;
  for (const auto& [key, value] : lines) out += fmt::format("{:<17}{}\n", key + ":", value);
  return out;
}

int run_show(const ShowArgs& a, Session& s, const ClientIo& io) {
  auto id = job_id_arg(a.job);
  if (!id.ok()) return fail(io, id.status());
  auto job = s.call_json("GET", "/v1/jobs/" + *id);
  if (!job.ok()) return fail(io, job.status());
  if (a.g.json) print_document(io, dump(*job));
  else *io.out << render(*job, io.now_ms()) << std::flush;
  return 0;
}

}  // namespace

void add_show(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* v = add_verb(app, "show", "Show one job (a pending one: when it is expected to start, and how that was estimated)",
                         "hexa show 7");
  v->add_option("JOB", a->job, "Job id")->required();
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_show(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
