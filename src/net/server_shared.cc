// What a server's connections share: the registry of live connections (with its cap) and the
// Reply each request's handler gets.
#include <atomic>

#include "net/server_session.h"

namespace hexa::net {

namespace {

// The shared state of one request's Reply (every copy of the std::function holds it).
class ReplySlot {
 public:
  ReplySlot(std::shared_ptr<ServerShared> shared, std::weak_ptr<SessionBase> session)
      : shared_(std::move(shared)), session_(std::move(session)) {}
  ReplySlot(const ReplySlot&) = delete;
  ReplySlot& operator=(const ReplySlot&) = delete;
  ~ReplySlot() {
    if (used_.load()) return;
    try {
      deliver(http_problem(500, "the handler dropped the request without answering"));
    } catch (...) {  // out of memory: see deliver
    }
  }

  void deliver(HttpResponse r) noexcept {
    if (used_.exchange(true)) return;  // exactly one reply: a second one is dropped
    try {
      std::lock_guard lock(shared_->mu);
      if (!shared_->open) return;  // stopped: the I/O threads may be gone
      std::shared_ptr<SessionBase> s = session_.lock();
      if (!s) return;  // the connection closed
      const asio::any_io_executor ex = s->executor();
      // The session is moved into the handler, so that it is never destroyed here, on a
      // thread that is not an I/O thread.
      asio::post(ex, [s = std::move(s), r = std::move(r)]() mutable { s->send(std::move(r)); });
    } catch (...) {
      // Out of memory: the request stays unanswered until the connection closes.
    }
  }

 private:
  std::shared_ptr<ServerShared> shared_;
  std::weak_ptr<SessionBase> session_;
  std::atomic<bool> used_{false};
};

}  // namespace

bool ServerShared::add(const std::shared_ptr<SessionBase>& s) {
  std::lock_guard lock(mu);
  if (!open || sessions.size() >= opt.max_connections) return false;
  sessions.emplace(s.get(), s);
  return true;
}

void ServerShared::remove(SessionBase* s) {
  std::shared_ptr<SessionBase> last;  // destroyed after the lock is released
  std::lock_guard lock(mu);
  auto it = sessions.find(s);
  if (it == sessions.end()) return;
  last = std::move(it->second);
  sessions.erase(it);
}

Reply make_reply(const std::shared_ptr<ServerShared>& shared, std::weak_ptr<SessionBase> session) {
  auto slot = std::make_shared<ReplySlot>(shared, std::move(session));
  return [slot](HttpResponse r) { slot->deliver(std::move(r)); };
}

}  // namespace hexa::net
