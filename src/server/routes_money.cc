// Credits: balance, statement, grants, top-ups, prices, budgets (docs/server.md, Tenants and money).
// Money is integer micro-credits everywhere; times in the API are wall-clock ms.
#include "core/credits.h"
#include "ledger/statement.h"
#include "server/api.h"

namespace hexa {
namespace {

constexpr std::int64_t kMaxMicro = std::int64_t{1} << 60;

// The tenant {t} of the path, if the caller may see it (else 404, as if it did not exist).
std::optional<TenantId> visible_tenant(const Core& core, const Call& call) {
  auto t = core.find_tenant(call.params.at("t"));
  if (!t || !may_see_tenant(core, *call.who, *t)) return std::nullopt;
  return t;
}

HttpResponse no_tenant(const Call& call) { return problem(404, "no tenant named '" + call.params.at("t") + "'"); }

Json balance_json(const Core& core, TenantId id, TimeMs now) {
  const std::string& name = core.state().tenants[id].name;
  const Ledger& ledger = core.ledger();
  Micro held = 0;
  std::int64_t burn = 0;  // micro-credits per hour of what runs now
  for (JobId j : core.state().running) {
    const Job& job = core.job(j);
    if (job.spec.tenant != id) continue;
    const Hold* h = ledger.find_hold(CreditAdmission::hold_id(job));
    if (!h || h->released) continue;
    held += h->left();
    std::int64_t sevenths = job.spec.slice ? core.topology().slice_profile(job.spec.slice).compute : job.spec.gpus * 7;
    burn += h->req.rate * sevenths / 7;
  }
  auto spendable = ledger.spendable(name, now);
  auto balance = ledger.balance(name);
  auto consumed = ledger.consumed(name);
  Json o{{"tenant", name},
         {"credits_on", core.credits_on()},
         {"balance_micro", balance.ok() ? *balance : 0},
         {"spendable_micro", spendable.ok() ? *spendable : 0},
         {"held_micro", held},
         {"consumed_micro", consumed.ok() ? *consumed : 0},
         {"burn_rate_micro_per_h", burn}};
  // Hours the spendable credits last at this burn rate, to a tenth of an hour.
  o["runway_h"] = burn > 0 && spendable.ok() ? Json(static_cast<double>(*spendable * 10 / burn) / 10.0) : Json(nullptr);
  return o;
}

void money_plan(Api& api, Call& call, std::function<Command(const Core&)> make, int status = 201) {
  const Principal who = *call.who;
  const std::string t = call.params.at("t");
  submit_plan(
      api, call,
      [make, t](const Core& core) {
        Plan p;
        if (!core.find_tenant(t)) {
          p.refused = Status::NotFound("no tenant named '" + t + "'");
          return p;
        }
        p.commands.push_back(make(core));
        return p;
      },
      [&api, t, status](const Outcome&, const Core& core) {
        return json_response(status, balance_json(core, *core.find_tenant(t), api.host.now()));
      });
}

// "grant-acme-1733312345678": ids the caller did not give, unique enough and readable.
std::string made_id(const char* what, const std::string& tenant, TimeMs wall) {
  return std::string(what) + "-" + tenant + "-" + std::to_string(wall);
}

}  // namespace

void get_balance(Api& api, Call& call) {
  call.reply(api.host.read([&](const Core& core) {
    auto t = visible_tenant(core, call);
    return t ? json_response(200, balance_json(core, *t, api.host.now())) : no_tenant(call);
  }));
}

void get_statement(Api& api, Call& call) {
  auto q = call.req.query();
  const TimeMs origin = api.host.origin_ms();
  auto from = q["from"].empty() ? std::optional<std::int64_t>(origin) : parse_int(q["from"]);
  auto to = q["to"].empty() ? std::optional<std::int64_t>(origin + api.host.now() + 1) : parse_int(q["to"]);
  if (!from || !to || *from > *to) return call.reply(problem(400, "from, to: wall-clock ms with from <= to", "from"));
  std::string format = q["format"].empty() ? "json" : q["format"];
  if (format != "json" && format != "csv" && format != "text")
    return call.reply(problem(400, "format: must be json, csv or text", "format"));
  call.reply(api.host.read([&](const Core& core) -> HttpResponse {
    auto t = visible_tenant(core, call);
    if (!t) return no_tenant(call);
    auto st = core.ledger().statement(core.state().tenants[*t].name, *from - origin, *to - origin);
    if (!st.ok()) return problem_of(st.status());
    // Wall-clock times in every rendering: the API speaks Unix ms.
    Statement s = *st;
    s.from += origin, s.to += origin;
    for (auto* lines : {&s.grants, &s.topups, &s.jobs, &s.refunds, &s.expiries})
      for (StatementLine& l : *lines) l.at += origin;
    if (format == "csv") return text_response(200, statement_csv(s), "text/csv; charset=utf-8");
    if (format == "text") return text_response(200, statement_text(s, true));
    HttpResponse r;
    r.body = statement_json(s);
    return r;
  }));
}

void post_grant(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"credits_micro", "starts_ms", "expires_ms", "id", "programme"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  const TimeMs origin = api.host.origin_ms(), wall = api.host.options().clock();
  std::int64_t amount = 0, starts = wall, expires = wall + 365 * kDay;
  GrantRequest g;
  g.programme = "hexagone";
  for (Status st : {b->require("credits_micro"), b->get("credits_micro", &amount, 1, kMaxMicro),
                    b->get("starts_ms", &starts, origin, std::int64_t{1} << 50),
                    b->get("expires_ms", &expires, origin, std::int64_t{1} << 50), b->get("id", &g.id, 200),
                    b->get("programme", &g.programme, 200)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (g.id.empty()) g.id = made_id("grant", call.params["t"], wall);
  g.tenant = call.params["t"];
  g.amount = amount;
  g.start = std::max<TimeMs>(0, starts - origin);
  g.expiry = expires - origin;
  money_plan(api, call, [g](const Core&) { return AddGrant{g}; });
}

void post_topup(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"credits_micro", "id", "note"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  TopUpRequest t;
  std::int64_t amount = 0;
  for (Status st : {b->require("credits_micro"), b->get("credits_micro", &amount, 1, kMaxMicro), b->get("id", &t.id, 200),
                    b->get("note", &t.note, 500)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (t.id.empty()) t.id = made_id("topup", call.params["t"], api.host.options().clock());
  t.tenant = call.params["t"];
  t.amount = amount;
  money_plan(api, call, [t](const Core&) { return AddTopUp{t}; });
}

void post_budget(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"period_s", "limit_micro", "gpu_hours", "hard", "alerts_pct"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  Budget budget;
  std::int64_t period_s = 30 * 24 * 3600, limit = -1, gpu_hours = -1;
  for (Status st : {b->get("period_s", &period_s, 3600, 366 * 24 * 3600), b->get("limit_micro", &limit, 1, kMaxMicro),
                    b->get("gpu_hours", &gpu_hours, 1, 1 << 30), b->get("hard", &budget.hard)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (b->has("alerts_pct")) {
    const Json& a = b->json()["alerts_pct"];
    if (!a.is_array() || a.size() > 32) return call.reply(problem(400, "alerts_pct: an array of at most 32 percentages", "alerts_pct"));
    budget.alert_bps.clear();
    for (const Json& v : a) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 10000)
        return call.reply(problem(400, "alerts_pct: integers between 1 and 10000", "alerts_pct"));
      budget.alert_bps.push_back(static_cast<int>(v.get<std::int64_t>() * 100));
    }
  }
  budget.period = period_s * kSecond;
  if (limit > 0) budget.credits = limit;
  if (gpu_hours > 0) budget.gpu_ms = gpu_hours * kHour;
  if (!budget.credits && !budget.gpu_ms) return call.reply(problem(400, "limit_micro or gpu_hours: one is required", "limit_micro"));
  money_plan(api, call, [budget, t = call.params["t"]](const Core&) { return SetBudget{t, budget}; }, 200);
}

void post_price(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"gpu_type", "site", "priority", "micro_per_gpu_hour", "preemptible_discount_bps"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  SetPrice c;
  std::int64_t rate = 0;
  for (Status st : {b->require("gpu_type"), b->require("site"), b->require("micro_per_gpu_hour"),
                    b->get("gpu_type", &c.gpu_type), b->get("site", &c.site), b->get("priority", &c.priority, -1000000, 1000000),
                    b->get("micro_per_gpu_hour", &rate, 1, kMaxMicro),
                    b->get("preemptible_discount_bps", &c.price.preemptible_discount_bps, 0, 9999)})
    if (!st.ok()) return call.reply(bad_body(st));
  c.price.per_gpu_hour = rate;
  Json echo = b->json();
  submit_plan(api, call, [c](const Core&) { return Plan{{c}, {}, {}, {}, {}, Status::Ok(), ""}; },
              [echo](const Outcome&, const Core&) { return json_response(200, echo); });
}

}  // namespace hexa
