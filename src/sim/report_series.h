// The report's series: what the charts of the HTML report draw (timelines per site, queue
// length, credits burn, CDFs per tenant class, session start delays, energy and carbon).
// Internal to report*.cc: compute_metrics, report_json and report_text call these.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/report.h"

namespace hexa {

// REQUIRES: m.jct_cdf and m.queue_cdf already set (compute_metrics sorts those vectors once).
// MetricsDetail::kText: sessions and energy only (what series_text prints).
void series_metrics(const SimResult& r, Metrics& m, MetricsDetail detail);
// Moves what series_metrics filled in `from` to `to` (compute_metrics fills it apart, on a
// second thread).
void take_series(Metrics& to, Metrics&& from);
// Adds the blocks `classes`, `cdf`, `sessions` (with sessions), `timeline`, `energy` (with GPU
// power known) to `j`.
void series_json(const SimResult& r, const Metrics& m, nlohmann::ordered_json& j);
// Lines for the terminal summary: sessions, energy and carbon.
std::string series_text(const Metrics& m);

}  // namespace hexa
