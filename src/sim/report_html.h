// The planning report as one self-contained HTML page (--report-html): headline figures, tables
// and SVG charts drawn by a small inline script from the report JSON embedded in the page. No
// network, no external file: it opens offline, can be mailed, and shows exactly the JSON that
// --report-json writes (the golden tests cover that JSON).
//
// For the browser test, the script marks its outcome on <body>: data-charts = the number of
// charts drawn (each an <svg class="chart">), data-errors = script errors, when there are any.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "model/status.h"

namespace hexa {

// `report`: one run's report_json, or a comparison {"compare": ..., "variants": [{"label",
// "report"}, ...]}. `title` heads the page (the scenario's name and description).
std::string report_html(const nlohmann::ordered_json& report, const std::string& title);

// Writes report_html to `path`; the error names `flag` and the path.
Status write_report_html(const nlohmann::ordered_json& report, const std::string& title, const std::string& path,
                         const std::string& flag = "--report-html");

}  // namespace hexa
