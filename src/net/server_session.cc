#include "net/server_session.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <string_view>

namespace hexa::net {

namespace {

// After an error answer the client may still be sending (the rest of a body too large): read
// and drop it for this long before closing, or the kernel would reset the connection and the
// client could lose the answer before reading it.
constexpr int kLingerMs = 2000;
constexpr std::size_t kDrainChunk = 4096;

std::string endpoint_text(const tcp::endpoint& ep) {
  const std::string host = ep.address().to_string();
  const std::string port = std::to_string(ep.port());
  return ep.address().is_v6() ? "[" + host + "]:" + port : host + ":" + port;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Headers the handler may not set: the server owns the framing.
bool reserved_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || iequals(name, "content-type");
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

// The shared state of one request's Reply (every copy of the std::function holds it).
class ReplySlot {
 public:
  ReplySlot(std::shared_ptr<ServerShared> shared, std::weak_ptr<Session> session)
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
      std::shared_ptr<Session> s = session_.lock();
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
  std::weak_ptr<Session> session_;
  std::atomic<bool> used_{false};
};

}  // namespace

HttpRequest to_request(http::request<http::string_body>&& msg, std::string peer) {
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& field : msg) {
    const std::string_view value = std_view(field.value());
    auto [it, fresh] = req.headers.try_emplace(lower(std_view(field.name_string())), value);
    if (!fresh) (it->second += ", ").append(value);  // a repeated header: one list
  }
  req.body = std::move(msg.body());
  req.peer = std::move(peer);
  return req;
}

std::optional<HttpResponse> read_error_answer(error_code ec, std::size_t max_body) {
  if (ec == http::error::body_limit)
    return http_problem(413, "the body is over the limit of " + std::to_string(max_body) + " bytes");
  if (ec == http::error::header_limit) return http_problem(431, "the request's header is too large");
  if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
    return http_problem(400, "malformed HTTP request: " + ec.message());
  return std::nullopt;
}

http::response<http::string_body> make_response(HttpResponse r, unsigned version, bool keep_alive, bool head) {
  if (r.status < 200 || r.status > 999) {
    r = http_problem(500, "the handler answered status " + std::to_string(r.status));
  }
  http::response<http::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) {
    // A name or value that would break the framing is left out rather than sent.
    if (is_token(name) && !reserved_header(name) && !has_line_break(value)) res.insert(name, value);
  }
  // Said even to an HTTP/1.0 client, for which closing is the default.
  if (keep_alive) {
    res.keep_alive(true);
  } else {
    res.set(http::field::connection, "close");
  }
  if (r.status == 204 || r.status == 304) {
    // No body by definition; a 204 may not even carry a Content-Length (RFC 9110, 8.6).
    if (r.status == 304) res.content_length(0);
  } else {
    res.content_length(r.body.size());  // HEAD: the size of the body it would have had
    if (!head) res.body() = std::move(r.body);
  }
  return res;
}

bool ServerShared::add(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mu);
  if (!open) return false;
  sessions.emplace(s.get(), s);
  return true;
}

void ServerShared::remove(Session* s) {
  std::shared_ptr<Session> last;  // destroyed after the lock is released
  std::lock_guard lock(mu);
  auto it = sessions.find(s);
  if (it == sessions.end()) return;
  last = std::move(it->second);
  sessions.erase(it);
}

Session::Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared)
    : ex_(socket.get_executor()), stream_(std::move(socket)), shared_(std::move(shared)) {
  error_code ec;
  const tcp::endpoint ep = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = endpoint_text(ep);
}

void Session::start() {
  asio::dispatch(ex_, [self = shared_from_this()] { self->read_header(); });
}

void Session::set_expiry(int ms) {
  if (ms > 0) {
    stream_.expires_after(std::chrono::milliseconds(ms));
  } else {
    stream_.expires_never();
  }
}

// The header first, then the body: a client that sent "Expect: 100-continue" (curl does, for
// bodies over 1 KiB) waits for our go-ahead, and a Content-Length over max_body is refused
// before any of the body is read.
void Session::read_header() {
  parser_.emplace();
  parser_->body_limit(shared_->opt.max_body);
  set_expiry(shared_->opt.idle_timeout_ms);
  http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_header(ec);
  });
}

void Session::on_header(error_code ec) {
  if (ec) return on_read_error(ec);
  const auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;
  if (parser_->is_done()) return call_handler();
  if (version_ >= 11 && iequals(std_view(req[http::field::expect]), "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code wec, std::size_t) {
                        if (wec) return self->close();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void Session::read_body() {
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_body(ec);
  });
}

void Session::on_body(error_code ec) {
  if (ec) return on_read_error(ec);
  call_handler();
}

void Session::call_handler() {
  stream_.expires_never();  // the handler's time (a 30 s long poll) is not idleness
  HttpRequest req = to_request(parser_->release(), peer_);
  waiting_ = true;

  auto slot = std::make_shared<ReplySlot>(shared_, weak_from_this());
  try {
    shared_->handler(std::move(req), [slot](HttpResponse r) { slot->deliver(std::move(r)); });
  } catch (const std::exception& e) {
    slot->deliver(http_problem(500, std::string("the handler failed: ") + e.what()));
  } catch (...) {
    slot->deliver(http_problem(500, "the handler failed"));
  }
}

void Session::on_read_error(error_code ec) {
  std::optional<HttpResponse> r = read_error_answer(ec, shared_->opt.max_body);
  if (!r) return close();  // the client left, reset, or stayed idle too long: nobody to answer
  version_ = 11;
  keep_alive_ = false;
  head_ = false;
  waiting_ = true;
  send(std::move(*r));
}

void Session::send(HttpResponse r) {
  if (closed_ || !waiting_) return;
  waiting_ = false;
  res_ = make_response(std::move(r), version_, keep_alive_, head_);
  write(!keep_alive_);
}

void Session::write(bool close_after) {
  closing_after_write_ = close_after;
  set_expiry(shared_->opt.idle_timeout_ms);  // a client that does not read is dropped too
  http::async_write(stream_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_write(ec);
  });
}

void Session::on_write(error_code ec) {
  if (ec) return close();
  if (closing_after_write_) return linger();
  read_header();
}

// Half-closes, then reads and drops whatever the client still sends until it closes too.
void Session::linger() {
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  const int idle = shared_->opt.idle_timeout_ms;
  set_expiry(idle > 0 ? std::min(idle, kLingerMs) : kLingerMs);
  drain();
}

void Session::drain() {
  stream_.async_read_some(buffer_.prepare(kDrainChunk), [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec) return self->close();
    self->drain();
  });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  waiting_ = false;
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  shared_->remove(this);
}

}  // namespace hexa::net
