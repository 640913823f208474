// The scenario's `learners:` block (docs/scenario-format.md): read into a LearnerWorkload, and
// the learners' grants when money is on. Used by scenario.cc only.
#pragma once

#include <cstdint>
#include <string>

#include <yaml-cpp/yaml.h>

#include "core/command.h"
#include "sim/learners.h"

namespace hexa {

// Reads the block at `where` ("s.yaml: learners"); every error names the key and the rule.
Status read_learners(const YAML::Node& node, const std::string& where, std::uint64_t seed, LearnerWorkload* w,
                     std::string* cls);

// One grant per generated learner, of its programme's credits_per_learner, valid from 0 for the
// window and a year beyond. Fails, naming the programme, when a programme has no credits for its
// learners: with money on, a learner without a grant could never start a session.
Result<std::vector<AddGrant>> learner_grants(const LearnerWorkload& w, const LearnerSet& set, const std::string& where);

}  // namespace hexa
