#include "e2e/replicas.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "net/leader_client.h"

namespace hexa::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::pair<std::string, std::string>> with_auth(std::vector<std::pair<std::string, std::string>> h,
                                                           const std::string& token, const Json& body) {
  if (!token.empty()) h.push_back({"Authorization", "Bearer " + token});
  if (!body.is_null()) h.push_back({"Content-Type", "application/json"});
  return h;
}

}  // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::unique_ptr<ReplicaSet> ReplicaSet::start(const std::string& config_yaml, const std::string& db, int replicas,
                                              std::vector<std::string> serve_args) {
  std::unique_ptr<ReplicaSet> s(new ReplicaSet());
  char tmpl[] = "/tmp/hexa-e2e-replicas-XXXXXX";
  if (!::mkdtemp(tmpl)) return nullptr;
  s->dir_ = tmpl;
  ::chmod(tmpl, 0755);  // jobs run as nobody when the agent is root: they must reach their dirs
  s->config_ = s->dir_ + "/cloud.yaml";
  std::ofstream(s->config_) << config_yaml;
  s->db_ = db;
  s->serve_args_ = std::move(serve_args);
  for (int i = 0; i < replicas; ++i) {
    const int port = free_loopback_port();
    if (port == 0) return ADD_FAILURE() << "no free port", nullptr;
    s->ports_.push_back(port);
    s->urls_.push_back("http://127.0.0.1:" + std::to_string(port));
    s->pids_.push_back(0);
  }
  // Replica 0 first: it leads, and writes the admin token into its state directory.
  for (int i = 0; i < replicas; ++i) {
    if (!s->start_replica(i, std::chrono::seconds(30))) {
      ADD_FAILURE() << "replica " << i << " did not become ready; its log:\n" << s->log(i);
      return nullptr;
    }
    if (i == 0) {
      const std::string t = read_text(s->dir_ + "/r0/admin.token");
      s->admin_ = t.substr(0, t.find('\n'));
    }
  }
  return s;
}

bool ReplicaSet::start_replica(int i, std::chrono::milliseconds limit) {
  const std::string state = dir_ + "/r" + std::to_string(i), u = url(i);
  std::vector<std::string> argv = {HEXA_BINARY, "serve", "--config", config_, "--state", state,
                                   "--listen", u.substr(u.find("://") + 3), "--advertise-url", u,
                                   "--db", db_, "--replica-id", "r" + std::to_string(i)};
  argv.insert(argv.end(), serve_args_.begin(), serve_args_.end());
  fs::create_directories(state);
  pid_t& pid = pids_[static_cast<std::size_t>(i)];
  pid = spawn(argv, state + "/serve.log", dir_);
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return pid = 0, false;
    if (call_at(i, "GET", "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ReplicaSet::~ReplicaSet() {
  for (pid_t p : agents_) stop_pid(p, SIGTERM);
  for (pid_t p : pids_) stop_pid(p, SIGTERM);
  kill_leftovers(dir_);
  if (!::getenv("HEXA_KEEP_E2E")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string ReplicaSet::url_list() const {
  std::string out;
  for (const std::string& u : urls_) out += (out.empty() ? "" : ",") + u;
  return out;
}

std::string ReplicaSet::log(int i) const { return read_text(dir_ + "/r" + std::to_string(i) + "/serve.log"); }
std::string ReplicaSet::agent_log(const std::string& node) const { return read_text(dir_ + "/agent-" + node + ".log"); }

Answer ReplicaSet::call_at(int i, const std::string& method, const std::string& target, const Json& body,
                           const std::string& token, const std::vector<std::pair<std::string, std::string>>& headers) {
  auto client = HttpClient::make(url(i));
  if (!client.ok()) return Answer{};
  return answer_of((*client)->request(method, target, body.is_null() ? "" : body.dump(), with_auth(headers, token, body),
                                      20'000));
}

Answer ReplicaSet::call(const std::string& method, const std::string& target, const Json& body, const std::string& token,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  // The list rotated to begin at the last leader seen: one LeaderClient per call, as threads share the set.
  const int first = preferred_.load(), n = size();
  std::vector<std::string> order;
  for (int k = 0; k < n; ++k) order.push_back(url((first + k) % n));
  auto client = LeaderClient::make(order, [](const std::string& base) { return HttpClient::make(base); });
  if (!client.ok()) return Answer{};
  Answer a = answer_of((*client)->request(method, target, body.is_null() ? "" : body.dump(),
                                          with_auth(headers, token, body), 20'000));
  if (a.headers["x-hexa-role"] == "leader") preferred_ = (first + (*client)->preferred()) % n;
  return a;
}

Caller ReplicaSet::caller() {
  return [this](const std::string& method, const std::string& target, const Json& body, const std::string& token,
                const std::vector<std::pair<std::string, std::string>>& headers) {
    return call(method, target, body, token, headers);
  };
}

std::string ReplicaSet::token(const std::string& role, const std::string& who) {
  Json body{{"role", role}};
  if (role == "member") body["tenant"] = who;
  if (role == "agent") body["node"] = who;
  Answer a = as_admin("POST", "/v1/tokens", body);
  EXPECT_EQ(a.status, 201) << a.body;
  return a.json.is_object() ? a.json.value("token", "") : "";
}

std::string ReplicaSet::role(int i) {
  if (pid(i) == 0) return "";
  return call_at(i, "GET", "/healthz").headers["x-hexa-role"];
}

int ReplicaSet::wait_leader(std::chrono::milliseconds limit, int skip) {
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    for (int i = 0; i < size(); ++i)
      if (i != skip && role(i) == "leader") return preferred_ = i, i;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

bool ReplicaSet::wait_answers(int i, std::chrono::milliseconds limit) {
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    if (call_at(i, "GET", "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool ReplicaSet::running(int i) {
  pid_t& p = pids_[static_cast<std::size_t>(i)];
  if (p > 0 && ::waitpid(p, nullptr, WNOHANG) == p) p = 0;
  return p > 0;
}

void ReplicaSet::signal(int i, int sig) {
  pid_t& p = pids_[static_cast<std::size_t>(i)];
  if (p <= 0) return;
  ::kill(p, sig);
  if (sig == SIGSTOP || sig == SIGCONT) return;
  ::waitpid(p, nullptr, 0);
  p = 0;
}

int ReplicaSet::add_replica(std::chrono::milliseconds limit) {
  const int port = free_loopback_port();
  if (port == 0) return ADD_FAILURE() << "no free port", -1;
  ports_.push_back(port);
  urls_.push_back("http://127.0.0.1:" + std::to_string(port));
  pids_.push_back(0);
  const int i = size() - 1;
  if (!start_replica(i, limit)) return ADD_FAILURE() << "replica " << i << " did not become ready:\n" << log(i), -1;
  return i;
}

bool ReplicaSet::restart(int i, std::chrono::milliseconds limit) { return start_replica(i, limit); }

pid_t ReplicaSet::start_agent(const std::string& node, int gpus, std::vector<std::string> extra) {
  const std::string path = dir_ + "/agent-" + node + ".token";
  if (!fs::exists(path)) {
    std::ofstream(path) << token("agent", node) << "\n";
    ::chmod(path.c_str(), 0600);
  }
  std::vector<std::string> argv = {HEXA_BINARY, "agent", "--server", url_list(), "--node", node, "--token-file", path,
                                   "--gpus", std::to_string(gpus), "--gpu-type", "gpu", "--work-dir",
                                   dir_ + "/work-" + node};
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_t pid = spawn(argv, dir_ + "/agent-" + node + ".log", dir_);
  agents_.push_back(pid);
  return pid;
}

bool ReplicaSet::wait_node_up(const std::string& node, std::chrono::milliseconds limit) {
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    Answer a = as_admin("GET", "/v1/nodes");
    if (a.status == 200)
      for (const Json& n : a.json["nodes"])
        if (n["name"] == node && n["state"] == "up" && n["agent"] == true) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Json ReplicaSet::wait_job(std::int64_t id, const std::function<bool(const Json&)>& pred, std::chrono::milliseconds limit) {
  Json last;
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    Answer a = as_admin("GET", "/v1/jobs/" + std::to_string(id));
    if (a.status == 200) {
      last = a.json;
      if (pred(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return last;
}

}  // namespace hexa::testing
