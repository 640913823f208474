// `hexa logs JOB [--rank N] [--stderr] [--follow]`: a job's output (one rank of a multi-node job),
// read by offset; --follow polls until the job has ended and its log is drained.
#include <cctype>

#include "cli/job_view.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

constexpr int kPollMs = 500;
constexpr int kMaxUnavailable = 20;  // --follow rides out ~10 s of server outage (a restart)

struct LogsArgs {
  Globals g;
  std::string job;
  bool stderr_stream = false, follow = false;
  int rank = 0;
};

std::string header(const HttpResponse& r, const std::string& name) {
  auto same = [](const std::string& x, const std::string& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(x[i])) != std::tolower(static_cast<unsigned char>(y[i]))) return false;
    return true;
  };
  for (const auto& [k, v] : r.headers)
    if (same(k, name)) return v;
  return "";
}

// The log's size from its header; `fallback` when absent or not a number.
std::int64_t log_size(const HttpResponse& r, std::int64_t fallback) {
  std::string v = header(r, "X-Hexa-Log-Size");
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) return fallback;
  return std::stoll(v);
}

int run_logs(const LogsArgs& a, Session& s, const ClientIo& io) {
  auto id = job_id_arg(a.job);
  if (!id.ok()) return fail(io, id.status());
  const std::string stream = a.stderr_stream ? "stderr" : "stdout";
  std::int64_t offset = 0;
  int unavailable = 0;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> query = {{"stream", stream}, {"offset", std::to_string(offset)}};
    if (a.rank != 0) query.push_back({"rank", std::to_string(a.rank)});
    auto r = s.call("GET", with_query("/v1/jobs/" + *id + "/logs", query));
    if (!r.ok()) {
      bool ride_out = a.follow && r.status().code() == StatusCode::kUnavailable && ++unavailable < kMaxUnavailable;
      if (!ride_out) return fail(io, r.status());
      io.sleep_ms(kPollMs);
      continue;
    }
    unavailable = 0;
    io.out->write(r->body.data(), static_cast<std::streamsize>(r->body.size()));
    io.out->flush();
    offset += static_cast<std::int64_t>(r->body.size());
    bool drained = offset >= log_size(*r, offset);
    if (!drained && !r->body.empty()) continue;  // more is there now
    bool ended = is_ended_state(header(*r, "X-Hexa-Job-State"));
    if (!a.follow || (ended && (drained || r->body.empty()))) return 0;
    io.sleep_ms(kPollMs);
  }
}

}  // namespace

void add_logs(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<LogsArgs>();
  CLI::App* v = add_verb(app, "logs", "Print a job's output", "hexa logs 7 --follow\n  hexa logs 7 --rank 1 --stderr");
  v->add_option("JOB", a->job, "Job id")->required();
  v->add_option("--rank", a->rank, "The rank of a multi-node job (0: the first node's)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  v->add_flag("--stderr", a->stderr_stream, "Its standard error instead of its standard output");
  v->add_flag("--follow,-f", a->follow, "Keep printing as it grows, until the job has ended");
  add_global_options(*v, a->g, /*with_json=*/false);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_logs(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
