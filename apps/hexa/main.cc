// hexa: one binary, thin main. Each sub-command lives in its own file.
#include <CLI/CLI.hpp>

#include "agent_command.h"
#include "cli/commands.h"
#include "net/http.h"
#include "serve_command.h"
#include "simulate_command.h"
#include "statement_command.h"
#include "up_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Hexagone: the control plane of a multi-site GPU cloud"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hexa 0.1.0");
  hexa::SimulateArgs sim;
  hexa::add_simulate_command(app, sim);
  hexa::StatementArgs statement;
  hexa::add_statement_command(app, statement);
  hexa::ServeArgs serve;
  hexa::add_serve_command(app, serve);
  hexa::UpArgs up;
  hexa::add_up_command(app, up);
  hexa::AgentArgs agent;
  hexa::add_agent_command(app, agent);
  hexa::ClientArgs client;
  hexa::add_client_commands(app, client);  // after the others: it makes every parse error one line
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the message, or the help text
    return code == 0 ? 0 : 2;  // every bad input exits 2, like the loaders' errors
  }
  if (app.got_subcommand("simulate")) return hexa::run_simulate(sim);
  if (app.got_subcommand("statement")) return hexa::run_statement(statement, hexa::HttpClient::make);
  if (app.got_subcommand("serve")) return hexa::run_serve(serve);
  if (app.got_subcommand("up")) return hexa::run_up(up);
  if (app.got_subcommand("agent")) return hexa::run_agent_command(agent);
  if (hexa::is_client_command(client)) return hexa::run_client_command(client, hexa::HttpClient::make);
  return 2;  // unreachable: require_subcommand(1)
}
