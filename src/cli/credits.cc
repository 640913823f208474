// `hexa credits [--tenant T]`: a tenant's money, in credits with 2 decimals.
#include <set>

#include <fmt/format.h>

#include "cli/credits_arg.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct CreditsArgs {
  Globals g;
  std::string tenant;
};

// The one tenant at the top of what the token sees (a member: its own tenant).
Result<std::string> own_tenant(Session& s) {
  auto answer = s.call_json("GET", "/v1/tenants");
  if (!answer.ok()) return answer.status();
  const Json& tenants = field(*answer, "tenants");
  if (!tenants.is_array()) return Status::Invalid("the server's tenant list has no \"tenants\" array");
  std::set<std::string> seen;
  for (const Json& t : tenants) seen.insert(str(t, "name").value_or(""));
  std::vector<std::string> roots;
  for (const Json& t : tenants) {
    auto parent = str(t, "parent");
    if (!parent || parent->empty() || seen.count(*parent) == 0) roots.push_back(str(t, "name").value_or(""));
  }
  if (roots.size() == 1) return roots.front();
  if (roots.empty()) return Status::Invalid("--tenant: required (you see no tenant)");
  std::string names;
  for (std::size_t i = 0; i < roots.size() && i < 5; ++i) names += (i ? ", " : "") + roots[i];
  if (roots.size() > 5) names += ", ...";
  return Status::Invalid("--tenant: required (you see " + std::to_string(roots.size()) + " tenants at the top: " + names + ")");
}

std::string money(const Json& b, const char* key) {
  auto micro = int_of(b, key);
  return micro ? format_credits(*micro) : "-";
}

std::string runway(const Json& b) {
  auto hours = number_of(b, "runway_h");
  if (!hours) return "-";
  if (*hours >= 48) return fmt::format("{:.1f} h ({:.1f} days)", *hours, *hours / 24);
  return fmt::format("{:.1f} h", *hours);
}

std::string render(const Json& b, const std::string& tenant) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"tenant", str(b, "tenant").value_or(tenant)},
      {"balance", money(b, "balance_micro")},
      {"spendable", money(b, "spendable_micro")},
      {"held", money(b, "held_micro")},
      {"consumed", money(b, "consumed_micro")},
      {"burn rate", money(b, "burn_rate_micro_per_h") + " per hour"},
      {"runway", runway(b)}};
  std::string out;
  for (const auto& [key, value] : lines) out += fmt::format("{:<11}{}\n", key + ":", value);
  return out;
}

int run_credits(const CreditsArgs& a, Session& s, const ClientIo& io) {
  std::string tenant = a.tenant;
  if (tenant.empty()) {
    auto own = own_tenant(s);
    if (!own.ok()) return fail(io, own.status());
    tenant = *own;
  }
  auto balance = s.call_json("GET", "/v1/tenants/" + url_encode(tenant) + "/balance");
  if (!balance.ok()) return fail(io, balance.status());
  if (a.g.json) print_document(io, dump(*balance));
  else *io.out << render(*balance, tenant) << std::flush;
  return 0;
}

}  // namespace

void add_credits(CLI::App& app, Verbs& verbs) {
  auto a = std::make_shared<CreditsArgs>();
  CLI::App* v = add_verb(app, "credits", "Show a tenant's credits: balance, spendable, held, burn rate, runway",
                         "hexa credits --tenant acme");
  v->add_option("--tenant", a->tenant, "Tenant (default: your own)");
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_credits(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
