// The JSON report as text: exactly j.dump(2), with the work shared by two threads when
// parallel_host() allows. The France month's report is tens of MB, nearly all of it in two
// lists (per tenant, and each tenant's credits); dumping it was one thread's work after the run.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hexa {

std::string dump_report(const nlohmann::ordered_json& j);

}  // namespace hexa
