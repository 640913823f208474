// Scenario: one YAML file that says everything a run needs: the cluster, the scheduler's
// knobs, the tenants and the workload (a trace to replay or a seeded generator).
// Format and example: docs/scenario-format.md, scenarios/france-2025.yaml.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "model/topology.h"
#include "sim/scenario_override.h"
#include "sim/simulator.h"
#include "sim/trace.h"

namespace hexa {

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::unique_ptr<Topology> topology;  // stable address: the core points into it
  Trace trace;
  SimOptions options;
  // The core the loader checked the tenants and set-up with, in the state a run starts from:
  // pass it to simulate() (std::move(sc.prepared)), which uses it while it still matches.
  PreparedCore prepared;
};

// `seed` overrides the file's seed. Relative paths inside the file are relative to it.
// `overrides` change the parsed file before it is read (scenario_override.h); a mistake they
// make is reported as the file's, followed by the overrides that were applied.
Result<Scenario> load_scenario(const std::string& path, std::optional<std::uint64_t> seed,
                               const std::vector<Override>& overrides = {});

// A live cloud's configuration (`hexa serve --config`): the scenario format without a
// workload; a workload, learners or failures section is refused with a clear message.
Result<Scenario> load_cloud(const std::string& path);

// Reads the `scheduler:` map into options (also used for command-line scenario overrides).
Status read_scheduler(const YAML::Node& node, const std::string& where, SimOptions* opt);

}  // namespace hexa
