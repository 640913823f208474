// The client verbs: each file adds its sub-command(s) to the app and says how to run them.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/io.h"
#include "cli/session.h"

namespace hexa::cli {

// One verb: its sub-command, and what runs it once the command line parsed into it.
struct Verb {
  CLI::App* app = nullptr;
  std::function<int(const HttpClientFactory&, const ClientIo&)> run;
};
using Verbs = std::vector<Verb>;

// Adds `name` to `parent` with `help` and an example at the end of its --help.
CLI::App* add_verb(CLI::App& parent, const std::string& name, const std::string& help, const std::string& example);

// Opens the session of `g` and runs `body` with it; a session that cannot open fails the verb.
int with_session(const Globals& g, const HttpClientFactory& make, const ClientIo& io,
                 const std::function<int(Session&)>& body);

void add_submit(CLI::App& app, Verbs& verbs);
void add_queue(CLI::App& app, Verbs& verbs);
void add_show(CLI::App& app, Verbs& verbs);
void add_cancel(CLI::App& app, Verbs& verbs);
void add_logs(CLI::App& app, Verbs& verbs);
void add_nodes(CLI::App& app, Verbs& verbs);
void add_credits(CLI::App& app, Verbs& verbs);
void add_tenant(CLI::App& app, Verbs& verbs);       // tenant add
void add_money(CLI::App& app, Verbs& verbs);        // grant add, topup add
void add_reservation(CLI::App& app, Verbs& verbs);  // reservation add
void add_token(CLI::App& app, Verbs& verbs);        // token create, list, delete
void add_checkpoint(CLI::App& app, Verbs& verbs);   // from inside a job: no server

}  // namespace hexa::cli
