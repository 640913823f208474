// The JSON report as text: exactly j.dump(2), with the work shared by two threads when
// parallel_host() allows. The France month's report is tens of MB, nearly all of it in two
// lists (per tenant, and each tenant's credits); dumping it was one thread's work after the run.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hexa {

std::string dump_report(const nlohmann::ordered_json& j);
// The same text, handed to `emit` piece by piece in order as it is ready: a file is written
// while the second thread still dumps, and the report is never joined in one string (27 MB of
// copies for the France month).
void dump_report_to(const nlohmann::ordered_json& j, const std::function<void(std::string_view)>& emit);

}  // namespace hexa
