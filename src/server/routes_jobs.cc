// /v1/jobs: submit, list, read, cancel (docs/server.md, Jobs).
#include <algorithm>

#include "server/api.h"

namespace hexa {
namespace {

constexpr std::int64_t kMaxLimitS = 366 * 24 * 3600;  // a year
constexpr std::int64_t kMaxMemoryMb = std::int64_t{1} << 24;  // 16 TiB: more than a node has
constexpr std::int64_t kMaxCpus = 4096;

bool live(const Job& j) { return j.phase == JobPhase::kPending || j.phase == JobPhase::kRunning; }

// The job object: from the core while it waits or runs, else as it was made when it ended (the
// archive, or the rows about to join it). REQUIRES: read lock or core thread. nullopt: no such job.
std::optional<Json> job_object(Api& api, const Core& core, JobId id, const Principal* who,
                               EstimateWay way = EstimateWay::kWorkOut) {
  if (core.has_job(id) && live(core.job(id))) {
    const Job& j = core.job(id);
    if (who && !may_see_tenant(core, *who, j.spec.tenant)) return std::nullopt;
    Json o = job_json(core, j, api.host.run_of(id), api.host.origin_ms(), api.host.now(), nullptr, way);
    o["segments"] = api.host.segments_of(id);
    return o;
  }
  auto a = api.host.ended_job(id);
  if (!a || (who && !may_see_path(core, *who, a->tenant_path))) return std::nullopt;
  return Json::parse(a->json, nullptr, false);
}

std::string basename_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The request of a POST /v1/jobs body; checks what the core will not (argv, env, sizes).
Status read_submit(const Body& b, JobRequest* req, JobRun* run, std::string* tenant) {
  std::int64_t limit_s = -1, checkpoint_s = -1;
  std::string type, site;
  for (Status st : {b.require("command"), b.get("tenant", tenant), b.get("name", &req->name, 200),
                    b.get("gpus", &req->gpus, 1, 65536), b.get("gpu_type", &type), b.get("site", &site),
                    b.get("time_limit_s", &limit_s, 0, kMaxLimitS), b.get("priority", &req->priority, -1000000, 1000000),
                    b.get("preemptible", &req->preemptible), b.get("slice", &req->slice),
                    b.get("checkpoint_every_s", &checkpoint_s, 0, kMaxLimitS), b.get("command", &run->argv, 4096),
                    b.get("env", &run->env), b.get("memory_mb", &run->memory_mb, 1, kMaxMemoryMb),
                    b.get("cpus", &run->cpus, 1, kMaxCpus)})
    if (!st.ok()) return st;
  if (run->argv.empty() || run->argv[0].empty()) return Status::Invalid("command: must name a program: [\"prog\", args...]");
  std::size_t bytes = 0;
  for (const std::string& a : run->argv) {
    if (a.find('\0') != std::string::npos) return Status::Invalid("command: no NUL bytes");
    bytes += a.size();
  }
  for (const auto& [k, v] : run->env) {
    if (k.empty() || k.find_first_of("=\0", 0, 2) != std::string::npos || v.find('\0') != std::string::npos)
      return Status::Invalid("env: names must be non-empty, without '=' or NUL bytes");
    bytes += k.size() + v.size();
  }
  if (bytes > 256 * 1024) return Status::Invalid("command: command and env together at most 256 KiB");
  if (!type.empty()) req->gpu_types = {type};
  if (!site.empty()) req->sites = {site};
  if (req->name.empty()) req->name = basename_of(run->argv[0]).substr(0, 200);
  req->time_limit = limit_s < 0 ? -1 : limit_s * kSecond;
  req->checkpoint_every = checkpoint_s < 0 ? -1 : checkpoint_s * kSecond;
  return Status::Ok();
}

}  // namespace

void post_job(Api& api, Call& call) {
  auto body = Body::parse(call.req.body, {"tenant", "name", "gpus", "gpu_type", "site", "time_limit_s", "priority",
                                          "preemptible", "slice", "checkpoint_every_s", "command", "env",
                                          "memory_mb", "cpus"});
  if (!body.ok()) return call.reply(bad_body(body.status()));
  JobRequest req;
  JobRun run;
  std::string tenant;
  if (Status st = read_submit(*body, &req, &run, &tenant); !st.ok()) return call.reply(bad_body(st));
  const Principal who = *call.who;
  if (tenant.empty()) {
    if (!who.is("member")) return call.reply(problem(400, "tenant: required with an admin token", "tenant"));
    tenant = who.tenant;
  }
  req.tenant = tenant;
  std::string key = call.req.header("idempotency-key");
  if (key.size() > 200) return call.reply(problem(400, "Idempotency-Key: at most 200 bytes", "Idempotency-Key"));
  Host& host = api.host;
  submit_plan(
      api, call,
      [&host, who, req, run, key](const Core& core) {
        Plan p;
        auto t = core.find_tenant(req.tenant);
        if (!t || !may_see_tenant(core, who, *t)) {
          p.refused = Status::NotFound("tenant: no tenant named '" + req.tenant + "'");
          p.field = "tenant";
          return p;
        }
        if (!key.empty()) {
          p.request_id = req.tenant + "\n" + key;
          if (auto existing = host.job_for_request(p.request_id)) {
            p.existing = existing;
            return p;
          }
        }
        auto spec = resolve(req, core, host.options().defaults, &p.field);
        if (!spec.ok()) {
          p.refused = spec.status();
          return p;
        }
        p.commands.push_back(SubmitJob{*spec});
        p.run = run;
        return p;
      },
      [&api](const Outcome& o, const Core& core) {
        JobId id = o.existing ? *o.existing : std::get<JobAccepted>(o.results.at(0)->list.front()).job;
        // Not the queue's walk for its estimate: one per batch of submits would bound the rate.
        auto job = job_object(api, core, id, nullptr, EstimateWay::kIfReady);
        HttpResponse r = json_response(o.existing ? 200 : 201, job ? *job : Json{{"id", id}});
        r.headers.push_back({"Location", "/v1/jobs/" + std::to_string(id)});
        return r;
      });
}

void get_job(Api& api, Call& call) {
  auto id = parse_job_id(call.params["id"]);
  if (!id) return call.reply(problem(404, "no job " + call.params["id"]));
  auto job = api.host.read([&](const Core& core) { return job_object(api, core, *id, &*call.who); });
  if (!job) return call.reply(problem(404, "no job " + call.params["id"]));
  call.reply(json_response(200, *job));
}

void delete_job(Api& api, Call& call) {
  auto id = parse_job_id(call.params["id"]);
  if (!id) return call.reply(problem(404, "no job " + call.params["id"]));
  const Principal who = *call.who;
  submit_plan(
      api, call,
      [&api, who, id = *id](const Core& core) {
        Plan p;
        if (!job_object(api, core, id, &who)) {
          p.refused = Status::NotFound("no job " + std::to_string(id));
        } else if (!core.has_job(id)) {
          p.refused = Status::Conflict("job " + std::to_string(id) + ": cannot cancel, it already ended");
        } else {
          p.commands.push_back(CancelJob{id});
        }
        return p;
      },
      [&api, id = *id](const Outcome&, const Core& core) {
        auto job = job_object(api, core, id, nullptr);
        return json_response(200, job ? *job : Json{{"id", id}});
      });
}

namespace {

struct ListQuery {
  std::optional<TenantId> scope;  // nullopt: all
  std::vector<std::string> states;
  JobId before = UINT32_MAX;
  int limit = 100;
};

bool state_wanted(const ListQuery& q, const std::string& s) {
  return q.states.empty() || std::find(q.states.begin(), q.states.end(), s) != q.states.end();
}

Status read_list_query(const Core& core, const Principal& who, std::map<std::string, std::string> qs, ListQuery* q) {
  static const std::vector<std::string> kStates = {"pending", "running",  "finished", "failed",
                                                   "cancelled", "timeout", "rejected"};
  q->scope = scope_of(core, who);
  if (q->scope && *q->scope == kNoTenant) return Status::NotFound("tenant: yours is gone");
  if (!qs["tenant"].empty()) {
    auto t = core.find_tenant(qs["tenant"]);
    if (!t || !may_see_tenant(core, who, *t)) return Status::NotFound("tenant: no tenant named '" + qs["tenant"] + "'");
    q->scope = *t;
  }
  for (std::size_t at = 0; !qs["state"].empty() && at <= qs["state"].size();) {
    std::size_t comma = std::min(qs["state"].find(',', at), qs["state"].size());
    std::string s = qs["state"].substr(at, comma - at);
    if (std::find(kStates.begin(), kStates.end(), s) == kStates.end())
      return Status::Invalid("state: unknown '" + s + "'; expected pending, running, finished, failed, cancelled, timeout or rejected");
    q->states.push_back(s);
    at = comma + 1;
  }
  if (!qs["limit"].empty()) {
    auto v = parse_int(qs["limit"]);
    if (!v || *v < 1 || *v > 1000) return Status::Invalid("limit: must be an integer between 1 and 1000");
    q->limit = static_cast<int>(*v);
  }
  if (!qs["cursor"].empty()) {
    auto v = parse_job_id(qs["cursor"]);
    if (!v) return Status::Invalid("cursor: not a cursor this server gave");
    q->before = *v;
  }
  return Status::Ok();
}

}  // namespace

// Newest first: the live jobs from the core, the ended ones from the archive, merged by id.
void get_jobs(Api& api, Call& call) {
  auto answer = api.host.read([&](const Core& core) -> HttpResponse {
    ListQuery q;
    if (Status st = read_list_query(core, *call.who, call.req.query(), &q); !st.ok())
      return problem_of(st, st.message().substr(0, st.message().find(':')));
    std::vector<std::pair<JobId, Json>> found;
    const std::size_t want = static_cast<std::size_t>(q.limit) + 1;  // one more: is there a next page?
    for (JobId id = static_cast<JobId>(std::min<std::size_t>(q.before, core.state().jobs.size())); id-- > 0;) {
      if (!core.has_job(id) || !live(core.job(id))) continue;  // ended: from the archive below
      const Job& j = core.job(id);
      if (q.scope && !in_subtree(core, j.spec.tenant, *q.scope)) continue;
      if (!state_wanted(q, job_state(j))) continue;
      found.emplace_back(id, job_json(core, j, api.host.run_of(id), api.host.origin_ms(), api.host.now()));
      if (found.size() == want) break;
    }
    bool live_only = !q.states.empty() && std::all_of(q.states.begin(), q.states.end(), [](const std::string& s) {
      return !ended_state(s);
    });
    if (!live_only) {
      ArchiveQuery aq;
      aq.path_prefix = q.scope ? tenant_path(core, *q.scope) : "";
      aq.before_id = q.before;
      aq.limit = static_cast<int>(want);
      for (const std::string& s : q.states.size() == 1 ? q.states : std::vector<std::string>{}) aq.state = s;
      auto listed = api.host.reader().list_archived(aq);
      if (!listed.ok()) return problem_of(listed.status());
      std::vector<ArchivedJob> ended = std::move(listed).value();
      for (ArchivedJob& a : api.host.unwritten())  // ended since the last batch: not in the table yet
        if (a.id < q.before && a.tenant_path.starts_with(aq.path_prefix)) ended.push_back(std::move(a));
      for (const ArchivedJob& a : ended)
        if (state_wanted(q, a.state)) found.emplace_back(a.id, Json::parse(a.json, nullptr, false));
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    found.erase(std::unique(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
                found.end());
    Json out{{"jobs", Json::array()}};
    for (std::size_t i = 0; i < found.size() && i < static_cast<std::size_t>(q.limit); ++i)
      out["jobs"].push_back(std::move(found[i].second));
    if (found.size() > static_cast<std::size_t>(q.limit)) out["next_cursor"] = std::to_string(found[q.limit - 1].first);
    return json_response(200, out);
  });
  call.reply(std::move(answer));
}

}  // namespace hexa
