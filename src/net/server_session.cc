#include "net/server_session.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace hexa::net {

namespace {

// After an error answer the client may still be sending (the rest of a body too large): read
// and drop it for this long before closing, or the kernel would reset the connection and the
// client could lose the answer before reading it.
constexpr int kLingerMs = 2000;
constexpr std::size_t kDrainChunk = 4096;
constexpr std::size_t kFirstRead = 4096;  // the first bytes of a request on a kept connection

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

// The time a new connection has for its first request's header (its TLS handshake included):
// the header timeout, or the idle timeout when that is shorter. <= 0: none.
int first_request_ms(const HttpServerOptions& opt) {
  if (opt.header_timeout_ms <= 0) return opt.idle_timeout_ms;
  if (opt.idle_timeout_ms <= 0) return opt.header_timeout_ms;
  return std::min(opt.header_timeout_ms, opt.idle_timeout_ms);
}

template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared);

  void start();
  void send(HttpResponse r) override;
  void close() override;
  const asio::any_io_executor& executor() const override { return ex_; }

 private:
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& opt() const { return shared_->opt; }

  void handshake();
  void await_request();
  void read_header();
  void on_header(error_code ec);
  void read_body();
  void on_body(error_code ec);
  void call_handler();
  void on_read_error(error_code ec);
  void refuse(HttpResponse r);
  void write(bool close_after);
  void on_write(error_code ec);
  void linger();
  void drain();
  void set_expiry(int ms);

  const asio::any_io_executor ex_;
  Stream stream_;
  beast::flat_buffer buffer_;  // reused for every request of the connection
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::shared_ptr<ServerShared> shared_;
  std::string peer_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;              // a HEAD request: the response carries no body
  bool waiting_ = false;           // the handler has the request; its reply has not come
  bool closing_after_write_ = false;
  bool closed_ = false;
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

std::optional<HttpResponse> read_error_answer(error_code ec, std::size_t max_body, std::size_t max_header_bytes) {
  if (ec == http::error::body_limit)
    return http_problem(413, "the body is over the limit of " + std::to_string(max_body) + " bytes");
  if (ec == http::error::header_limit)
    return http_problem(431, "the request's header is over the limit of " + std::to_string(max_header_bytes) + " bytes");
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

namespace {

template <>
Session<PlainStream>::Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared)
    : ex_(socket.get_executor()), stream_(std::move(socket)), shared_(std::move(shared)) {}

template <>
Session<TlsStream>::Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared)
    : ex_(socket.get_executor()), stream_(std::move(socket), *shared->tls), shared_(std::move(shared)) {}

template <class Stream>
void Session<Stream>::start() {
  error_code ec;
  const tcp::endpoint ep = lowest().socket().remote_endpoint(ec);
  if (!ec) peer_ = endpoint_text(ep);
  asio::dispatch(ex_, [self = self()] {
    self->set_expiry(first_request_ms(self->opt()));  // a new connection idles no longer
    if constexpr (kTls) {
      self->handshake();
    } else {
      self->read_header();
    }
  });
}

template <class Stream>
void Session<Stream>::set_expiry(int ms) {
  if (ms > 0) {
    lowest().expires_after(std::chrono::milliseconds(ms));
  } else {
    lowest().expires_never();
  }
}

// A client that speaks plain HTTP (or nothing) here fails the handshake: closed, unanswered.
template <class Stream>
void Session<Stream>::handshake() {
  if constexpr (kTls) {
    stream_.async_handshake(asio::ssl::stream_base::server, [self = self()](error_code ec) {
      if (ec) return self->close();
      self->read_header();
    });
  }
}

// Between requests a kept connection may idle (idle_timeout_ms); from the first byte of the
// next request on, its header must come whole within header_timeout_ms: a client that trickles
// it (slowloris) is closed then, and costs the others nothing meanwhile (all I/O is async).
template <class Stream>
void Session<Stream>::await_request() {
  if (buffer_.size() > 0) {  // pipelined: the next request has begun already
    set_expiry(opt().header_timeout_ms);
    return read_header();
  }
  set_expiry(opt().idle_timeout_ms);
  stream_.async_read_some(buffer_.prepare(kFirstRead), [self = self()](error_code ec, std::size_t n) {
    self->buffer_.commit(n);
    if (ec) return self->close();  // the client left, or idled too long
    self->set_expiry(self->opt().header_timeout_ms);
    self->read_header();
  });
}

// The header first, then the body: a client that sent "Expect: 100-continue" (curl does, for
// bodies over 1 KiB) waits for our go-ahead, and a Content-Length over max_body is refused
// before any of the body is read. The deadline is the caller's.
template <class Stream>
void Session<Stream>::read_header() {
  parser_.emplace();
  parser_->body_limit(opt().max_body);
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(opt().max_header_bytes, UINT32_MAX)));
  http::async_read_header(stream_, buffer_, *parser_, [self = self()](error_code ec, std::size_t) {
    self->on_header(ec);
  });
}

template <class Stream>
void Session<Stream>::on_header(error_code ec) {
  if (ec) return on_read_error(ec);
  const auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;
  const auto fields = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
  if (fields > opt().max_header_fields) {
    return refuse(http_problem(431, "the request has " + std::to_string(fields) + " header fields; at most " +
                                        std::to_string(opt().max_header_fields) + " are allowed"));
  }
  if (parser_->is_done()) return call_handler();
  set_expiry(opt().idle_timeout_ms);  // the body: within the idle timeout of the header's end
  if (version_ >= 11 && iequals(std_view(req[http::field::expect]), "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = self()](error_code wec, std::size_t) {
                        if (wec) return self->close();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

template <class Stream>
void Session<Stream>::read_body() {
  http::async_read(stream_, buffer_, *parser_, [self = self()](error_code ec, std::size_t) { self->on_body(ec); });
}

template <class Stream>
void Session<Stream>::on_body(error_code ec) {
  if (ec) return on_read_error(ec);
  call_handler();
}

template <class Stream>
void Session<Stream>::call_handler() {
  lowest().expires_never();  // the handler's time (a 30 s long poll) is not idleness
  HttpRequest req = to_request(parser_->release(), peer_);
  waiting_ = true;

  Reply reply = make_reply(shared_, weak_from_this());
  try {
    shared_->handler(std::move(req), reply);
  } catch (const std::exception& e) {
    reply(http_problem(500, std::string("the handler failed: ") + e.what()));
  } catch (...) {
    reply(http_problem(500, "the handler failed"));
  }
}

template <class Stream>
void Session<Stream>::on_read_error(error_code ec) {
  std::optional<HttpResponse> r = read_error_answer(ec, opt().max_body, opt().max_header_bytes);
  if (!r) return close();  // the client left, reset, or was too slow (a timeout): nobody to answer
  refuse(std::move(*r));
}

// Answers an error and closes: what follows on the connection cannot be trusted to be framed.
template <class Stream>
void Session<Stream>::refuse(HttpResponse r) {
  version_ = 11;
  keep_alive_ = false;
  head_ = false;
  waiting_ = true;
  send(std::move(r));
}

template <class Stream>
void Session<Stream>::send(HttpResponse r) {
  if (closed_ || !waiting_) return;
  waiting_ = false;
  res_ = make_response(std::move(r), version_, keep_alive_, head_);
  write(!keep_alive_);
}

template <class Stream>
void Session<Stream>::write(bool close_after) {
  closing_after_write_ = close_after;
  set_expiry(opt().idle_timeout_ms);  // a client that does not read is dropped too
  http::async_write(stream_, res_, [self = self()](error_code ec, std::size_t) { self->on_write(ec); });
}

template <class Stream>
void Session<Stream>::on_write(error_code ec) {
  if (ec) return close();
  if (closing_after_write_) return linger();
  await_request();
}

// Half-closes, then reads and drops whatever the client still sends until it closes too (on
// the TCP stream under TLS too: what comes is dropped unread).
template <class Stream>
void Session<Stream>::linger() {
  error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  const int idle = opt().idle_timeout_ms;
  set_expiry(idle > 0 ? std::min(idle, kLingerMs) : kLingerMs);
  drain();
}

template <class Stream>
void Session<Stream>::drain() {
  lowest().async_read_some(buffer_.prepare(kDrainChunk), [self = self()](error_code ec, std::size_t) {
    if (ec) return self->close();
    self->drain();
  });
}

// No TLS close_notify: every response is framed by its length, so a truncation cannot pass for
// an end, and waiting for the peer's alert would let a client hold the connection.
template <class Stream>
void Session<Stream>::close() {
  if (closed_) return;
  closed_ = true;
  waiting_ = false;
  error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  lowest().close();
  shared_->remove(this);
}

template <class Stream>
bool start(tcp::socket&& socket, const std::shared_ptr<ServerShared>& shared) {
  auto session = std::make_shared<Session<Stream>>(std::move(socket), shared);
  if (!shared->add(session)) return false;  // its socket closes with it, here
  session->start();
  return true;
}

}  // namespace

bool start_session(tcp::socket&& socket, const std::shared_ptr<ServerShared>& shared) {
  if (shared->tls) return start<TlsStream>(std::move(socket), shared);
  return start<PlainStream>(std::move(socket), shared);
}

}  // namespace hexa::net
