// Estimated start times against what really happens (issue 14): on traces with exact limits
// (time limit = duration) under backfill, the estimate of the head job of the queue, taken
// after every scheduling pass, is never later than the job's real start. A generated trace
// always; the public ITP trace when ../shared/traces (or HEXA_TRACES) has it.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "engine/start_estimate.h"
#include "sim/rng.h"
#include "test_util.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

struct HeadCheck {
  long passes = 0, estimated = 0, unknown = 0;
  long exact = 0;   // estimates the real start met to the millisecond
  long behind = 0;  // the job started after its estimate, or not within the run
  long late = 0;    // the estimate was later than the real start: what must never happen
  std::string first_late;
};

// The head of the queue: the first queued job in the policy's order.
std::optional<JobId> head_of(const Core& core) {
  std::vector<JobId> order;
  core.scheduler().queued_in_order(&order);
  if (order.empty()) return std::nullopt;
  return order.front();
}

HeadCheck check_heads(const Topology& topo, const Trace& trace) {
  HeadCheck c;
  std::map<JobId, std::vector<std::pair<TimeMs, TimeMs>>> seen;  // job: (pass time, estimate)
  SimOptions opt = testing::options("backfill");
  opt.limits_from_duration = true;  // exact limits
  opt.after_pass = [&](const Core& core, TimeMs now) {
    ++c.passes;
    auto head = head_of(core);
    if (!head) return;
    StartEstimate e = core.start_estimates()->of(core.job(*head));
    if (!e.known()) {
      ++c.unknown;
      return;
    }
    ++c.estimated;
    seen[*head].push_back({now, e.at});
  };
  opt.at_end = [&](const Core& core, TimeMs) {
    for (const auto& [id, estimates] : seen) {
      TimeMs start = core.job(id).first_start;
      for (auto [when, at] : estimates) {
        if (start >= 0 && start == at) ++c.exact;
        else if (start >= 0 && start < at) ++c.late;
        else ++c.behind;
        if (start >= 0 && start < at && c.first_late.empty())
          c.first_late = core.job(id).spec.name + ": estimated " + std::to_string(at) + " at " +
                         std::to_string(when) + ", started " + std::to_string(start);
      }
    }
  };
  auto r = simulate(topo, trace, opt);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return c;
}

Trace generated(std::uint64_t seed, int n) {
  Rng rng(seed);
  const int sizes[] = {1, 1, 2, 4, 4, 8, 8, 16, 24, 32};
  Trace t;
  TimeMs at = 0;
  for (int i = 0; i < n; ++i) {
    at += static_cast<TimeMs>(rng.below(90)) * kSecond;
    int gpus = sizes[rng.below(std::size(sizes))];
    long seconds = 60 + static_cast<long>(rng.below(3600));
    TraceJob j = testing::job("g" + std::to_string(i), 0, gpus, seconds, "t" + std::to_string(rng.below(3)));
    j.submit = at;
    t.jobs.push_back(std::move(j));
  }
  return t;
}

void expect_never_late(const HeadCheck& c) {
  EXPECT_GT(c.estimated, 0) << "the queue never had a head job with an estimate";
  EXPECT_EQ(c.late, 0) << c.first_late;
  std::printf("  passes %ld, head estimates %ld (unknown %ld): exact %ld, job started after it %ld, estimate too late %ld\n",
              c.passes, c.estimated, c.unknown, c.exact, c.behind, c.late);
}

TEST(StartEstimateSim, HeadNeverLaterThanRealStartOnGeneratedTraces) {
  Topology topo = testing::cluster(2, 4, 8);  // 64 GPUs: a busy queue
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    expect_never_late(check_heads(topo, generated(seed, 600)));
  }
}

TEST(StartEstimateSim, HeadNeverLaterThanRealStartOnItpTrace) {
  const char* env = std::getenv("HEXA_TRACES");
  std::string path = std::string(env && *env ? env : HEXA_SOURCE_DIR "/../shared/traces") + "/itp/cluster01.csv";
  if (!fs::exists(path)) GTEST_SKIP() << "public trace " << path << " not found; set HEXA_TRACES to the traces folder";
  auto trace = load_trace(path, "itp");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  expect_never_late(check_heads(testing::cluster(2, 8, 8), *trace));  // 128 GPUs: its 64-GPU jobs fit a block
}

}  // namespace
}  // namespace hexa
