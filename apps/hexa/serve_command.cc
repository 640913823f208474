#include "serve_command.h"


#include <cmath>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "net/log.h"
#include "store/journal_open.h"

namespace hexa {

namespace {

// "LO-HI", 1 <= LO <= HI <= 65535.
std::optional<std::pair<int, int>> parse_port_range(const std::string& text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == text.size() || text.size() > 11) return std::nullopt;
  const std::string lo = text.substr(0, dash), hi = text.substr(dash + 1);
  for (const std::string& part : {lo, hi})
    if (part.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int l = std::stoi(lo), h = std::stoi(hi);
  if (l < 1 || h > 65535 || l > h) return std::nullopt;
  return std::pair{l, h};
}

CLI::Validator gang_ports_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return parse_port_range(text) ? "" : "must be LO-HI, two ports with 1 <= LO <= HI <= 65535 (got '" + text + "')";
      },
      "LO-HI");
}

// Replicas: the id written in the lease row, and the URL followers send clients to.
CLI::Validator replica_id_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool ok = !text.empty() && text.size() <= 64 &&
                        text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                            std::string::npos;
        return ok ? "" : "must be 1 to 64 letters, digits, '.', '_' or '-' (got '" + text + "')";
      },
      "ID");
}

CLI::Validator advertise_url_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        while (text.size() > 1 && text.back() == '/') text.pop_back();
        const std::size_t scheme = text.starts_with("http://") ? 7 : text.starts_with("https://") ? 8 : 0;
        if (scheme == 0 || text.size() == scheme || text.size() > 512 ||
            text.find_first_of(" \t\r\n/?#", scheme) != std::string::npos)
          return "must be http://HOST[:PORT] or https://HOST[:PORT], without a path (got '" + text + "')";
        return "";
      },
      "URL");
}

// The journal in PostgreSQL: the host takes and renews the leader lease itself (replicas,
// host_replica.cc), so the journal is only opened here.
std::function<Result<std::unique_ptr<Journal>>(const std::string&)> journal_in(const std::string& db) {
  return [db](const std::string& dir) { return open_journal(db, dir); };
}

}  // namespace

void add_serve_command(CLI::App& app, ServeArgs& a) {
  CLI::App* c = app.add_subcommand("serve", "Run the control plane's server: the REST API, the journal, the agents' orders");
  c->add_option("--config", a.opt.config, "The cloud: a scenario file without a workload (cluster, scheduler, tenants, credits)")
      ->required();
  c->add_option("--state", a.opt.state_dir, "State directory: hexa.db (the journal), snapshots/, logs/, admin.token")
      ->required();
  c->add_option("--db", a.db,
                "The journal, snapshots and tokens in PostgreSQL: postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE "
                "(or postgres://); --state still keeps the jobs' logs. Needs libpq (Debian's libpq5), loaded only "
                "then. Default: SQLite, STATE/hexa.db");
  c->add_option("--listen", a.opt.listen, "HOST:PORT to listen on (port 0: a free one, written to STATE/server.url)")
      ->capture_default_str();
  c->add_option("--node-grace-s", a.node_grace_s, "A node whose agent is silent this long is lost")
      ->check(CLI::Range(1.0, 3600.0))->capture_default_str();
  c->add_option("--fence-s", a.fence_s,
                "An agent the server has not heard this long stops its jobs itself (below --node-grace-s; "
                "default: 2/3 of it)")
      ->check(CLI::Range(0.1, 3600.0));
  c->add_option("--heartbeat-s", a.heartbeat_s, "How often agents are told to report")
      ->check(CLI::Range(1, 600))->capture_default_str();
  c->add_option("--stop-grace-s", a.stop_grace_s, "SIGTERM to SIGKILL when a job is stopped")
      ->check(CLI::Range(0.0, 3600.0))->capture_default_str();
  c->add_option("--default-time-limit-h", a.default_time_limit_h, "Time limit of jobs that give none (0: none)")
      ->check(CLI::Range(0.0, 8784.0))->capture_default_str();
  c->add_option("--snapshot-every", a.opt.host.snapshot_every, "Journal rows between snapshots")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))->capture_default_str();
  c->add_option("--gang-ports", a.gang_ports,
                "LO-HI: the ports multi-node jobs' ranks meet on (HEXA_MASTER_PORT), one per run segment")
      ->check(gang_ports_check())->capture_default_str();
  c->add_option("--http-threads", a.opt.http_threads, "Threads serving HTTP")->check(CLI::Range(1, 64))->capture_default_str();
  c->add_option("--rate-limit", a.opt.rate_limit,
                "Requests per second per token, in bursts of up to twice as many; beyond, 429 with Retry-After. "
                "Requests without a valid token count per client address; agents' tokens are not limited. 0: no limit")
      ->check(CLI::Range(0, 1'000'000))->capture_default_str();
  c->add_option("--tls-cert", a.opt.tls_cert,
                "PEM file of the server's certificate chain (with --tls-key): serve HTTPS, TLS 1.2 or later");
  c->add_option("--tls-key", a.opt.tls_key, "PEM file of the certificate's private key, without a passphrase (with --tls-cert)");
  c->add_option("--header-timeout-s", a.opt.header_timeout_s,
                "A request's header must arrive whole this soon after its first byte (a new connection's: after "
                "the connect, TLS handshake included), or the connection is closed: slow clients cannot hold it")
      ->check(CLI::Range(0.1, 3600.0))->capture_default_str();
  c->add_option("--max-connections", a.opt.max_connections,
                "Connections at once; more are closed as soon as they are accepted (lowered to what the open "
                "files limit allows)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))->capture_default_str();
  c->add_option("--history-every-s", a.opt.history_every_s,
                "How often the server samples utilisation and queue length for the web console's overview "
                "(the last 1,440 samples are kept: a day at the default)")
      ->check(CLI::Range(1.0, 3600.0))->capture_default_str();
  c->add_option("--log-format", a.log_format,
                "Log lines on stderr: text, or json (one object per line: ts, level, prog, msg and fields; each "
                "request with its request_id, method, path, route, status, duration_us)")
      ->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  c->add_option("--lease-s", a.lease_s,
                "Replicas sharing one journal (PostgreSQL): the leader's lease, renewed every third of it; a "
                "follower takes it once it lapses. Without a shared journal: unused")
      ->check(CLI::Range(1, 60))->capture_default_str();
  c->add_option("--replica-id", a.opt.host.replica_id,
                "Replicas: this server's name in the lease (default: the host name and the process id)")
      ->check(replica_id_check());
  c->add_option("--advertise-url", a.opt.host.advertise_url,
                "Replicas: the URL followers send this server's clients to when it leads (default: from --listen "
                "and the TLS setting; give it when --listen is 0.0.0.0 or port 0)")
      ->check(advertise_url_check());
  c->footer("Examples:\n  hexa serve --config cloud.yaml --state /var/lib/hexa --listen 127.0.0.1:8642\n"
            "  hexa serve --config cloud.yaml --state /var/lib/hexa --listen 10.0.0.1:8642 --tls-cert server.pem "
            "--tls-key server.key");
}

int run_serve(ServeArgs& a) {
  auto ms = [](double s) { return static_cast<DurationMs>(std::llround(s * 1000)); };
  set_log_format(*parse_log_format(a.log_format));  // checked by the parser
  a.opt.host.node_grace = ms(a.node_grace_s);
  if (a.fence_s) {
    if (*a.fence_s >= a.node_grace_s) {
      std::cerr << "hexa serve: --fence-s: must be below --node-grace-s (" << a.node_grace_s
                << "), so that a lost node's jobs have stopped before they run elsewhere" << std::endl;
      return 2;
    }
    a.opt.host.fence = ms(*a.fence_s);
  }
  // Healthy agents must be heard well within the fence, or they stop their own jobs.
  if (a.opt.host.fence_ms() < 2 * a.heartbeat_s * kSecond) {
    std::cerr << "hexa serve: --heartbeat-s " << a.heartbeat_s << ": must be at most half the fence ("
              << a.opt.host.fence_ms() << " ms: --fence-s, or 2/3 of --node-grace-s), or healthy agents stop "
              << "their jobs; give a shorter --heartbeat-s or a longer --node-grace-s" << std::endl;
    return 2;
  }
  a.opt.host.stop_grace = ms(a.stop_grace_s);
  a.opt.host.heartbeat_s = a.heartbeat_s;
  a.opt.host.lease = a.lease_s * kSecond;
  a.opt.host.defaults.time_limit = ms(a.default_time_limit_h * 3600);
  if (!a.db.empty()) {
    if (Status st = check_journal_db(a.db); !st.ok()) {
      std::cerr << "hexa serve: --db: " << st.message() << std::endl;
      return 2;
    }
    a.opt.host.open_journal = journal_in(a.db);
  }
  auto ports = parse_port_range(a.gang_ports);  // checked by the parser already
  if (ports) a.opt.host.gang_port_lo = ports->first, a.opt.host.gang_port_hi = ports->second;
  return run_server(a.opt);
}

}  // namespace hexa
