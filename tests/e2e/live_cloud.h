// LiveCloud: a real `hexa serve` and real `hexa agent` processes on loopback, in a temporary
// directory, for end-to-end tests. Ports are chosen by the kernel (--listen 127.0.0.1:0; the
// server writes its URL to STATE/server.url). Every process it starts is stopped, by its pid,
// when the test ends (SIGTERM, then SIGKILL), and the directory is removed.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http.h"

namespace hexa::testing {

using Json = nlohmann::json;

// A cluster of `nodes` nodes with `gpus` GPUs (type "gpu", site "site0", nodes n0, n1, ...),
// policy backfill, price 1 credit per GPU-hour (credits on), and whatever `extra` YAML adds.
std::string small_cloud(int nodes, int gpus, const std::string& extra = "");

struct Answer {
  int status = 0;
  Json json;         // the body, when it is JSON
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

// An HTTP answer as the tests read it; a request that failed gives status 0.
Answer answer_of(const Result<HttpResponse>& r);

class LiveCloud {
 public:
  // Starts `hexa serve` with this config; fails the test (and returns nullptr) when it does not
  // become ready within 30 s. `serve_args` are added to the command line. `ca_cert`: for a
  // server with --tls-cert, the CA file that the harness, the agents (--ca-cert) and the CLI
  // (HEXA_CA_CERT) verify its certificate with. `prepare`, when given, runs on the cloud's dir
  // before the server starts (a test mounts a small filesystem at DIR/state, say).
  static std::unique_ptr<LiveCloud> start(const std::string& config_yaml, std::vector<std::string> serve_args = {},
                                          const std::string& ca_cert = "",
                                          const std::function<void(const std::string& dir)>& prepare = {});
  ~LiveCloud();

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  const std::string& admin() const { return admin_; }

  // One request with a token ("" = none). The body, when not empty, is sent as JSON.
  Answer call(const std::string& method, const std::string& target, const Json& body = nullptr,
              const std::string& token = "", const std::vector<std::pair<std::string, std::string>>& headers = {});
  Answer as_admin(const std::string& method, const std::string& target, const Json& body = nullptr) {
    return call(method, target, body, admin_);
  }
  // A token of a role (member: tenant; agent: node), through the API.
  std::string token(const std::string& role, const std::string& tenant_or_node = "");

  // Starts an agent for `node` (its token made here); its log in DIR/agent-NODE.log. It talks to
  // `server_url` when given (a proxy), else to the server; with the cloud's CA unless `extra`
  // gives a --ca-cert of its own.
  pid_t start_agent(const std::string& node, int gpus, const std::string& gpu_type = "gpu",
                    std::vector<std::string> extra = {}, const std::string& server_url = "");
  // An agent with its GPU flags (`args`: "--gpus", "auto", ...) and environment given.
  pid_t start_agent_with(const std::string& node, const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env);
  std::string agent_log(const std::string& node) const;
  void stop_agent(pid_t pid, int sig = SIGTERM);
  // Waits until the node is up with its agent.
  bool wait_node_up(const std::string& node, std::chrono::milliseconds limit = std::chrono::seconds(20));

  // Runs `hexa ARGS...` (the CLI) with HEXA_SERVER set and HEXA_TOKEN = token; returns the exit code.
  int hexa(const std::vector<std::string>& args, const std::string& token, std::string* out, std::string* err = nullptr);

  // Polls GET /v1/jobs/{id} until pred(job) holds or the limit passes; returns the last job.
  Json wait_job(std::int64_t id, const std::function<bool(const Json&)>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

  // The server: kill it with a signal (SIGKILL: a crash), start it again on the same state.
  void kill_server(int sig);
  bool restart_server(std::chrono::milliseconds limit = std::chrono::seconds(30));
  // The same, on the port it had: running agents reach it again (they keep their epochs).
  bool restart_server_same_port(std::chrono::milliseconds limit = std::chrono::seconds(30));
  pid_t server_pid() const { return server_; }
  // Environment added to the server from its next start on (HEXA_CRASH_AT, say).
  void set_server_env(std::map<std::string, std::string> env) { server_env_ = std::move(env); }
  // Waits for the server to end by itself; its wait status (WIFSIGNALED...), or -1 at the limit.
  int wait_server_exit(std::chrono::milliseconds limit);
  std::string server_log() const;

 private:
  LiveCloud() = default;
  bool start_server(std::chrono::milliseconds limit, const std::string& listen = "127.0.0.1:0");

  std::string dir_, config_, url_, admin_, ca_cert_;
  std::vector<std::string> serve_args_;
  std::map<std::string, std::string> server_env_;
  pid_t server_ = 0;
  std::vector<pid_t> agents_;
  std::map<std::string, std::string> agent_tokens_;
};

// For harnesses beside LiveCloud (replicas.h). fork + exec with stdout/stderr to `log`
// (appended), in its own process group, `env` added, marked with `cloud_dir` (kill_leftovers).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, const std::string& cloud_dir,
            const std::map<std::string, std::string>& env = {});
// Sends `sig` (and SIGCONT), waits up to 15 s for the process to end, then SIGKILL.
void stop_pid(pid_t pid, int sig);
// SIGKILL to every process still marked with `cloud_dir` (jobs that outlived their agent).
void kill_leftovers(const std::string& cloud_dir);

// Runs a program, waits for it; its stdout and stderr. For the CLI and short tools.
int run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                std::string* out, std::string* err);

}  // namespace hexa::testing
