// hexa: one binary, thin main. Each sub-command lives in its own file.
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "agent_command.h"
#include "cli/commands.h"
#include "net/http.h"
#include "serve_command.h"
#include "simulate_command.h"
#include "statement_command.h"
#include "up_command.h"

namespace {

struct Args {
  hexa::SimulateArgs sim;
  hexa::StatementArgs statement;
  hexa::ServeArgs serve;
  hexa::UpArgs up;
  hexa::AgentArgs agent;
  hexa::ClientArgs client;
};

// Adds the sub-commands `argv` needs. Building every one's options costs ~3 M instructions a
// start (as much as a small simulation's trace): a command line that begins with one of the
// binary's own sub-commands gets that one alone (with the one-line errors the verbs set), and
// `hexa --version` alone gets none. Anything else (a client verb, --help, a typo) gets them
// all, so that help and errors list them. A sub-command's help, flags and errors are its own:
// the same either way.
void add_commands(CLI::App& app, Args& a, int argc, char** argv) {
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (argc == 2 && first == "--version") return;
  const bool all = first != "simulate" && first != "statement" && first != "serve" && first != "up" &&
                   first != "agent";
  if (all || first == "simulate") hexa::add_simulate_command(app, a.sim);
  if (all || first == "statement") hexa::add_statement_command(app, a.statement);
  if (all || first == "serve") hexa::add_serve_command(app, a.serve);
  if (all || first == "up") hexa::add_up_command(app, a.up);
  if (all || first == "agent") hexa::add_agent_command(app, a.agent);
  if (all) hexa::add_client_commands(app, a.client);  // after the others: it makes every parse error one line
  else hexa::set_one_line_failures(app);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Hexagone: the control plane of a multi-site GPU cloud"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hexa 0.1.0");
  Args a;
  add_commands(app, a, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the message, or the help text
    return code == 0 ? 0 : 2;  // every bad input exits 2, like the loaders' errors
  }
  // By name: got_subcommand() throws for a sub-command that add_commands left out.
  const std::vector<CLI::App*> ran = app.get_subcommands();
  const std::string name = ran.empty() ? "" : ran.front()->get_name();
  if (name == "simulate") return hexa::run_simulate(a.sim);
  if (name == "statement") return hexa::run_statement(a.statement, hexa::HttpClient::make);
  if (name == "serve") return hexa::run_serve(a.serve);
  if (name == "up") return hexa::run_up(a.up);
  if (name == "agent") return hexa::run_agent_command(a.agent);
  if (hexa::is_client_command(a.client)) return hexa::run_client_command(a.client, hexa::HttpClient::make);
  return 2;  // unreachable: require_subcommand(1)
}
