// `hexa queue`: the jobs one can see, newest first, as a table or a JSON array.
#include <algorithm>

#include "cli/job_view.h"
#include "cli/table.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

constexpr int kMaxPage = 1000;  // the API's largest page

struct QueueArgs {
  Globals g;
  std::string tenant, state;
  bool all = false;
  int limit = 1000;
};

// Up to `limit` jobs of one listing (`state` "" : every state), following next_cursor.
Status list_jobs(Session& s, const QueueArgs& a, const std::string& state, std::vector<Json>& jobs) {
  std::string cursor;
  std::size_t limit = jobs.size() + static_cast<std::size_t>(a.limit);
  while (jobs.size() < limit) {
    std::vector<std::pair<std::string, std::string>> q;
    if (!a.tenant.empty()) q.emplace_back("tenant", a.tenant);
    if (!state.empty()) q.emplace_back("state", state);
    q.emplace_back("limit", std::to_string(std::min<std::size_t>(limit - jobs.size(), kMaxPage)));
    if (!cursor.empty()) q.emplace_back("cursor", cursor);
    auto page = s.call_json("GET", with_query("/v1/jobs", q));
    if (!page.ok()) return page.status();
    const Json& list = field(*page, "jobs");
    if (!list.is_array()) return Status::Invalid("the server's job list has no \"jobs\" array");
    for (const Json& j : list)
      if (jobs.size() < limit) jobs.push_back(j);
    cursor = str(*page, "next_cursor").value_or("");
    if (cursor.empty() || list.empty()) break;
  }
  return Status::Ok();
}

// Newest first: the largest ids first.
void sort_newest_first(std::vector<Json>& jobs) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const Json& x, const Json& y) {
    return int_of(x, "id").value_or(0) > int_of(y, "id").value_or(0);
  });
}

std::string render(const std::vector<Json>& jobs, const ClientIo& io) {
  Table t({"JOBID", "NAME", "TENANT", "STATE", "GPUS", "SITE", "TIME", "START", "NODES", "REASON"});
  std::int64_t now = io.now_ms();
  for (const Json& j : jobs)
    t.add({text_of(j, "id"), text_of(j, "name"), text_of(j, "tenant"), text_of(j, "state"), gpus_cell(j),
           text_of(j, "site"), time_cell(j, now), start_cell(j, now), joined(j, "nodes"), text_of(j, "reason")});
  return t.render(io.terminal_width);
}

int run_queue(const QueueArgs& a, Session& s, const ClientIo& io) {
  if (!a.state.empty() && !is_job_state(a.state))
    return fail(io, "--state: '" + a.state +
                        "' is not a job state (pending, running, finished, failed, cancelled, timeout, rejected)");
  if (a.limit < 1) return fail(io, "--limit: must be >= 1 (got " + std::to_string(a.limit) + ")");
  std::vector<std::string> states = {a.state};
  if (a.state.empty() && !a.all) states = {"running", "pending"};
  std::vector<Json> jobs;
  for (const std::string& st : states)
    if (Status listed = list_jobs(s, a, st, jobs); !listed.ok()) return fail(io, listed);
  sort_newest_first(jobs);
  if (jobs.size() > static_cast<std::size_t>(a.limit)) jobs.resize(static_cast<std::size_t>(a.limit));
  if (a.g.json) {
    Json array = Json::array();
    for (Json& j : jobs) array.push_back(std::move(j));
    print_document(io, dump(array));
  } else {
    *io.out << render(jobs, io) << std::flush;
  }
  return 0;
}

}  // namespace

void add_queue(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<QueueArgs>();
  CLI::App* v = add_verb(app, "queue",
                         "List jobs: pending and running ones unless --all or --state. START: when a pending job "
                         "is expected to start (? when no time can be given; hexa show JOB says why)",
                         "hexa queue --tenant acme --all --limit 50");
  v->add_option("--tenant", a->tenant, "Only this tenant and its sub-tenants");
  v->add_option("--state", a->state, "Only jobs in this state (pending, running, finished, failed, cancelled, ...)");
  v->add_flag("--all", a->all, "Include jobs that ended");
  v->add_option("--limit", a->limit, "At most this many jobs (default 1000)");
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_queue(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
