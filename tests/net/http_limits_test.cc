// The server's limits on what one client may take: header fields and bytes, the time to send a
// header (slowloris), and connections at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "net/http.h"
#include "net_test_util.h"

namespace hexa {
namespace {

using testing::RawConnection;
using testing::ReplyBox;
using Clock = std::chrono::steady_clock;

void ok(HttpRequest req, Reply reply) { reply(testing::text(200, "ok " + req.path())); }

std::unique_ptr<HttpServer> serve(HttpServerOptions opt, Handler handler = ok) {
  auto server = HttpServer::start(opt, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().message();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::string request_with_fields(int extra_fields) {
  std::string r = "GET /f HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < extra_fields; ++i) r += "X-F" + std::to_string(i) + ": v\r\n";
  return r + "\r\n";
}

TEST(HttpLimitsTest, MoreHeaderFieldsThanAllowedIs431) {
  auto server = serve({});  // at most 100 fields, Host included
  ASSERT_TRUE(server);
  RawConnection fits(server->port());
  ASSERT_TRUE(fits.send(request_with_fields(99)));
  EXPECT_EQ(fits.read("ok /f", 10'000).rfind("HTTP/1.1 200 ", 0), 0u);
  RawConnection over(server->port());
  ASSERT_TRUE(over.send(request_with_fields(100)));
  const std::string answer = over.read("", 10'000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("the request has 101 header fields; at most 100 are allowed"), std::string::npos) << answer;
  EXPECT_TRUE(over.closed_by_peer());
}

TEST(HttpLimitsTest, AHeaderOverItsByteLimitIs431) {
  HttpServerOptions opt;
  opt.max_header_bytes = 1024;
  auto server = serve(opt);
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1100, 'b') + "\r\n\r\n"));
  const std::string answer = raw.read("", 10'000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("over the limit of 1024 bytes"), std::string::npos) << answer;
}

// A header trickled a line at a time is cut off at the header timeout, long before the idle one.
TEST(HttpLimitsTest, AHeaderTrickledPastTheHeaderTimeoutIsClosed) {
  HttpServerOptions opt;
  opt.header_timeout_ms = 300;
  opt.idle_timeout_ms = 60'000;
  auto server = serve(opt);
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {  // 10 s at most: a generous bound on 300 ms
    if (!raw.send("X-Slow-" + std::to_string(i) + ": y\r\n")) break;
    raw.read("", 50);
    closed = raw.closed_by_peer();
  }
  EXPECT_TRUE(closed || raw.closed_by_peer());
}

// A new connection that sends nothing has the header timeout too, not the idle one.
TEST(HttpLimitsTest, ANewConnectionThatSaysNothingIsClosedAtTheHeaderTimeout) {
  HttpServerOptions opt;
  opt.header_timeout_ms = 200;
  opt.idle_timeout_ms = 60'000;
  auto server = serve(opt);
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  EXPECT_EQ(raw.read("", 10'000), "");
  EXPECT_TRUE(raw.closed_by_peer());
}

// Between requests a kept connection idles under the idle timeout: longer than the header's.
TEST(HttpLimitsTest, AKeptConnectionMayIdleLongerThanTheHeaderTimeout) {
  HttpServerOptions opt;
  opt.header_timeout_ms = 200;
  opt.idle_timeout_ms = 60'000;
  auto server = serve(opt);
  ASSERT_TRUE(server);
  auto client = HttpClient::make("http://127.0.0.1:" + std::to_string(server->port())).value();
  ASSERT_TRUE(client->request("GET", "/1").ok());
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(raw.read("ok /a", 10'000).find("ok /a"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // 3 header timeouts
  ASSERT_TRUE(raw.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(raw.read("ok /b", 10'000).find("ok /b"), std::string::npos);
  EXPECT_FALSE(raw.closed_by_peer());
}

// Slowloris: many connections trickle their headers a byte at a time; a well-behaved client on
// the side is answered promptly all along (the server is asynchronous), and the trickling ones
// are all closed at the header timeout.
TEST(HttpLimitsTest, SlowlorisDoesNotStarveOthers) {
  constexpr int kSlow = 200;
  HttpServerOptions opt;
  opt.header_timeout_ms = 3000;
  auto server = serve(opt);
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server->port()));
    ASSERT_TRUE(slow.back()->ok());
    slow.back()->send("G");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    const std::string header = "ET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(1000, 'p');
    for (std::size_t at = 0; at < header.size() && !done; ++at) {
      for (auto& c : slow) c->send(header.substr(at, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  auto kept = HttpClient::make(base).value();
  double worst_ms = 0;
  const auto until = Clock::now() + std::chrono::milliseconds(2000);  // within the slow ones' lives
  int answered = 0;
  while (Clock::now() < until) {
    const auto t0 = Clock::now();
    auto one = HttpClient::make(base).value();  // every other request on a new connection
    auto r = (answered % 2 ? *kept : *one).request("GET", "/n", "", {}, 10'000);
    ASSERT_TRUE(r.ok()) << r.status().message();
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++answered;
  }
  EXPECT_LT(worst_ms, 5000.0);  // generous: loopback answers take about a millisecond
  std::printf("slowloris: %d trickling connections; %d requests answered meanwhile, the slowest in %.1f ms\n", kSlow,
              answered, worst_ms);
  int closed = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (auto& c : slow) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    c->read("", static_cast<int>(std::max<long>(left, 1)));
    closed += c->closed_by_peer() ? 1 : 0;
  }
  done = true;
  trickle.join();
  EXPECT_EQ(closed, kSlow);
}

// Beyond max_connections, new connections are closed at accept; the ones held are served, and
// once one leaves a new one is taken again.
TEST(HttpLimitsTest, ConnectionsOverTheCapAreClosedAtAccept) {
  ReplyBox box;
  HttpServerOptions opt;
  opt.max_connections = 4;
  auto server = serve(opt, [&box](HttpRequest req, Reply reply) { box.put(std::move(req), std::move(reply)); });
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(server->port()));
    ASSERT_TRUE(held.back()->send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  ASSERT_TRUE(box.wait_for(4));  // all four accepted, their requests in the handler's hands
  RawConnection extra(server->port());
  extra.send("GET /extra HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(extra.read("", 10'000), "");
  EXPECT_TRUE(extra.closed_by_peer());
  // The box holds the four in the order the server read them, not the order they connected:
  // all four are answered, so that held[0] has its answer whichever it was.
  for (std::size_t i = 0; i < 4; ++i) box.reply(i)(testing::text(200, "held"));
  EXPECT_NE(held[0]->read("held", 10'000).find("held"), std::string::npos);
  held[0]->close();
  bool served = false;  // the server sees the close asynchronously: a few tries
  std::unique_ptr<RawConnection> again;
  for (int i = 0; i < 50 && !served; ++i) {
    again = std::make_unique<RawConnection>(server->port());
    again->send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    again->read("", 200);  // one over the cap is closed at once
    if (!again->closed_by_peer()) served = box.wait_for(5);
  }
  EXPECT_TRUE(served);
}

TEST(HttpLimitsTest, BadLimitsAreRefused) {
  HttpServerOptions opt;
  opt.max_connections = 0;
  auto r = HttpServer::start(opt, ok);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "max_connections: must be at least 1");
  opt = {};
  opt.max_header_fields = 0;
  EXPECT_EQ(HttpServer::check(opt).message(), "max_header_fields: must be at least 1");
}

}  // namespace
}  // namespace hexa
