// HTTP/1.1 for the live control plane: a small server and a small client over Boost.Beast.
// Beast's headers stay inside net/*.cc: everything else sees only these plain types.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/status.h"

namespace hexa {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/v1/jobs?state=running"
  std::map<std::string, std::string> headers;  // keys in lower case
  std::string body;
  std::string peer;    // "127.0.0.1:53412"

  std::string path() const;  // target without the query (not decoded)
  // Query parameters, percent-decoded ('+' is a space); a key given twice keeps the last value.
  std::map<std::string, std::string> query() const;
  std::string header(const std::string& lower_name) const;  // "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Location, Retry-After)

  // The first header of that name, compared without case; "" when absent. On a response the
  // client received, `headers` holds every header but Content-Type, as the server sent it.
  std::string header(const std::string& name) const;
};

// An RFC 9457 problem (application/problem+json), as the API answers its errors:
// {"type": "about:blank", "title": "Payload Too Large", "status": 413, "detail": "..."}.
HttpResponse http_problem(int status, const std::string& detail);

// The standard reason phrase of a status ("Not Found"); "Unknown" for others.
const char* http_reason(int status);

// Called exactly once per request, from any thread (a submit is answered by the core thread
// after its batch is durable). The server writes the response then. A reply to a connection
// that closed, or to a server that stopped, is dropped. A second call is dropped; a Reply whose
// every copy is destroyed uncalled answers 500, so that the connection never hangs.
using Reply = std::function<void(HttpResponse)>;
// Called on an I/O thread, concurrently for different connections: it must be thread-safe
// and must not block (hand slow work to another thread and reply from there). An exception it
// throws is answered 500. One request per connection is in flight at a time.
using Handler = std::function<void(HttpRequest, Reply)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";     // an IP address, or "localhost"
  int port = 0;                       // 0: a free one, chosen by the kernel (HttpServer::port)
  int threads = 2;                    // I/O threads
  std::size_t max_body = 1 << 20;     // larger bodies are answered 413 without calling the handler
  int idle_timeout_ms = 60'000;       // a keep-alive connection idle this long is closed (<= 0: never)
  // Slow clients (slowloris): a request's header must arrive whole within this of its first
  // byte, and a new connection's first header (its TLS handshake included) within this of the
  // accept (or the idle timeout, if shorter); else the connection is closed. <= 0: never.
  int header_timeout_ms = 10'000;
  std::size_t max_header_bytes = 8 * 1024;  // a larger request header is answered 431
  std::size_t max_header_fields = 100;      // more header fields are answered 431
  // Connections beyond this many at once are closed as soon as they are accepted, so that a
  // flood of idle sockets cannot take every file descriptor.
  std::size_t max_connections = 10'000;
  // TLS (1.2 or later) with this certificate chain and private key (PEM files): both or
  // neither; neither is plain HTTP. Errors name them as hexa serve's flags: --tls-cert, --tls-key.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  // Binds and starts serving at once. Errors: bad options (Invalid), the address cannot be
  // bound (Unavailable; names it and why).
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& opt, Handler handler);
  // What start() would refuse in `opt` without binding anything: bad options and TLS files
  // (Invalid), so that a program can check its flags before it changes anything.
  static Status check(const HttpServerOptions& opt);
  virtual ~HttpServer() = default;  // stops
  virtual int port() const = 0;
  // Stops accepting, closes connections, joins the I/O threads. Idempotent.
  // REQUIRES: not called from a handler (an I/O thread cannot join itself).
  virtual void stop() = 0;
};

struct HttpClientOptions {
  // For https:// servers: the CA certificates (a PEM file) that the server's certificate must
  // chain to; empty: the system's store. There is no way to skip the verification.
  std::string ca_file;
  std::string ca_origin = "--ca-cert";  // how errors name ca_file: "--ca-cert", "HEXA_CA_CERT"
};

// A blocking client with one keep-alive connection, reconnecting when it breaks.
// Not thread-safe: one per thread.
class HttpClient {
 public:
  // `base` is "http://HOST:PORT" or "https://HOST:PORT" (a trailing slash is ignored). Errors
  // name the rule. HOST is an IP address, "localhost" (127.0.0.1), or a name resolved when
  // connecting. With https, TLS 1.2 or later: the server's certificate must chain to a CA of
  // `opt.ca_file` (else the system's) and name HOST (a DNS name, or an IP address in its
  // subjectAltName); a failed check fails the request with the reason. Errors: a CA file that
  // cannot be loaded (its message starts with opt.ca_origin).
  static Result<std::unique_ptr<HttpClient>> make(const std::string& base, const HttpClientOptions& opt = {});
  virtual ~HttpClient() = default;
  // Sends one request and waits for its response, at most `timeout_ms`. A kept connection that
  // the server closed while it was idle is reopened once; a request that may have reached the
  // server is never sent twice. A body without a Content-Type header goes as application/json.
  // Errors: Status::Unavailable naming the server and what failed; Invalid for a malformed
  // method, target or header.
  virtual Result<HttpResponse> request(const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                                       int timeout_ms = 30'000) = 0;
};

}  // namespace hexa
