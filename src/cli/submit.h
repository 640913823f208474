// `hexa submit`: a job from flags and a command, posted once durable, with an idempotency key
// so that one retry after a lost answer cannot make a second job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/json_view.h"
#include "cli/session.h"
#include "model/status.h"

namespace hexa::cli {

struct SubmitArgs {
  Globals g;
  std::string tenant, gpu_type, site, slice, name;
  int gpus = 1;
  std::string time, checkpoint_every;  // Slurm-like durations (time_arg.h); "" when not given
  std::optional<int> priority;
  std::optional<std::int64_t> memory_mb, cpus;  // limits (the server checks the range)
  bool no_preempt = false;
  std::vector<std::string> env;  // K=V
  std::string idempotency_key;   // "" : one is made per invocation
  std::vector<std::string> command;
};

// The body of POST /v1/jobs. Errors: a bad duration, a bad --env, no command.
Result<Json> submit_body(const SubmitArgs& a);

// How long submit waits before its one retry.
constexpr int kSubmitRetryDelayMs = 1000;

}  // namespace hexa::cli
