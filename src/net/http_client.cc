// The blocking client: each step is an async Beast operation run to its end on a private
// io_context, so that one deadline (tcp_stream's timer) bounds connect, handshake, write and
// read alike. A template on its stream: plain TCP (http://) or TLS over it (https://).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/base_url.h"
#include "net/beast.h"
#include "net/http.h"
#include "net/tls.h"

namespace hexa {

namespace {

using namespace net;  // NOLINT: the aliases of net/beast.h
using Clock = std::chrono::steady_clock;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A sanity bound on what a server may send back (a job's whole log, say).
constexpr std::uint64_t kMaxResponseBody = 256ull << 20;

// A target goes on the request line as it is: no spaces, no control characters.
bool is_target(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool is_reserved(std::string_view name) {  // the framing is ours
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

using Headers = std::vector<std::pair<std::string, std::string>>;

Result<http::request<http::string_body>> build_request(const std::string& host_header, const std::string& method,
                                                       const std::string& target, const std::string& body,
                                                       const Headers& headers) {
  if (!is_token(method)) return Status::Invalid("method '" + method + "': must be a token like GET");
  if (!is_target(target)) {
    return Status::Invalid("target '" + target + "': must start with '/' and have no spaces or control characters");
  }
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host_header);
  for (const auto& [name, value] : headers) {
    if (!is_token(name)) return Status::Invalid("header '" + name + "': not a valid name");
    if (value.find_first_of("\r\n") != std::string::npos) {
      return Status::Invalid("header '" + name + "': the value has a line break");
    }
    if (!is_reserved(name)) req.set(name, value);
  }
  if (!body.empty() && req.find(http::field::content_type) == req.end()) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = body;
  req.prepare_payload();
  return req;
}

HttpResponse to_response(http::response<http::string_body>&& msg) {
  HttpResponse out;
  out.status = static_cast<int>(msg.result_int());
  out.content_type.clear();
  for (const auto& field : msg) {
    if (field.name() == http::field::content_type) {
      out.content_type = std::string(field.value());
    } else {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
  out.body = std::move(msg.body());
  return out;
}

std::string describe(const error_code& ec, int timeout_ms) {
  if (ec == beast::error::timeout) return "timed out after " + std::to_string(timeout_ms) + " ms";
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof) {
    return "the server closed the connection before the response was complete";
  }
  return ec.message();
}

template <class Stream>
class Client : public HttpClient {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Client(BaseUrl url, std::shared_ptr<TlsContext> tls, std::string ca_note)
      : url_(std::move(url)),
        host_header_(url_.host.find(':') != std::string::npos ? "[" + url_.host + "]:" + std::to_string(url_.port)
                                                               : url_.host + ":" + std::to_string(url_.port)),
        origin_((kTls ? "https://" : "http://") + host_header_),
        tls_(std::move(tls)),
        ca_note_(std::move(ca_note)) {}
  ~Client() override { disconnect(); }

  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               const Headers& headers, int timeout_ms) override;

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(*stream_); }
  Result<HttpResponse> exchange(const http::request<http::string_body>& req, Clock::time_point deadline,
                                int timeout_ms);
  Result<std::vector<tcp::endpoint>> endpoints();
  Status connect(Clock::time_point deadline, int timeout_ms);
  Status handshake(int timeout_ms);
  bool still_open();
  void disconnect();
  Status failure(const http::request<http::string_body>& req, const char* stage, const error_code& ec,
                 int timeout_ms) const;

  // Starts one async operation with a handler that records its outcome, and runs it to the end.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::operation_aborted;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  const BaseUrl url_;
  const std::string host_header_;  // "127.0.0.1:8080"
  const std::string origin_;       // "http://127.0.0.1:8080", to name the server in errors
  const std::shared_ptr<TlsContext> tls_;  // https: how the server's certificate is checked
  const std::string ca_note_;              // which CAs, said when the check fails
  asio::io_context ioc_{1};
  std::optional<Stream> stream_;  // engaged while connected
  beast::flat_buffer buffer_;
};

template <class Stream>
Result<HttpResponse> Client<Stream>::request(const std::string& method, const std::string& target, const std::string& body,
                                     const Headers& headers, int timeout_ms) {
  try {
    if (timeout_ms <= 0) return Status::Invalid("timeout_ms: must be > 0");
    auto req = build_request(host_header_, method, target, body, headers);
    if (!req.ok()) return req.status();
    return exchange(*req, Clock::now() + std::chrono::milliseconds(timeout_ms), timeout_ms);
  } catch (const std::exception& e) {
    disconnect();
    return Status::Unavailable(origin_ + ": " + method + " " + target + ": " + e.what());
  } catch (...) {
    disconnect();
    return Status::Unavailable(origin_ + ": " + method + " " + target + ": unexpected failure");
  }
}

template <class Stream>
Result<HttpResponse> Client<Stream>::exchange(const http::request<http::string_body>& req, Clock::time_point deadline,
                                      int timeout_ms) {
  // A kept connection the server closed while it was idle (its idle timeout) is seen here,
  // before anything is sent, and simply replaced.
  if (stream_ && !still_open()) disconnect();
  bool kept = stream_.has_value();
  for (;;) {
    if (!stream_) {
      Status st = connect(deadline, timeout_ms);
      if (!st.ok()) return st;
    }
    lowest().expires_at(deadline);
    error_code ec = run([&](auto handler) { http::async_write(*stream_, req, std::move(handler)); });
    if (ec) {
      disconnect();
      // A write that fails on a kept connection means the server had closed it: it cannot
      // have acted on a request it never read whole, so sending it again is safe. Nothing
      // else is retried: a request the server may have read is never sent twice.
      if (kept && ec != beast::error::timeout) {
        kept = false;
        continue;
      }
      return failure(req, "sending the request", ec, timeout_ms);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (req.method() == http::verb::head) parser.skip(true);
    ec = run([&](auto handler) { http::async_read(*stream_, buffer_, parser, std::move(handler)); });
    if (ec) {
      disconnect();
      return failure(req, "reading the response", ec, timeout_ms);
    }
    http::response<http::string_body> msg = parser.release();
    if (!msg.keep_alive()) disconnect();
    return to_response(std::move(msg));
  }
}

template <class Stream>
Result<std::vector<tcp::endpoint>> Client<Stream>::endpoints() {
  const auto port = static_cast<unsigned short>(url_.port);
  error_code ec;
  const std::string host = url_.host == "localhost" ? "127.0.0.1" : url_.host;
  const asio::ip::address addr = asio::ip::make_address(host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(addr, port)};
  // A name: resolved by the system, outside the request's deadline.
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return Status::Unavailable(origin_ + ": cannot resolve '" + host + "': " + ec.message());
  std::vector<tcp::endpoint> out;
  for (const auto& r : results) out.push_back(r.endpoint());
  return out;
}

template <class Stream>
Status Client<Stream>::connect(Clock::time_point deadline, int timeout_ms) {
  Result<std::vector<tcp::endpoint>> eps = endpoints();
  if (!eps.ok()) return eps.status();
  if constexpr (kTls) {
    stream_.emplace(ioc_, *tls_);
  } else {
    stream_.emplace(ioc_);
  }
  buffer_.clear();
  lowest().expires_at(deadline);
  error_code ec = run([&](auto handler) { lowest().async_connect(*eps, std::move(handler)); });
  if (ec) {
    disconnect();
    return Status::Unavailable(origin_ + ": cannot connect: " + describe(ec, timeout_ms));
  }
  lowest().socket().set_option(tcp::no_delay(true), ec);
  lowest().socket().non_blocking(true, ec);  // for still_open's peek; async operations do not mind
  return handshake(timeout_ms);
}

// https: the server's certificate must chain to our CAs and name the host we asked for. A
// failed check is an error that says why; there is no way around it.
template <class Stream>
Status Client<Stream>::handshake(int timeout_ms) {
  if constexpr (kTls) {
    if (Status st = expect_peer(stream_->native_handle(), url_.host); !st.ok()) {
      disconnect();
      return Status::Unavailable(origin_ + ": " + st.message());
    }
    error_code ec = run([&](auto handler) { stream_->async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
    if (ec) {
      const std::string why = ec == beast::error::timeout ? describe(ec, timeout_ms)
                                                          : handshake_failure(stream_->native_handle(), ec);
      disconnect();
      return Status::Unavailable(origin_ + ": TLS handshake failed: " + why + " (" + ca_note_ + ")");
    }
  }
  (void)timeout_ms;
  return Status::Ok();
}

// Whether the kept connection can carry a request: the server has neither closed it nor sent
// anything unasked. A non-blocking peek answers without waiting.
template <class Stream>
bool Client<Stream>::still_open() {
  if (buffer_.size() > 0) return false;
  char c;
  error_code ec;
  lowest().socket().receive(asio::buffer(&c, 1), tcp::socket::message_peek, ec);
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

template <class Stream>
void Client<Stream>::disconnect() {
  if (!stream_) return;
  error_code ec;
  // No TLS close_notify: the server frames every answer by its length, and waiting for its
  // alert could hang us.
  lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  lowest().close();
  stream_.reset();
  buffer_.clear();
  ioc_.restart();
  ioc_.run();  // lets the cancelled operations (the stream's timer) finish
}

template <class Stream>
Status Client<Stream>::failure(const http::request<http::string_body>& req, const char* stage, const error_code& ec,
                       int timeout_ms) const {
  return Status::Unavailable(origin_ + ": " + std::string(req.method_string()) + " " +
                             std::string(req.target()) + ": " + stage + ": " + describe(ec, timeout_ms));
}

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::make(const std::string& base, const HttpClientOptions& opt) {
  Result<BaseUrl> url = parse_base_url(base);
  if (!url.ok()) return url.status();
  try {
    if (!url->tls) return std::unique_ptr<HttpClient>(std::make_unique<Client<PlainStream>>(std::move(url).value(), nullptr, ""));
    Result<std::shared_ptr<TlsContext>> tls = client_tls_context(opt.ca_file, opt.ca_origin);
    if (!tls.ok()) return tls.status();
    std::string note = opt.ca_file.empty() ? "checked against the system's CA store; name the server's CA with --ca-cert"
                                           : "checked against the CAs of " + opt.ca_origin + " " + opt.ca_file;
    return std::unique_ptr<HttpClient>(
        std::make_unique<Client<TlsStream>>(std::move(url).value(), std::move(tls).value(), std::move(note)));
  } catch (const std::exception& e) {
    return Status::Unavailable("server '" + base + "': " + e.what());
  }
}

}  // namespace hexa
