// Cluster and scenario YAML (sim/cluster_config.cc, sim/scenario*.cc). The first byte picks
// what the rest is read as: a cluster file, a scenario (hexa simulate) or a live cloud's
// configuration (hexa serve --config). Findings: crashes, sanitizer reports, exceptions that
// escape (yaml-cpp throws on bad YAML: the loaders must turn that into an error).
#include "fuzz_util.h"
#include "sim/cluster_config.h"
#include "sim/scenario.h"

HEXA_FUZZ_TARGET(yaml) {
  using namespace hexa;
  fuzz::FuzzInput in(data, size);
  const std::size_t kind = in.pick(3);
  const std::string path = fuzz::write_scratch("input.yaml", in.rest());
  switch (kind) {
    case 0: (void)load_cluster_yaml(path); break;
    case 1: (void)load_scenario(path, std::nullopt); break;
    default: (void)load_cloud(path); break;
  }
  return 0;
}
