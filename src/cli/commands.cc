#include "cli/commands.h"

#include <exception>

namespace hexa {

namespace {

// "hexa tenant add": the chain of sub-commands the command line reached.
std::string command_path(const CLI::App* app) {
  std::string path = "hexa";
  while (app != nullptr) {
    auto subs = app->get_subcommands();
    if (subs.empty()) break;
    app = subs.front();
    path += " " + app->get_name();
  }
  return path;
}

std::string one_line_failure(const CLI::App* app, const CLI::Error& e) {
  return "hexa: " + std::string(e.what()) + " (see " + command_path(app) + " --help)\n";
}

}  // namespace

void set_one_line_failures(CLI::App& app) { app.failure_message(one_line_failure); }

void add_client_commands(CLI::App& app, ClientArgs& args) {
  set_one_line_failures(app);
  cli::add_submit(app, args.verbs);
  cli::add_queue(app, args.verbs);
  cli::add_show(app, args.verbs);
  cli::add_cancel(app, args.verbs);
  cli::add_logs(app, args.verbs);
  cli::add_nodes(app, args.verbs);
  cli::add_credits(app, args.verbs);
  cli::add_tenant(app, args.verbs);
  cli::add_money(app, args.verbs);
  cli::add_reservation(app, args.verbs);
  cli::add_token(app, args.verbs);
  cli::add_checkpoint(app, args.verbs);
}

bool is_client_command(const ClientArgs& args) {
  for (const cli::Verb& v : args.verbs)
    if (v.app->parsed()) return true;
  return false;
}

int run_client_command(const ClientArgs& args, const cli::HttpClientFactory& make_client) {
  return run_client_command(args, make_client, cli::process_io());
}

int run_client_command(const ClientArgs& args, const cli::HttpClientFactory& make_client, const cli::ClientIo& io) {
  for (const cli::Verb& v : args.verbs) {
    if (!v.app->parsed()) continue;
    try {
      return v.run(make_client, io);
    } catch (const std::exception& e) {  // none is expected: a last guard, so none escapes
      return cli::fail(io, std::string("unexpected error: ") + e.what());
    }
  }
  return cli::fail(io, "no client command given");
}

int run_client_main(const std::vector<std::string>& argv, const cli::HttpClientFactory& make_client,
                    const cli::ClientIo& io) {
  CLI::App app{"Hexagone: the control plane of a multi-site GPU cloud"};
  app.require_subcommand(1);
  ClientArgs args;
  add_client_commands(app, args);
  std::vector<std::string> words = {"hexa"};
  words.insert(words.end(), argv.begin(), argv.end());
  std::vector<char*> c_argv;
  for (std::string& w : words) c_argv.push_back(w.data());
  try {
    app.parse(static_cast<int>(c_argv.size()), c_argv.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, *io.out, *io.err);
    return code == 0 ? 0 : 2;
  }
  return run_client_command(args, make_client, io);
}

}  // namespace hexa
