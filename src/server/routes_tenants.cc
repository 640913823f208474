// /v1/tenants (the tree, its quotas and usage) and /v1/reservations (docs/server.md).
#include "server/api.h"

namespace hexa {
namespace {

Json quota_json(const Core& core, const Quota& q) {
  auto lim = [](int v) { return v < 0 ? Json(nullptr) : Json(v); };
  return Json{{"gpu_type", q.type ? Json(core.topology().types().name(*q.type)) : Json(nullptr)},
              {"max_gpus", lim(q.max_gpus)},
              {"guaranteed_gpus", lim(q.guaranteed_gpus)},
              {"borrow_limit", lim(q.borrow_limit)},
              {"max_running", lim(q.max_running)},
              {"max_queued", lim(q.max_queued)}};
}

Json tenant_json(const Core& core, TenantId id) {
  const Tenant& t = core.state().tenants[id];
  int gpus = 0;
  for (int g : t.sub_gpus) gpus += g;
  Json quotas = Json::array();
  for (const Quota& q : t.quotas) quotas.push_back(quota_json(core, q));
  return Json{{"name", t.name},
              {"parent", t.parent == kNoTenant ? Json(nullptr) : Json(core.state().tenants[t.parent].name)},
              {"kind", kind_name(t.kind)},
              {"weight", t.weight},
              {"running_gpus", gpus},
              {"running_jobs", t.sub_running},
              {"pending_jobs", t.sub_queued},
              {"quotas", std::move(quotas)}};
}

Status read_quota(const Json& j, std::size_t i, QuotaSpec* q) {
  const std::string at = "quotas[" + std::to_string(i) + "]";
  auto b = Body::parse(j.dump(), {"gpu_type", "max_gpus", "guaranteed_gpus", "borrow_limit", "max_running", "max_queued"});
  if (!b.ok()) return Status::Invalid(at + "." + b.status().message());
  for (Status st : {b->get("gpu_type", &q->gpu_type), b->get("max_gpus", &q->max_gpus, -1, 1 << 30),
                    b->get("guaranteed_gpus", &q->guaranteed_gpus, -1, 1 << 30),
                    b->get("borrow_limit", &q->borrow_limit, -1, 1 << 30),
                    b->get("max_running", &q->max_running, -1, 1 << 30), b->get("max_queued", &q->max_queued, -1, 1 << 30)})
    if (!st.ok()) return Status::Invalid(at + "." + st.message());
  return Status::Ok();
}

Json reservation_json(const Core& core, const AdvanceReservation& r, TimeMs origin) {
  const Topology& topo = core.topology();
  return Json{{"name", r.name},
              {"tenant", core.state().tenants[r.tenant].name},
              {"site", topo.site(r.site).name},
              {"gpu_type", topo.types().name(r.type)},
              {"gpus", r.size},
              {"slice", r.slice ? Json(topo.slice_profile(r.slice).name) : Json(nullptr)},
              {"slices", r.slices},
              {"from_ms", origin + r.from},
              {"to_ms", origin + r.to}};
}

}  // namespace

// The tree a principal sees; ?tenant=T narrows it to T's subtree.
void get_tenants(Api& api, Call& call) {
  const std::string only = call.req.query()["tenant"];
  call.reply(api.host.read([&](const Core& core) {
    std::optional<TenantId> root;
    if (!only.empty()) {
      root = core.find_tenant(only);
      if (!root || !may_see_tenant(core, *call.who, *root)) return problem(404, "no tenant named '" + only + "'", "tenant");
    }
    Json out{{"tenants", Json::array()}};
    for (TenantId t = 0; t < core.state().tenants.size(); ++t)
      if (may_see_tenant(core, *call.who, t) && (!root || in_subtree(core, t, *root)))
        out["tenants"].push_back(tenant_json(core, t));
    return json_response(200, out);
  }));
}

void post_tenant(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"name", "parent", "weight", "kind", "quotas"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  AddTenant c;
  std::string kind;
  for (Status st : {b->require("name"), b->get("name", &c.name, 200), b->get("parent", &c.parent, 200),
                    b->get("weight", &c.weight, 1, 1000000), b->get("kind", &kind)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (!kind.empty()) {
    c.kind = parse_kind(kind);
    if (!c.kind) return call.reply(problem(400, "kind: unknown '" + kind + "'; expected organisation, project, programme, cohort or learner", "kind"));
  }
  if (b->has("quotas")) {
    const Json& qs = b->json()["quotas"];
    if (!qs.is_array() || qs.size() > 64) return call.reply(problem(400, "quotas: must be an array of at most 64 quotas", "quotas"));
    for (std::size_t i = 0; i < qs.size(); ++i) {
      c.quotas.emplace_back();
      if (Status st = read_quota(qs[i], i, &c.quotas.back()); !st.ok()) return call.reply(problem(400, st.message(), "quotas"));
    }
  }
  submit_plan(
      api, call, [c](const Core&) { return Plan{{c}, {}, {}, {}, {}, Status::Ok(), ""}; },
      [name = c.name](const Outcome&, const Core& core) {
        return json_response(201, tenant_json(core, *core.find_tenant(name)));
      });
}

void post_reservation(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"name", "tenant", "site", "gpu_type", "gpus", "slice", "slices", "from_ms", "to_ms"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  AddReservation c;
  std::int64_t from = 0, to = 0;
  for (Status st : {b->require("name"), b->require("tenant"), b->require("site"), b->require("gpu_type"),
                    b->require("from_ms"), b->require("to_ms"), b->get("name", &c.name, 200), b->get("tenant", &c.tenant, 200),
                    b->get("site", &c.site), b->get("gpu_type", &c.gpu_type), b->get("gpus", &c.gpus, 1, 1 << 20),
                    b->get("slice", &c.slice), b->get("slices", &c.slices, 0, 1 << 20),
                    b->get("from_ms", &from, 0, std::int64_t{1} << 50), b->get("to_ms", &to, 0, std::int64_t{1} << 50)})
    if (!st.ok()) return call.reply(bad_body(st));
  const TimeMs origin = api.host.origin_ms();
  if (from < origin) return call.reply(problem(400, "from_ms: before this cloud was made", "from_ms"));
  c.from = from - origin, c.to = to - origin;
  submit_plan(
      api, call, [c](const Core&) { return Plan{{c}, {}, {}, {}, {}, Status::Ok(), ""}; },
      [&api, name = c.name](const Outcome&, const Core& core) {
        for (const AdvanceReservation& r : core.scheduler().reservations().all())
          if (r.name == name) return json_response(201, reservation_json(core, r, api.host.origin_ms()));
        return json_response(201, Json{{"name", name}});
      });
}

void get_reservations(Api& api, Call& call) {
  call.reply(api.host.read([&](const Core& core) {
    Json out{{"reservations", Json::array()}};
    for (const AdvanceReservation& r : core.scheduler().reservations().all())
      if (r.tenant != kNoTenant && may_see_tenant(core, *call.who, r.tenant))
        out["reservations"].push_back(reservation_json(core, r, api.host.origin_ms()));
    return json_response(200, out);
  }));
}

}  // namespace hexa
