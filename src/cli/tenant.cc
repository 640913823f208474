// `hexa tenant add NAME [--parent P] [--weight W] [--kind K]` (admin).
#include "cli/admin.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct TenantAddArgs {
  Globals g;
  std::string name, parent, kind;
  std::optional<int> weight;
};

int run_tenant_add(const TenantAddArgs& a, Session& s, const ClientIo& io) {
  Json body = {{"name", a.name}};
  if (!a.parent.empty()) body["parent"] = a.parent;
  if (a.weight) body["weight"] = *a.weight;
  if (!a.kind.empty()) body["kind"] = a.kind;
  return post_and_report(s, io, a.g.json, "/v1/tenants", body, "tenant " + a.name + " added");
}

}  // namespace

void add_tenant(CLI::App& app, Verbs& verbs) {
  CLI::App* group = add_group(app, "tenant", "Manage tenants (admin)");
  auto a = std::make_shared<TenantAddArgs>();
  CLI::App* v = add_verb(*group, "add", "Add a tenant", "hexa tenant add ml-team --parent acme --weight 2 --kind project");
  v->add_option("NAME", a->name, "Its name")->required();
  v->add_option("--parent", a->parent, "Parent tenant (default: none, a root)");
  v->add_option("--weight", a->weight, "Fair-share weight (default 1)");
  v->add_option("--kind", a->kind, "organisation, project, programme, cohort or learner");
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_tenant_add(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
