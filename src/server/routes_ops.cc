// Operations: health, readiness, Prometheus metrics, the OpenAPI document, the state digest.
#include <cstdint>
#include <cstdio>

#include "server/api.h"
#include "server/metrics_render.h"

namespace hexa {

void get_healthz(Api&, Call& call) { call.reply(text_response(200, "ok\n")); }

void get_readyz(Api& api, Call& call) {
  if (!api.ready.load()) return call.reply(problem(503, "replaying the journal"));
  call.reply(text_response(200, "ready\n"));
}

void get_openapi(Api&, Call& call) {
  HttpResponse r;
  r.body = openapi_document();
  call.reply(std::move(r));
}

void get_digest(Api& api, Call& call) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(api.host.digest()));
  // The ledger's double entry: every account's balance summed, 0 when it balances.
  const std::int64_t total = api.host.read([](const Core& core) {
    const auto sum = core.ledger().book().total();  // wider than 64 bits: clamped, never 0 by accident
    return sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : static_cast<std::int64_t>(sum);
  });
  call.reply(json_response(200, Json{{"digest", hex}, {"ledger_total_micro", total}}));
}

void get_metrics(Api& api, Call& call) {
  call.reply(text_response(200, render_metrics(api.host), "text/plain; version=0.0.4; charset=utf-8"));
}

}  // namespace hexa
