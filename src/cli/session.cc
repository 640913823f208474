#include "cli/session.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "net/leader_client.h"

namespace hexa::cli {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Result<std::string> read_token_file(const std::string& path, const std::string& origin) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid(origin + " " + path + ": cannot read it: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  std::string token = trim(text.str());
  if (token.empty()) return Status::Invalid(origin + " " + path + ": is empty (it must hold a token)");
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return Status::Invalid(origin + " " + path + ": must hold one token (it has whitespace inside)");
  return token;
}

StatusCode code_of_http(int status) {
  switch (status) {
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kConflict;
    case 503: return StatusCode::kUnavailable;
    default: return StatusCode::kInvalid;
  }
}

Status status_of(StatusCode code, std::string msg) {
  switch (code) {
    case StatusCode::kNotFound: return Status::NotFound(std::move(msg));
    case StatusCode::kConflict: return Status::Conflict(std::move(msg));
    case StatusCode::kUnavailable: return Status::Unavailable(std::move(msg));
    default: return Status::Invalid(std::move(msg));
  }
}

// The first line of `s`, at most 200 characters.
std::string first_line(const std::string& s) {
  std::string line = trim(s.substr(0, s.find('\n')));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

// Several replicas' URLs (docs/server.md, Replicas): the requests follow the leader among them.
Result<Session> open_replicas(const std::string& list, const std::string& token, const HttpClientFactory& make,
                              const HttpClientOptions& tls) {
  auto urls = parse_server_list(list);
  if (!urls.ok()) return Status::Invalid("--server " + list + ": " + urls.status().message());
  auto client = LeaderClient::make(*urls, [&](const std::string& url) { return make(url, tls); });
  if (!client.ok()) {
    const std::string msg = client.status().message();
    if (!tls.ca_file.empty() && msg.find(tls.ca_origin) != std::string::npos) return Status::Invalid(msg);
    return Status::Invalid("--server " + list + ": " + msg);
  }
  return Session(std::move(client).value(), list, token);
}

}  // namespace

void add_global_options(CLI::App& verb, Globals& g, bool with_json) {
  verb.add_option("--server", g.server,
                  std::string("Server URL (default: $HEXA_SERVER, else ") + kDefaultServer +
                      "); replicas: their URLs separated by commas, the leader is followed among them");
  verb.add_option("--token-file", g.token_file, "File holding your token (default: $HEXA_TOKEN, else $HEXA_TOKEN_FILE)");
  verb.add_option("--ca-cert", g.ca_cert,
                  "PEM file of the CA that signed an https server's certificate (default: $HEXA_CA_CERT, else "
                  "the system's CAs); the certificate is always checked");
  if (with_json) verb.add_flag("--json", g.json, "Print the server's JSON instead of text");
}

std::string server_of(const Globals& g, const ClientIo& io) {
  if (!g.server.empty()) return g.server;
  auto env = io.getenv("HEXA_SERVER");
  return env && !env->empty() ? *env : kDefaultServer;
}

HttpClientOptions tls_of(const Globals& g, const ClientIo& io) {
  HttpClientOptions opt;
  if (!g.ca_cert.empty()) {
    opt.ca_file = g.ca_cert;
    opt.ca_origin = "--ca-cert";
  } else if (auto env = io.getenv("HEXA_CA_CERT"); env && !env->empty()) {
    opt.ca_file = *env;
    opt.ca_origin = "HEXA_CA_CERT";
  }
  return opt;
}

Result<std::string> token_of(const Globals& g, const ClientIo& io) {
  if (!g.token_file.empty()) return read_token_file(g.token_file, "--token-file");
  auto token = io.getenv("HEXA_TOKEN");
  if (token && !trim(*token).empty()) {
    std::string t = trim(*token);
    if (t.find_first_of(" \t\r\n") != std::string::npos)
      return Status::Invalid("HEXA_TOKEN: must hold one token (it has whitespace inside)");
    return t;
  }
  auto file = io.getenv("HEXA_TOKEN_FILE");
  if (file && !file->empty()) return read_token_file(*file, "HEXA_TOKEN_FILE");
  return std::string();
}

Session::Session(std::unique_ptr<HttpClient> http, std::string base, std::string token)
    : http_(std::move(http)), base_(std::move(base)), token_(std::move(token)) {}

Result<HttpResponse> Session::call(const std::string& method, const std::string& target, const std::string& body,
                                   Headers extra) {
  Headers headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  for (auto& h : extra) headers.push_back(std::move(h));
  Result<HttpResponse> r = http_->request(method, target, body, headers);
  if (!r.ok()) {
    std::string msg = r.status().message();
    return Status::Unavailable(msg.find(base_) != std::string::npos ? msg : base_ + ": " + msg);
  }
  if (r->status < 200 || r->status > 299) return status_of(code_of_http(r->status), problem_message(*r));
  return r;
}

Result<Json> Session::call_json(const std::string& method, const std::string& target, const Json* body,
                                Headers extra) {
  auto r = call(method, target, body ? dump(*body) : "", std::move(extra));
  if (!r.ok()) return r.status();
  auto j = parse_json(r->body);
  if (!j) return Status::Invalid("the server's answer to " + method + " " + target + " is not JSON: " + first_line(r->body));
  return *j;
}

Result<Session> open_session(const Globals& g, const HttpClientFactory& make, const ClientIo& io) {
  auto token = token_of(g, io);
  if (!token.ok()) return token.status();
  std::string base = server_of(g, io);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (!make) return Status::Unavailable("this hexa was built without the HTTP client: it cannot reach " + base);
  const HttpClientOptions tls = tls_of(g, io);
  if (base.find(',') != std::string::npos) return open_replicas(base, token.value(), make, tls);
  auto http = make(base, tls);
  if (!http.ok()) {
    const std::string msg = http.status().message();
    // A CA file that cannot be used is named by its own flag, not by --server.
    if (!tls.ca_file.empty() && msg.rfind(tls.ca_origin, 0) == 0) return Status::Invalid(msg);
    return Status::Invalid("--server " + base + ": " + msg);
  }
  return Session(std::move(http).value(), base, std::move(token).value());
}

std::string problem_message(const HttpResponse& r) {
  std::string what;
  if (auto j = parse_json(r.body)) {
    what = str(*j, "detail").value_or(str(*j, "title").value_or(""));
  } else {
    what = first_line(r.body);
  }
  if (what.empty()) what = "the server answered";
  std::string msg = what + " (HTTP " + std::to_string(r.status) + ")";
  if (r.status == 401) msg += "; give a token with --token-file FILE, HEXA_TOKEN or HEXA_TOKEN_FILE";
  return msg;
}

int fail(const ClientIo& io, const Status& st) { return fail(io, st.message()); }

int fail(const ClientIo& io, const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';  // one line, whatever the server wrote
  *io.err << "hexa: " << line << "\n" << std::flush;
  return 2;
}

void print_document(const ClientIo& io, const std::string& text) {
  *io.out << text;
  if (text.empty() || text.back() != '\n') *io.out << "\n";
  *io.out << std::flush;
}

}  // namespace hexa::cli
