// The snapshot decoders: Core::restore (core/core_snapshot*.cc), the snapshot files
// (store/snapshot_file.cc: header, checksums, fallback to an older file) and the host's
// snapshot payload (server/host.cc: its own state, then the core's). The first byte picks:
//   0: the rest is a core snapshot, restored directly;
//   1: ... written as a valid snapshot file, then loaded as a restart loads it;
//   2: the rest is a whole snapshot file (header and all), loaded;
//   3: the rest is a host's snapshot payload, beside the fuzz cloud's first journal rows: a
//      Host restarts from it.
// A core that restores must be usable (a schedule applies) and its snapshot must restore to
// the same state (the same digest).
#include <filesystem>

#include "fuzz_cloud.h"
#include "fuzz_util.h"
#include "store/snapshot_file.h"

namespace hexa::fuzz {
namespace {

Result<std::unique_ptr<Core>> restore(std::string_view bytes) {
  const Scenario& cloud = fuzz_cloud();
  return Core::restore(*cloud.topology, cloud.options.sched, host_core_options(), bytes);
}

// What a restored core must keep: its snapshot restores to the same digest, and it runs on.
void check_restored(Core& core) {
  const std::string again = core.snapshot();
  auto second = restore(again);
  check(second.ok(), "a restored core's own snapshot does not restore: " +
                         (second.ok() ? std::string() : second.status().message()));
  check((*second)->digest() == core.digest(), "a restored core's snapshot restores to another state");
  (void)core.apply(Schedule{}, 400 * kDay);
}

SnapshotAccept accept_core() {
  return [](std::int64_t, std::string_view bytes) -> Status {
    auto core = restore(bytes);
    if (!core.ok()) return core.status();
    check_restored(**core);
    return Status::Ok();
  };
}

std::string clean_dir(const std::string& name) {
  const std::string dir = scratch_dir() + "/" + name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  return dir;
}

void run(int mode, std::string_view bytes) {
  switch (mode) {
    case 0: {
      auto core = restore(bytes);
      if (core.ok()) check_restored(**core);
      return;
    }
    case 1: {
      const std::string dir = clean_dir("snapshots");
      check(write_snapshot(dir, 7, bytes).ok(), "a snapshot could not be written to " + dir);
      SnapshotLoad load = load_newest_snapshot(dir, accept_core());
      check(load.seq.has_value() == restore(bytes).ok(), "a whole snapshot file loads unlike its payload");
      return;
    }
    case 2: {
      const std::string dir = clean_dir("snapshots");
      write_scratch("snapshots/" + snapshot_file_name(7), bytes);
      (void)load_newest_snapshot(dir, accept_core());
      return;
    }
    default: {
      const std::string dir = state_dir_with("host", {});
      const auto seq = static_cast<std::int64_t>(first_rows().size());
      check(write_snapshot(snapshot_dir(dir), seq, bytes).ok(), "a host snapshot could not be written");
      std::vector<std::string> notes;
      auto host = Host::open(fuzz_cloud(), dir, fuzz_host_options(), &notes);
      if (host.ok()) (void)(*host)->digest();
    }
  }
}

}  // namespace
}  // namespace hexa::fuzz

HEXA_FUZZ_TARGET(snapshot) {
  hexa::fuzz::FuzzInput in(data, size);
  const int mode = in.byte() % 4;
  hexa::fuzz::run(mode, in.rest());
  return 0;
}
