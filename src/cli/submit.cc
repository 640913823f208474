#include "cli/submit.h"

#include "cli/time_arg.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

// "python" for "/usr/bin/python"; the command itself if it ends with a slash.
std::string basename_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash + 1 == path.size()) return path;
  return path.substr(slash + 1);
}

Result<Json> env_object(const std::vector<std::string>& pairs) {
  Json env = Json::object();
  for (const std::string& kv : pairs) {
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::Invalid("--env: '" + kv + "' must be NAME=VALUE (NAME not empty)");
    std::string key = kv.substr(0, eq);
    if (env.contains(key)) return Status::Invalid("--env: " + key + " is given twice");
    env[key] = kv.substr(eq + 1);
  }
  return env;
}

// Adds `key`: seconds of the duration `text` of `flag`, when given.
Status add_duration(Json& body, const char* key, const std::string& flag, const std::string& text) {
  if (text.empty()) return Status::Ok();
  auto s = parse_duration_s(flag, text);
  if (!s.ok()) return s.status();
  body[key] = *s;
  return Status::Ok();
}

void add_text(Json& body, const char* key, const std::string& value) {
  if (!value.empty()) body[key] = value;
}

}  // namespace

Result<Json> submit_body(const SubmitArgs& a) {
  if (a.command.empty())
    return Status::Invalid("COMMAND: required after the flags and --, as in: hexa submit --gpus 1 -- python train.py");
  Json body = Json::object();
  add_text(body, "tenant", a.tenant);
  body["name"] = a.name.empty() ? basename_of(a.command.front()) : a.name;
  body["gpus"] = a.gpus;
  add_text(body, "gpu_type", a.gpu_type);
  add_text(body, "site", a.site);
  add_text(body, "slice", a.slice);
  if (Status st = add_duration(body, "time_limit_s", "--time", a.time); !st.ok()) return st;
  if (a.priority) body["priority"] = *a.priority;
  if (a.no_preempt) body["preemptible"] = false;
  if (a.memory_mb) body["memory_mb"] = *a.memory_mb;
  if (a.cpus) body["cpus"] = *a.cpus;
  if (Status st = add_duration(body, "checkpoint_every_s", "--checkpoint-every", a.checkpoint_every); !st.ok())
    return st;
  body["command"] = a.command;
  auto env = env_object(a.env);
  if (!env.ok()) return env.status();
  if (!env->empty()) body["env"] = *env;
  return body;
}

namespace {

// POST /v1/jobs; once more with the same key after a lost connection, a timeout or a 503.
Result<Json> post_job(Session& s, const Json& body, const std::string& key, const ClientIo& io) {
  Session::Headers headers = {{"Idempotency-Key", key}};
  auto job = s.call_json("POST", "/v1/jobs", &body, headers);
  if (job.ok() || job.status().code() != StatusCode::kUnavailable) return job;
  io.sleep_ms(kSubmitRetryDelayMs);
  return s.call_json("POST", "/v1/jobs", &body, headers);
}

int run_submit(const SubmitArgs& a, Session& s, const ClientIo& io) {
  auto body = submit_body(a);
  if (!body.ok()) return fail(io, body.status());
  std::string key = a.idempotency_key.empty() ? io.random_hex128() : a.idempotency_key;
  auto job = post_job(s, *body, key, io);
  if (!job.ok()) return fail(io, job.status());
  if (a.g.json) {
    print_document(io, dump(*job));
    return 0;
  }
  auto id = int_of(*job, "id");
  if (!id) return fail(io, "the server's answer to the submit has no job id: " + dump(*job));
  print_document(io, std::to_string(*id));
  return 0;
}

}  // namespace

void add_submit(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<SubmitArgs>();
  CLI::App* v = add_verb(app, "submit", "Submit a job; prints its id",
                         "hexa submit --gpus 2 --gpu-type H100 --time 2h -- python train.py --lr 3e-4");
  v->add_option("--tenant", a->tenant, "Tenant to charge (default: your own)");
  v->add_option("--gpus", a->gpus, "GPUs (or slices, with --slice)")->required();
  v->add_option("--gpu-type", a->gpu_type, "GPU type (default: any)");
  v->add_option("--site", a->site, "Site (default: any)");
  v->add_option("--time", a->time, "Time limit: 90 (minutes), 30s, 45m, 2h, 1d, 1:30:00, 2-12:00:00");
  v->add_option("--priority", a->priority, "Priority (higher goes first)");
  v->add_flag("--no-preempt", a->no_preempt, "The job may not be preempted");
  v->add_option("--slice", a->slice, "GPU slice profile (1g.10gb)");
  v->add_option("--name", a->name, "Job name (default: the command's basename)");
  v->add_option("--memory-mb", a->memory_mb, "Memory limit in MiB (applied where the node's agent has cgroup v2)");
  v->add_option("--cpus", a->cpus, "CPU limit in CPUs (applied where the node's agent has cgroup v2)");
  v->add_option("--checkpoint-every", a->checkpoint_every, "How often the job checkpoints (same forms as --time)");
  v->add_option("--env", a->env, "Environment variable NAME=VALUE (repeatable)")->allow_extra_args(false);
  v->add_option("--idempotency-key", a->idempotency_key, "Key that makes a retried submit return the first job");
  v->add_option("COMMAND", a->command, "The command and its arguments, after --");
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_submit(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
