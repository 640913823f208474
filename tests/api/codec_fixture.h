// What the codec tests share: a small cloud (two sites, whole and sliced GPUs), a journal of
// commands that exercises every command type, and ways to compare what two cores did.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/command_json.h"
#include "core/core.h"
#include "core/job_request.h"

namespace hexa::codec_test {

constexpr Micro kCredit = 1'000'000;

// paris: 2 nodes x 8 H100 (p1, p2) and 1 node of 2 sliced A100 (pm1); lyon: 1 node x 4 A100 (l1).
Topology cloud();
std::unique_ptr<Core> make_core(const Topology& topo);

// One journal row: a command and its time.
struct Step {
  Command cmd;
  TimeMs now = 0;
};

// Tenants of every kind with quotas, prices, grants, a top-up, an overdraft, a budget, a refund
// policy and a slice reservation: what the jobs of a journal need.
std::vector<Step> setup_steps();
// Jobs through their lives: submits, schedules, a completion, a failed node and its repair, a
// drain, a cancel, commands the core refuses (an unknown job, a stale report).
std::vector<Step> job_steps(const Core& core);

JobRequest request(std::string name, std::string tenant, int gpus = 1);
// A job as names (resolve() against `core`), so that steps can be written before the tenants exist.
JobSpec spec(const Core& core, JobRequest r);

// Every field of a spec, ids and masks as numbers.
std::string spec_text(const JobSpec& s);
// Everything a host sees of an apply: the status, the effects in order, the wake time.
std::string outcome_text(const Result<Effects>& r);
// What a replay must rebuild: every job (spec, phase, segments, end), tenant and the ledger's digest.
std::string state_text(const Core& core);

// A core with the cloud and setup_steps() applied: the tenants and money the tests name.
class CodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Step& s : setup_steps()) {
      auto fx = core->apply(s.cmd, s.now);
      ASSERT_TRUE(fx.ok()) << fx.status().message();
    }
  }
  std::string encode(const Command& c) const { return encode_command(c, *core); }
  Result<Command> decode(std::string_view s) const { return decode_command(s, *core); }

  Topology topo = cloud();
  std::unique_ptr<Core> core = make_core(topo);
};

}  // namespace hexa::codec_test
