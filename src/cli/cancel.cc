// `hexa cancel JOB...`: one line per job, on stdout when cancelled, on stderr when not.
#include "cli/job_view.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct CancelArgs {
  Globals g;
  std::vector<std::string> jobs;
};

int run_cancel(const CancelArgs& a, Session& s, const ClientIo& io) {
  bool failed = false;
  Json cancelled = Json::array();
  for (const std::string& text : a.jobs) {
    auto id = job_id_arg(text);
    auto job = id.ok() ? s.call_json("DELETE", "/v1/jobs/" + *id) : Result<Json>(id.status());
    if (!job.ok()) {
      fail(io, id.ok() ? "cannot cancel " + *id + ": " + job.status().message() : job.status().message());
      failed = true;
    } else if (a.g.json) {
      cancelled.push_back(*job);
    } else {
      *io.out << "cancelled " << *id << "\n" << std::flush;
    }
  }
  if (a.g.json) print_document(io, dump(cancelled));
  return failed ? 2 : 0;
}

}  // namespace

void add_cancel(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<CancelArgs>();
  CLI::App* v = add_verb(app, "cancel", "Cancel jobs; exits 2 if any could not be cancelled", "hexa cancel 7 8 9");
  v->add_option("JOB", a->jobs, "Job ids")->required();
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_cancel(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
