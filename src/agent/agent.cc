// run_agent: checks its options, makes the work dir and the two clients, runs the loop.
#include "agent/agent.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <unistd.h>

#include "agent/agent_loop.h"
#include "agent/process.h"
#include "net/log.h"

namespace hexa {

namespace {

// The agent's two threads say things; the caller's sink sees one call at a time.
AgentSay serialized(AgentSay say) {
  if (!say) say = [](const std::string& line) { log_said("hexa agent", line); };
  auto mu = std::make_shared<std::mutex>();
  return [mu, say = std::move(say)](const std::string& line) {
    std::lock_guard lock(*mu);
    say(line);
  };
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Status check(const AgentOptions& o) {
  if (o.node.empty()) return Status::Invalid("node name: must not be empty");
  for (char c : o.node)
    if (blank(c) || c == '/' || c == ',' || c == '|' || static_cast<unsigned char>(c) < 0x20)
      return Status::Invalid("node name '" + o.node + "': no blanks, '/', ',' or '|'");
  if (o.gpus < 1 || o.gpus > kMaxGpusPerNode)
    return Status::Invalid("gpus: must be from 1 to " + std::to_string(kMaxGpusPerNode) + " (got " +
                           std::to_string(o.gpus) + ")");
  if (o.gpu_type.empty()) return Status::Invalid("gpu type: must not be empty");
  if (!o.discovered.empty() && o.discovered.gpus.size() != static_cast<std::size_t>(o.gpus))
    return Status::Invalid("gpus: " + std::to_string(o.gpus) + " declared, discovery found " +
                           std::to_string(o.discovered.gpus.size()));
  if (o.advertise_addr.size() > 253) return Status::Invalid("advertise address: at most 253 characters");
  for (char c : o.advertise_addr)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '_')
      return Status::Invalid("advertise address '" + o.advertise_addr +
                             "': must be a host name or an IP address (letters, digits, '.', '-', ':', '_')");
  if (o.token.empty()) return Status::Invalid("token: must not be empty");
  if (o.work_dir.empty()) return Status::Invalid("work dir: must not be empty");
  if (o.poll_wait_ms < 1 || o.poll_wait_ms > 30'000) return Status::Invalid("poll wait: must be from 1 to 30000 ms");
  if (o.grace_ms < 0 || o.log_every_ms < 1 || o.final_report_ms < 0)
    return Status::Invalid("grace, log interval, final report: must not be negative");
  return Status::Ok();
}

// WORK_DIR/jobs and WORK_DIR/records made, WORK_DIR made absolute (jobs run elsewhere: their
// paths must not depend on the agent's directory).
Result<std::string> make_work_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path work = fs::absolute(dir, ec);
  if (!ec) fs::create_directories(work / "jobs", ec);
  if (!ec) fs::create_directories(work / "records", ec);
  if (ec) return Status::Invalid("work dir '" + dir + "': cannot create it: " + ec.message());
  return work.lexically_normal().string();
}

// The checkpoint root made, absolute (empty: WORK_DIR/checkpoints).
Result<std::string> make_checkpoint_dir(const std::string& dir, const std::string& work) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = dir.empty() ? fs::path(work) / "checkpoints" : fs::absolute(dir, ec);
  if (!ec) fs::create_directories(root, ec);
  if (ec) return Status::Invalid("checkpoint dir '" + root.string() + "': cannot create it: " + ec.message());
  if (!fs::is_directory(root, ec)) return Status::Invalid("checkpoint dir '" + root.string() + "': not a directory");
  return root.lexically_normal().string();
}

int run(const AgentOptions& given, const AgentSay& say, const HttpClientFactory& connect,
        const std::atomic<bool>& stop) {
  if (Status s = check(given); !s.ok()) {
    say(s.message());
    return 2;
  }
  AgentOptions o = given;
  Result<std::string> work = make_work_dir(o.work_dir);
  if (!work.ok()) {
    say(work.status().message());
    return 2;
  }
  o.work_dir = *work;
  Result<std::string> checkpoints = make_checkpoint_dir(o.checkpoint_dir, o.work_dir);
  if (!checkpoints.ok()) {
    say(checkpoints.status().message());
    return 2;
  }
  o.checkpoint_dir = *checkpoints;
  Result<std::unique_ptr<HttpClient>> client = connect();
  if (!client.ok()) {
    say("server: " + client.status().message());
    return 2;
  }
  Result<std::unique_ptr<HttpClient>> poll_client = connect();
  if (!poll_client.ok()) {
    say("server: " + poll_client.status().message());
    return 2;
  }
  AgentLoop loop(o, say, std::move(client).value(), std::move(poll_client).value(), stop);
  return loop.run();
}

}  // namespace

int run_agent(const AgentOptions& o, const HttpClientFactory& connect, const std::atomic<bool>& stop) {
  AgentSay say = serialized(o.say);
  try {
    return run(o, say, connect, stop);
  } catch (const std::exception& e) {  // std::thread, allocation: nothing of ours throws
    say(std::string("internal error: ") + e.what());
    return 1;
  }
}

Result<std::string> read_token_file(const std::string& path) {
  if (path.empty()) return Status::Invalid("token file: no path given");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("token file '" + path + "': cannot read it: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  std::size_t b = 0, e = token.size();
  while (b < e && blank(token[b])) ++b;
  while (e > b && blank(token[e - 1])) --e;
  token = token.substr(b, e - b);
  if (token.empty()) return Status::Invalid("token file '" + path + "': is empty (it must hold the node's agent token)");
  for (char c : token) {
    if (blank(c)) return Status::Invalid("token file '" + path + "': must hold one token (it has blanks inside)");
    if (c < 0x21 || c > 0x7e)  // it goes in an HTTP header
      return Status::Invalid("token file '" + path + "': the token must be printable ASCII");
  }
  return token;
}

Result<JobUserChoice> choose_job_user(bool allow_root, const std::string& run_as) {
  JobUserChoice choice;
  if (!run_as.empty()) {
    Result<std::pair<uid_t, gid_t>> user = lookup_user(run_as);
    if (!user.ok()) return Status::Invalid("--run-as " + run_as + ": " + user.status().message());
    if (user->first == 0 && !allow_root)
      return Status::Invalid("--run-as " + run_as + ": that is root; jobs run as root only with --allow-root");
    if (::geteuid() != 0 && user->first != ::geteuid())
      return Status::Invalid("--run-as " + run_as + ": the agent must run as root to run jobs as another user (it runs as uid " +
                             std::to_string(::geteuid()) + ")");
    if (user->first == ::geteuid()) {
      choice.note = "jobs run as " + run_as + ", the agent's own user";
      return choice;
    }
    choice.user = JobUser{run_as, user->first, user->second};
    choice.note = "jobs run as " + run_as + " (uid " + std::to_string(user->first) + ")";
    return choice;
  }
  if (::geteuid() != 0) return choice;
  if (allow_root) {
    choice.note = "warning: running as root with --allow-root: jobs run as root";
    return choice;
  }
  Result<std::pair<uid_t, gid_t>> nobody = lookup_user("nobody");
  if (!nobody.ok())
    return Status::Invalid("running as root, jobs run as nobody, but: " + nobody.status().message() +
                           " (--allow-root runs them as root, --run-as USER as USER)");
  choice.user = JobUser{"nobody", nobody->first, nobody->second};
  choice.note = "running as root: jobs run as nobody";
  return choice;
}

}  // namespace hexa
