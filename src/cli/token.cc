// `hexa token create|list|delete` (admin). Only `create` ever prints a token, once.
#include "cli/admin.h"
#include "cli/date_arg.h"
#include "cli/table.h"
#include "cli/url.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct TokenArgs {
  Globals g;
  std::string role, tenant, node;
  std::vector<std::string> ids;  // delete
};

Result<Json> token_body(const TokenArgs& a) {
  if (a.role != "admin" && a.role != "operator" && a.role != "member" && a.role != "agent")
    return Status::Invalid("--role: '" + a.role + "' is not one of admin, operator, member, agent");
  if (a.role == "member" && a.tenant.empty()) return Status::Invalid("--tenant: required for a member token");
  if (a.role == "agent" && a.node.empty()) return Status::Invalid("--node: required for an agent token");
  if (a.role != "member" && !a.tenant.empty()) return Status::Invalid("--tenant: only for a member token");
  if (a.role != "agent" && !a.node.empty()) return Status::Invalid("--node: only for an agent token");
  Json body = {{"role", a.role}};
  if (!a.tenant.empty()) body["tenant"] = a.tenant;
  if (!a.node.empty()) body["node"] = a.node;
  return body;
}

int run_create(const TokenArgs& a, Session& s, const ClientIo& io) {
  auto body = token_body(a);
  if (!body.ok()) return fail(io, body.status());
  auto answer = s.call_json("POST", "/v1/tokens", &*body);
  if (!answer.ok()) return fail(io, answer.status());
  if (a.g.json) {
    print_document(io, dump(*answer));
    return 0;
  }
  auto token = str(*answer, "token");
  if (!token) return fail(io, "the server's answer has no token");
  print_document(io, *token);
  return 0;
}

std::string created(const Json& t) {
  auto ms = int_of(t, "created_ms");
  return ms ? format_local(*ms) : "-";
}

int run_list(const TokenArgs& a, Session& s, const ClientIo& io) {
  auto answer = s.call_json("GET", "/v1/tokens");
  if (!answer.ok()) return fail(io, answer.status());
  const Json& tokens = field(*answer, "tokens");
  if (!tokens.is_array()) return fail(io, "the server's token list has no \"tokens\" array");
  if (a.g.json) {
    print_document(io, dump(tokens));
    return 0;
  }
  Table t({"ID", "ROLE", "TENANT", "NODE", "CREATED"});
  for (const Json& tok : tokens)
    t.add({text_of(tok, "id"), text_of(tok, "role"), text_of(tok, "tenant"), text_of(tok, "node"), created(tok)});
  *io.out << t.render(io.terminal_width) << std::flush;
  return 0;
}

int run_delete(const TokenArgs& a, Session& s, const ClientIo& io) {
  bool failed = false;
  for (const std::string& id : a.ids) {
    auto r = s.call("DELETE", "/v1/tokens/" + url_encode(id));
    if (r.ok()) {
      *io.out << "deleted " << id << "\n" << std::flush;
    } else {
      fail(io, "cannot delete token " + id + ": " + r.status().message());
      failed = true;
    }
  }
  return failed ? 2 : 0;
}

using Runner = int (*)(const TokenArgs&, Session&, const ClientIo&);

void push(Verbs& verbs, CLI::App* v, const std::shared_ptr<TokenArgs>& a, Runner run, bool with_json = true) {
  add_global_options(*v, a->g, with_json);
  verbs.push_back({v, [a, run](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run(*a, s, io); });
                   }});
}

}  // namespace

void add_token(CLI::App& app, Verbs& verbs) {
  CLI::App* group = add_group(app, "token", "Manage API tokens (admin)");
  auto c = std::make_shared<TokenArgs>();
  CLI::App* create = add_verb(*group, "create", "Create a token; prints it alone, the only time it is shown",
                              "hexa token create --role member --tenant acme > acme.token");
  create->add_option("--role", c->role, "admin, operator, member or agent")->required();
  create->add_option("--tenant", c->tenant, "The member's tenant");
  create->add_option("--node", c->node, "The agent's node");
  push(verbs, create, c, run_create);
  auto l = std::make_shared<TokenArgs>();
  push(verbs, add_verb(*group, "list", "List the tokens (never their secrets)", "hexa token list"), l, run_list);
  auto d = std::make_shared<TokenArgs>();
  CLI::App* del = add_verb(*group, "delete", "Delete tokens: they stop working at once", "hexa token delete tok-3");
  del->add_option("ID", d->ids, "Token ids")->required();
  push(verbs, del, d, run_delete, /*with_json=*/false);
}

}  // namespace hexa::cli
