// A replica upgraded across a snapshot format change loads the snapshots its journal was
// compacted to (docs/operations.md, "Upgrades"). fuzz/regressions/snapshot/format-2-core is a
// core snapshot a host of the fuzz cloud wrote in format 2 (before the queue's job shapes and
// reasons): this build restores it, its own snapshot of it restores to the same state, and it
// schedules on. (Its queue is empty: PendingQueueWait.ReadsFormat2 reads a format-2 queue.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_cloud.h"

namespace hexa {
namespace {

TEST(SnapshotUpgrade, AFormat2SnapshotRestoresAndRunsOn) {
  const auto path = std::filesystem::path(HEXA_SOURCE_DIR) / "fuzz/regressions/snapshot/format-2-core";
  std::ifstream in(path, std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(file.size(), 10u) << path;
  const std::string bytes = file.substr(1);  // the fuzz target's mode byte: 0, a core snapshot
  ASSERT_EQ(bytes.substr(0, 8), "HEXASNAP");
  ASSERT_EQ(bytes[8], 2) << "format 2";
  const Scenario& cloud = fuzz::fuzz_cloud();
  auto old = Core::restore(*cloud.topology, cloud.options.sched, fuzz::host_core_options(), bytes);
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_FALSE((*old)->state().jobs.empty()) << "the snapshot has jobs";
  const std::string now = (*old)->snapshot();
  ASSERT_EQ(now[8], 3) << "written in this build's format";
  auto again = Core::restore(*cloud.topology, cloud.options.sched, fuzz::host_core_options(), now);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ((*again)->digest(), (*old)->digest());
  for (const Job& j : (*old)->state().jobs) EXPECT_EQ((*again)->explain(j.id), (*old)->explain(j.id));
  const TimeMs later = (*old)->now() + kHour;
  EXPECT_EQ((*old)->apply(Schedule{}, later).ok(), (*again)->apply(Schedule{}, later).ok());
  EXPECT_EQ((*again)->digest(), (*old)->digest());
}

}  // namespace
}  // namespace hexa
