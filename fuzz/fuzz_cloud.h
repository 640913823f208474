// The small cloud the API, command and snapshot targets run against: two sites, whole and
// sliced GPUs, three tenants, prices and a grant (fuzz_cloud.cc has it as YAML).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "server/host.h"
#include "sim/scenario.h"
#include "store/journal.h"

namespace hexa::fuzz {

// Loaded once (load_cloud, as `hexa serve --config` does); lives until exit.
const Scenario& fuzz_cloud();
// The core options a live host uses (nodes down until their agent registers, ended jobs retired).
CoreOptions host_core_options();
// A fresh core of fuzz_cloud() with the configuration's tenants and money applied, as a host's
// first batch does, at core time 0.
std::unique_ptr<Core> fuzz_core();

// A host's options with a fixed clock (1 January 2024), so that a replay is the same every time.
HostOptions fuzz_host_options();
// The journal rows a host writes on its first start with fuzz_cloud(): the origin, the
// tenants, the money and a schedule.
const std::vector<JournalEntry>& first_rows();
// A clean state directory scratch_dir()/name whose journal holds first_rows() then `more`
// (their seqs given out in order).
std::string state_dir_with(const std::string& name, std::vector<JournalEntry> more);

// The host the api_request target serves with (its state in scratch_dir()/api), for the seed
// writer (tests/fuzz/seeds_test.cc); null before its first input.
Host* api_request_host();

}  // namespace hexa::fuzz
