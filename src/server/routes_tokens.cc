// /v1/tokens and /v1/whoami (docs/server.md, Tokens). A token's secret is in the answer that
// creates it and nowhere else: the database keeps its SHA-256.
#include "server/api.h"

namespace hexa {
namespace {

Json token_json(const TokenRecord& t) {
  return Json{{"id", t.id},
              {"role", t.role},
              {"tenant", t.tenant.empty() ? Json(nullptr) : Json(t.tenant)},
              {"node", t.node.empty() ? Json(nullptr) : Json(t.node)},
              {"created_ms", t.created}};
}

}  // namespace

void post_token(Api& api, Call& call) {
  auto b = Body::parse(call.req.body, {"role", "tenant", "node"});
  if (!b.ok()) return call.reply(bad_body(b.status()));
  TokenRecord t;
  for (Status st : {b->require("role"), b->get("role", &t.role), b->get("tenant", &t.tenant, 200), b->get("node", &t.node, 200)})
    if (!st.ok()) return call.reply(bad_body(st));
  if (t.role != "admin" && t.role != "operator" && t.role != "member" && t.role != "agent")
    return call.reply(problem(400, "role: must be admin, operator, member or agent", "role"));
  if ((t.role == "member") != !t.tenant.empty())
    return call.reply(problem(400, "tenant: required for a member token, and only for one", "tenant"));
  if ((t.role == "agent") != !t.node.empty())
    return call.reply(problem(400, "node: required for an agent token, and only for one", "node"));
  const std::string secret = new_token_secret(), id_bits = new_token_secret();
  if (secret.empty() || id_bits.empty()) return call.reply(problem(503, "no entropy for a token; try again"));
  t.id = "tok-" + id_bits.substr(5, 12);
  t.hash = sha256_hex(secret);
  t.created = api.host.options().clock();
  submit_plan(
      api, call,
      [&api, t](const Core& core) {
        Plan p;
        if (!t.tenant.empty() && !core.find_tenant(t.tenant)) {
          p.refused = Status::NotFound("tenant: no tenant named '" + t.tenant + "'"), p.field = "tenant";
        } else if (!t.node.empty() && !core.topology().find_node(t.node)) {
          p.refused = Status::NotFound("node: no node named '" + t.node + "' in the cluster"), p.field = "node";
        } else if (Status st = api.host.journal().put_token(t); !st.ok()) {
          p.refused = st;  // the core thread owns the database connection: written here, in order
        } else {
          api.tokens.add(t);
        }
        return p;
      },
      [t, secret](const Outcome&, const Core&) {
        Json j = token_json(t);
        j["token"] = secret;
        return json_response(201, j);
      });
}

void get_tokens(Api& api, Call& call) {
  Json out{{"tokens", Json::array()}};
  for (const TokenRecord& t : api.tokens.list()) out["tokens"].push_back(token_json(t));
  call.reply(json_response(200, out));
}

void delete_token(Api& api, Call& call) {
  const std::string id = call.params["id"];
  if (id == call.who->token_id) return call.reply(problem(409, "a token cannot delete itself"));
  submit_plan(
      api, call,
      [&api, id](const Core&) {
        Plan p;
        if (Status st = api.host.journal().delete_token(id); !st.ok())
          p.refused = st;
        else
          api.tokens.remove(id);
        return p;
      },
      [id](const Outcome&, const Core&) { return json_response(200, Json{{"id", id}, {"deleted", true}}); });
}

void get_whoami(Api&, Call& call) {
  const Principal& w = *call.who;
  call.reply(json_response(200, Json{{"role", w.role},
                                     {"tenant", w.tenant.empty() ? Json(nullptr) : Json(w.tenant)},
                                     {"node", w.node.empty() ? Json(nullptr) : Json(w.node)},
                                     {"token_id", w.token_id}}));
}

}  // namespace hexa
