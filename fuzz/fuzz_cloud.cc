#include "fuzz_cloud.h"

#include <filesystem>

#include "fuzz_util.h"

namespace hexa::fuzz {
namespace {

constexpr const char* kCloud = R"(name: fuzz
cluster:
  sites:
    - name: paris
      blocks:
        - {nodes: 2, gpus_per_node: 8, gpu_type: H100, name: whole}
        - {nodes: 1, gpus_per_node: 2, gpu_type: A100, slices: mig, name: mig}
    - name: lyon
      provider: other
      blocks:
        - {nodes: 1, gpus_per_node: 4, gpu_type: A100, name: lyon}
scheduler: {policy: backfill}
tenants:
  - {name: acme}
  - {name: team, parent: acme}
  - {name: uni, kind: programme}
credits:
  prices:
    - {gpu_type: H100, credits_per_gpu_hour: 2}
    - {gpu_type: A100, credits_per_gpu_hour: 1}
  grants:
    - {tenant: acme, programme: seed, credits: 1000, start_day: 0, expiry_day: 365}
)";

}  // namespace

const Scenario& fuzz_cloud() {
  static const Scenario cloud = [] {
    auto loaded = load_cloud(write_scratch("fuzz-cloud.yaml", kCloud));
    if (!loaded.ok()) fail("the fuzz cloud does not load: " + loaded.status().message());
    return std::move(loaded).value();
  }();
  return cloud;
}

CoreOptions host_core_options() {
  CoreOptions co;
  co.nodes_start_down = true;
  co.retire_ended = true;
  return co;
}

std::unique_ptr<Core> fuzz_core() {
  const Scenario& cloud = fuzz_cloud();
  auto core = Core::make(*cloud.topology, cloud.options.sched, host_core_options());
  if (!core.ok()) fail("no core for the fuzz cloud: " + core.status().message());
  for (const auto& t : cloud.options.tenants)
    if (auto fx = (*core)->apply(Command(t), 0); !fx.ok()) fail("fuzz cloud tenant: " + fx.status().message());
  for (const Command& c : cloud.options.setup)
    if (auto fx = (*core)->apply(c, 0); !fx.ok()) fail("fuzz cloud setup: " + fx.status().message());
  return std::move(core).value();
}

HostOptions fuzz_host_options() {
  HostOptions opt;
  opt.clock = [] { return TimeMs{1'704'067'200'000}; };
  opt.snapshot_interval = 0;
  return opt;
}

const std::vector<JournalEntry>& first_rows() {
  static const std::vector<JournalEntry> rows = [] {
    const std::string dir = scratch_dir() + "/first-start";
    std::vector<JournalEntry> out;
    {
      auto host = Host::open(fuzz_cloud(), dir, fuzz_host_options());
      if (!host.ok()) fail("the fuzz cloud's host does not open: " + host.status().message());
      Status st = (*host)->journal().read(0, [&](const JournalEntry& e) {
        out.push_back(e);
        return Status::Ok();
      });
      if (!st.ok()) fail("the fuzz cloud's journal does not read: " + st.message());
    }
    std::filesystem::remove_all(dir);
    return out;
  }();
  return rows;
}

std::string state_dir_with(const std::string& name, std::vector<JournalEntry> more) {
  const std::string dir = scratch_dir() + "/" + name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  auto journal = Journal::open(dir);
  if (!journal.ok()) fail("no journal in " + dir + ": " + journal.status().message());
  std::vector<JournalEntry> first = first_rows();
  if (Status st = (*journal)->append(first); !st.ok()) fail("cannot write the first rows: " + st.message());
  if (!more.empty())
    if (Status st = (*journal)->append(more); !st.ok()) fail("cannot write the rows: " + st.message());
  return dir;
}

}  // namespace hexa::fuzz
