// The server end to end, through HttpClient and through raw sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "net/http.h"
#include "net_test_util.h"

namespace hexa {
namespace {

using testing::RawConnection;
using testing::ReplyBox;
using testing::text;

std::unique_ptr<HttpServer> serve(Handler handler, HttpServerOptions opt = {}) {
  auto server = HttpServer::start(opt, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().message();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::unique_ptr<HttpClient> client_for(const HttpServer& server) {
  return HttpClient::make("http://127.0.0.1:" + std::to_string(server.port())).value();
}

// Answers with what it received, so that a test can see the request as the handler saw it.
void echo(HttpRequest req, Reply reply) {
  HttpResponse r;
  r.status = req.method == "POST" ? 201 : 200;
  r.content_type = "text/plain";
  r.body = req.method + " " + req.path() + " " + req.body;
  r.headers = {{"Location", "/v1/jobs/7"}, {"X-Peer", req.peer}, {"X-Token", req.header("authorization")}};
  reply(std::move(r));
}

TEST(HttpServerTest, GetAndPostRoundTrip) {
  auto server = serve(echo);
  ASSERT_TRUE(server);
  EXPECT_GT(server->port(), 0);
  auto client = client_for(*server);

  auto get = client->request("GET", "/v1/jobs?state=running", "", {{"Authorization", "Bearer abc"}});
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->content_type, "text/plain");
  EXPECT_EQ(get->body, "GET /v1/jobs ");
  EXPECT_EQ(get->header("x-token"), "Bearer abc");  // request header names arrive lower-cased
  EXPECT_EQ(get->header("content-length"), "13");
  EXPECT_EQ(get->header("x-peer").rfind("127.0.0.1:", 0), 0u) << get->header("x-peer");

  auto post = client->request("POST", "/v1/jobs", R"({"command": ["true"]})");
  ASSERT_TRUE(post.ok()) << post.status().message();
  EXPECT_EQ(post->status, 201);
  EXPECT_EQ(post->body, R"(POST /v1/jobs {"command": ["true"]})");
  EXPECT_EQ(post->header("Location"), "/v1/jobs/7");
}

TEST(HttpServerTest, HandlerSeesHeadersQueryAndBody) {
  ReplyBox box;
  auto server = serve([&](HttpRequest req, Reply reply) {
    box.put(req, nullptr);
    reply(text(200, "ok"));
  });
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  auto r = client->request("PUT", "/v1/x?name=a%20b+c&gpus=2", "payload",
                           {{"Idempotency-Key", "K1"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(box.wait_for(1));
  const HttpRequest req = box.request(0);
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.target, "/v1/x?name=a%20b+c&gpus=2");
  EXPECT_EQ(req.path(), "/v1/x");
  EXPECT_EQ(req.query().at("name"), "a b c");
  EXPECT_EQ(req.query().at("gpus"), "2");
  EXPECT_EQ(req.header("idempotency-key"), "K1");
  EXPECT_EQ(req.header("content-type"), "text/plain");
  EXPECT_EQ(req.header("content-length"), "7");
  EXPECT_EQ(req.body, "payload");
}

TEST(HttpServerTest, HandlerHeadersCannotBreakTheFraming) {
  auto server = serve([](HttpRequest, Reply reply) {
    HttpResponse r = text(200, "body");
    r.headers = {{"Bad Name", "1"}, {"X-Split", "a\r\nInjected: 1"}, {"Content-Length", "999"},
                 {"Connection", "close"}, {"X-Fine", "yes"}};
    reply(std::move(r));
  });
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  for (int i = 0; i < 2; ++i) {  // the connection stays usable
    auto r = client->request("GET", "/");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->body, "body");
    EXPECT_EQ(r->header("content-length"), "4");
    EXPECT_EQ(r->header("x-fine"), "yes");
    EXPECT_EQ(r->header("injected"), "");
    EXPECT_EQ(r->header("x-split"), "");
    EXPECT_EQ(r->header("connection"), "");
  }
}

TEST(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = serve(echo);
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  std::string peer;
  for (int i = 0; i < 200; ++i) {
    auto r = client->request("POST", "/n", std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->body, "POST /n " + std::to_string(i));
    if (i == 0) peer = r->header("x-peer");
    ASSERT_EQ(r->header("x-peer"), peer) << "a new connection at request " << i;
  }
}

TEST(HttpServerTest, BodyOverMaxIs413WithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  HttpServerOptions opt;
  opt.max_body = 1000;
  auto server = serve([&](HttpRequest req, Reply reply) {
    ++calls;
    reply(text(200, std::to_string(req.body.size())));
  }, opt);
  ASSERT_TRUE(server);
  auto client = client_for(*server);

  auto at_limit = client->request("POST", "/x", std::string(1000, 'a'));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  EXPECT_EQ(at_limit->body, "1000");

  for (std::size_t size : {1001u, 3u << 20}) {  // just over, and far over (the server drains it)
    auto over = client->request("POST", "/x", std::string(size, 'a'));
    ASSERT_TRUE(over.ok()) << over.status().message();
    EXPECT_EQ(over->status, 413);
    EXPECT_EQ(over->content_type, "application/problem+json");
    EXPECT_NE(over->body.find("\"status\": 413"), std::string::npos) << over->body;
    EXPECT_EQ(over->header("connection"), "close");
  }
  EXPECT_EQ(calls.load(), 1);

  auto after = client->request("POST", "/x", "abc");  // the client reconnects
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->body, "3");
}

TEST(HttpServerTest, ExpectContinueGetsTheGoAheadOrA413) {
  HttpServerOptions opt;
  opt.max_body = 1000;
  auto server = serve(echo, opt);
  ASSERT_TRUE(server);

  RawConnection ok(server->port());
  ASSERT_TRUE(ok.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(ok.read("\r\n\r\n", 5000), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(ok.send("hello"));
  EXPECT_NE(ok.read("POST /e hello", 5000).find("HTTP/1.1 201"), std::string::npos);

  RawConnection big(server->port());
  ASSERT_TRUE(big.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
  const std::string answer = big.read("", 5000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << answer;
  EXPECT_TRUE(big.closed_by_peer());
}

TEST(HttpServerTest, GarbageIs400AndClose) {
  std::atomic<int> calls{0};
  auto server = serve([&](HttpRequest, Reply reply) {
    ++calls;
    reply(text(200, "no"));
  });
  ASSERT_TRUE(server);
  for (std::string_view garbage : {std::string_view("\x01\x02\x03 nonsense\r\n\r\n"),
                                   std::string_view("GET / HTTP/9.9\r\n\r\n"),
                                   std::string_view("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
                                   std::string_view("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n")}) {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.send(garbage));
    const std::string answer = raw.read("", 5000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Content-Length: "), std::string::npos) << answer;
    EXPECT_NE(answer.find("Content-Type: application/problem+json\r\n"), std::string::npos) << answer;
    EXPECT_TRUE(raw.closed_by_peer());
  }
  EXPECT_EQ(calls.load(), 0);
  auto after = client_for(*server)->request("GET", "/");  // still serving
  ASSERT_TRUE(after.ok()) << after.status().message();
}

// Mangled requests, each on its own connection: whatever the answer, the server survives (and
// under ASan, touches no memory it should not).
TEST(HttpServerTest, MangledRequestsNeverCrashIt) {
  HttpServerOptions opt;
  opt.max_body = 64;
  opt.idle_timeout_ms = 500;
  auto server = serve(echo, opt);
  ASSERT_TRUE(server);
  const std::string valid =
      "POST /v1/jobs?a=%41 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  std::mt19937 rng(20240611);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
    }
    bytes.resize(rng() % (bytes.size() + 1));
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.ok());
    raw.send(bytes);
    raw.shutdown_write();  // no more is coming: an incomplete request ends here
    raw.read("", 5000);
  }
  auto r = client_for(*server)->request("POST", "/still", "up");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "POST /still up");
}

TEST(HttpServerTest, HugeHeaderIs431) {
  auto server = serve(echo);
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'b') + "\r\n\r\n"));
  const std::string answer = raw.read("", 5000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_TRUE(raw.closed_by_peer());
}

TEST(HttpServerTest, Http10AndConnectionCloseAreAnsweredThenClosed) {
  auto server = serve(echo);
  ASSERT_TRUE(server);
  RawConnection old(server->port());
  ASSERT_TRUE(old.send("GET /old HTTP/1.0\r\n\r\n"));
  std::string answer = old.read("", 5000);
  EXPECT_EQ(answer.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("GET /old "), std::string::npos);
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
  EXPECT_TRUE(old.closed_by_peer());

  RawConnection closing(server->port());
  ASSERT_TRUE(closing.send("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  answer = closing.read("", 5000);
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
  EXPECT_TRUE(closing.closed_by_peer());
}

TEST(HttpServerTest, HeadCarriesTheLengthButNoBody) {
  auto server = serve(echo);
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  auto r = client->request("HEAD", "/h");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->header("content-length"), "8");  // "HEAD /h "
  auto next = client->request("GET", "/g");      // the connection is still in step
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->body, "GET /g ");
}

TEST(HttpServerTest, ReplyFromAnotherThreadLater) {
  std::vector<std::thread> workers;
  std::mutex mu;
  auto server = serve([&](HttpRequest req, Reply reply) {
    std::lock_guard lock(mu);
    workers.emplace_back([req = std::move(req), reply = std::move(reply)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      reply(text(200, "late " + req.path()));
    });
  });
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  auto r = client->request("GET", "/slow", "", {}, 10'000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "late /slow");
  auto again = client->request("GET", "/again", "", {}, 10'000);  // keep-alive after a late reply
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->body, "late /again");
  server->stop();
  for (auto& t : workers) t.join();
}

TEST(HttpServerTest, ReplyAfterTheClientWentAwayIsHarmless) {
  ReplyBox box;
  auto server = serve([&](HttpRequest req, Reply reply) {
    if (req.path() == "/alive") return reply(text(200, "alive"));
    box.put(std::move(req), std::move(reply));
  });
  ASSERT_TRUE(server);
  {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(box.wait_for(1));
  }  // the client closes before the answer
  {
    auto client = client_for(*server);
    auto r = client->request("GET", "/timeout", "", {}, 100);  // gives up, closes
    EXPECT_FALSE(r.ok());
    ASSERT_TRUE(box.wait_for(2));
  }
  box.reply(0)(text(200, "too late"));
  box.reply(1)(text(200, "too late"));
  box.clear();
  auto r = client_for(*server)->request("GET", "/alive");  // the server is unharmed
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "alive");
}

TEST(HttpServerTest, StopWhileRepliesArePending) {
  ReplyBox box;
  auto server = serve([&](HttpRequest req, Reply reply) { box.put(std::move(req), std::move(reply)); });
  ASSERT_TRUE(server);
  const int port = server->port();
  std::vector<std::string> outcomes(2);
  std::vector<std::thread> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.emplace_back([&, i] {
      auto client = HttpClient::make("http://127.0.0.1:" + std::to_string(port)).value();
      auto r = client->request("POST", "/v1/jobs", "{}", {}, 30'000);
      outcomes[i] = r.ok() ? "answered" : r.status().message();
    });
  }
  ASSERT_TRUE(box.wait_for(2));
  server->stop();
  for (auto& t : waiting) t.join();  // the clients learn at once that their connection closed
  for (const std::string& o : outcomes) EXPECT_NE(o.find("closed the connection"), std::string::npos) << o;

  server->stop();  // idempotent
  box.reply(0)(text(201, "after stop"));  // dropped
  Reply answered_late = box.reply(0);
  Reply never_answered = box.reply(1);
  box.clear();
  server.reset();
  answered_late(text(201, "after the server is gone"));  // dropped too
  never_answered = nullptr;  // its last copy goes: the 500 it would send is dropped as well
}

TEST(HttpServerTest, ADroppedReplyAnswers500AndASecondReplyIsIgnored) {
  auto server = serve([&](HttpRequest req, Reply reply) {
    if (req.path() == "/drop") return;  // never replies, drops the Reply
    if (req.path() == "/throw") throw std::runtime_error("boom");
    reply(text(200, "first " + req.path()));
    reply(text(200, "second"));
  });
  ASSERT_TRUE(server);
  auto client = client_for(*server);
  auto dropped = client->request("GET", "/drop");
  ASSERT_TRUE(dropped.ok()) << dropped.status().message();
  EXPECT_EQ(dropped->status, 500);
  auto thrown = client->request("GET", "/throw");
  ASSERT_TRUE(thrown.ok()) << thrown.status().message();
  EXPECT_EQ(thrown->status, 500);
  EXPECT_NE(thrown->body.find("boom"), std::string::npos) << thrown->body;
  for (const char* path : {"/a", "/b"}) {
    auto r = client->request("GET", path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->body, std::string("first ") + path);
  }
}

TEST(HttpServerTest, StartErrorsNameTheAddress) {
  auto first = serve(echo);
  ASSERT_TRUE(first);
  HttpServerOptions opt;
  opt.port = first->port();
  auto busy = HttpServer::start(opt, echo);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(busy.status().message().find("127.0.0.1:" + std::to_string(opt.port)), std::string::npos)
      << busy.status().message();

  opt.port = 70000;
  EXPECT_EQ(HttpServer::start(opt, echo).status().code(), StatusCode::kInvalid);
  opt.port = 0;
  opt.host = "not an address";
  auto bad_host = HttpServer::start(opt, echo);
  ASSERT_FALSE(bad_host.ok());
  EXPECT_NE(bad_host.status().message().find("not an address"), std::string::npos);
}

TEST(HttpServerTest, IdleConnectionsAreClosed) {
  HttpServerOptions opt;
  opt.idle_timeout_ms = 100;
  auto server = serve(echo, opt);
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.read("", 10'000), "");  // a generous bound: it closes after about 100 ms
  EXPECT_TRUE(raw.closed_by_peer());
}

}  // namespace
}  // namespace hexa
