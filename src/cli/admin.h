// Helpers of the admin verbs (tenant, grant, topup, reservation, token).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/json_view.h"
#include "cli/session.h"

namespace hexa::cli {

// A group of verbs: `hexa tenant` needs one of its sub-commands (`add`).
CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& help);

// POSTs `body` to `target`; prints the answer with --json, else `done`. Exit code.
int post_and_report(Session& s, const ClientIo& io, bool json, const std::string& target, const Json& body,
                    const std::string& done);

}  // namespace hexa::cli
