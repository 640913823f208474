// Comparison of variants of one scenario (`hexa simulate --compare KNOB=a,b,c`): the figures an
// operator weighs, side by side, as a text table and as one JSON with every variant's report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report.h"

namespace hexa {

struct VariantRun {
  std::string label;             // "policy=las"
  Metrics metrics;
  bool credits_on = false;
  nlohmann::ordered_json report;  // report_json of the run
};

// Rows = figures (finished, completion and wait, session start, utilisation overall and per
// site, credits, energy, carbon), columns = variants; then where each variant parts from the
// first and why (sim/compare_explain.h).
std::string compare_text(const std::string& knob, const std::vector<VariantRun>& runs);

// {"compare": knob, "variants": [{"label", "report"}, ...], "explain": [...]} (explain_json)
nlohmann::ordered_json compare_json(const std::string& knob, const std::vector<VariantRun>& runs);

}  // namespace hexa
