// The client: timeouts, refused connections, reconnecting, and never sending a request twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>

#include "net/http.h"
#include "net_test_util.h"

namespace hexa {
namespace {

using testing::RawConnection;
using testing::RawServer;
using testing::ReplyBox;
using testing::text;

std::string base_of(int port) { return "http://127.0.0.1:" + std::to_string(port); }

bool contains(const std::string& haystack, std::string needle) {
  std::string h = haystack;
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h.find(needle) != std::string::npos;
}

TEST(HttpClientTest, TimesOutAgainstAHandlerThatNeverReplies) {
  ReplyBox box;
  auto server = HttpServer::start({}, [&](HttpRequest req, Reply reply) { box.put(std::move(req), std::move(reply)); });
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::make(base_of((*server)->port())).value();
  const auto start = std::chrono::steady_clock::now();
  auto r = client->request("GET", "/never", "", {}, 200);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  const std::string msg = r.status().message();  // a copy: status() is a temporary
  EXPECT_TRUE(contains(msg, base_of((*server)->port()))) << msg;
  EXPECT_TRUE(contains(msg, "GET /never")) << msg;
  EXPECT_TRUE(contains(msg, "timed out after 200 ms")) << msg;
  EXPECT_LT(waited, std::chrono::seconds(10));  // a generous bound: about 200 ms
  (*server)->stop();
}

TEST(HttpClientTest, TimesOutAgainstAServerThatNeverAnswers) {
  RawServer silent([](RawConnection& c) { c.read("", 10'000); });  // reads until the client leaves
  auto client = HttpClient::make(base_of(silent.port())).value();
  auto r = client->request("POST", "/v1/jobs", "{}", {}, 150);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "timed out")) << r.status().message();
}

TEST(HttpClientTest, ClosedPortIsUnavailable) {
  auto server = HttpServer::start({}, [](HttpRequest, Reply reply) { reply(text(200, "")); });
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  server->reset();  // stopped: the port is closed now
  auto client = HttpClient::make(base_of(port)).value();
  auto r = client->request("GET", "/", "", {}, 5000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), base_of(port))) << r.status().message();
  EXPECT_TRUE(contains(r.status().message(), "connection refused")) << r.status().message();
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  HttpServerOptions opt;
  opt.idle_timeout_ms = 50;
  auto server = HttpServer::start(opt, [](HttpRequest req, Reply reply) { reply(text(200, req.peer)); });
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::make("http://localhost:" + std::to_string((*server)->port())).value();
  auto first = client->request("GET", "/");
  ASSERT_TRUE(first.ok()) << first.status().message();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the server closes it meanwhile
  auto second = client->request("POST", "/v1/jobs", "{}");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_NE(first->body, second->body);  // another connection (another client port)
}

// Reads one request (its header, and a body of Content-Length bytes) from a raw connection.
std::string read_request(RawConnection& c) {
  std::string got = c.read("\r\n\r\n", 5000);
  const std::size_t end = got.find("\r\n\r\n");
  const std::size_t at = got.find("Content-Length: ");
  if (end == std::string::npos || at == std::string::npos) return got;
  const std::size_t want = end + 4 + std::stoul(got.substr(at + 16));
  if (got.size() < want) got += c.read_n(want - got.size(), 5000);
  return got;
}

TEST(HttpClientTest, NeverResendsARequestTheServerMayHaveRead) {
  std::atomic<int> requests{0};
  // Fresh connection: the server reads the request and closes without answering.
  RawServer rude([&](RawConnection& c) {
    if (!read_request(c).empty()) ++requests;
  });
  auto client = HttpClient::make(base_of(rude.port())).value();
  auto r = client->request("POST", "/v1/jobs", "{}", {}, 5000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "closed the connection")) << r.status().message();
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(rude.connections(), 1);
}

TEST(HttpClientTest, NeverResendsOnAKeptConnectionOnceTheRequestWasSent) {
  std::atomic<int> requests{0};
  // Answers the first request of a connection, reads the second and closes.
  RawServer server([&](RawConnection& c) {
    if (read_request(c).empty()) return;
    ++requests;
    c.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    if (!read_request(c).empty()) ++requests;
  });
  auto client = HttpClient::make(base_of(server.port())).value();
  auto first = client->request("POST", "/v1/jobs", "{}", {}, 5000);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->body, "ok");
  auto second = client->request("POST", "/v1/jobs", "{}", {}, 5000);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, FollowsConnectionClose) {
  RawServer server([](RawConnection& c) {
    read_request(c);
    c.send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye");
  });
  auto client = HttpClient::make(base_of(server.port())).value();
  for (int i = 0; i < 3; ++i) {
    auto r = client->request("GET", "/", "", {}, 5000);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->body, "bye");
    EXPECT_EQ(r->content_type, "");  // none was sent
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClientTest, RefusesMalformedRequests) {
  auto client = HttpClient::make("http://127.0.0.1:9").value();  // never reached
  EXPECT_EQ(client->request("GE T", "/").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(client->request("GET", "no-slash").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(client->request("GET", "/a b").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(client->request("GET", "/", "", {{"X-A", "1\r\nX-B: 2"}}).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(client->request("GET", "/", "", {{"Bad Name", "1"}}).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(client->request("GET", "/", "", {}, 0).status().code(), StatusCode::kInvalid);
}

TEST(HttpClientTest, LargeBodiesBothWays) {
  HttpServerOptions opt;
  opt.max_body = 8 << 20;
  auto server = HttpServer::start(opt, [](HttpRequest req, Reply reply) {
    std::reverse(req.body.begin(), req.body.end());
    reply(text(200, std::move(req.body)));
  });
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::make(base_of((*server)->port())).value();
  std::string body(5 << 20, 'a');
  body.back() = 'z';
  auto r = client->request("POST", "/big", body, {{"Content-Type", "application/octet-stream"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->body.size(), body.size());
  EXPECT_EQ(r->body.front(), 'z');
}

}  // namespace
}  // namespace hexa
