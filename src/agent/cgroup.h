// Jobs' cgroups (cgroup v2), where the agent may make them: the agent's own cgroup (from
// /proc/self/cgroup, under a cgroup2 mount at /sys/fs/cgroup) must be writable and able to
// delegate controllers to children. The agent then moves itself into a leaf "hexa-agent" (a
// cgroup that delegates controllers may hold no process) and gives each job a sibling
// "hexa-job-JOB-SEGMENT", with memory.max and cpu.max from the job's limits. A job is killed
// through its cgroup (cgroup.kill) after the grace and when it ends: nothing of it escapes, not
// even a process that left its group. Elsewhere (cgroup v1 or hybrid, no delegation) jobs run
// without cgroups and their limits are not applied (said once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/orders.h"
#include "model/status.h"

namespace hexa {

struct JobLimits {
  std::int64_t memory_mb = 0;  // 0: none
  std::int64_t cpus = 0;       // 0: none
  bool any() const { return memory_mb > 0 || cpus > 0; }
};

// The cgroup v2 path in a /proc/PID/cgroup text (its "0::/PATH" line) under `mount`; none when
// the text has no such line (cgroup v1 only).
std::optional<std::string> cgroup_v2_dir(const std::string& proc_cgroup, const std::string& mount);
// What memory.max and cpu.max get for these limits ("max" for none).
std::string memory_max_text(std::int64_t memory_mb);
std::string cpu_max_text(std::int64_t cpus);

class JobCgroups {
 public:
  // Looks at this process's cgroup under `mount` (the real one: /sys/fs/cgroup) and, when it
  // can, takes it over as described above. Otherwise available() is false and why_not() says
  // why ("cgroup v2 not writable here: ...").
  static JobCgroups detect(const std::string& mount = "/sys/fs/cgroup");

  bool available() const { return !base_.empty(); }
  const std::string& why_not() const { return why_not_; }
  const std::string& base() const { return base_; }
  std::string path(const JobKey& key) const { return base_ + "/hexa-job-" + key.text(); }
  // Makes the job's cgroup (empty first, if an earlier start left one) with its limits; its path.
  Result<std::string> make(const JobKey& key, const JobLimits& limits) const;
  // Removes a job's cgroup once it is empty (its keeper killed it). Quiet when there is none.
  static void remove(const std::string& path);

 private:
  std::string base_, why_not_;
};

}  // namespace hexa
