// One server connection: read a request, hand it to the handler, write its reply, repeat; over
// plain TCP or TLS (the session is a template on its stream, instantiated in the .cc, so that
// the SSL headers stay there). Internal to net/ (it includes Beast).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/beast.h"
#include "net/http.h"
#include "net/tls.h"

namespace hexa::net {

// What the server and every Reply see of a connection.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  SessionBase() = default;
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;
  virtual ~SessionBase() = default;

  // On the session's strand.
  virtual void send(HttpResponse r) = 0;  // the reply to the request in flight
  virtual void close() = 0;               // idempotent
  // The session's strand; any thread may post to it while the server is open.
  virtual const asio::any_io_executor& executor() const = 0;
};

// The parts of a connection's work that do not touch the socket, shared with the http_request
// fuzz target (fuzz/http_request.cc), which runs them on bytes with no connection at all.
// The request the handler gets from a parsed message: header names in lower case, a repeated
// header's values joined with ", ".
HttpRequest to_request(http::request<http::string_body>&& msg, std::string peer);
// The answer to a read that failed, or nullopt when there is nobody to answer (the client left,
// reset, or stayed idle): 413 over the body limit, 431 over the header limit (in bytes), 400 malformed.
std::optional<HttpResponse> read_error_answer(error_code ec, std::size_t max_body, std::size_t max_header_bytes);
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
  std::shared_ptr<TlsContext> tls;  // null: plain HTTP

  std::mutex mu;
  bool open = true;
  // Every live connection, owned here while it waits for its reply (no I/O holds it then),
  // so that stop() can close it and a late Reply finds it gone.
  std::unordered_map<SessionBase*, std::shared_ptr<SessionBase>> sessions;

  // False once stopping, or at opt.max_connections.
  bool add(const std::shared_ptr<SessionBase>& s);
  void remove(SessionBase* s);
};

// The Reply of one request of `session` (see Reply in net/http.h: exactly once, 500 when
// dropped, harmless once the connection or the server is gone).
Reply make_reply(const std::shared_ptr<ServerShared>& shared, std::weak_ptr<SessionBase> session);

// Serves an accepted connection (over TLS when shared->tls), unless the server is stopping or
// at its connection cap: then the socket is closed at once and false returned.
bool start_session(tcp::socket&& socket, const std::shared_ptr<ServerShared>& shared);

}  // namespace hexa::net
