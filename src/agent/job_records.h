// The agent's own records of the jobs it started, so that an agent that restarts (a crash, an
// upgrade) finds them again: WORK/records/JOB-SEGMENT/ holds
//   state  {"job", "segment", "rank", "keeper_pid", "keeper_start", "job_pid", "job_start",
//          "cgroup", "gpus", "slots"}: written (temp file + rename) once the job runs;
//   exit   "CODE SIGNAL": written by the job's keeper when it ends (agent/process.h);
//   done   the server has what it needs of it (its exit was acknowledged, or it was given up);
// and WORK/records/heard, when the server last heard the agent (process.h, write_heard_file).
// Not in the job's own dir WORK/jobs/JOB-SEGMENT/: its user owns that one and could rewrite a
// state file there, making a root agent signal any process group it names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/orders.h"
#include "agent/process.h"
#include "model/status.h"

namespace hexa {

struct JobStateRecord {
  JobKey key;
  std::int64_t rank = 0;
  ProcessIds ids;
  std::string cgroup;  // empty: none
  GpuHold hold;        // its GPUs on this node (absent in older records: none)
};

// The record's JSON text, and back (none when it is not a well-formed record of `key`).
std::string record_text(const JobStateRecord& r);
std::optional<JobStateRecord> parse_record(const std::string& text, const JobKey& key);
// "7-1" -> {7, 1}; none for any other name.
std::optional<JobKey> parse_job_key(const std::string& name);

class JobRecords {
 public:
  explicit JobRecords(std::string work_dir) : root_(std::move(work_dir) + "/records") {}

  std::string dir(const JobKey& key) const { return root_ + "/" + key.text(); }
  std::string exit_path(const JobKey& key) const { return dir(key) + "/exit"; }
  // When the server last heard the agent, and its fence: the keepers' fence (process.h).
  std::string heard_path() const { return root_ + "/heard"; }
  // A fresh record dir for a start (what an earlier start of the key left is removed).
  Status prepare(const JobKey& key) const;
  Status write_state(const JobStateRecord& r) const;
  std::optional<JobStateRecord> read_state(const JobKey& key) const;
  void mark_done(const JobKey& key) const;
  // The keys with a record not marked done, in order.
  std::vector<JobKey> pending() const;

 private:
  std::string root_;
};

}  // namespace hexa
