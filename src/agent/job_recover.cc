// AgentJobs::recover: an agent that starts takes over what a previous one on its work dir left
// (job_records.h): a crash or an upgrade does not kill the jobs, nor lose their exits.
#include <csignal>
#include <thread>

#include "agent/clock.h"
#include "agent/job_table.h"

namespace hexa {

namespace {

// SIGKILL to the job's group (its keeper would send it at the fence too), then up to 5 s
// for the job to be gone; whether it is.
bool stop_and_wait(const ProcessIds& ids) {
  if (same_process(ids.job, ids.job_start)) (void)::kill(-ids.job, SIGKILL);
  for (int i = 0; i < 500; ++i) {
    if (!same_process(ids.job, ids.job_start)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

int AgentJobs::recover() {
  fenced_ = past_fence_now(records_.heard_path(), agent_now_ms());
  int taken = 0;
  for (const JobKey& key : records_.pending())
    if (recover_one(key)) ++taken;
  return taken;
}

// Whether the job is in the table now (adopted, or ended with its exit).
bool AgentJobs::recover_one(const JobKey& key) {
  if (jobs_.count(key) != 0) return true;
  AgentJob j = make_job(key);
  j.checkpoint_seen = mark_of(j.checkpoint_file);  // what it saved before counts as told
  std::optional<JobStateRecord> state = records_.read_state(key);
  if (state) j.cgroup = state->cgroup, j.hold = state->hold;
  std::optional<ProcessExit> e = read_exit_file(records_.exit_path(key));
  if (e && e->fenced) {
    JobCgroups::remove(j.cgroup);
    say_("job " + key.text() + ": stopped at the fence by its keeper while no agent ran: left out, the server counts it lost");
    records_.mark_done(key);
    return false;
  }
  if (!e && state && fenced_) {
    // Its keeper is stopping it at the fence (or is about to): adopted, it would be reported
    // as running, then dropped once the keeper writes its fenced exit, and the server would
    // count it running to its time limit. Stop it here and wait, then leave it out: the
    // registration without it requeues it, and it must be gone before it runs elsewhere.
    const bool dead = stop_and_wait(state->ids);
    JobCgroups::remove(j.cgroup);
    say_("job " + key.text() + ": past the fence while no agent ran: " + (dead ? "stopped" : "SIGKILL sent, still exiting") +
         "; left out, the server counts it lost");
    records_.mark_done(key);
    return false;
  }
  if (e) {
    end(j, e->exit_code, e->signal);
    say_("job " + key.text() + ": ended while no agent ran (" + exit_text(e->exit_code, e->signal) +
         "): reporting it");
    jobs_.emplace(key, std::move(j));
    return true;
  }
  std::string why;
  if (!state) {
    why = "no state recorded";
  } else if (Status s = sup_.adopt(key.text(), state->ids, records_.exit_path(key), state->cgroup); s.ok()) {
    say_("job " + key.text() + ": still running (pid " + std::to_string(state->ids.job) + "): adopted");
    jobs_.emplace(key, std::move(j));
    return true;
  } else {
    // Its keeper ended (or its pid now names another process) without writing the exit.
    why = "its keeper is gone and left no exit status";
    if (same_process(state->ids.job, state->ids.job_start)) {
      (void)::kill(-state->ids.job, SIGKILL);
      why += "; what was left of it is killed";
    }
  }
  JobCgroups::remove(j.cgroup);
  say_("job " + key.text() + ": cannot reattach (" + why + "): left out, the server counts it lost");
  records_.mark_done(key);
  return false;
}

}  // namespace hexa
