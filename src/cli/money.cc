// `hexa grant add` and `hexa topup add` (admin): credits given to a tenant, converted exactly to
// micro-credits.
#include "cli/admin.h"
#include "cli/credits_arg.h"
#include "cli/date_arg.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct MoneyArgs {
  Globals g;
  std::string tenant, credits, id, expires;  // expires: grants only
};

// The body's credits_micro and id; errors name the flag.
Result<Json> money_body(const MoneyArgs& a) {
  auto micro = parse_credits_micro("--credits", a.credits);
  if (!micro.ok()) return micro.status();
  Json body = {{"credits_micro", *micro}};
  if (!a.expires.empty()) {
    auto ms = parse_datetime_ms("--expires", a.expires);
    if (!ms.ok()) return ms.status();
    body["expires_ms"] = *ms;
  }
  if (!a.id.empty()) body["id"] = a.id;
  return body;
}

// "grant g1: 12.50 credits to acme"
std::string done_line(const char* what, const MoneyArgs& a, const Json& body) {
  std::string line = std::string(what) + (a.id.empty() ? "" : " " + a.id) + ": " +
                     format_credits(*int_of(body, "credits_micro")) + " credits to " + a.tenant;
  if (auto ms = int_of(body, "expires_ms")) line += ", expiring " + format_local(*ms);
  return line;
}

int run_money(const char* what, const char* route, const MoneyArgs& a, Session& s, const ClientIo& io) {
  auto body = money_body(a);
  if (!body.ok()) return fail(io, body.status());
  return post_and_report(s, io, a.g.json, "/v1/tenants/" + url_encode(a.tenant) + "/" + route, *body,
                         done_line(what, a, *body));
}

CLI::App* add_money_verb(CLI::App& app, const char* group, const char* help, const char* example, MoneyArgs& a) {
  CLI::App* v = add_verb(*add_group(app, group, help), "add", help, example);
  v->add_option("--tenant", a.tenant, "Tenant to credit")->required();
  v->add_option("--credits", a.credits, "Credits, up to 6 decimals (12.5)")->required();
  v->add_option("--id", a.id, "Its id, unique (a retry with the same id is refused, not doubled)");
  add_global_options(*v, a.g);
  return v;
}

}  // namespace

void add_money(CLI::App& app, Verbs& verbs) {
  auto grant = std::make_shared<MoneyArgs>();
  CLI::App* g = add_money_verb(app, "grant", "Grant credits to a tenant (admin)",
                               "hexa grant add --tenant acme --credits 1000 --expires 2026-01-01 --id acme-2025", *grant);
  g->add_option("--expires", grant->expires, "When the grant expires: YYYY-MM-DD[THH:MM[:SS]][Z]");
  verbs.push_back({g, [grant](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(grant->g, make, io,
                                         [&](Session& s) { return run_money("grant", "grants", *grant, s, io); });
                   }});
  auto topup = std::make_shared<MoneyArgs>();
  CLI::App* t = add_money_verb(app, "topup", "Add paid credits to a tenant (admin)",
                               "hexa topup add --tenant acme --credits 250.75 --id invoice-1042", *topup);
  verbs.push_back({t, [topup](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(topup->g, make, io,
                                         [&](Session& s) { return run_money("top-up", "topups", *topup, s, io); });
                   }});
}

}  // namespace hexa::cli
