#include "cli/verbs.h"

namespace hexa::cli {

CLI::App* add_verb(CLI::App& parent, const std::string& name, const std::string& help, const std::string& example) {
  CLI::App* verb = parent.add_subcommand(name, help);
  verb->footer("Example:\n  " + example + "\n");
  return verb;
}

int with_session(const Globals& g, const HttpClientFactory& make, const ClientIo& io,
                 const std::function<int(Session&)>& body) {
  auto session = open_session(g, make, io);
  if (!session.ok()) return fail(io, session.status());
  return body(*session);
}

}  // namespace hexa::cli
