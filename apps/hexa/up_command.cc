#include "up_command.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/http.h"
#include "net/leader_client.h"
#include "sim/scenario.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

void say(const std::string& line) { std::cerr << "hexa up: " << line << std::endl; }

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("hexa") : p.string();
}

// Starts `args` as a child in its own process group (Ctrl-C reaches us, and we stop them in
// order), its output to `log` when given.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!log.empty()) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// SIGTERM, then SIGKILL after `grace`; reaps it.
void stop_child(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// The default cloud of one machine: one site of `agents` nodes with `gpus` GPUs each, fair
// share with backfill, and a price so that credits are on (1 credit per GPU-hour).
Status write_default_cloud(const std::string& path, int agents, int gpus) {
  std::ofstream out(path, std::ios::trunc);
  out << "# Written by hexa up: the default cloud of one machine. Edit it, or pass --config.\n"
      << "name: local\n"
      << "description: one site of " << agents << " nodes with " << gpus << " GPUs each\n"
      << "cluster: \"" << agents << "x" << gpus << "\"\n"
      << "scheduler: {policy: backfill}\n"
      << "credits:\n"
      << "  prices:\n"
      << "    - {gpu_type: gpu, credits_per_gpu_hour: 1}\n";
  out.close();
  return out ? Status::Ok() : Status::Invalid(path + ": cannot write it");
}

Result<std::string> wait_ready(const std::string& dir, pid_t server, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(server, nullptr, WNOHANG) == server) return Status::Unavailable("the server stopped; see " + dir + "/serve.log");
    std::string url = read_line(dir + "/server.url");
    if (!url.empty()) {
      auto client = HttpClient::make(url);
      if (client.ok()) {
        auto r = (*client)->request("GET", "/readyz", "", {}, 1000);
        if (r.ok() && r->status == 200) return url;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("the server was not ready within " + std::to_string(limit.count()) + " s; see " + dir +
                             "/serve.log");
}

// An agent token for `node`, written to DIR/agents/NODE.token (0600).
Result<std::string> agent_token(const std::vector<std::string>& urls, const std::string& admin, const std::string& node,
                                const std::string& dir) {
  auto client = LeaderClient::make(urls, [](const std::string& base) { return HttpClient::make(base); });
  if (!client.ok()) return client.status();
  nlohmann::json body{{"role", "agent"}, {"node", node}};
  auto r = (*client)->request("POST", "/v1/tokens", body.dump(), {{"Authorization", "Bearer " + admin}}, 10000);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 201 || !j.is_object() || !j.contains("token"))
    return Status::Unavailable("token for node " + node + ": HTTP " + std::to_string(r->status) + " " + r->body);
  const std::string path = dir + "/" + node + ".token";
  {
    std::ofstream out(path, std::ios::trunc);
    out << j["token"].get<std::string>() << "\n";
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

// Whether a user other than the owner can reach `dir` (every directory on its way searchable
// by others): jobs of a root agent run as nobody and must reach their work dir.
bool others_can_reach(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec);
  for (fs::path at = p; !at.empty(); at = at.parent_path()) {
    struct stat st {};
    if (::stat(at.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) return false;
    if (at == at.root_path()) break;
  }
  return true;
}

// Where the agents' jobs run: beside the state, unless jobs run as nobody and cannot reach it.
std::string agents_work_dir(const UpArgs& a) {
  const std::string beside = a.state_dir + "/agents";
  if (::geteuid() != 0 || a.allow_root || others_can_reach(beside)) return beside;
  char tmpl[] = "/tmp/hexa-up-XXXXXX";
  if (!::mkdtemp(tmpl)) return beside;
  ::chmod(tmpl, 0711);
  say(std::string("jobs run as nobody, who cannot reach ") + beside + ": their work dirs are under " + tmpl);
  return tmpl;
}

}  // namespace

void add_up_command(CLI::App& app, UpArgs& a) {
  CLI::App* c = app.add_subcommand("up", "Run a whole cloud on this machine: a server on SQLite (or replicas on PostgreSQL) and local agents");
  c->add_option("--config", a.config, "The cloud (scenario format without a workload); default: one site of --agents nodes");
  c->add_option("--state", a.state_dir, "State directory")->capture_default_str();
  c->add_option("--listen", a.listen, "HOST:PORT of the server")->capture_default_str();
  c->add_option("--agents", a.agents, "Local agents, one per node (the first nodes of the cluster)")
      ->check(CLI::Range(0, 64))->capture_default_str();
  c->add_option("--gpus-per-agent", a.gpus_per_agent, "GPUs of each node of the default cloud")
      ->check(CLI::Range(1, 64))->capture_default_str();
  c->add_option("--node-grace-s", a.node_grace_s, "A node whose agent is silent this long is lost")
      ->check(CLI::Range(1.0, 3600.0))->capture_default_str();
  c->add_option("--history-every-s", a.history_every_s, "How often its server samples utilisation for the web console")
      ->check(CLI::Range(1.0, 3600.0))->capture_default_str();
  c->add_option("--stop-grace-s", a.stop_grace_s, "SIGTERM to SIGKILL when a job is stopped")
      ->check(CLI::Range(0.0, 3600.0))->capture_default_str();
  c->add_flag("--allow-root", a.allow_root, "Let agents run jobs as root (otherwise: as nobody when root)");
  c->add_flag("--discover-gpus", a.discover_gpus,
              "Agents read their GPUs through NVML (hexa agent --gpus auto) instead of being told the config's: "
              "the config must declare what they find (hexa agent --list-gpus)");
  c->add_option("--run-as", a.run_as, "The agents run jobs as this user (hexa agent --run-as)");
  c->add_option("--postgres", a.postgres,
                "Run --replicas servers sharing this PostgreSQL database (postgresql://...; for a try, scripts/pg.sh "
                "start DIR prints one) instead of one server on SQLite; replica i listens on --listen's port + i");
  c->add_option("--replicas", a.replicas, "With --postgres: how many servers (one leads, the others follow)")
      ->check(CLI::Range(1, 9))->capture_default_str();
  c->footer("Examples:\n  hexa up --agents 2 --gpus-per-agent 4   (Ctrl-C stops it all)\n"
            "  hexa up --postgres postgresql://postgres@127.0.0.1:5433/hexa   (three replicas, docs/operations.md)");
}

namespace {

// The servers `hexa up` runs: one on SQLite in --state, or --replicas on --postgres, replica i
// in STATE/rI on --listen's port + i (its advertised URL), replica 0 first (it leads at a first
// start, and makes the admin token in STATE/r0).
struct Servers {
  std::vector<pid_t> pids;
  std::vector<std::string> urls, dirs;
  std::string admin_token;  // its path
};

Status check_replica_flags(const UpArgs& a, std::string* host, int* port) {
  if (a.postgres.empty()) {
    if (a.replicas != 3) return Status::Invalid("--replicas: needs --postgres (replicas share a PostgreSQL journal)");
    return Status::Ok();
  }
  if (!a.postgres.starts_with("postgresql://") && !a.postgres.starts_with("postgres://"))
    return Status::Invalid("--postgres: must begin with postgresql:// or postgres:// (scripts/pg.sh start DIR prints one)");
  const std::size_t colon = a.listen.rfind(':');
  *host = colon == std::string::npos ? "" : a.listen.substr(0, colon);
  *port = colon == std::string::npos ? 0 : std::atoi(a.listen.c_str() + colon + 1);
  if (host->empty() || *port < 1 || *port + a.replicas - 1 > 65535)
    return Status::Invalid("--listen " + a.listen + ": with --postgres, HOST:PORT with a port from 1 (replica i listens on PORT + i)");
  return Status::Ok();
}

Result<Servers> start_servers(const UpArgs& a, const std::string& config, const std::vector<std::string>& common) {
  std::string host;
  int port = 0;
  if (Status st = check_replica_flags(a, &host, &port); !st.ok()) return st;
  Servers s;
  const int n = a.postgres.empty() ? 1 : a.replicas;
  for (int i = 0; i < n; ++i) {
    const std::string dir = a.postgres.empty() ? a.state_dir : a.state_dir + "/r" + std::to_string(i);
    std::vector<std::string> args = {self_exe(), "serve", "--config", config, "--state", dir, "--listen", a.listen};
    if (!a.postgres.empty()) {
      const std::string listen = host + ":" + std::to_string(port + i);
      args = {self_exe(), "serve", "--config", config, "--state", dir, "--listen", listen, "--db", a.postgres,
              "--replica-id", "r" + std::to_string(i), "--advertise-url", "http://" + listen};
    }
    args.insert(args.end(), common.begin(), common.end());
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::remove(dir + "/server.url", ec);
    s.pids.push_back(spawn(args, dir + "/serve.log"));
    s.dirs.push_back(dir);
    auto url = wait_ready(dir, s.pids.back(), std::chrono::seconds(60));
    if (!url.ok()) {
      for (pid_t p : s.pids) stop_child(p, std::chrono::seconds(10));
      return url.status();
    }
    s.urls.push_back(*url);
  }
  s.admin_token = s.dirs.front() + "/admin.token";
  return s;
}

std::string joined(const std::vector<std::string>& urls) {
  std::string out;
  for (const std::string& u : urls) out += (out.empty() ? "" : ",") + u;
  return out;
}

// Waits for Ctrl-C, or until every server stopped on its own (each said); 1 then, else 0.
int wait_for_stop(const sigset_t& stop_signals, Servers& s) {
  for (;;) {
    timespec tick{0, 200'000'000};
    if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) return 0;
    int left = 0;
    for (std::size_t i = 0; i < s.pids.size(); ++i) {
      if (s.pids[i] > 0 && ::waitpid(s.pids[i], nullptr, WNOHANG) == s.pids[i]) {
        say((s.pids.size() == 1 ? std::string("the server") : "replica r" + std::to_string(i)) + " stopped on its own; see " +
            s.dirs[i] + "/serve.log");
        s.pids[i] = 0;
      }
      left += s.pids[i] > 0 ? 1 : 0;
    }
    if (left == 0) return 1;
  }
}

}  // namespace

int run_up(const UpArgs& a) {
  std::error_code ec;
  fs::create_directories(a.state_dir + "/agents", ec);
  if (ec) return say("--state " + a.state_dir + ": cannot create it: " + ec.message()), 2;
  std::string host;
  int port = 0;
  if (Status st = check_replica_flags(a, &host, &port); !st.ok()) return say(st.message()), 2;
  std::string config = a.config;
  if (config.empty()) {
    config = a.state_dir + "/cloud.yaml";
    if (!fs::exists(config))
      if (Status st = write_default_cloud(config, a.agents, a.gpus_per_agent); !st.ok()) return say(st.message()), 2;
  }
  auto cloud = load_cloud(config);  // checked here, so that a bad file is one clear line
  if (!cloud.ok()) return say(cloud.status().message()), 2;
  const auto& nodes = cloud->topology->nodes();
  if (static_cast<std::size_t>(a.agents) > nodes.size())
    return say("--agents " + std::to_string(a.agents) + ": the cloud has " + std::to_string(nodes.size()) + " nodes"), 2;

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  char grace[32], stop_grace[32], history[32];
  std::snprintf(grace, sizeof grace, "%g", a.node_grace_s);
  std::snprintf(stop_grace, sizeof stop_grace, "%g", a.stop_grace_s);
  std::snprintf(history, sizeof history, "%g", a.history_every_s);
  auto servers = start_servers(a, config, {"--node-grace-s", grace, "--stop-grace-s", stop_grace, "--history-every-s", history});
  if (!servers.ok()) return say(servers.status().message()), 1;
  const std::string admin = read_line(servers->admin_token), urls = joined(servers->urls);
  const std::string work = agents_work_dir(a);
  std::vector<pid_t> agents;
  for (int i = 0; i < a.agents; ++i) {
    const NodeInfo& n = nodes[static_cast<std::size_t>(i)];
    auto token = agent_token(servers->urls, admin, n.name, a.state_dir + "/agents");
    if (!token.ok()) {
      for (pid_t p : agents) stop_child(p, std::chrono::seconds(45));
      for (pid_t p : servers->pids) stop_child(p, std::chrono::seconds(10));
      return say(token.status().message()), 1;
    }
    std::vector<std::string> args = {self_exe(), "agent", "--server", urls, "--node", n.name, "--token-file", *token,
                                     "--work-dir", work + "/" + n.name, "--gpus"};
    if (a.discover_gpus) args.push_back("auto");
    else args.insert(args.end(), {std::to_string(n.gpus), "--gpu-type", cloud->topology->types().name(n.type)});
    if (a.allow_root) args.push_back("--allow-root");
    if (!a.run_as.empty()) args.insert(args.end(), {"--run-as", a.run_as});
    agents.push_back(spawn(args, a.state_dir + "/agents/" + n.name + ".log"));
  }
  std::cout << "Hexagone is up: " << urls << "\n";
  if (servers->urls.size() > 1)
    std::cout << "  " << servers->urls.size() << " replicas on PostgreSQL (one leads; logs in " << a.state_dir
              << "/rN/serve.log)\n";
  std::cout << "  admin token: " << servers->admin_token << "\n"
            << "  " << agents.size() << " agents (logs in " << a.state_dir << "/agents/), server log " << servers->dirs.front()
            << "/serve.log\n"
            << "  try: export HEXA_SERVER=" << urls << " HEXA_TOKEN_FILE=" << servers->admin_token << "\n"
            << "       hexa tenant add acme && hexa submit --tenant acme --gpus 1 -- nvidia-smi -L\n"
            << "Ctrl-C stops it all." << std::endl;
  const int code = wait_for_stop(stop_signals, *servers);
  say("stopping");
  for (pid_t p : agents) ::kill(p, SIGTERM);  // agents first: they stop their jobs and report
  // Each agent gives its jobs the agents' grace (30 s) before SIGKILL, then reports.
  for (pid_t p : agents) stop_child(p, std::chrono::seconds(45));
  // One replica at a time, the last started first: each clean stop hands the lease on at once.
  for (auto p = servers->pids.rbegin(); p != servers->pids.rend(); ++p) stop_child(*p, std::chrono::seconds(20));
  say("stopped");
  return code;
}

}  // namespace hexa
