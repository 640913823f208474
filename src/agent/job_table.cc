#include "agent/job_table.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "store/crash_point.h"

namespace hexa {

namespace {

std::string describe(const StartOrder& o) {
  std::string who;
  if (!o.name.empty()) who = o.name;
  if (!o.tenant.empty()) who += (who.empty() ? "" : ", ") + o.tenant;
  return "job " + o.key.text() + (who.empty() ? "" : " (" + who + ")");
}

// " request_id=ID" at the end of a line about an order that carries one (a field in JSON logs).
std::string rid_suffix(const std::string& request_id) {
  return request_id.empty() ? "" : " request_id=" + request_id;
}

}  // namespace

std::string exit_text(int exit_code, int signal) {
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  if (exit_code < 0) return "ended, its exit status lost";
  return "exited with code " + std::to_string(exit_code);
}

FileMark mark_of(const std::string& path) {
  FileMark m;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return m;
  m.exists = true;
  m.inode = st.st_ino;
  m.size = st.st_size;
  m.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return m;
}

AgentJobs::AgentJobs(const AgentOptions& o, AgentSay say)
    : work_dir_(o.work_dir),
      checkpoint_root_(o.checkpoint_dir.empty() ? o.work_dir + "/checkpoints" : o.checkpoint_dir),
      user_(o.job_user),
      node_(o.node),
      mig_(o.discovered.mig),
      say_(std::move(say)),
      records_(o.work_dir),
      cgroups_(JobCgroups::detect()) {
  if (cgroups_.available()) say_("jobs get cgroups under " + cgroups_.base() + " (memory and CPU limits, kill by cgroup)");
}

AgentJob AgentJobs::make_job(const JobKey& key) const {
  const std::string dir = work_dir_ + "/jobs/" + key.text();
  AgentJob j;
  j.key = key;
  j.out.name = "stdout";
  j.out.path = dir + "/stdout.log";
  j.err.name = "stderr";
  j.err.path = dir + "/stderr.log";
  j.checkpoint_file = dir + "/checkpoint";
  return j;
}

void AgentJobs::start(const StartOrder& o) {
  if (jobs_.count(o.key) != 0 || ended_.count(o.key) != 0) {
    say_("job " + o.key.text() + ": started already, the start order is ignored");
    return;
  }
  if (const AgentJob* busy = o.error.empty() ? holder(hold_of(o)) : nullptr) {
    if (waiting_.emplace(o.key, o).second)
      say_(describe(o) + ": waits for its GPUs, which job " + busy->key.text() + " still holds while it stops");
    return;
  }
  waiting_.erase(o.key);
  AgentJob j = make_job(o.key);
  j.hold = hold_of(o);
  std::string error = o.error;
  if (error.empty()) {
    Result<pid_t> pid = launch(o, j);
    if (pid.ok()) say_(describe(o) + ": started, pid " + std::to_string(*pid) + rid_suffix(o.request_id));
    else error = pid.status().message();
  }
  if (!error.empty()) {
    say_(describe(o) + ": cannot start: " + error + rid_suffix(o.request_id));
    fail_start(j, error);
  }
  jobs_.emplace(o.key, std::move(j));
}

// The job's record, checkpoint dir and cgroup, then its processes and its state, then its program.
Result<pid_t> AgentJobs::launch(const StartOrder& o, AgentJob& j) {
  if (Status s = records_.prepare(o.key); !s.ok()) return s;
  ProcessSpec spec;
  spec.argv = o.command;
  spec.env = job_environment(o, node_, mig_);
  spec.workdir = work_dir_ + "/jobs/" + o.key.text();
  spec.stdout_path = j.out.path;
  spec.stderr_path = j.err.path;
  spec.exit_path = records_.exit_path(o.key);
  spec.heard_path = records_.heard_path();
  if (user_) {
    spec.uid = user_->uid;
    spec.gid = user_->gid;
  }
  // The same checkpoint dir for every segment of the job on this node, kept after it ends.
  const std::string checkpoints = checkpoint_root_ + "/" + std::to_string(o.key.job);
  std::error_code ec;
  std::filesystem::create_directories(checkpoints, ec);
  if (ec) return Status::Unavailable("cannot make the checkpoint dir '" + checkpoints + "': " + ec.message());
  if (user_ && ::chown(checkpoints.c_str(), user_->uid, user_->gid) != 0)
    return Status::Unavailable("cannot give the checkpoint dir '" + checkpoints + "' to " + user_->name);
  spec.env["HEXA_CHECKPOINT_DIR"] = checkpoints;
  spec.env["HEXA_CHECKPOINT_FILE"] = j.checkpoint_file;
  (void)::unlink(j.checkpoint_file.c_str());
  j.checkpoint_seen = FileMark{};
  JobLimits limits{o.memory_mb, o.cpus};
  if (cgroups_.available()) {
    Result<std::string> cg = cgroups_.make(o.key, limits);
    if (!cg.ok()) return cg.status();
    spec.cgroup = j.cgroup = *cg;
  } else if (limits.any() && !limits_said_) {
    say_(cgroups_.why_not() + ": no memory/CPU limits (job " + o.key.text() + " asked for some)");
    limits_said_ = true;
  }
  // Recorded before it may run: a job that the next agent could not find (this one crashed in
  // between) would run on unseen and unfenced while the server runs it again.
  spec.record = [&](const ProcessIds& ids) {
    crash_point("agent.start.before_record");
    JobStateRecord r;
    r.key = o.key;
    r.rank = o.rank;
    r.ids = ids;
    r.cgroup = j.cgroup;
    r.hold = j.hold;
    return records_.write_state(r);
  };
  Result<pid_t> pid = sup_.start(o.key.text(), spec);
  if (!pid.ok()) JobCgroups::remove(j.cgroup);
  return pid;
}

// Ends it with 127, as a shell would, the reason in its stderr (where its user looks), unless
// the supervisor wrote one there already.
void AgentJobs::fail_start(AgentJob& j, const std::string& why) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(j.err.path).parent_path(), ec);
  std::uintmax_t size = std::filesystem::file_size(j.err.path, ec);
  if (ec || size == 0)
    std::ofstream(j.err.path, std::ios::app | std::ios::binary) << "hexa agent: cannot start: " << why << "\n";
  // Recorded, so that an agent restarted before it is reported still reports it.
  if (records_.prepare(j.key).ok()) (void)write_exit_file(records_.exit_path(j.key), 127, 0);
  end(j, 127, 0);
}

void AgentJobs::end(AgentJob& j, int exit_code, int signal) {
  j.ended = true;
  j.exit_code = exit_code;
  j.signal = signal;
  ended_.insert(j.key);
  JobCgroups::remove(j.cgroup);
  for (LogStream* s : {&j.out, &j.err}) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::file_size(s->path, ec);
    s->end = ec ? 0 : static_cast<std::int64_t>(size);
  }
}

void AgentJobs::stop(const JobKey& key, TimeMs now, DurationMs grace, const std::string& request_id) {
  if (waiting_.erase(key)) say_("job " + key.text() + ": stopped before its GPUs were free: never started");
  auto it = jobs_.find(key);
  if (it == jobs_.end() || it->second.ended) return;  // not running: nothing to stop
  say_("job " + key.text() + ": stopping (SIGTERM, SIGKILL after " + std::to_string(grace) + " ms)" + rid_suffix(request_id));
  sup_.stop(key.text(), now, grace);
}

void AgentJobs::stop_all(TimeMs now, DurationMs grace) {
  waiting_.clear();
  // Every group the supervisor runs, whether or not its job is still in the table.
  for (const std::string& k : sup_.keys()) sup_.stop(k, now, grace);
}

void AgentJobs::reap(TimeMs now) {
  for (const ProcessExit& e : sup_.tick(now)) {
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      AgentJob& j = it->second;
      if (j.ended || j.key.text() != e.key) continue;
      end(j, e.exit_code, e.signal);
      if (!e.fenced) {
        say_("job " + j.key.text() + ": " + exit_text(e.exit_code, e.signal));
        break;
      }
      // Its keeper stopped it: the server has not heard us for the fence and counts it lost.
      say_("job " + j.key.text() + ": stopped at the fence by its keeper (" + exit_text(e.exit_code, e.signal) +
           "): not reported, the server counts it lost");
      records_.mark_done(j.key);
      jobs_.erase(it);
      break;
    }
  }
  std::vector<StartOrder> ready;
  for (const auto& [key, o] : waiting_)
    if (!holder(hold_of(o))) ready.push_back(o);
  for (const StartOrder& o : ready) start(o);
}

const AgentJob* AgentJobs::holder(const GpuHold& hold) const {
  for (const auto& [key, j] : jobs_)
    if (!j.ended && j.hold.overlaps(hold)) return &j;
  return nullptr;
}

void AgentJobs::heard(TimeMs sent, DurationMs fence_ms) {
  Status s = write_heard_file(records_.heard_path(), sent, fence_ms);
  if (!s.ok() && !heard_said_)
    say_(s.message() + " (the keepers cannot see that the server hears this agent: they stop their jobs at the fence)");
  heard_said_ = !s.ok();
}

std::vector<JobKey> AgentJobs::new_checkpoints() {
  std::vector<JobKey> out;
  for (auto& [key, j] : jobs_) {
    if (j.ended) continue;
    FileMark now = mark_of(j.checkpoint_file);
    if (now == j.checkpoint_seen) continue;
    j.checkpoint_seen = now;
    if (now.exists) out.push_back(key);
  }
  return out;
}

std::vector<JobKey> AgentJobs::running() const {
  std::vector<JobKey> out;
  for (const auto& [key, j] : jobs_) out.push_back(key);
  for (const auto& [key, o] : waiting_) out.push_back(key);
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
  for (const auto& [key, j] : jobs_) records_.mark_done(key);
  jobs_.clear();
  ended_.clear();
  waiting_.clear();
}

void AgentJobs::release() {
  sup_.release();
  jobs_.clear();
  waiting_.clear();  // the server sends their start orders again to the next agent
}

}  // namespace hexa
