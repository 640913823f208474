#include "agent/agent_loop.h"

#include <algorithm>
#include <variant>

#include "agent/clock.h"

namespace hexa {

namespace {

constexpr DurationMs kTickMs = 50;     // the supervisor's tick: exits are seen this soon
constexpr int kChunksPerTurn = 16;     // at most 1 MiB of output per turn, so the tick goes on
constexpr int kRequestTimeoutMs = 5000;

}  // namespace

AgentLoop::AgentLoop(const AgentOptions& o, AgentSay say, std::unique_ptr<HttpClient> client,
                     std::unique_ptr<HttpClient> poll_client, const std::atomic<bool>& stop)
    : o_(o),
      say_(std::move(say)),
      stop_(stop),
      client_(std::move(client)),
      outage_(std::make_shared<OutageNotice>(say_)),
      link_(*client_, o.token, outage_),
      poller_(std::move(poll_client), o.node, o.token, o.poll_wait_ms, outage_, say_),
      jobs_(o, say_),
      shipper_(link_, o.node, say_),
      timeout_ms_(kRequestTimeoutMs) {}

int AgentLoop::run() {
  if (int taken = jobs_.recover(); taken > 0)
    say_("took over " + std::to_string(taken) + " job(s) that a previous agent left in " + o_.work_dir);
  while (true) {
    Outcome reg = register_node();
    if (reg == Outcome::kLeaveJobs || (reg == Outcome::kStopAsked && leave_jobs_asked())) {
      leave_jobs();
      return 0;
    }
    if (reg == Outcome::kStopAsked) {
      if (jobs_.processes_left()) shut_down();  // adopted jobs: stopped as the agent's own
      break;
    }
    if (reg != Outcome::kRegistered) {
      poller_.stop();
      return 2;
    }
    Outcome out = serve();
    if (out == Outcome::kStale) {
      drop_stale_epoch();
      continue;
    }
    if (out == Outcome::kFenced) {
      fence_jobs();
      continue;
    }
    if (out == Outcome::kLeaveJobs) {
      leave_jobs();
      return 0;
    }
    if (out == Outcome::kDenied) {
      // The token was revoked: the server counts this node lost, its jobs run elsewhere.
      say_("the server refuses this node's token (" + denial_ + "): stopping every job");
      poller_.pause();
      stop_jobs_and_wait(o_.grace_ms);
      poller_.stop();
      return 2;
    }
    shut_down();
    break;
  }
  poller_.stop();
  return 0;
}

// Until the agent is asked to stop, or the server says our epoch is stale or denies us.
AgentLoop::Outcome AgentLoop::serve() {
  bool busy = false;  // work left from the last turn: do not wait for orders
  while (!stop_.load()) {
    // First of all, each time round: an agent that was frozen (SIGSTOP, a hung VM) or cut off
    // finds out here, before it carries out an order or reports anything.
    if (past_fence(agent_now_ms())) return Outcome::kFenced;
    if (leave_jobs_asked()) return Outcome::kLeaveJobs;
    std::vector<PollEvent> events = poller_.take(busy ? 0 : kTickMs);
    if (past_fence(agent_now_ms())) return Outcome::kFenced;
    for (PollEvent& e : events) {
      if (e.kind == PollEvent::Kind::kStale) {
        stale_ = e.problem;
        return Outcome::kStale;
      }
      if (e.kind == PollEvent::Kind::kDenied) {
        denial_ = e.problem;
        return Outcome::kDenied;
      }
      carry_out(e.orders);
    }
    busy = false;
    Answer a = turn(/*heartbeat=*/true, &busy);
    if (a == Answer::kStale) {
      stale_ = link_.last_problem();
      return Outcome::kStale;
    }
    if (a == Answer::kDenied) {
      denial_ = link_.last_problem();
      return Outcome::kDenied;
    }
  }
  return Outcome::kStopAsked;
}

void AgentLoop::carry_out(std::vector<Order>& orders) {
  for (Order& order : orders) {
    if (auto* start = std::get_if<StartOrder>(&order)) {
      jobs_.start(*start);
    } else {
      const StopOrder& stop = std::get<StopOrder>(order);
      jobs_.stop(stop.key, agent_now_ms(), stop.grace_ms.value_or(o_.grace_ms), stop.request_id);
    }
  }
}

// One turn: reap, ship output, report exits (or a heartbeat when `heartbeat` and one is due).
// kOk unless the server said our epoch is stale or denied us; a failed request is tried again
// after the link's backoff, while the turns (and the supervisor's ticks) go on.
Answer AgentLoop::turn(bool heartbeat, bool* busy) {
  TimeMs now = agent_now_ms();
  jobs_.reap(now);
  for (const JobKey& k : jobs_.new_checkpoints())  // one entry per job while a report is pending
    if (send_checkpoints_ && std::find(checkpoints_.begin(), checkpoints_.end(), k) == checkpoints_.end())
      checkpoints_.push_back(k);
  if (!link_.ready(now)) return Answer::kOk;
  timeout_now_ = request_timeout(now);
  Answer a = ship_output(now, busy);
  if (a == Answer::kOk) a = report(now, heartbeat);
  tell_keepers();
  return a == Answer::kRetry ? Answer::kOk : a;
}

// The keepers fence their jobs from the heard file (process.h): it follows every answer the
// server gave either thread, so that a keeper's fence and the agent's own are the same one.
void AgentLoop::tell_keepers() {
  const TimeMs heard = outage_->last_heard();
  if (!registered_ || heard == keepers_heard_) return;
  jobs_.heard(heard, fence_ms_);
  keepers_heard_ = heard;
}

// All the output of ended jobs (their exits may go then: the user who sees a job ended sees all
// it wrote) and, every log_every_ms, the new output of running ones.
Answer AgentLoop::ship_output(TimeMs now, bool* busy) {
  const bool running_due = now >= next_logs_;
  if (running_due) next_logs_ = now + o_.log_every_ms;
  int budget = kChunksPerTurn;
  std::vector<JobKey> flushed;
  Answer a = Answer::kOk;
  for (auto& [key, j] : jobs_.jobs()) {
    if (!j.ended && !running_due) continue;
    // Reaped before this read: its group is dead, its files hold all it wrote.
    const bool ended = j.ended;
    bool drained = false;
    a = shipper_.ship(j, epoch_, timeout_now_, &budget, &drained);
    if (a != Answer::kOk) break;
    if (drained && ended) flushed.push_back(key);
    if (!drained) {  // out of budget: go on next turn
      *busy = true;
      if (!ended) next_logs_ = now;
    }
  }
  for (const JobKey& k : flushed) exits_.push_back(jobs_.take_exit(k));
  return a;
}

// The exits not yet acknowledged, with the running jobs and the new checkpoints (at once, not
// at the heartbeat); also the heartbeat. Exits stay until a 2xx answers them: a refused report
// is tried again after the backoff, like a failed one. A server that refuses "checkpoints"
// (one older than the field) gets reports without them from then on.
Answer AgentLoop::report(TimeMs now, bool heartbeat) {
  const bool tell_leaving = leaving_ && !left_told_;
  if (exits_.empty() && checkpoints_.empty() && !tell_leaving && (!heartbeat || now < next_heartbeat_))
    return Answer::kOk;
  Json exits = Json::array();
  for (const JobExit& e : exits_)
    exits.push_back({{"job", e.key.job}, {"segment", e.key.segment}, {"exit_code", e.exit_code}, {"signal", e.signal}});
  Json body = {{"node", o_.node}, {"epoch", epoch_}, {"exits", exits}, {"running", running_list()}};
  if (!checkpoints_.empty()) {
    Json saved = Json::array();
    for (const JobKey& k : checkpoints_) saved.push_back({{"job", k.job}, {"segment", k.segment}});
    body["checkpoints"] = saved;
  }
  if (leaving_) body["leaving"] = true;  // the server requeues what ran here, as for a lost node
  ServerReply r = link_.post("/v1/agent/report", body, timeout_now_);
  if (r.answer == Answer::kOk) {
    left_told_ = leaving_;
    for (const JobExit& e : exits_) jobs_.settle(e.key);  // a later agent does not report it again
    exits_.clear();  // this thread alone adds to it: all of them were in this report
    checkpoints_.clear();
    next_heartbeat_ = agent_now_ms() + heartbeat_ms_;
    last_refusal_.clear();
  } else if (r.answer == Answer::kRefused && !checkpoints_.empty() && r.problem.find("checkpoints") != std::string::npos) {
    say_("report: " + r.problem + " (this server does not take checkpoints: they are not sent any more)");
    send_checkpoints_ = false;
    checkpoints_.clear();
    return Answer::kOk;  // sent again without them next turn
  } else if (r.answer == Answer::kRefused) {
    if (r.problem != last_refusal_) say_("report: " + r.problem + " (its exits are kept and sent again)");
    last_refusal_ = r.problem;
    link_.back_off();
    return Answer::kOk;
  }
  return r.answer;
}

Json AgentLoop::running_list() const {
  Json list = Json::array();
  for (const JobKey& k : jobs_.running()) list.push_back({{"job", k.job}, {"segment", k.segment}});
  return list;
}

}  // namespace hexa
