// How a client verb reaches the server: the address and token from the flags or the
// environment, and requests whose failures become the one line the verb prints.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/io.h"
#include "cli/json_view.h"
#include "model/status.h"
#include "net/http.h"

namespace hexa::cli {

constexpr const char* kDefaultServer = "http://127.0.0.1:8642";

// Makes the client for a server address ("http://host:port", "https://host:port") and how to
// check an https server's certificate; the hexa binary passes HttpClient::make, tests a fake.
using HttpClientFactory =
    std::function<Result<std::unique_ptr<HttpClient>>(const std::string& base, const HttpClientOptions& opt)>;

// The flags every client verb takes.
struct Globals {
  std::string server;      // --server; else $HEXA_SERVER; else kDefaultServer
  std::string token_file;  // --token-file; else $HEXA_TOKEN (the token); else $HEXA_TOKEN_FILE
  std::string ca_cert;     // --ca-cert; else $HEXA_CA_CERT; else the system's CA store
  bool json = false;       // --json: the server's JSON documents instead of text
};

// Adds --server, --token-file and --ca-cert to `verb`, and --json when `with_json`.
void add_global_options(CLI::App& verb, Globals& g, bool with_json = true);

// The server's address: the flag, $HEXA_SERVER, the default.
std::string server_of(const Globals& g, const ClientIo& io);
// How an https server's certificate is checked: the CA file of --ca-cert, else of
// $HEXA_CA_CERT (its origin named in errors), else the system's store.
HttpClientOptions tls_of(const Globals& g, const ClientIo& io);
// The token: --token-file, $HEXA_TOKEN, $HEXA_TOKEN_FILE; "" when none is given (the server
// will answer 401). Errors: a token file that cannot be read, is empty or holds spaces.
Result<std::string> token_of(const Globals& g, const ClientIo& io);

class Session {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Session(std::unique_ptr<HttpClient> http, std::string base, std::string token);

  // One request with the token. A failed connection is Unavailable; an answer not 2xx is an
  // error whose message is the problem's detail and its status ("gpus: must be an integer >= 1
  // (HTTP 400)"), and whose code follows the status (503: Unavailable, 404: NotFound, 409:
  // Conflict, others: Invalid).
  Result<HttpResponse> call(const std::string& method, const std::string& target, const std::string& body = "",
                            Headers extra = {});
  // call() and the answer parsed as JSON (an error if it is not JSON).
  Result<Json> call_json(const std::string& method, const std::string& target, const Json* body = nullptr,
                         Headers extra = {});
  const std::string& base() const { return base_; }

 private:
  std::unique_ptr<HttpClient> http_;
  std::string base_, token_;
};

// The server and token of `g`, and a client from `make`. Errors: an unreadable token file, a
// server address the factory refuses.
Result<Session> open_session(const Globals& g, const HttpClientFactory& make, const ClientIo& io);

// The message of a non-2xx answer: the problem's detail (else its title, else the start of the
// body) and "(HTTP n)"; 401 adds how to give a token.
std::string problem_message(const HttpResponse& r);

// Prints "hexa: " + the message on io.err; returns 2, the exit code of every failure.
int fail(const ClientIo& io, const Status& st);
int fail(const ClientIo& io, const std::string& message);

// Prints `text` on io.out, adding a final newline if it lacks one.
void print_document(const ClientIo& io, const std::string& text);

}  // namespace hexa::cli
