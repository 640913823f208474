// The server's reading of HTTP requests (net/server_session.cc), without a socket: the bytes go
// through Beast's parser with the server's limits, read as a connection reads them (the header,
// then the body, several requests on one kept-alive connection, in chunks the first byte
// sizes), into the HttpRequest the handler gets (path, query, headers); a read that fails gets
// the answer the server writes. Findings: crashes, sanitizer reports, and a request whose
// query or response breaks the rules below.
#include <boost/beast/_experimental/test/stream.hpp>

#include <sstream>

#include "fuzz_util.h"
#include "net/server_session.h"

namespace hexa::net {
namespace {

constexpr int kMaxRequests = 8;  // per input: what one connection sends in a row

// What the handler would do first with any request, and the response it would write.
void handle(const HttpRequest& req, unsigned version, bool keep_alive, bool head) {
  const std::string path = req.path();
  fuzz::check(path.size() <= req.target.size(), "path longer than its target");
  for (const auto& [key, value] : req.query()) {
    fuzz::check(key.size() + value.size() <= req.target.size(), "a query pair longer than its target");
  }
  (void)req.header("authorization");
  (void)req.header("Content-Type");
  HttpResponse r = http_problem(404, "no route " + path);
  r.headers.push_back({req.header("x-name"), req.header("x-value")});  // the handler's own headers: any text
  std::ostringstream out;
  out << make_response(std::move(r), version, keep_alive, head);
  const std::string text = out.str();
  fuzz::check(text.starts_with("HTTP/1."), "a response that does not start with its status line");
  fuzz::check(text.find("\r\n\r\n") != std::string::npos, "a response without the end of its header");
}

// One request off the stream; false when the connection ends (an error or its answer).
bool read_one(beast::test::stream& stream, beast::flat_buffer& buffer, std::size_t max_body) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(max_body);
  error_code ec;
  http::read_header(stream, buffer, parser, ec);
  if (!ec && !parser.is_done()) http::read(stream, buffer, parser, ec);
  if (ec) {
    if (std::optional<HttpResponse> r = read_error_answer(ec, max_body, 8 * 1024)) {
      fuzz::check(r->status == 400 || r->status == 413 || r->status == 431, "a read error answered " +
                                                                                 std::to_string(r->status));
      std::ostringstream out;
      out << make_response(std::move(*r), 11, false, false);
    }
    return false;
  }
  const auto& msg = parser.get();
  const unsigned version = msg.version();
  const bool keep_alive = msg.keep_alive();
  const bool head = msg.method() == http::verb::head;
  HttpRequest req = to_request(parser.release(), "127.0.0.1:1");
  fuzz::check(req.body.size() <= max_body, "a body over the limit reached the handler");
  handle(req, version, keep_alive, head);
  return keep_alive;
}

}  // namespace
}  // namespace hexa::net

HEXA_FUZZ_TARGET(http_request) {
  using namespace hexa::net;
  hexa::fuzz::FuzzInput in(data, size);
  const std::size_t chunk = 1 + in.byte();             // the size of each read, as TCP may cut it
  const std::size_t max_body = 64 + in.byte() * 64;    // small limits, so that the fuzzer meets them
  const std::string_view bytes = in.rest();
  asio::io_context ioc;
  beast::test::stream stream(ioc, beast::string_view(bytes.data(), bytes.size()));
  stream.read_size(chunk);
  stream.close_remote();  // the client sent all it had: reads past it end (end of stream)
  beast::flat_buffer buffer;
  for (int i = 0; i < kMaxRequests && read_one(stream, buffer, max_body); ++i) {
  }
  return 0;
}
