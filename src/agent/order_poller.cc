#include "agent/order_poller.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "agent/backoff.h"
#include "agent/clock.h"

namespace hexa {

// What the thread and the OrderPoller share. The thread holds it by shared_ptr: a detached
// thread keeps its client and this alive until its last request ends.
struct OrderPoller::Shared {
  std::unique_ptr<HttpClient> client;
  ServerLink link;
  std::string node;
  int wait_ms = 0;
  AgentSay say;

  std::mutex mu;
  std::condition_variable cv;
  bool quit = false;
  bool active = false;           // poll with `epoch`
  std::int64_t epoch = 0;
  std::uint64_t generation = 0;  // poll_with calls: answers to an older one are dropped
  std::deque<PollEvent> events;  // for the main loop
  bool done = false;             // the thread has ended

  Shared(std::unique_ptr<HttpClient> c, const std::string& token, std::shared_ptr<OutageNotice> outage)
      : client(std::move(c)), link(*client, token, std::move(outage)) {}
};

namespace {

// A server that answers an empty poll at once (not waiting) must not make us spin.
constexpr DurationMs kMinPollMs = 100;

}  // namespace

OrderPoller::OrderPoller(std::unique_ptr<HttpClient> client, const std::string& node, const std::string& token,
                         int wait_ms, std::shared_ptr<OutageNotice> outage, AgentSay say)
    : sh_(std::make_shared<Shared>(std::move(client), token, outage)), outage_(outage) {
  sh_->node = node;
  sh_->wait_ms = wait_ms;
  sh_->say = std::move(say);
  thread_ = std::thread(run, sh_);
}

OrderPoller::~OrderPoller() { stop(); }

void OrderPoller::poll_with(std::int64_t epoch) {
  std::lock_guard lock(sh_->mu);
  sh_->epoch = epoch;
  sh_->active = true;
  ++sh_->generation;
  sh_->events.clear();
  sh_->cv.notify_all();
}

void OrderPoller::pause() {
  std::lock_guard lock(sh_->mu);
  sh_->active = false;
  ++sh_->generation;
  sh_->events.clear();
  sh_->cv.notify_all();
}

std::vector<PollEvent> OrderPoller::take(DurationMs wait_ms) {
  std::unique_lock lock(sh_->mu);
  if (wait_ms > 0)
    sh_->cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !sh_->events.empty(); });
  std::vector<PollEvent> out(std::make_move_iterator(sh_->events.begin()),
                             std::make_move_iterator(sh_->events.end()));
  sh_->events.clear();
  return out;
}

void OrderPoller::stop(DurationMs join_ms) {
  if (!thread_.joinable()) return;
  std::unique_lock lock(sh_->mu);
  sh_->quit = true;
  sh_->cv.notify_all();
  sh_->cv.wait_for(lock, std::chrono::milliseconds(join_ms), [&] { return sh_->done; });
  bool done = sh_->done;
  lock.unlock();
  // It checks `quit` before saying anything of its own; the link's notice is muted here.
  outage_->mute();
  if (done) thread_.join();
  else thread_.detach();
}

void OrderPoller::run(std::shared_ptr<Shared> sh) {
  Backoff backoff;
  std::unique_lock lock(sh->mu);
  while (true) {
    sh->cv.wait(lock, [&] { return sh->quit || sh->active; });
    if (sh->quit) break;
    const std::uint64_t gen = sh->generation;
    const std::string target = "/v1/agent/orders?node=" + url_encode(sh->node) +
                               "&epoch=" + std::to_string(sh->epoch) + "&wait_ms=" + std::to_string(sh->wait_ms);
    lock.unlock();
    const TimeMs asked = agent_now_ms();
    ServerReply r = sh->link.get(target, sh->wait_ms + 5000);  // the server may wait wait_ms
    lock.lock();
    if (sh->quit) break;
    if (gen != sh->generation) continue;  // registered again (or paused) meanwhile: an old answer

    DurationMs pause = 0;
    PollEvent event;
    if (r.answer == Answer::kOk) {
      backoff.reset();
      ParsedOrders parsed = parse_orders(r.body);
      for (const std::string& why : parsed.skipped) sh->say("orders: skipped " + why);
      event.orders = std::move(parsed.orders);
      if (agent_now_ms() - asked < kMinPollMs && event.orders.empty()) pause = kMinPollMs;
    } else if (r.answer == Answer::kStale || r.answer == Answer::kDenied) {
      event.kind = r.answer == Answer::kStale ? PollEvent::Kind::kStale : PollEvent::Kind::kDenied;
      event.problem = r.problem;
      sh->active = false;  // until the main loop registers again (or stops)
    } else {
      // kRetry was said by the link; a refused poll (400: a bad query?) is said each time, slowly.
      if (r.answer == Answer::kRefused) sh->say("orders: " + r.problem + " (retrying)");
      pause = backoff.next();
    }
    if (event.kind != PollEvent::Kind::kOrders || !event.orders.empty()) {
      sh->events.push_back(std::move(event));
      sh->cv.notify_all();
    }
    if (pause > 0)
      sh->cv.wait_for(lock, std::chrono::milliseconds(pause), [&] { return sh->quit || sh->generation != gen; });
  }
  sh->done = true;
  sh->cv.notify_all();
}

}  // namespace hexa
