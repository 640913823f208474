#include "agent/agent.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/base64.h"
#include "agent/process.h"
#include "model/units.h"
#include "net/http.h"

namespace hexa {

using Json = nlohmann::json;

namespace {

constexpr std::size_t kChunk = 64 * 1024;    // the most output one logs request carries
constexpr DurationMs kTick = 50;             // the supervisor's tick
constexpr DurationMs kBackoffMin = 100;      // retries against an unreachable server ...
constexpr DurationMs kBackoffMax = 2000;     // ... double up to this
constexpr int kRequestTimeoutMs = 5000;      // register, report, logs
constexpr DurationMs kRunningLogsEvery = 1000;  // running jobs' output is shipped this often
constexpr int kChunksPerTick = 16;           // at most 1 MiB of output per turn of the loop
constexpr DurationMs kReapAfterKill = 2000;  // SIGKILLed groups are waited for this long

using Headers = std::vector<std::pair<std::string, std::string>>;

TimeMs mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::mutex g_say_mu;
void say(const std::string& line) {
  std::lock_guard lock(g_say_mu);
  std::cerr << "hexa agent: " << line << std::endl;
}

// SIGINT and SIGTERM while run_agent runs without a stop flag of the caller's.
std::atomic<bool> g_signalled{false};
void on_signal(int) { g_signalled.store(true); }

class SignalHandlers {
 public:
  SignalHandlers() {
    g_signalled.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalHandlers() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalHandlers(const SignalHandlers&) = delete;
  SignalHandlers& operator=(const SignalHandlers&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Backoff {
  DurationMs next = kBackoffMin;
  DurationMs take() {
    DurationMs d = next;
    next = std::min(next * 2, kBackoffMax);
    return d;
  }
  void reset() { next = kBackoffMin; }
};

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

// An answer that is not 2xx, in one line: "HTTP 400: node n9 is not in the cluster".
std::string problem_text(const HttpResponse& r) {
  std::string text;
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    if (j.contains("detail") && j["detail"].is_string()) text = j["detail"].get<std::string>();
    else if (j.contains("title") && j["title"].is_string()) text = j["title"].get<std::string>();
  }
  if (text.empty()) {
    text = trim(r.body.substr(0, std::min<std::size_t>(r.body.size(), 200)));
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
  }
  return "HTTP " + std::to_string(r.status) + (text.empty() ? "" : ": " + text);
}

template <class T>
std::string join(const std::vector<T>& items) {
  std::ostringstream out;
  for (std::size_t i = 0; i < items.size(); ++i) out << (i ? "," : "") << items[i];
  return out.str();
}

// Up to kChunk bytes of `path` from `offset`; empty at its end or when it cannot be read.
std::string read_chunk(const std::string& path, std::int64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string buf(kChunk, '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
  ::close(fd);
  if (n <= 0) return {};
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

void append_line(const std::string& path, const std::string& line) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << "\n";
}

// --- orders

struct AgentOrder {
  bool start = true;  // else stop
  std::int64_t job = 0;
  int segment = 0;
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  std::vector<int> gpus;
  int rank = 0;
  std::vector<std::string> nodes;
  std::string error;  // a start order we cannot run as given: reported as exit 127
};

// The orders of a GET /v1/agent/orders answer. What cannot be read is skipped (said in *error),
// except a start order whose job is known but whose fields are bad: that one fails (error).
std::vector<AgentOrder> parse_orders(const std::string& body, std::string* error) {
  std::vector<AgentOrder> out;
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("orders") || !j["orders"].is_array()) {
    *error = "orders: an answer without an \"orders\" array: ignored";
    return out;
  }
  const Json& list = j["orders"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& x = list[i];
    AgentOrder o;
    std::string kind;
    try {
      kind = x.at("kind").get<std::string>();
      o.job = x.at("job").get<std::int64_t>();
      o.segment = x.at("segment").get<int>();
    } catch (const Json::exception& e) {
      *error = "orders: order " + std::to_string(i) + " skipped: " + e.what();
      continue;
    }
    if (kind == "stop") {
      o.start = false;
      out.push_back(std::move(o));
      continue;
    }
    if (kind != "start") {
      *error = "orders: order " + std::to_string(i) + " skipped: unknown kind '" + kind + "'";
      continue;
    }
    try {
      o.command = x.at("command").get<std::vector<std::string>>();
      if (x.contains("env") && !x["env"].is_null()) o.env = x["env"].get<std::map<std::string, std::string>>();
      if (x.contains("gpus") && !x["gpus"].is_null()) o.gpus = x["gpus"].get<std::vector<int>>();
      if (x.contains("rank") && !x["rank"].is_null()) o.rank = x["rank"].get<int>();
      if (x.contains("nodes") && !x["nodes"].is_null()) o.nodes = x["nodes"].get<std::vector<std::string>>();
    } catch (const Json::exception& e) {
      o.error = std::string("bad start order: ") + e.what();
    }
    out.push_back(std::move(o));
  }
  return out;
}

// --- the poll thread and what it shares with the main thread

struct PollItem {
  enum class Kind { kOrders, kStale, kLost };
  Kind kind = Kind::kOrders;
  std::int64_t epoch = 0;  // the epoch the poll was made with
  std::vector<AgentOrder> orders;
  std::string message;
};

// Owned together by the main thread and the poll thread: the poll thread may outlive
// run_agent by one long poll (there is no cancelling a blocking request), so it owns its part.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool quit = false;        // the main thread is done
  bool registered = false;  // epoch is current: poll with it
  std::int64_t epoch = 0;
  std::uint64_t generation = 0;  // registrations so far
  std::deque<PollItem> items;    // for the main thread
  bool done = false;             // the poll thread has ended
};

struct PollConfig {
  std::string node, token;
  int wait_ms = 25000;
};

void poll_loop(std::shared_ptr<Shared> sh, std::unique_ptr<HttpClient> client, PollConfig cfg) {
  Backoff backoff;
  bool unreachable = false;
  const Headers headers = {{"Authorization", "Bearer " + cfg.token}};
  std::unique_lock lock(sh->mu);
  while (true) {
    sh->cv.wait(lock, [&] { return sh->quit || sh->registered; });
    if (sh->quit) break;
    const std::int64_t epoch = sh->epoch;
    const std::uint64_t gen = sh->generation;
    // Waits, at most d, until the main thread quits or registers again.
    auto pause = [&](DurationMs d) {
      sh->cv.wait_for(lock, std::chrono::milliseconds(d), [&] { return sh->quit || sh->generation != gen; });
    };
    auto push = [&](PollItem item) {
      item.epoch = epoch;
      sh->items.push_back(std::move(item));
      sh->cv.notify_all();
    };
    lock.unlock();
    const std::string target = "/v1/agent/orders?node=" + url_encode(cfg.node) +
                               "&epoch=" + std::to_string(epoch) + "&wait_ms=" + std::to_string(cfg.wait_ms);
    const TimeMs asked = mono_ms();
    Result<HttpResponse> r = client->request("GET", target, "", headers, cfg.wait_ms + 5000);
    lock.lock();
    if (sh->quit) break;
    if (!r.ok()) {
      if (!unreachable) say("orders: " + r.status().message() + " (retrying)");
      unreachable = true;
      pause(backoff.take());
      continue;
    }
    if (unreachable) say("orders: the server answers again");
    unreachable = false;
    const int status = r->status;
    if (status >= 200 && status < 300) {
      backoff.reset();
      std::string error;
      std::vector<AgentOrder> orders = parse_orders(r->body, &error);
      if (!error.empty()) say(error);
      if (!orders.empty()) {
        PollItem item;
        item.orders = std::move(orders);
        push(std::move(item));
      } else if (mono_ms() - asked < kBackoffMin) {
        pause(kBackoffMin);  // an empty answer at once: do not spin on a server that does not wait
      }
    } else if (status == 409) {  // our epoch is stale: the main thread registers again
      PollItem item;
      item.kind = PollItem::Kind::kStale;
      push(std::move(item));
      sh->cv.wait(lock, [&] { return sh->quit || sh->generation != gen; });
    } else if (status == 401 || status == 403) {
      PollItem item;
      item.kind = PollItem::Kind::kLost;
      item.message = "orders: " + problem_text(*r);
      push(std::move(item));
      sh->cv.wait(lock, [&] { return sh->quit || sh->generation != gen; });
    } else {
      say("orders: " + problem_text(*r) + " (retrying)");
      pause(backoff.take());
    }
  }
  sh->done = true;
  sh->cv.notify_all();
}

// --- the main thread

class Agent {
 public:
  Agent(const AgentOptions& o, std::string token, std::string work, std::optional<std::pair<uid_t, gid_t>> user,
        std::atomic<bool>* stop, std::unique_ptr<HttpClient> client)
      : o_(o),
        token_(std::move(token)),
        work_(std::move(work)),
        user_(user),
        stop_(stop),
        client_(std::move(client)),
        headers_{{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
        sh_(std::make_shared<Shared>()) {}

  int run(std::unique_ptr<HttpClient> poll_client) {
    PollConfig cfg{o_.node, token_, o_.poll_wait_ms};
    poll_ = std::thread(poll_loop, sh_, std::move(poll_client), std::move(cfg));
    return finish(loop());
  }

 private:
  struct Stream {
    const char* name = "stdout";
    std::string path;
    std::int64_t sent = 0;  // bytes the server has
    bool given_up = false;  // the server refused them
  };
  struct Job {
    std::int64_t job = 0;
    int segment = 0;
    Stream out, err;
    bool stopping = false;  // a stop order was carried out
    bool ended = false;
    bool flushed = false;   // ended and all of its output sent: its exit may be reported
    bool by_shutdown = false;  // stopped because the agent stops: not reported
    int exit_code = 0, signal = 0;
  };
  // What a request to the server came to.
  enum class Sent { kOk, kRetry, kStale, kLost, kRefused };

  bool stopping() const { return stop_->load(); }

  // Sleeps d, in small steps, unless asked to stop.
  void nap(DurationMs d) {
    TimeMs until = mono_ms() + d;
    for (TimeMs now = mono_ms(); now < until && !stopping(); now = mono_ms())
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(until - now, kTick)));
  }

  void note_unreachable(const Status& st) {
    if (!unreachable_) say(st.message() + " (retrying)");
    unreachable_ = true;
  }
  void note_answered() {
    if (unreachable_) say("the server answers again");
    unreachable_ = false;
  }

  Sent post(const std::string& target, const Json& body, std::string* problem, int timeout_ms = kRequestTimeoutMs) {
    Result<HttpResponse> r = client_->request("POST", target, body.dump(), headers_, timeout_ms);
    if (!r.ok()) {
      note_unreachable(r.status());
      next_try_ = mono_ms() + backoff_.take();
      return Sent::kRetry;
    }
    note_answered();
    const int status = r->status;
    if (status >= 200 && status < 300) {
      backoff_.reset();
      return Sent::kOk;
    }
    *problem = problem_text(*r);
    if (status == 409) {
      stale_ = true;
      return Sent::kStale;
    }
    if (status == 401 || status == 403) {
      lost_ = target + ": " + *problem;
      return Sent::kLost;
    }
    if (status >= 500 || status == 408 || status == 429) {
      say(target + ": " + *problem + " (retrying)");
      next_try_ = mono_ms() + backoff_.take();
      return Sent::kRetry;
    }
    backoff_.reset();
    return Sent::kRefused;
  }

  Json running_list() const {
    Json list = Json::array();
    for (const auto& [key, j] : jobs_)
      if (!j.ended) list.push_back({{"job", j.job}, {"segment", j.segment}});
    return list;
  }

  // 0 registered, 2 refused for good, -1 asked to stop first.
  int register_node() {
    Backoff backoff;
    while (!stopping()) {
      Json body = {{"node", o_.node}, {"gpus", o_.gpus}, {"gpu_type", o_.gpu_type}, {"running", running_list()}};
      Result<HttpResponse> r = client_->request("POST", "/v1/agent/register", body.dump(), headers_, kRequestTimeoutMs);
      if (!r.ok()) {
        note_unreachable(r.status());
        nap(backoff.take());
        continue;
      }
      note_answered();
      const int status = r->status;
      if (status >= 200 && status < 300) {
        Json j = Json::parse(r->body, nullptr, false);
        if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_number_integer()) {
          say("register: an answer without an integer \"epoch\" (retrying)");
          nap(backoff.take());
          continue;
        }
        epoch_ = j["epoch"].get<std::int64_t>();
        heartbeat_ms_ = 5 * kSecond;
        if (j.contains("heartbeat_s") && j["heartbeat_s"].is_number_integer())
          heartbeat_ms_ = std::clamp<std::int64_t>(j["heartbeat_s"].get<std::int64_t>(), 1, 300) * kSecond;
        next_heartbeat_ = mono_ms() + heartbeat_ms_;
        stale_ = false;
        {
          std::lock_guard lock(sh_->mu);
          sh_->epoch = epoch_;
          sh_->registered = true;
          ++sh_->generation;
          sh_->cv.notify_all();
        }
        say("node " + o_.node + " registered (epoch " + std::to_string(epoch_) + ")");
        return 0;
      }
      if (status == 400 || status == 401 || status == 403 || status == 404) {
        say("register refused: " + problem_text(*r));
        return 2;
      }
      say("register: " + problem_text(*r) + " (retrying)");
      nap(backoff.take());
    }
    return -1;
  }

  // Our epoch is stale: kill everything now (no grace), reap, forget it all.
  void reset() {
    say("epoch " + std::to_string(epoch_) + " is stale: killing every job and registering again");
    {
      std::lock_guard lock(sh_->mu);
      sh_->registered = false;
      sh_->items.clear();
    }
    TimeMs now = mono_ms();
    for (const std::string& key : sup_.keys()) sup_.stop(key, now, 0);
    for (TimeMs until = now + kReapAfterKill;;) {
      (void)sup_.tick(mono_ms());
      if (sup_.keys().empty() || mono_ms() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    jobs_.clear();
    stale_ = false;
    next_try_ = 0;
  }

  static std::string key_of(std::int64_t job, int segment) { return std::to_string(job) + "." + std::to_string(segment); }

  void start_job(const AgentOrder& o) {
    const std::string key = key_of(o.job, o.segment);
    if (jobs_.count(key)) return;  // ordered again: it runs, or its exit is on its way
    const std::string dir = work_ + "/jobs/" + std::to_string(o.job);
    Job j;
    j.job = o.job;
    j.segment = o.segment;
    j.out.name = "stdout";
    j.out.path = dir + "/" + std::to_string(o.segment) + ".stdout";
    j.err.name = "stderr";
    j.err.path = dir + "/" + std::to_string(o.segment) + ".stderr";
    std::string error = o.error;
    if (error.empty()) {
      ProcessSpec spec;
      spec.argv = o.command;
      spec.env = o.env;
      spec.env["CUDA_VISIBLE_DEVICES"] = join(o.gpus);
      spec.env["HEXA_JOB_ID"] = std::to_string(o.job);
      spec.env["HEXA_NODE_RANK"] = std::to_string(o.rank);
      spec.env["HEXA_NUM_NODES"] = std::to_string(o.nodes.size());
      spec.env["HEXA_NODES"] = join(o.nodes);
      spec.env["HEXA_RESTARTS"] = std::to_string(std::max(0, o.segment - 1));
      spec.workdir = dir;
      spec.stdout_path = j.out.path;
      spec.stderr_path = j.err.path;
      if (user_) {
        spec.uid = user_->first;
        spec.gid = user_->second;
      }
      Result<pid_t> started = sup_.start(key, spec);
      if (!started.ok()) error = started.status().message();
    }
    if (!error.empty()) {  // reported as exit 127, the reason in its stderr
      say("job " + std::to_string(o.job) + " segment " + std::to_string(o.segment) + ": cannot start: " + error);
      append_line(j.err.path, "hexa agent: cannot start: " + error);
      j.ended = true;
      j.exit_code = 127;
    }
    jobs_.emplace(key, std::move(j));
  }

  void stop_job(const AgentOrder& o) {
    const std::string key = key_of(o.job, o.segment);
    auto it = jobs_.find(key);
    if (it != jobs_.end() && (it->second.ended || it->second.stopping)) return;
    if (it != jobs_.end()) it->second.stopping = true;
    sup_.stop(key, mono_ms(), static_cast<DurationMs>(o_.grace_s) * kSecond);  // unknown key: nothing
  }

  void reap(TimeMs now) {
    for (const ProcessExit& e : sup_.tick(now)) {
      auto it = jobs_.find(e.key);
      if (it == jobs_.end() || it->second.ended) continue;
      it->second.ended = true;
      it->second.exit_code = e.exit_code;
      it->second.signal = e.signal;
    }
  }

  // Sends s's new output, at most *budget chunks. kOk also when nothing is left to send.
  Sent ship(const Job& j, Stream& s, int* budget, bool* more) {
    while (!s.given_up) {
      if (*budget <= 0) {
        *more = true;
        return Sent::kOk;
      }
      std::string data = read_chunk(s.path, s.sent);
      if (data.empty()) return Sent::kOk;
      Json body = {{"node", o_.node}, {"epoch", epoch_},       {"job", j.job},
                   {"stream", s.name}, {"offset", s.sent}, {"data_b64", base64_encode(data)}};
      std::string problem;
      --*budget;
      Sent r = post("/v1/agent/logs", body, &problem);
      if (r == Sent::kRefused) {
        say("job " + std::to_string(j.job) + " " + s.name + ": " + problem + ": its output is not sent");
        s.given_up = true;
        return Sent::kOk;
      }
      if (r != Sent::kOk) return r;
      s.sent += static_cast<std::int64_t>(data.size());
      if (data.size() < kChunk) return Sent::kOk;  // that was all there is for now
    }
    return Sent::kOk;
  }

  // New output of ended jobs (all of it: then their exits may go) and, every so often, of the
  // running ones. Returns false when the server did not take it (try again later).
  bool ship_logs(TimeMs now, bool* more) {
    if (now < next_try_) return false;
    const bool running_too = now >= next_logs_;
    if (running_too) next_logs_ = now + kRunningLogsEvery;
    int budget = kChunksPerTick;
    for (auto& [key, j] : jobs_) {
      if (j.flushed || j.by_shutdown || (!j.ended && !running_too)) continue;
      bool ended = j.ended;  // decided before reading: output written after it is not awaited
      bool left = false;
      if (ship(j, j.out, &budget, &left) != Sent::kOk) return false;
      if (ship(j, j.err, &budget, &left) != Sent::kOk) return false;
      if (left) *more = true;
      else if (ended) j.flushed = true;
    }
    return true;
  }

  // The exits of flushed jobs, or a heartbeat when one is due.
  void report(TimeMs now, bool force_heartbeat = false) {
    if (now < next_try_) return;
    Json exits = Json::array();
    std::vector<std::string> keys;
    for (const auto& [key, j] : jobs_) {
      if (!j.flushed || j.by_shutdown) continue;
      exits.push_back({{"job", j.job}, {"segment", j.segment}, {"exit_code", j.exit_code}, {"signal", j.signal}});
      keys.push_back(key);
    }
    if (exits.empty() && now < next_heartbeat_ && !force_heartbeat) return;
    std::string problem;
    Sent r = post("/v1/agent/report", {{"node", o_.node}, {"epoch", epoch_}, {"exits", exits}}, &problem);
    if (r == Sent::kRefused) say("report refused: " + problem + " (its exits are dropped)");
    if (r == Sent::kOk || r == Sent::kRefused) {
      for (const std::string& k : keys) jobs_.erase(k);
      next_heartbeat_ = mono_ms() + heartbeat_ms_;
    }
  }

  // The main loop; returns the exit code.
  int loop() {
    int reg = register_node();
    if (reg != 0) return reg < 0 ? 0 : reg;
    bool more = false;  // work left over from the last turn: do not wait
    while (!stopping()) {
      std::deque<PollItem> items;
      {
        std::unique_lock lock(sh_->mu);
        if (!more) sh_->cv.wait_for(lock, std::chrono::milliseconds(kTick), [&] { return !sh_->items.empty(); });
        items.swap(sh_->items);
      }
      more = false;
      for (const PollItem& item : items) {
        if (item.epoch != epoch_) continue;  // polled with an epoch we left
        if (item.kind == PollItem::Kind::kStale) {
          stale_ = true;
          break;
        }
        if (item.kind == PollItem::Kind::kLost) {
          lost_ = item.message;
          break;
        }
        for (const AgentOrder& o : item.orders) {
          if (o.start) start_job(o);
          else stop_job(o);
        }
      }
      if (lost_.empty() && !stale_) {
        TimeMs now = mono_ms();
        reap(now);
        if (ship_logs(now, &more) && lost_.empty() && !stale_) report(now);
      }
      if (!lost_.empty()) {
        say("lost for good: " + lost_);
        return 1;
      }
      if (stale_) {
        reset();
        reg = register_node();
        if (reg != 0) return reg < 0 ? 0 : reg;
      }
    }
    return 0;
  }

  // Stops what runs, with grace, and the poll thread. Exits of jobs that ended on their own
  // are reported once more if they can be; jobs stopped here are not (the server finds them
  // lost with the node and runs them again).
  int finish(int code) {
    TimeMs now = mono_ms();
    const DurationMs grace = static_cast<DurationMs>(std::max(0, o_.grace_s)) * kSecond;
    for (auto& [key, j] : jobs_) {
      if (j.ended) continue;
      j.by_shutdown = true;
      if (!j.stopping) sup_.stop(key, now, grace);
    }
    for (const std::string& key : sup_.keys())
      if (!jobs_.count(key)) sup_.stop(key, now, grace);
    if (code == 0 && sh_->registered && !stale_) {  // one try, best effort
      bool more = false;
      next_try_ = 0;
      if (ship_logs(now, &more)) report(now);
    }
    for (TimeMs until = now + grace + kReapAfterKill;;) {
      reap(mono_ms());
      if (sup_.keys().empty() || mono_ms() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::unique_lock lock(sh_->mu);
    sh_->quit = true;
    sh_->cv.notify_all();
    // The poll thread ends when its request does; that may take a whole long poll.
    sh_->cv.wait_for(lock, std::chrono::milliseconds(1000), [&] { return sh_->done; });
    bool done = sh_->done;
    lock.unlock();
    if (done) poll_.join();
    else poll_.detach();  // it owns what it uses (Shared, its client)
    return code;
  }

  const AgentOptions& o_;
  const std::string token_;
  const std::string work_;
  const std::optional<std::pair<uid_t, gid_t>> user_;
  std::atomic<bool>* stop_;
  std::unique_ptr<HttpClient> client_;  // register, report, logs (this thread only)
  const Headers headers_;
  std::shared_ptr<Shared> sh_;
  std::thread poll_;
  Supervisor sup_;
  std::map<std::string, Job> jobs_;  // by key JOB.SEGMENT: running, or ended and not yet reported

  std::int64_t epoch_ = 0;
  DurationMs heartbeat_ms_ = 5 * kSecond;
  TimeMs next_heartbeat_ = 0;
  TimeMs next_logs_ = 0;
  TimeMs next_try_ = 0;  // after a failed request: nothing is sent before then
  Backoff backoff_;
  bool unreachable_ = false;
  bool stale_ = false;
  std::string lost_;  // why the server refuses us for good
};

int bad_input(const std::string& message) {
  say(message);
  return 2;
}

}  // namespace

void add_agent_command(CLI::App& app, AgentOptions& o) {
  CLI::App* a = app.add_subcommand("agent", "Run the node agent: register this node with the server and run its jobs");
  a->add_option("--server", o.server, "Server base URL (default " + o.server + ")");
  a->add_option("--node", o.node, "This node's name in the cluster")->required();
  a->add_option("--token-file", o.token_file, "File holding this node's agent token")->required();
  a->add_option("--gpus", o.gpus, "GPUs of this node (required for now)")->check(CLI::Range(1, kMaxGpusPerNode));
  a->add_option("--gpu-type", o.gpu_type, "GPU type of this node, as in the cluster (H100, ...)");
  a->add_option("--work-dir", o.work_dir, "Directory for the jobs' working directories and output (default ./hexa-agent-NODE)");
  a->add_flag("--allow-root", o.allow_root, "When running as root, run jobs as root too (default: as nobody)");
  a->add_option("--grace-s", o.grace_s, "Seconds between SIGTERM and SIGKILL when stopping a job (default 10)")
      ->check(CLI::Range(0, 3600));
}

int run_agent(const AgentOptions& o, std::atomic<bool>* stop) {
  if (o.node.empty()) return bad_input("--node: must not be empty");
  if (o.gpus < 0) return bad_input("--gpus auto (NVML discovery) is not available yet: give --gpus N --gpu-type T");
  if (o.gpus < 1 || o.gpus > kMaxGpusPerNode)
    return bad_input("--gpus: must be from 1 to " + std::to_string(kMaxGpusPerNode) + " (got " + std::to_string(o.gpus) + ")");
  if (o.gpu_type.empty()) return bad_input("--gpu-type: required with --gpus (GPU discovery is not available yet)");
  if (o.grace_s < 0) return bad_input("--grace-s: must be >= 0");
  if (o.poll_wait_ms < 1 || o.poll_wait_ms > 30000) return bad_input("poll_wait_ms: must be from 1 to 30000");
  if (o.token_file.empty()) return bad_input("--token-file: required");

  std::string token;
  {
    std::ifstream in(o.token_file, std::ios::binary);
    if (!in) return bad_input("--token-file " + o.token_file + ": cannot read it: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    token = trim(text.str());
  }
  if (token.empty()) return bad_input("--token-file " + o.token_file + ": is empty (it must hold the node's agent token)");
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return bad_input("--token-file " + o.token_file + ": must hold one token (it has whitespace inside)");

  auto client = HttpClient::make(o.server);
  if (!client.ok()) return bad_input("--server " + o.server + ": " + client.status().message());
  auto poll_client = HttpClient::make(o.server);
  if (!poll_client.ok()) return bad_input("--server " + o.server + ": " + poll_client.status().message());

  std::error_code ec;
  std::filesystem::path work = o.work_dir.empty() ? std::filesystem::path("hexa-agent-" + o.node) : o.work_dir;
  work = std::filesystem::absolute(work, ec);
  if (!ec) std::filesystem::create_directories(work / "jobs", ec);
  if (ec) return bad_input("--work-dir " + work.string() + ": cannot create it: " + ec.message());

  std::optional<std::pair<uid_t, gid_t>> user;
  if (::geteuid() == 0) {
    if (o.allow_root) {
      say("--allow-root: jobs run as root");
    } else {
      auto nobody = lookup_user("nobody");
      if (!nobody.ok())
        return bad_input("running as root, jobs run as nobody, but: " + nobody.status().message() +
                         " (start with --allow-root to run them as root)");
      user = *nobody;
      say("running jobs as nobody (start with --allow-root to run them as root)");
    }
  }

  std::optional<SignalHandlers> handlers;
  if (!stop) {
    handlers.emplace();
    stop = &g_signalled;
  }
  Agent agent(o, std::move(token), work.string(), user, stop, std::move(client).value());
  return agent.run(std::move(poll_client).value());
}

}  // namespace hexa
