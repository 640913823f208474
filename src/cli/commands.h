// The client verbs of the hexa binary (docs/server.md): submit, queue, show, cancel, logs,
// nodes, credits, and for admins tenant add, grant add, topup add, reservation add, token
// create/list/delete, and `hexa checkpoint` (from inside a job; no server). `hexa statement`
// without --scenario is the live statement (cli/statement.h, called from
// apps/hexa/statement_command.cc).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/io.h"
#include "cli/session.h"
#include "cli/verbs.h"

namespace hexa {

// The verbs' parsed flags and what runs them. add_client_commands fills it; the app it was
// given must outlive it (each verb keeps a pointer to its sub-command).
struct ClientArgs {
  cli::Verbs verbs;
};

// Adds the client verbs to `app` (sub-commands of the hexa binary). Also makes the app's parse
// errors one line: "hexa: <what> (see hexa VERB --help)".
void add_client_commands(CLI::App& app, ClientArgs& args);
// Only the one-line parse errors of add_client_commands (apps/hexa/main.cc, when it builds
// one sub-command without the verbs).
void set_one_line_failures(CLI::App& app);

// Whether the command line parsed into one of the client verbs.
bool is_client_command(const ClientArgs& args);

// Runs the verb the command line parsed into, with clients made by `make_client` (the binary:
// hexa::HttpClient::make). Returns the exit code: 0 done, 2 any failure (one line on stderr).
int run_client_command(const ClientArgs& args, const cli::HttpClientFactory& make_client);
// The same with its streams, environment and clock given (tests).
int run_client_command(const ClientArgs& args, const cli::HttpClientFactory& make_client, const cli::ClientIo& io);

// A whole `hexa` with only the client verbs: parses `argv` (without the program's name) as
// apps/hexa/main.cc does (help: exit 0; bad flags: one line, exit 2), then runs the verb.
int run_client_main(const std::vector<std::string>& argv, const cli::HttpClientFactory& make_client,
                    const cli::ClientIo& io);

}  // namespace hexa
