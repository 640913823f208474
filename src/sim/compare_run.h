// Running the variants of a comparison (`hexa simulate --compare`), several at once: one thread
// per variant, up to `jobs` threads. Each variant has its own scenario (topology, trace,
// options) and its own core, and the core owns no globals, so a variant's figures do not depend
// on what runs beside it: the runs come back in the order given, the same as one after the other.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/status.h"
#include "sim/compare.h"
#include "sim/scenario.h"

namespace hexa {

struct CompareVariant {
  std::string label;  // "policy=las": its column
  Scenario scenario;  // loaded and checked; its trace is freed once the variant has run
};

struct CompareRunOptions {
  // Threads at most; 0 = one per core (std::thread::hardware_concurrency()). Never more than
  // there are variants.
  unsigned jobs = 0;
  // Called now and then with the fraction of all variants' arrivals replayed (a progress bar),
  // from one thread at a time. The variants' own SimOptions::progress are not called.
  std::function<void(double)> progress;
  // Called as a variant starts (its label), from one thread at a time.
  std::function<void(const std::string&)> started;
};

// The threads `run_variants` uses for `count` variants under `jobs` (0 = all cores).
unsigned compare_threads(unsigned jobs, std::size_t count);

// Runs every variant and returns their runs in the order given. A variant that fails fails the
// whole: the error of the first such variant in that order, prefixed by its label.
Result<std::vector<VariantRun>> run_variants(std::vector<CompareVariant>& variants,
                                             const CompareRunOptions& opt);

}  // namespace hexa
