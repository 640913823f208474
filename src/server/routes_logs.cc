// GET /v1/jobs/{id}/logs: a job's output as its agents shipped it (docs/server.md, Jobs).
#include "server/api.h"

namespace hexa {

void get_job_logs(Api& api, Call& call) {
  auto id = parse_job_id(call.params["id"]);
  auto q = call.req.query();
  std::string stream = q["stream"].empty() ? "stdout" : q["stream"];
  if (stream != "stdout" && stream != "stderr") return call.reply(problem(400, "stream: must be stdout or stderr", "stream"));
  auto offset = q["offset"].empty() ? std::optional<std::int64_t>(0) : parse_int(q["offset"]);
  if (!offset || *offset < 0) return call.reply(problem(400, "offset: must be an integer >= 0", "offset"));
  auto rank = q["rank"].empty() ? std::optional<std::int64_t>(0) : parse_int(q["rank"]);
  if (!rank || *rank < 0 || *rank > 65535) return call.reply(problem(400, "rank: must be an integer between 0 and 65535", "rank"));
  // The job must be one the caller may see; its state tells a follower when to stop.
  auto state = api.host.read([&](const Core& core) -> std::optional<std::string> {
    if (!id) return std::nullopt;
    if (core.has_job(*id)) {
      const Job& j = core.job(*id);
      if (!may_see_tenant(core, *call.who, j.spec.tenant)) return std::nullopt;
      return std::string(job_state(j));
    }
    auto a = api.host.ended_job(*id);
    if (!a || !may_see_path(core, *call.who, a->tenant_path)) return std::nullopt;
    return a->state;
  });
  if (!state) return call.reply(problem(404, "no job " + call.params["id"]));
  auto chunk = api.host.logs().read(*id, static_cast<int>(*rank), stream, *offset, 1 << 20);
  HttpResponse r = text_response(200, std::move(chunk.data));
  r.headers.push_back({"X-Hexa-Log-Size", std::to_string(chunk.size)});
  r.headers.push_back({"X-Hexa-Job-State", *state});
  call.reply(std::move(r));
}

}  // namespace hexa
