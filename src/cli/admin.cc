#include "cli/admin.h"

namespace hexa::cli {

CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& help) {
  CLI::App* group = app.add_subcommand(name, help);
  group->require_subcommand(1);
  return group;
}

int post_and_report(Session& s, const ClientIo& io, bool json, const std::string& target, const Json& body,
                    const std::string& done) {
  auto r = s.call("POST", target, dump(body));
  if (!r.ok()) return fail(io, r.status());
  print_document(io, json ? r->body : done);
  return 0;
}

}  // namespace hexa::cli
