// One server connection: read a request, hand it to the handler, write its reply, repeat.
// Internal to net/ (it includes Beast).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "net/beast.h"
#include "net/http.h"

namespace hexa::net {

class Session;

// The parts of a connection's work that do not touch the socket, shared with the http_request
// fuzz target (fuzz/http_request.cc), which runs them on bytes with no connection at all.
// The request the handler gets from a parsed message: header names in lower case, a repeated
// header's values joined with ", ".
HttpRequest to_request(http::request<http::string_body>&& msg, std::string peer);
// The answer to a read that failed, or nullopt when there is nobody to answer (the client left,
// reset, or stayed idle): 413 over the body limit, 431 over the header limit, 400 malformed.
std::optional<HttpResponse> read_error_answer(error_code ec, std::size_t max_body);
// The response as written: a status outside 200..999 becomes 500, headers that would break the
// framing are left out, a HEAD answer has the size of its body but not the body.
http::response<http::string_body> make_response(HttpResponse r, unsigned version, bool keep_alive, bool head);

// What the server, its sessions and every Reply share. A Reply may outlive the server (the core
// thread holds it), so it holds this, never a session or an executor: both die with the
// io_context. Replies post to the I/O threads only while `open`, under `mu`, which stop()
// clears before it joins them.
struct ServerShared {
  HttpServerOptions opt;
  Handler handler;

  std::mutex mu;
  bool open = true;
  // Every live connection, owned here while it waits for its reply (no I/O holds it then),
  // so that stop() can close it and a late Reply finds it gone.
  std::unordered_map<Session*, std::shared_ptr<Session>> sessions;

  bool add(const std::shared_ptr<Session>& s);  // false once stopping
  void remove(Session* s);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Begins reading requests. Any thread.
  void start();
  // On the session's strand from here on.
  void send(HttpResponse r);  // the reply to the request in flight
  void close();               // idempotent
  // The session's strand; any thread may post to it while the server is open.
  const asio::any_io_executor& executor() const { return ex_; }

 private:
  void read_header();
  void on_header(error_code ec);
  void read_body();
  void on_body(error_code ec);
  void call_handler();
  void on_read_error(error_code ec);
  void write(bool close_after);
  void on_write(error_code ec);
  void linger();
  void drain();
  void set_expiry(int ms);

  const asio::any_io_executor ex_;
  beast::tcp_stream stream_;
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

}  // namespace hexa::net
