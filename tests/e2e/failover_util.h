// What the failover tests (failover_test.cc) and the failover benchmark check on a ReplicaSet:
// long jobs that must run through a failover untouched, and replicas that must agree.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "e2e/replicas.h"
#include "e2e/storm.h"

namespace hexa::testing {

// A job that runs until stopped, its process as its agent started it.
struct LongJob {
  std::int64_t id = 0;
  std::string node;
  pid_t pid = 0;
};

// Submits `n` one-GPU jobs that run until stopped (each says its pid in its output) and waits
// until each runs and has said it; fails the test for one that does not.
std::vector<LongJob> start_long_jobs(ReplicaSet& set, const std::string& token, int n);
// Each is running still, in its first segment (never requeued), on its node, by the same process.
void check_long_jobs_kept_running(ReplicaSet& set, const std::vector<LongJob>& jobs);
// Waits until the storm has acknowledged at least `count` submits; false at the limit.
bool wait_acked_past(Storm& storm, std::size_t count, std::chrono::milliseconds limit);
// The ledger balances on the leader, and every running replica, and a fresh one added now (it
// replays the journal from PostgreSQL), once caught up, has the leader's state digest.
void check_replicas_agree(ReplicaSet& set);

}  // namespace hexa::testing
