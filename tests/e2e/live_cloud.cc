#include "e2e/live_cloud.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace hexa::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_line(const std::string& path) {
  std::string s = read_file(path);
  return s.substr(0, s.find('\n'));
}

}  // namespace

// fork + exec with stdout/stderr to `log` (appended), in its own process group, `env` added.
constexpr const char* kMark = "HEXA_E2E_CLOUD";

pid_t spawn(const std::vector<std::string>& argv, const std::string& log, const std::string& cloud_dir,
            const std::map<std::string, std::string>& env) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  ::setenv(kMark, cloud_dir.c_str(), 1);  // inherited by agents' jobs: kill_leftovers finds them
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

void stop_pid(pid_t pid, int sig) {
  if (pid <= 0) return;
  ::kill(pid, sig);
  ::kill(pid, SIGCONT);  // a test may have stopped it
  for (int i = 0; i < 300; ++i) {  // 15 s at most, then SIGKILL
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// Every process still marked with this cloud (jobs of agents that were killed, whose processes
// outlived them): SIGKILL, by pid.
void kill_leftovers(const std::string& cloud_dir) {
  const std::string mark = std::string(kMark) + "=" + cloud_dir;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    std::string env = read_file(e.path().string() + "/environ");
    for (std::size_t at = 0; at < env.size();) {
      std::size_t end = env.find('\0', at);
      if (end == std::string::npos) end = env.size();
      if (env.compare(at, end - at, mark) == 0) {
        ::kill(pid, SIGKILL);
        break;
      }
      at = end + 1;
    }
  }
}

std::string small_cloud(int nodes, int gpus, const std::string& extra) {
  return "name: test\ncluster: \"" + std::to_string(nodes) + "x" + std::to_string(gpus) +
         "\"\nscheduler: {policy: backfill}\ncredits:\n  prices:\n    - {gpu_type: gpu, credits_per_gpu_hour: 1, priorities: [0, 10]}\n" + extra;
}

std::unique_ptr<LiveCloud> LiveCloud::start(const std::string& config_yaml, std::vector<std::string> serve_args,
                                            const std::string& ca_cert,
                                            const std::function<void(const std::string& dir)>& prepare) {
  std::unique_ptr<LiveCloud> c(new LiveCloud());
  c->ca_cert_ = ca_cert;
  char tmpl[] = "/tmp/hexa-e2e-XXXXXX";
  if (!::mkdtemp(tmpl)) return nullptr;
  c->dir_ = tmpl;
  ::chmod(tmpl, 0755);  // jobs run as nobody when the agent is root: they must reach their dirs
  c->config_ = c->dir_ + "/cloud.yaml";
  std::ofstream(c->config_) << config_yaml;
  c->serve_args_ = std::move(serve_args);
  if (prepare) prepare(c->dir_);
  if (!c->start_server(std::chrono::seconds(30))) {
    ADD_FAILURE() << "hexa serve did not become ready; its log:\n" << c->server_log();
    return nullptr;
  }
  c->admin_ = first_line(c->dir_ + "/state/admin.token");
  return c;
}

bool LiveCloud::start_server(std::chrono::milliseconds limit, const std::string& listen) {
  fs::remove(dir_ + "/state/server.url");
  std::vector<std::string> argv = {HEXA_BINARY, "serve", "--config", config_, "--state", dir_ + "/state",
                                   "--listen", listen};
  argv.insert(argv.end(), serve_args_.begin(), serve_args_.end());
  server_ = spawn(argv, dir_ + "/serve.log", dir_, server_env_);
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(server_, nullptr, WNOHANG) == server_) return server_ = 0, false;
    std::string url = first_line(dir_ + "/state/server.url");
    if (!url.empty()) {
      url_ = url;
      Answer a = call("GET", "/readyz");
      if (a.status == 200) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

LiveCloud::~LiveCloud() {
  for (pid_t p : agents_) stop_pid(p, SIGTERM);
  stop_pid(server_, SIGTERM);
  kill_leftovers(dir_);
  if (!::getenv("HEXA_KEEP_E2E")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string LiveCloud::server_log() const { return read_file(dir_ + "/serve.log"); }
std::string LiveCloud::agent_log(const std::string& node) const { return read_file(dir_ + "/agent-" + node + ".log"); }

Answer LiveCloud::call(const std::string& method, const std::string& target, const Json& body, const std::string& token,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpClientOptions tls;
  tls.ca_file = ca_cert_;
  auto client = HttpClient::make(url_, tls);
  if (!client.ok()) return Answer{};
  std::vector<std::pair<std::string, std::string>> h = headers;
  if (!token.empty()) h.push_back({"Authorization", "Bearer " + token});
  if (!body.is_null()) h.push_back({"Content-Type", "application/json"});
  return answer_of((*client)->request(method, target, body.is_null() ? "" : body.dump(), h, 40'000));
}

std::string LiveCloud::token(const std::string& role, const std::string& who) {
  Json body{{"role", role}};
  if (role == "member") body["tenant"] = who;
  if (role == "agent") body["node"] = who;
  Answer a = as_admin("POST", "/v1/tokens", body);
  EXPECT_EQ(a.status, 201) << a.body;
  return a.json.is_object() ? a.json.value("token", "") : "";
}

pid_t LiveCloud::start_agent(const std::string& node, int gpus, const std::string& gpu_type, std::vector<std::string> extra,
                             const std::string& server_url) {
  if (!agent_tokens_.count(node)) {
    const std::string path = dir_ + "/agent-" + node + ".token";
    std::ofstream(path) << token("agent", node) << "\n";
    ::chmod(path.c_str(), 0600);
    agent_tokens_[node] = path;
  }
  std::vector<std::string> argv = {HEXA_BINARY, "agent", "--server", server_url.empty() ? url_ : server_url, "--node", node, "--token-file",
                                   agent_tokens_[node], "--gpus", std::to_string(gpus), "--gpu-type", gpu_type,
                                   "--work-dir", dir_ + "/work-" + node};
  const bool own_ca = std::find(extra.begin(), extra.end(), "--ca-cert") != extra.end();
  if (!ca_cert_.empty() && !own_ca) argv.insert(argv.end(), {"--ca-cert", ca_cert_});
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_t pid = spawn(argv, dir_ + "/agent-" + node + ".log", dir_);
  agents_.push_back(pid);
  return pid;
}

pid_t LiveCloud::start_agent_with(const std::string& node, const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env) {
  if (!agent_tokens_.count(node)) {
    const std::string path = dir_ + "/agent-" + node + ".token";
    std::ofstream(path) << token("agent", node) << "\n";
    ::chmod(path.c_str(), 0600);
    agent_tokens_[node] = path;
  }
  std::vector<std::string> argv = {HEXA_BINARY, "agent", "--server", url_, "--node", node, "--token-file",
                                   agent_tokens_[node], "--work-dir", dir_ + "/work-" + node};
  if (!ca_cert_.empty()) argv.insert(argv.end(), {"--ca-cert", ca_cert_});
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn(argv, dir_ + "/agent-" + node + ".log", dir_, env);
  agents_.push_back(pid);
  return pid;
}

void LiveCloud::stop_agent(pid_t pid, int sig) {
  stop_pid(pid, sig);
  std::erase(agents_, pid);
}

bool LiveCloud::wait_node_up(const std::string& node, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    Answer a = as_admin("GET", "/v1/nodes");
    if (a.status == 200)
      for (const Json& n : a.json["nodes"])
        if (n["name"] == node && n["state"] == "up" && n["agent"] == true) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int LiveCloud::hexa(const std::vector<std::string>& args, const std::string& token, std::string* out, std::string* err) {
  std::vector<std::string> argv = {HEXA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {{"HEXA_SERVER", url_}, {"HEXA_TOKEN", token}};
  if (!ca_cert_.empty()) env["HEXA_CA_CERT"] = ca_cert_;
  return run_program(argv, env, out, err);
}

Json LiveCloud::wait_job(std::int64_t id, const std::function<bool(const Json&)>& pred, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  Json last;
  while (std::chrono::steady_clock::now() < until) {
    Answer a = as_admin("GET", "/v1/jobs/" + std::to_string(id));
    if (a.status == 200) {
      last = a.json;
      if (pred(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return last;
}

void LiveCloud::kill_server(int sig) {
  if (server_ <= 0) return;
  ::kill(server_, sig);
  ::waitpid(server_, nullptr, 0);
  server_ = 0;
}

bool LiveCloud::restart_server(std::chrono::milliseconds limit) { return start_server(limit); }

int LiveCloud::wait_server_exit(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (server_ > 0 && std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(server_, &status, WNOHANG) == server_) {
      server_ = 0;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

bool LiveCloud::restart_server_same_port(std::chrono::milliseconds limit) {
  const std::size_t scheme = url_.find("://");
  return start_server(limit, scheme == std::string::npos ? url_ : url_.substr(scheme + 3));
}

int run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, std::string* out,
                std::string* err) {
  char tmpl[] = "/tmp/hexa-run-XXXXXX";
  if (!::mkdtemp(tmpl)) return -1;
  const std::string dir = tmpl, out_path = dir + "/out", err_path = dir + "/err";
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0), ::dup2(o, 1), ::dup2(e, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // a hung CLI fails, not hangs
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": still running after 60 s, killed";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (out) *out = read_file(out_path);
  if (err) *err = read_file(err_path);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Answer answer_of(const Result<HttpResponse>& r) {
  Answer a;
  if (!r.ok()) return a;
  a.status = r->status;
  a.body = r->body;
  for (const auto& [k, v] : r->headers) {
    std::string key = k;
    for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    a.headers[key] = v;
  }
  a.json = Json::parse(a.body, nullptr, false);
  return a;
}

}  // namespace hexa::testing
