// `hexa checkpoint`: run from inside a job, says that the job has saved its progress. It needs
// no server and no token: it writes the file HEXA_CHECKPOINT_FILE names (set by the agent in
// the job's dir), which the agent watches; the agent tells the server at once, so that a job
// stopped later resumes from there (docs/server.md, "The agent").
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cli/verbs.h"

namespace hexa::cli {

namespace {

// The time of the checkpoint, written to PATH.tmp then renamed: the agent sees a new file.
int run_checkpoint(const ClientIo& io) {
  std::optional<std::string> path = io.getenv("HEXA_CHECKPOINT_FILE");
  if (!path || path->empty())
    return fail(io, "checkpoint: HEXA_CHECKPOINT_FILE is not set: run it from inside a job that hexa agent started");
  const std::string tmp = *path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << io.now_ms() << "\n";
    out.close();
    if (!out) return fail(io, "checkpoint: cannot write '" + tmp + "': " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path->c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return fail(io, "checkpoint: cannot write '" + *path + "': " + why);
  }
  *io.out << "checkpoint noted\n" << std::flush;
  return 0;
}

}  // namespace

void add_checkpoint(CLI::App& app, Verbs& verbs) {
  CLI::App* v = add_verb(app, "checkpoint",
                         "From inside a job: say that it has saved its progress (in $HEXA_CHECKPOINT_DIR); "
                         "the agent tells the server, and a job stopped later resumes from there. No server "
                         "or token needed",
                         "python train.py --save-to $HEXA_CHECKPOINT_DIR && hexa checkpoint");
  verbs.push_back({v, [](const HttpClientFactory&, const ClientIo& io) { return run_checkpoint(io); }});
}

}  // namespace hexa::cli
