// Explained comparison: where two variants of one scenario part, and why. The table of
// sim/compare.h says *that* the figures moved; this says *who* moved them (tenant classes,
// the tenants that gained or lost the most finished jobs) and *which mechanism* was at work
// (credits running out earlier or later, budgets, quotas, reservations, site prices, capacity),
// from the two runs' metrics and reports alone.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/compare.h"

namespace hexa {

// One tenant, or one class of tenants, in the base run (a) and the variant (b).
struct GroupShift {
  std::string name, cls;
  long finished_a = 0, finished_b = 0;
  double gpu_hours_a = 0, gpu_hours_b = 0;
  double wait_a = 0, wait_b = 0;        // average wait before first start, s
  double credits_a = 0, credits_b = 0;  // consumed (money on)
  double ran_out_a = -1, ran_out_b = -1; // when credits first held a job back, s; -1 never (tenants)
  long ran_out_count_a = 0, ran_out_count_b = 0;  // tenants that ran out (classes)
  long finished_delta() const { return finished_b - finished_a; }
};

// A mechanism that moved, in words, and how much it weighs: the explanation lists them
// heaviest first.
struct Mechanism {
  std::string name;   // credits | budgets | quotas | reservations | prices | capacity | preemption
  std::string words;
  double weight = 0;  // percent: credits, its share of the change in finished jobs; else the relative change of its figure
};

struct Explanation {
  std::string base, variant;               // labels
  long finished_a = 0, finished_b = 0;
  std::vector<GroupShift> classes;         // by class name
  std::vector<GroupShift> gainers, losers; // tenants with the largest +/- finished jobs, largest first
  std::vector<Mechanism> mechanisms;       // heaviest first; only those that moved
};

// b against a. `top`: how many gainers and losers to name.
Explanation explain(const VariantRun& a, const VariantRun& b, std::size_t top = 5);

// "Where the variants part" for every variant against the first, as text lines (indented two).
std::string explain_text(const std::vector<VariantRun>& runs);
// The same as JSON: [{"base", "variant", "finished", "classes", "gainers", "losers", "mechanisms"}].
nlohmann::ordered_json explain_json(const std::vector<VariantRun>& runs);

}  // namespace hexa
