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

  std::string path() const;  // target without the query
  // Query parameters, percent-decoded; a key given twice keeps the last value.
  std::map<std::string, std::string> query() const;
  std::string header(const std::string& lower_name) const;  // "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Location, Retry-After)
};

// Called exactly once per request, from any thread (a submit is answered by the core thread
// after its batch is durable). The server writes the response then.
using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Reply)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0: a free one, chosen by the kernel (HttpServer::port)
  int threads = 2;                    // I/O threads
  std::size_t max_body = 1 << 20;     // larger bodies are answered 413 without calling the handler
  int idle_timeout_ms = 60'000;       // a keep-alive connection idle this long is closed
};

class HttpServer {
 public:
  // Binds and starts serving at once. Errors: the address cannot be bound (names it).
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& opt, Handler handler);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  // Stops accepting, closes connections, joins the I/O threads. Idempotent.
  virtual void stop() = 0;
};

// A blocking client with one keep-alive connection, reconnecting when it breaks.
// Not thread-safe: one per thread.
class HttpClient {
 public:
  // `base` is "http://HOST:PORT" (a trailing slash is ignored). Errors name the rule.
  static Result<std::unique_ptr<HttpClient>> make(const std::string& base);
  virtual ~HttpClient() = default;
  // Sends one request and waits for its response, at most `timeout_ms`. A connection that
  // broke is reopened once. Errors: Status::Unavailable naming the server and what failed.
  virtual Result<HttpResponse> request(const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                                       int timeout_ms = 30'000) = 0;
};

}  // namespace hexa
