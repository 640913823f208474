// Each job's run segments with their times and nodes, for the job page's timeline: started,
// then preempted / node lost / ended. The host keeps them from the core's effects (live and
// during replay, so a restart rebuilds them) and in its snapshot state; an ended job's segments
// go into its archived object. Bounded: the newest kMaxSegments of each job.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/json_writer.h"
#include "core/core.h"

namespace hexa {

struct RunSegment {
  int segment = 0;         // Job::segment: 1 for the first run
  TimeMs started = 0;      // core time
  TimeMs ended = -1;       // -1: still running
  std::string how;         // "running", "preempted", "requeued", "node lost", or the end state ("finished", ...)
  std::vector<NodeId> nodes;
};

class JobTimelines {
 public:
  static constexpr std::size_t kMaxSegments = 50;

  // REQUIRES: `core` has just applied `c` at `now`, which gave `fx`. A segment a RequeueJob
  // stopped (a drain's deadline, an operator) ended "requeued"; one the scheduler stopped, "preempted".
  void record(const Command& c, const Effects& fx, const Core& core, TimeMs now);
  void forget(JobId id) { jobs_.erase(id); }
  // [{"segment", "started_ms", "ended_ms" (null while running), "nodes", "how"}], oldest first.
  nlohmann::json json(JobId id, const Topology& topo, TimeMs origin) const;

  void write(JsonWriter& w) const;  // host state: [[job, [[segment, started, ended, how, [nodes]]...]]...]
  void read(const nlohmann::json& state);  // throws nlohmann::json::exception on a malformed entry

 private:
  RunSegment* open(JobId id, int segment);
  std::map<JobId, std::deque<RunSegment>> jobs_;
};

}  // namespace hexa
