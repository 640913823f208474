// The client's side of replicas (net/leader_client.h): the URL list, where a request goes, which
// redirects it follows, what it retries, and that it stops.
#include "net/leader_client.h"

#include <deque>
#include <map>

#include <gtest/gtest.h>

namespace hexa::testing {
namespace {

// Servers by URL, each answering its canned answers in turn (a failed connection when none left).
struct Replicas3 {
  std::map<std::string, std::deque<Result<HttpResponse>>> answers;
  std::vector<std::string> log;  // "URL METHOD TARGET"
  std::vector<int> pauses;

  static HttpResponse as(int status, const std::string& role = "", const std::string& location = "") {
    HttpResponse r;
    r.status = status;
    r.body = "{}";
    if (!role.empty()) r.headers.push_back({"X-Hexa-Role", role});
    if (!location.empty()) r.headers.push_back({"Location", location});
    return r;
  }
  void reply(const std::string& url, HttpResponse r) { answers[url].emplace_back(std::move(r)); }
  void refuse(const std::string& url) { answers[url].emplace_back(Status::Unavailable(url + ": connection refused")); }

  std::unique_ptr<LeaderClient> client(const std::vector<std::string>& urls) {
    auto c = LeaderClient::make(
        urls, [this](const std::string& url) -> Result<std::unique_ptr<HttpClient>> {
          return std::unique_ptr<HttpClient>(new One(*this, url));
        },
        [this](int ms) { pauses.push_back(ms); });
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  class One : public HttpClient {
   public:
    One(Replicas3& s, std::string url) : s_(s), url_(std::move(url)) {}
    Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string&,
                                 const std::vector<std::pair<std::string, std::string>>&, int) override {
      s_.log.push_back(url_ + " " + method + " " + target);
      auto& q = s_.answers[url_];
      if (q.empty()) return Status::Unavailable(url_ + ": connection refused");
      Result<HttpResponse> r = std::move(q.front());
      q.pop_front();
      return r;
    }

   private:
    Replicas3& s_;
    std::string url_;
  };
};

const std::string A = "http://a:1", B = "http://b:2", C = "https://c:3";

TEST(ServerList, ParsesCommaSeparatedUrls) {
  auto l = parse_server_list(" http://a:1/ ,http://b:2,http://a:1");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_FALSE(parse_server_list("http://a:1,,http://b:2").ok());
  auto bad = parse_server_list("http://a:1,ftp://b");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'ftp://b': must begin with http:// or https://"), std::string::npos);
  EXPECT_FALSE(parse_server_list("").ok());
}

TEST(ServerList, ALocationMatchesAListedServerOnly) {
  std::string target;
  EXPECT_EQ(server_of_location({A, B}, "http://B:2/v1/jobs?x=1", &target), 1);
  EXPECT_EQ(target, "/v1/jobs?x=1");
  EXPECT_EQ(server_of_location({A, B}, "http://b:22/v1/jobs", &target), -1);  // another port
  EXPECT_EQ(server_of_location({A, B}, "https://b:2/v1/jobs", &target), -1);  // another scheme
  EXPECT_EQ(server_of_location({A, B}, "http://evil:2/v1/jobs", &target), -1);
  EXPECT_EQ(server_of_location({A, B}, "/v1/jobs", &target), -1);
}

TEST(LeaderClient, FollowsARedirectToAListedServerAndRemembersTheLeader) {
  Replicas3 s;
  s.reply(A, Replicas3::as(307, "follower", B + "/v1/jobs"));
  s.reply(B, Replicas3::as(201, "leader"));
  s.reply(B, Replicas3::as(200, "leader"));
  auto c = s.client({A, B, C});
  auto r = c->request("POST", "/v1/jobs", "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(c->preferred(), 1);
  ASSERT_TRUE(c->request("GET", "/v1/jobs").ok());  // straight to the leader
  EXPECT_EQ(s.log, (std::vector<std::string>{A + " POST /v1/jobs", B + " POST /v1/jobs", B + " GET /v1/jobs"}));
}

TEST(LeaderClient, RefusesARedirectOutsideTheList) {
  Replicas3 s;
  s.reply(A, Replicas3::as(307, "follower", "http://elsewhere:8642/v1/jobs"));
  auto c = s.client({A, B});
  auto r = c->request("POST", "/v1/jobs", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("http://elsewhere:8642/v1/jobs, which is not among the servers given"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("a token is never sent to a server you did not name"), std::string::npos);
  EXPECT_EQ(s.log.size(), 1u);  // nothing sent there
}

TEST(LeaderClient, MovesOnAfterAFailedConnectionOrA503) {
  Replicas3 s;
  s.refuse(A);
  s.reply(B, Replicas3::as(503, "follower"));
  s.reply(C, Replicas3::as(200, "leader"));
  auto c = s.client({A, B, C});
  auto r = c->request("GET", "/v1/jobs");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(c->preferred(), 2);
  EXPECT_TRUE(s.pauses.empty());  // no whole round failed
}

TEST(LeaderClient, GivesUpAfterEachServerTwice) {
  Replicas3 s;  // nobody answers
  auto c = s.client({A, B});
  auto r = c->request("GET", "/v1/jobs");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.log.size(), 4u);
  EXPECT_EQ(s.pauses, (std::vector<int>{LeaderClient::kPauseMs, LeaderClient::kPauseMs}));
  // Every server answering 503 (a failover under way): the last 503 comes back, bounded too.
  Replicas3 t;
  for (int i = 0; i < 5; ++i) t.reply(A, Replicas3::as(503, "follower")), t.reply(B, Replicas3::as(503, "follower"));
  auto d = t.client({A, B});
  auto busy = d->request("GET", "/v1/jobs");
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(t.log.size(), 4u);
}

TEST(LeaderClient, ResendsAPostOnlyWithAnIdempotencyKey) {
  Replicas3 s;
  s.refuse(A);
  s.reply(B, Replicas3::as(201, "leader"));
  auto c = s.client({A, B});
  auto r = c->request("POST", "/v1/tenants", "{}");
  EXPECT_FALSE(r.ok());  // it may have reached A: not sent again
  EXPECT_EQ(s.log.size(), 1u);
  EXPECT_EQ(c->preferred(), 1);  // the caller's retry goes to B
  Replicas3 t;
  t.refuse(A);
  t.reply(B, Replicas3::as(201, "leader"));
  auto d = t.client({A, B});
  auto keyed = d->request("POST", "/v1/jobs", "{}", {{"Idempotency-Key", "k1"}});
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed->status, 201);
  EXPECT_EQ(t.log, (std::vector<std::string>{A + " POST /v1/jobs", B + " POST /v1/jobs"}));
}

TEST(LeaderClient, ARedirectLoopStops) {
  Replicas3 s;
  for (int i = 0; i < 10; ++i) {
    s.reply(A, Replicas3::as(307, "follower", B + "/x"));
    s.reply(B, Replicas3::as(307, "follower", A + "/x"));
  }
  auto c = s.client({A, B});
  auto r = c->request("GET", "/x");
  EXPECT_LE(s.log.size(), 4u);
  EXPECT_FALSE(r.ok() && r->status == 200);
}

}  // namespace
}  // namespace hexa::testing
