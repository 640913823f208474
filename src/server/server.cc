#include "server/server.h"

#include <signal.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>

#include "net/log.h"
#include "server/api.h"
#include "server/fd_limit.h"
#include "store/crash_point.h"

namespace hexa {
namespace {

void say(const std::string& line) { log_said("hexa serve", line); }

// On first start: an admin token, its secret in DIR/admin.token (0600) and nowhere else.
Status first_admin(Host& host, TokenBook& tokens, const std::string& dir) {
  auto all = host.journal().tokens();
  if (!all.ok()) return all.status();
  if (!all->empty()) return Status::Ok();
  TokenRecord t;
  const std::string secret = new_token_secret();
  if (secret.empty()) return Status::Unavailable("no entropy for the admin token");
  t.id = "tok-admin";
  t.role = "admin";
  t.hash = sha256_hex(secret);
  t.created = host.options().clock();
  const std::string path = dir + "/admin.token";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable(path + ": cannot write it");
  const std::string line = secret + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::fchmod(fd, 0600);
  ::close(fd);
  if (!written) return Status::Unavailable(path + ": cannot write it");
  if (Status st = host.journal().put_token(t); !st.ok()) return st;
  tokens.add(t);
  say("admin token written to " + path + " (mode 0600); keep it secret");
  return Status::Ok();
}

}  // namespace

Status parse_listen(const std::string& listen, std::string* host, int* port) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::Invalid("--listen: expected HOST:PORT, got '" + listen + "'");
  *host = listen.substr(0, colon);
  const std::string p = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), *port);
  if (ec != std::errc() || end != p.data() + p.size() || *port < 0 || *port > 65535)
    return Status::Invalid("--listen: the port must be an integer between 0 and 65535, got '" + p + "'");
  return Status::Ok();
}

int run_server(const ServeOptions& opt) {
  HttpServerOptions http;
  if (Status st = parse_listen(opt.listen, &http.host, &http.port); !st.ok()) return say(st.message()), 2;
  http.threads = opt.http_threads;
  http.tls_cert_file = opt.tls_cert;
  http.tls_key_file = opt.tls_key;
  http.header_timeout_ms = static_cast<int>(std::llround(opt.header_timeout_s * 1000));
  std::string fd_note;
  http.max_connections = fit_connections_to_fds(opt.max_connections, &fd_note);
  if (!fd_note.empty()) say(fd_note);
  // Before anything is opened: a bad flag changes nothing.
  if (Status st = HttpServer::check(http); !st.ok()) return say(st.message()), 2;
  auto cloud = load_cloud(opt.config);
  if (!cloud.ok()) return say(cloud.status().message()), 2;
  std::string crash_at;
  if (Status st = arm_crash_point(&crash_at); !st.ok()) return say(st.message()), 2;
  if (!crash_at.empty()) say("crash point '" + crash_at + "' armed (HEXA_CRASH_AT): this server will kill itself there; for tests only");
  // SIGINT and SIGTERM are waited for by this thread alone: block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::vector<std::string> notes;
  HostOptions host_opt = opt.host;
  if (host_opt.advertise_url.empty())  // replicas: what followers send clients to
    host_opt.advertise_url = (opt.tls_cert.empty() ? "http://" : "https://") + opt.listen;
  auto host = Host::open(*cloud, opt.state_dir, host_opt, &notes);
  for (const std::string& n : notes) say(n);
  if (!host.ok()) return say(host.status().message()), 2;
  TokenBook tokens;
  auto stored = (*host)->journal().tokens();
  if (!stored.ok()) return say("tokens: " + stored.status().message()), 2;
  tokens.load(*stored);
  // A follower writes nothing: the leader made the admin token.
  if ((*host)->leading())
    if (Status st = first_admin(**host, tokens, opt.state_dir); !st.ok()) return say(st.message()), 2;
  (*host)->on_lead([&tokens, &host] {  // a failover; a failed read keeps the tokens it has
    if (auto all = (*host)->journal().tokens(); all.ok()) tokens.load(*all);
  });
  if ((*host)->replayed() > 0) say("replayed " + std::to_string((*host)->replayed()) + " journal rows");
  Api api{**host, tokens};
  std::optional<RateLimiter> limiter;
  if (opt.rate_limit > 0) api.rate = &limiter.emplace(opt.rate_limit);
  (*host)->start();
  // The console's history of utilisation and queue length: a sample a minute (--history-every-s), 1,440 kept.
  UtilHistory history;
  api.history = &history;
  history.start([&host] { return (*host)->read([&](const Core& core) { return take_util_sample(core, (*host)->options().clock()); }); },
                static_cast<DurationMs>(std::llround(opt.history_every_s * 1000)));
  auto server = HttpServer::start(http, [&api](HttpRequest req, Reply reply) { serve_request(api, std::move(req), std::move(reply)); });
  if (!server.ok()) {
    (*host)->stop();
    return say(server.status().message()), 1;
  }
  const std::string url = (opt.tls_cert.empty() ? "http://" : "https://") + http.host + ":" +
                          std::to_string((*server)->port());
  std::ofstream(opt.state_dir + "/server.url") << url << "\n";
  api.ready = true;
  say("listening on " + url + (api.rate ? "; at most " + std::to_string(opt.rate_limit) + " requests/s per token" : "; no rate limit"));
  int sig = 0;
  sigwait(&stop_signals, &sig);
  say(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  (*server)->stop();
  history.stop();
  if ((*host)->leading()) {  // a follower's snapshots are the leader's to write
    Status snap = (*host)->snapshot_now();
    if (!snap.ok()) say("last snapshot not written: " + snap.message());
  }
  (*host)->stop();
  say("stopped");
  return 0;
}

}  // namespace hexa
