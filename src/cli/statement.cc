#include "cli/statement.h"

#include "cli/date_arg.h"
#include "cli/url.h"

namespace hexa::cli {

namespace {

Result<std::vector<std::pair<std::string, std::string>>> query_of(const LiveStatementArgs& a) {
  std::vector<std::pair<std::string, std::string>> q;
  std::optional<std::int64_t> from, to;
  if (!a.from.empty()) {
    auto ms = parse_datetime_ms("--from", a.from);
    if (!ms.ok()) return ms.status();
    from = *ms;
    q.emplace_back("from", std::to_string(*from));
  }
  if (!a.to.empty()) {
    auto ms = parse_datetime_ms("--to", a.to);
    if (!ms.ok()) return ms.status();
    to = *ms;
    q.emplace_back("to", std::to_string(*to));
  }
  if (from && to && *from >= *to)
    return Status::Invalid("--from " + a.from + " must be before --to " + a.to + " (the period is [from, to))");
  q.emplace_back("format", a.format);
  return q;
}

}  // namespace

Result<std::string> fetch_live_statement(const LiveStatementArgs& a, const HttpClientFactory& make,
                                         const ClientIo& io) {
  if (a.format != "text" && a.format != "json" && a.format != "csv")
    return Status::Invalid("--format: '" + a.format + "' is not one of text, json, csv");
  auto q = query_of(a);
  if (!q.ok()) return q.status();
  auto session = open_session(a.g, make, io);
  if (!session.ok()) return session.status();
  auto r = session->call("GET", with_query("/v1/tenants/" + url_encode(a.tenant) + "/statement", *q));
  if (!r.ok()) return r.status();
  return r->body;
}

}  // namespace hexa::cli
