#include "agent_command.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>

#include "agent/agent.h"
#include "agent/nvml.h"
#include "model/units.h"
#include "net/http.h"
#include "net/leader_client.h"
#include "net/log.h"
#include "store/crash_point.h"

namespace hexa {

void add_agent_command(CLI::App& app, AgentArgs& a) {
  CLI::App* s = app.add_subcommand(
      "agent", "Run this node's agent: register the node with the server, run the jobs it orders, "
               "ship their output and report their exits and checkpoints. SIGINT or SIGTERM: stop "
               "the jobs and leave. SIGUSR1 (an upgrade): exit at once, leaving the jobs running; an "
               "agent started on the same work dir within the fence (10 s by default) adopts them");
  s->add_option("--server", a.server,
                "The server's base URL, http://HOST:PORT or https://HOST:PORT (required); replicas: all their URLs, "
                "separated by commas: the agent follows the leader among them");
  s->add_option("--ca-cert", a.ca_cert,
                "With https: PEM file of the CA that signed the server's certificate (default: the system's "
                "CAs); the certificate and its host name or IP address are always checked");
  s->add_option("--node", a.node, "This node's name in the cluster (required)");
  s->add_option("--token-file", a.token_file, "File holding this node's agent token (required)");
  s->add_option("--gpus", a.gpus,
                "GPUs of this node: 'auto' reads them through NVML (libnvidia-ml.so.1, from the driver): "
                "count, model, UUIDs, MIG devices; or a count, with --gpu-type")
      ->capture_default_str();
  s->add_option("--gpu-type", a.gpu_type,
                "GPU type of this node, as in the cluster: H100, ... (with --gpus N: required; with auto: "
                "overrides the type the GPUs' model names, e.g. 'NVIDIA H100 80GB HBM3' -> H100)");
  s->add_flag("--list-gpus", a.list_gpus,
              "Print the GPUs and MIG devices NVML finds, and the --gpus/--gpu-type they make; then exit");
  s->add_option("--work-dir", a.work_dir,
                "Directory of the jobs' work dirs and output, WORK_DIR/jobs/JOB-SEGMENT/, and of the "
                "agent's records of them, WORK_DIR/records/, which a restarted agent adopts them from "
                "(default ./hexa-agent-NODE)");
  s->add_option("--advertise-addr", a.advertise_addr,
                "Address other nodes reach this one at (a multi-node job's HEXA_MASTER_ADDR when rank 0 "
                "runs here); default: the address the server sees the agent's registration come from");
  s->add_flag("--allow-root", a.allow_root,
              "When the agent runs as root, run jobs as root too (default: as nobody)");
  s->add_option("--run-as", a.run_as,
                "Run jobs as this user (the agent must be root unless it is its own; root only with "
                "--allow-root). Default: as the agent, or as nobody when the agent is root");
  s->add_option("--checkpoint-dir", a.checkpoint_dir,
                "Root of the jobs' checkpoint dirs: HEXA_CHECKPOINT_DIR = DIR/JOB/, the same for every "
                "run of the job on this node, kept after it ends (default WORK_DIR/checkpoints). Put it "
                "on shared storage for jobs to resume on another node");
  s->add_option("--log-format", a.log_format,
                "Log lines on stderr: text, or json (one object per line: ts, level, prog, msg and fields such "
                "as job, request_id)")
      ->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  s->footer(
      "Examples:\n  hexa agent --list-gpus\n"
      "  hexa agent --server http://10.0.0.1:8642 --node n17 --token-file n17.token   (GPUs through NVML)\n"
      "  hexa agent --server http://10.0.0.1:8642 --node n17 --token-file n17.token --gpus 8 --gpu-type H100 "
      "--work-dir /var/lib/hexa-agent --run-as hexa-jobs\n"
      "  hexa agent --server https://10.0.0.1:8642 --ca-cert hexa-ca.pem --node n17 --token-file n17.token\n"
      "Upgrade without stopping jobs: kill -USR1 <agent pid>, then start the new agent on the same "
      "--work-dir within the fence (10 s by default)");
}

namespace {

// Set by SIGINT and SIGTERM: the agent stops its jobs, reports their exits and returns.
std::atomic<bool> g_stop{false};
// Set by SIGUSR1: the agent returns at once, its jobs left running for the next agent.
std::atomic<bool> g_leave{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int) { g_stop.store(true); }
extern "C" void on_leave_signal(int) { g_leave.store(true); }

int fail(const std::string& line) {
  log_said("hexa agent", line, "error");
  return 2;
}

// "8" -> 8; none unless a count from 1 to kMaxGpusPerNode.
std::optional<int> gpu_count(const std::string& text) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int n = std::stoi(text);
  if (n < 1 || n > kMaxGpusPerNode) return std::nullopt;
  return n;
}

// The flags given and their values well formed; the token itself is never printed.
std::string check_flags(const AgentArgs& a) {
  if (a.server.empty()) return "--server: required (the server's base URL, http://HOST:PORT or https://HOST:PORT)";
  if (a.node.empty()) return "--node: required (this node's name in the cluster)";
  if (a.token_file.empty()) return "--token-file: required (a file holding this node's agent token)";
  if (a.gpus == "auto") return "";
  if (!gpu_count(a.gpus))
    return "--gpus: must be 'auto' or a count from 1 to " + std::to_string(kMaxGpusPerNode) + " (got '" + a.gpus + "')";
  if (a.gpu_type.empty()) return "--gpu-type: required with --gpus " + a.gpus + " (the cluster's GPU type: H100, ...)";
  return "";
}

// The GPUs through NVML, and the count and type they make (the --gpu-type given wins). Errors:
// one line that ends asking for --gpus N --gpu-type T.
Status discover(const AgentArgs& a, DiscoveredGpus* found, GpuDeclaration* declared) {
  const std::string ask = " (declare them by hand: --gpus N --gpu-type T)";
  Result<DiscoveredGpus> d = discover_gpus();
  if (!d.ok()) return Status::Invalid("--gpus auto: " + d.status().message() + ask);
  Result<GpuDeclaration> decl = declare_gpus(*d, a.gpu_type);
  if (!decl.ok()) return Status::Invalid("--gpus auto: " + decl.status().message());
  *found = std::move(d).value();
  *declared = *decl;
  return Status::Ok();
}

// --list-gpus: what discovery finds, for people and scripts (the last line: the flags it makes).
int list_gpus(const AgentArgs& a) {
  Result<DiscoveredGpus> d = discover_gpus();
  if (!d.ok()) return fail(d.status().message());
  std::cout << describe_gpus(*d);
  Result<GpuDeclaration> decl = declare_gpus(*d, a.gpu_type);
  if (!decl.ok()) return fail(decl.status().message());
  std::cout << "--gpus " << decl->gpus << " --gpu-type " << decl->gpu_type << std::endl;
  return 0;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESTART;  // the HTTP client's calls go on; the loop sees the flag in a tick
  sigemptyset(&sa.sa_mask);
  (void)sigaction(SIGINT, &sa, nullptr);
  (void)sigaction(SIGTERM, &sa, nullptr);
  struct sigaction leave = sa;
  leave.sa_handler = on_leave_signal;
  (void)sigaction(SIGUSR1, &leave, nullptr);
  // A server that closes its end must not kill the agent (jobs get the default back).
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  (void)sigaction(SIGPIPE, &ignore, nullptr);
}

// The node's GPUs into `o`: discovered (--gpus auto, said in a line or two) or as given.
Status set_gpus(const AgentArgs& a, AgentOptions& o) {
  if (a.gpus != "auto") {
    o.gpus = *gpu_count(a.gpus);
    o.gpu_type = a.gpu_type;
    return Status::Ok();
  }
  GpuDeclaration declared;
  if (Status st = discover(a, &o.discovered, &declared); !st.ok()) return st;
  o.gpus = declared.gpus;
  o.gpu_type = declared.gpu_type;
  log_said("hexa agent", "found " + std::to_string(o.gpus) + " x " + o.discovered.gpus[0].name + " (type " + o.gpu_type +
                             "), " + std::to_string(o.discovered.mig.size()) + " MIG devices");
  for (const std::string& note : o.discovered.notes) log_said("hexa agent", "note: " + note);
  return Status::Ok();
}

}  // namespace

int run_agent_command(const AgentArgs& a) {
  if (a.list_gpus) return list_gpus(a);
  set_log_format(*parse_log_format(a.log_format));  // checked by the parser
  if (std::string bad = check_flags(a); !bad.empty()) return fail(bad);
  Result<std::string> token = read_token_file(a.token_file);
  if (!token.ok()) return fail(token.status().message());
  HttpClientOptions tls;
  tls.ca_file = a.ca_cert;
  // Several servers (replicas): the agent follows the leader among them (net/leader_client.h).
  auto urls = parse_server_list(a.server);
  if (!urls.ok()) return fail("--server '" + a.server + "': " + urls.status().message());
  auto make_one = [tls](const std::string& url) { return HttpClient::make(url, tls); };
  if (Result<std::unique_ptr<LeaderClient>> probe = LeaderClient::make(*urls, make_one); !probe.ok()) {
    const std::string msg = probe.status().message();
    return fail(msg.rfind("--ca-cert", 0) == 0 ? msg : "--server '" + a.server + "': " + msg);
  }
  AgentOptions o;
  if (Status st = set_gpus(a, o); !st.ok()) return fail(st.message());
  std::string crash_at;
  if (Status st = arm_crash_point(&crash_at, agent_crash_point_names()); !st.ok()) return fail(st.message());
  if (!crash_at.empty()) log_said("hexa agent", "crash point '" + crash_at + "' armed (HEXA_CRASH_AT): this agent will kill itself there; for tests only");
  Result<JobUserChoice> user = choose_job_user(a.allow_root, a.run_as);
  if (!user.ok()) return fail(user.status().message());
  if (!user->note.empty()) log_said("hexa agent", user->note);

  o.node = a.node;
  o.token = *token;
  o.advertise_addr = a.advertise_addr;
  o.work_dir = a.work_dir.empty() ? "hexa-agent-" + a.node : a.work_dir;
  o.job_user = user->user;
  o.checkpoint_dir = a.checkpoint_dir;
  o.leave_jobs = &g_leave;
  install_signal_handlers();
  HttpClientFactory connect = [urls = *urls, make_one]() -> Result<std::unique_ptr<HttpClient>> {
    if (urls.size() == 1) return make_one(urls[0]);
    auto c = LeaderClient::make(urls, make_one);
    if (!c.ok()) return c.status();
    return std::unique_ptr<HttpClient>(std::move(c).value());
  };
  return run_agent(o, connect, g_stop);
}

}  // namespace hexa
