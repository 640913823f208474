#include "statement_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cli/statement.h"
#include "ledger/statement.h"
#include "progress.h"
#include "sim/scenario.h"

namespace hexa {

constexpr long kMaxDay = 36500;  // as the scenario's grant days

namespace {

// A whole number of days since time 0, in [0, kMaxDay]; the message says the rule.
const CLI::Validator kDayNumber(
    [](std::string& text) -> std::string {
      std::size_t used = 0;
      long day = -1;
      try {
        day = std::stol(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != text.size() || day < 0 || day > kMaxDay)
        return "must be a whole number of days since time 0, from 0 to " + std::to_string(kMaxDay) + " (got '" +
               text + "')";
      return "";
    },
    "DAY", "day");

}  // namespace

namespace {

// A flag of one form given to the other: "--seed: only with --scenario ...".
void refuse_given(CLI::App* s, const std::vector<const char*>& flags, const std::string& why) {
  for (const char* f : flags)
    if (s->get_option(f)->count() > 0) throw CLI::ValidationError(std::string(f) + ": " + why);
}

}  // namespace

void add_statement_command(CLI::App& app, StatementArgs& a) {
  CLI::App* s = app.add_subcommand(
      "statement", "Print one tenant's statement: from the server, or from a simulated run with --scenario");
  s->add_option("--scenario", a.scenario, "Scenario YAML with a credits section (a simulated run)")
      ->check(CLI::ExistingFile);
  s->add_option("--tenant", a.tenant, "Tenant whose statement to print")->required();
  s->add_option("--from-day", a.from_day, "With --scenario: start of the period, in days since time 0 (default 0)")
      ->check(kDayNumber);
  s->add_option("--to-day", a.to_day,
                "With --scenario: end of the period (excluded), in days since time 0 (default: the end of the run)")
      ->check(kDayNumber);
  s->add_option("--from", a.from, "Live: start of the period, YYYY-MM-DD[THH:MM[:SS]][Z] (local time unless Z)");
  s->add_option("--to", a.to, "Live: end of the period (excluded), same forms");
  s->add_option("--format", a.format, "Output format (default text)")->check(CLI::IsMember({"text", "json", "csv"}));
  s->add_option("--out", a.out, "Write the statement to this file instead of stdout");
  s->add_option("--seed", a.seed, "With --scenario: seed of generated workloads (overrides the scenario's)");
  s->add_flag("--quiet,-q", a.quiet, "Print no progress bar");
  s->add_option("--server", a.server,
                std::string("Live: server URL (default: $HEXA_SERVER, else ") + cli::kDefaultServer + ")");
  s->add_option("--token-file", a.token_file, "Live: file holding your token (default: $HEXA_TOKEN, else $HEXA_TOKEN_FILE)");
  s->add_option("--ca-cert", a.ca_cert, "Live: PEM file of the CA of an https server (default: $HEXA_CA_CERT, else the system's)");
  s->footer("Examples:\n  hexa statement --tenant acme --from 2025-06-01 --to 2025-07-01 --format csv\n"
            "  hexa statement --scenario tests/golden/credits-scenario.yaml --tenant startup-0001 --to-day 1\n");
  s->callback([&a, s]() {
    if (a.tenant.empty()) throw CLI::ValidationError("--tenant: must not be empty");
    if (a.scenario.empty())
      refuse_given(s, {"--from-day", "--to-day", "--seed"},
                   "only with --scenario (the live statement takes --from and --to dates)");
    else
      refuse_given(s, {"--from", "--to", "--server", "--token-file", "--ca-cert"}, "only for the live statement, without --scenario");
    if (a.to_day && a.from_day.value_or(0) >= *a.to_day)
      throw CLI::ValidationError("--from-day " + std::to_string(a.from_day.value_or(0)) +
                                 (a.from_day ? "" : " (the default)") + " must be before --to-day " +
                                 std::to_string(*a.to_day) + " (the period is [from, to), in days since time 0)");
  });
}

namespace {

int fail(const std::string& message) {
  std::cerr << "hexa statement: " << message << "\n";
  return 2;
}

// The tenants the run will know, in the order the simulator opens them: the scenario's tree,
// then the workload's tenants in order of first job.
std::vector<std::string> scenario_tenants(const Scenario& sc) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const AddTenant& t : sc.options.tenants)
    if (seen.insert(t.name).second) names.push_back(t.name);
  for (const TraceJob& j : sc.trace.jobs)
    if (seen.insert(j.tenant).second) names.push_back(j.tenant);
  return names;
}

std::string unknown_tenant(const std::string& tenant, const std::string& scenario, std::vector<std::string> known) {
  std::string msg = "--tenant: no tenant '" + tenant + "' in scenario " + scenario;
  if (known.empty()) return msg + " (it has no tenants)";
  std::sort(known.begin(), known.end());
  msg += known.size() > 3 ? "; tenants include " : "; tenants are ";
  for (std::size_t i = 0; i < known.size() && i < 3; ++i) msg += (i ? ", " : "") + known[i];
  if (known.size() > 3) msg += ", ... (" + std::to_string(known.size()) + " in all)";
  return msg;
}

}  // namespace

namespace {

// Writes `text` to --out or stdout: 0, or 2 with nothing half-written left behind.
int write_statement(const StatementArgs& a, const std::string& text) {
  if (a.out.empty()) {
    std::cout << text << std::flush;
    return std::cout ? 0 : fail("cannot write to stdout");
  }
  std::ofstream f(a.out, std::ios::binary);
  if (!f) return fail("--out: cannot open '" + a.out + "' for writing");
  f << text;
  f.close();
  if (f) return 0;
  std::error_code ignored;
  std::filesystem::remove(a.out, ignored);
  return fail("--out: cannot write '" + a.out + "'");
}

// The statement as the live server renders it.
int run_live_statement(const StatementArgs& a, const cli::HttpClientFactory& make_client) {
  cli::LiveStatementArgs live;
  live.g.server = a.server;
  live.g.token_file = a.token_file;
  live.g.ca_cert = a.ca_cert;
  live.tenant = a.tenant;
  live.from = a.from;
  live.to = a.to;
  live.format = a.format;
  cli::ClientIo io = cli::process_io();
  auto text = cli::fetch_live_statement(live, make_client, io);
  if (!text.ok() && text.status().code() == StatusCode::kUnavailable)  // maybe --scenario was forgotten
    return cli::fail(io, text.status().message() + " (without --scenario, hexa statement asks the server)");
  if (!text.ok()) return cli::fail(io, text.status());
  return write_statement(a, *text);
}

}  // namespace

int run_statement(const StatementArgs& a, const cli::HttpClientFactory& make_client) {
  if (a.scenario.empty()) return run_live_statement(a, make_client);
  auto loaded = load_scenario(a.scenario, a.seed);
  if (!loaded.ok()) return fail(loaded.status().message());
  Scenario sc = std::move(loaded).value();
  bool priced = std::any_of(sc.options.setup.begin(), sc.options.setup.end(),
                            [](const Command& c) { return std::holds_alternative<SetPrice>(c); });
  if (!priced)
    return fail("--scenario: " + a.scenario + ": scenario has no credits section: statements need prices and grants");
  std::vector<std::string> known = scenario_tenants(sc);
  if (std::find(known.begin(), known.end(), a.tenant) == known.end())
    return fail(unknown_tenant(a.tenant, a.scenario, known));

  // The statement is taken from the core at the end of the run, inside the simulator.
  std::optional<Statement> statement;
  std::string error;
  sc.options.at_end = [&](const Core& core, TimeMs end) {
    if (!core.credits_on()) {
      error = "--scenario: " + a.scenario + ": the run had no prices (credits off): no statement";
      return;
    }
    TimeMs from = a.from_day.value_or(0) * kDay;
    TimeMs to = a.to_day ? *a.to_day * kDay : end + 1;  // + 1: the transfers at the very end are in
    if (from >= to) {  // only without --to-day: the callback checked --from-day < --to-day
      error = "--from-day " + std::to_string(a.from_day.value_or(0)) + " must be before the end of the run (" +
              std::to_string(end) + " ms, during day " + std::to_string(end / kDay) + ")";
      return;
    }
    if (!core.ledger().find_tenant(a.tenant)) {
      std::vector<std::string> names;
      for (const TenantFunds& t : core.ledger().tenants()) names.push_back(t.name);
      error = unknown_tenant(a.tenant, a.scenario, names);
      return;
    }
    auto s = core.ledger().statement(a.tenant, from, to);
    if (!s.ok()) {
      error = s.status().message();
      return;
    }
    statement = std::move(s).value();
  };
  sc.options.progress = progress_bar(a.quiet);

  auto result = simulate(*sc.topology, sc.trace, sc.options, std::move(sc.prepared));
  if (!result.ok()) return fail(result.status().message());
  if (!error.empty()) return fail(error);
  if (!statement) return fail("the simulator ended without a statement");

  std::string text = a.format == "json" ? statement_json(*statement)
                     : a.format == "csv" ? statement_csv(*statement)
                                         : statement_text(*statement);
  return write_statement(a, text);
}

}  // namespace hexa
