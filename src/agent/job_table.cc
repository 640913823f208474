#include "agent/job_table.h"

#include <filesystem>
#include <fstream>

namespace hexa {

namespace {

std::string describe(const StartOrder& o) {
  std::string who;
  if (!o.name.empty()) who = o.name;
  if (!o.tenant.empty()) who += (who.empty() ? "" : ", ") + o.tenant;
  return "job " + o.key.text() + (who.empty() ? "" : " (" + who + ")");
}

std::string exit_text(int exit_code, int signal) {
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  if (exit_code < 0) return "ended, its exit status lost";
  return "exited with code " + std::to_string(exit_code);
}

}  // namespace

AgentJobs::AgentJobs(std::string work_dir, std::optional<JobUser> user, std::string node, std::vector<MigDevice> mig,
                     AgentSay say)
    : work_dir_(std::move(work_dir)),
      user_(std::move(user)),
      node_(std::move(node)),
      mig_(std::move(mig)),
      say_(std::move(say)) {}

void AgentJobs::start(const StartOrder& o) {
  if (jobs_.count(o.key) != 0 || ended_.count(o.key) != 0) {
    say_("job " + o.key.text() + ": started already, the start order is ignored");
    return;
  }
  const std::string dir = work_dir_ + "/jobs/" + o.key.text();
  AgentJob j;
  j.key = o.key;
  j.out.name = "stdout";
  j.out.path = dir + "/stdout.log";
  j.err.name = "stderr";
  j.err.path = dir + "/stderr.log";
  std::string error = o.error;
  if (error.empty()) {
    ProcessSpec spec;
    spec.argv = o.command;
    spec.env = job_environment(o, node_, mig_);
    spec.workdir = dir;
    spec.stdout_path = j.out.path;
    spec.stderr_path = j.err.path;
    if (user_) {
      spec.uid = user_->uid;
      spec.gid = user_->gid;
    }
    Result<pid_t> pid = sup_.start(o.key.text(), spec);
    if (pid.ok()) say_(describe(o) + ": started, pid " + std::to_string(*pid));
    else error = pid.status().message();
  }
  if (!error.empty()) {
    say_(describe(o) + ": cannot start: " + error);
    fail_start(j, error);
  }
  jobs_.emplace(o.key, std::move(j));
}

// Ends it with 127, as a shell would, the reason in its stderr (where its user looks), unless
// the supervisor wrote one there already.
void AgentJobs::fail_start(AgentJob& j, const std::string& why) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(j.err.path).parent_path(), ec);
  std::uintmax_t size = std::filesystem::file_size(j.err.path, ec);
  if (ec || size == 0)
    std::ofstream(j.err.path, std::ios::app | std::ios::binary) << "hexa agent: cannot start: " << why << "\n";
  end(j, 127, 0);
}

void AgentJobs::end(AgentJob& j, int exit_code, int signal) {
  j.ended = true;
  j.exit_code = exit_code;
  j.signal = signal;
  ended_.insert(j.key);
  for (LogStream* s : {&j.out, &j.err}) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::file_size(s->path, ec);
    s->end = ec ? 0 : static_cast<std::int64_t>(size);
  }
}

void AgentJobs::stop(const JobKey& key, TimeMs now, DurationMs grace) {
  auto it = jobs_.find(key);
  if (it == jobs_.end() || it->second.ended) return;  // not running: nothing to stop
  say_("job " + key.text() + ": stopping (SIGTERM, SIGKILL after " + std::to_string(grace) + " ms)");
  sup_.stop(key.text(), now, grace);
}

void AgentJobs::stop_all(TimeMs now, DurationMs grace) {
  // Every group the supervisor runs, whether or not its job is still in the table.
  for (const std::string& k : sup_.keys()) sup_.stop(k, now, grace);
}

void AgentJobs::reap(TimeMs now) {
  for (const ProcessExit& e : sup_.tick(now)) {
    for (auto& [key, j] : jobs_) {
      if (j.ended || key.text() != e.key) continue;
      end(j, e.exit_code, e.signal);
      say_("job " + key.text() + ": " + exit_text(e.exit_code, e.signal));
    }
  }
}

std::vector<JobKey> AgentJobs::running() const {
  std::vector<JobKey> out;
  for (const auto& [key, j] : jobs_) out.push_back(key);
  return out;
}

JobExit AgentJobs::take_exit(const JobKey& key) {
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return JobExit{key, -1, 0};
  JobExit e{key, it->second.exit_code, it->second.signal};
  jobs_.erase(it);
  return e;
}

void AgentJobs::clear() {
  jobs_.clear();
  ended_.clear();
}

}  // namespace hexa
