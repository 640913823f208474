// The web console (docs/console.md): its files, built into the binary, at / and /assets/{file}.
// No token is needed for them: the pages ask for one and call the API with it. The headers
// keep the pages to their own files (no inline script, no other origin) and out of frames.
#include "server/api.h"
#include "server/console_assets.h"

namespace hexa {
namespace {

const char* content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

HttpResponse asset_response(const ConsoleAsset& a) {
  HttpResponse r;
  r.content_type = content_type_of(a.name);
  r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
  r.headers = {{"Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Frame-Options", "DENY"},
               // A new binary serves new files: revalidate rather than run an old app.js.
               {"Cache-Control", "no-cache"}};
  return r;
}

const ConsoleAsset* find_asset(std::string_view name) {
  for (const ConsoleAsset& a : console_assets())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace

void get_console(Api&, Call& call) {
  const ConsoleAsset* index = find_asset("index.html");
  if (!index) return call.reply(problem(404, "this build has no console (web/index.html)"));
  call.reply(asset_response(*index));
}

void get_console_asset(Api&, Call& call) {
  const std::string& name = call.params["file"];
  const ConsoleAsset* a = find_asset(name);
  if (!a) return call.reply(problem(404, "no asset " + name));
  call.reply(asset_response(*a));
}

}  // namespace hexa
