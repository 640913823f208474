// Replicas in-process (docs/server.md, Replicas): Hosts over one SharedMemJournal, driven by
// hand (Host::step), with a clock for the "database" and one monotonic clock per server, so
// that a lease lapses exactly when a test says.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"
#include "server/api.h"
#include "server/metrics_render.h"
#include "server/shared_mem_journal.h"

namespace hexa::testing {
namespace {

constexpr DurationMs kLease = 5 * kSecond;
constexpr TimeMs kDay0 = 20'000 * kDay;  // the servers' wall clock, still

struct Replica1 {
  std::string name, url;
  std::unique_ptr<Host> host;
  TokenBook tokens;
  std::unique_ptr<Api> api;
  std::atomic<TimeMs> mono{1'000'000};
};

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hexa-replica-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/cloud.yaml") << small_cloud(2, 2);
    auto cloud = load_cloud(dir_ + "/cloud.yaml");
    ASSERT_TRUE(cloud.ok()) << cloud.status().message();
    cloud_ = std::move(cloud).value();
    store_ = std::make_shared<SharedMemStore>();
    store_->clock = [this] { return db_ms_.load(); };
    admin_ = new_token_secret();
    TokenRecord t{"tok-admin", sha256_hex(admin_), "admin", "", "", 0};
    store_->tokens.push_back(t);  // as a row already in the database
  }
  void TearDown() override {
    for (auto& r : servers_) r->host.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Replica1& open(const std::string& name) {
    auto r = std::make_unique<Replica1>();
    r->name = name, r->url = "http://" + name + ".test:8642";
    HostOptions opt;
    opt.clock = [] { return kDay0; };
    opt.monotonic = [m = &r->mono] { return m->load(); };
    opt.open_journal = [s = store_](const std::string&) -> Result<std::unique_ptr<Journal>> {
      return std::unique_ptr<Journal>(new SharedMemJournal(s));
    };
    opt.replica_id = name, opt.advertise_url = r->url, opt.lease = kLease;
    opt.defaults.time_limit = 3600 * kSecond;
    auto host = Host::open(cloud_, dir_ + "/" + name, opt);
    EXPECT_TRUE(host.ok()) << host.status().message();
    if (!host.ok()) std::abort();
    r->host = std::move(host).value();
    r->tokens.load(*r->host->journal().tokens());
    r->api.reset(new Api{*r->host, r->tokens});
    r->api->ready = true;
    servers_.push_back(std::move(r));
    return *servers_.back();
  }

  // One request, answered within a few turns of the server's core thread (run here).
  HttpResponse call(Replica1& r, const std::string& method, const std::string& target, const Json& body = nullptr,
                    const std::string& key = "") {
    HttpRequest req;
    req.method = method, req.target = target, req.peer = "127.0.0.1:40000";
    req.headers["authorization"] = "Bearer " + admin_;
    if (!key.empty()) req.headers["idempotency-key"] = key;
    if (!body.is_null()) req.body = body.dump(), req.headers["content-type"] = "application/json";
    auto got = std::make_shared<std::optional<HttpResponse>>();
    if (threaded_) {  // the core thread answers
      auto done = std::make_shared<std::promise<HttpResponse>>();
      auto answer = done->get_future();
      serve_request(*r.api, std::move(req), [done](HttpResponse resp) { done->set_value(std::move(resp)); });
      if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
        return ADD_FAILURE() << method << " " << target << ": no answer", HttpResponse{};
      return answer.get();
    }
    serve_request(*r.api, std::move(req), [got](HttpResponse resp) { *got = std::move(resp); });
    for (int i = 0; i < 5 && !*got; ++i) r.host->step();
    if (!*got) return ADD_FAILURE() << method << " " << target << ": no answer", HttpResponse{};
    return **got;
  }
  Json submit_body(int i) const { return Json{{"tenant", "acme"}, {"gpus", 1 + i % 2}, {"command", {"true"}}}; }
  // Until the follower has applied the whole journal (bounded).
  void catch_up(Replica1& r) {
    for (int i = 0; i < 100 && (r.host->journal().last_seq() > applied(r) || i == 0); ++i) r.host->step();
    EXPECT_EQ(r.host->replica_view().behind_rows, 0);
  }
  std::int64_t applied(Replica1& r) { return r.host->journal().last_seq() - r.host->replica_view().behind_rows; }
  // A storm of submits and cancels on the leader, with two nodes registered: jobs run and end.
  std::vector<std::int64_t> storm(Replica1& leader, int n, const std::string& tag) {
    EXPECT_EQ(call(leader, "POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    EXPECT_EQ(call(leader, "POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
    for (const char* node : {"n0", "n1"})
      EXPECT_EQ(call(leader, "POST", "/v1/agent/register", {{"node", node}, {"gpus", 2}, {"gpu_type", "gpu"}}).status, 200);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i) {
      HttpResponse r = call(leader, "POST", "/v1/jobs", submit_body(i), tag + std::to_string(i));
      EXPECT_EQ(r.status, 201) << r.body;
      if (r.status != 201) continue;
      ids.push_back(Json::parse(r.body)["id"].get<std::int64_t>());
      if (i % 5 == 4) {
        EXPECT_EQ(call(leader, "DELETE", "/v1/jobs/" + std::to_string(ids.back())).status, 200);
      }
    }
    return ids;
  }
  void lapse(Replica1& r) { r.mono += kLease + 1; }

  std::string dir_;
  Scenario cloud_;
  std::shared_ptr<SharedMemStore> store_;
  std::atomic<TimeMs> db_ms_{5'000'000};
  std::string admin_;
  std::vector<std::unique_ptr<Replica1>> servers_;
  bool threaded_ = false;  // Host::start() called: requests are answered by the core threads
};

std::string header(const HttpResponse& r, const std::string& name) { return r.header(name); }

TEST_F(ReplicaTest, OneLeadsTheOthersFollowAndMatchItsDigest) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  Replica1& c = open("c");
  EXPECT_TRUE(a.host->leading());
  EXPECT_FALSE(b.host->leading());
  EXPECT_FALSE(c.host->leading());
  EXPECT_EQ(b.host->replica_view().leader_url, a.url);
  const auto ids = storm(a, 60, "storm-");
  ASSERT_EQ(ids.size(), 60u);
  catch_up(b), catch_up(c);
  EXPECT_EQ(b.host->digest(), a.host->digest());
  EXPECT_EQ(c.host->digest(), a.host->digest());
  // A job that ended (cancelled) reads the same on a follower: from the archive the leader wrote.
  HttpResponse on_a = call(a, "GET", "/v1/jobs/" + std::to_string(ids[4]));
  HttpResponse on_b = call(b, "GET", "/v1/jobs/" + std::to_string(ids[4]));
  EXPECT_EQ(on_b.status, 200) << on_b.body;
  EXPECT_EQ(Json::parse(on_b.body)["state"], Json::parse(on_a.body)["state"]);
  EXPECT_EQ(header(on_b, "X-Hexa-Role"), "follower");
  EXPECT_EQ(header(on_a, "X-Hexa-Role"), "leader");
  // The follower wrote nothing: only the leader holds an epoch.
  EXPECT_EQ(b.host->journal().held_epoch(), 0);
  EXPECT_NE(render_metrics(*b.host).find("\nhexa_replica_leader 0\n"), std::string::npos);
  EXPECT_NE(render_metrics(*a.host).find("\nhexa_replica_leader 1\n"), std::string::npos);
}

TEST_F(ReplicaTest, AFollowerAnswersReadsAndSendsWritesToTheLeader) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  (void)storm(a, 3, "k-");
  HttpResponse read = call(b, "GET", "/v1/jobs");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(header(read, "X-Hexa-Role"), "follower");
  EXPECT_EQ(header(read, "X-Hexa-Leader"), a.url);
  EXPECT_FALSE(header(read, "X-Hexa-Behind-Rows").empty());
  catch_up(b);
  EXPECT_EQ(header(call(b, "GET", "/v1/jobs"), "X-Hexa-Behind-Rows"), "0");
  const std::int64_t rows = store_->rows.size();
  HttpResponse post = call(b, "POST", "/v1/jobs", submit_body(0));
  EXPECT_EQ(post.status, 307) << post.body;
  EXPECT_EQ(header(post, "Location"), a.url + "/v1/jobs");
  HttpResponse del = call(b, "DELETE", "/v1/jobs/1?reason=x");
  EXPECT_EQ(del.status, 307);
  EXPECT_EQ(header(del, "Location"), a.url + "/v1/jobs/1?reason=x");
  // The agents' routes too, reads included: their orders live in the leader's AgentBook.
  HttpResponse orders = call(b, "GET", "/v1/agent/orders?node=n0&epoch=1");
  EXPECT_EQ(orders.status, 307);
  EXPECT_EQ(header(orders, "Location"), a.url + "/v1/agent/orders?node=n0&epoch=1");
  EXPECT_EQ(static_cast<std::int64_t>(store_->rows.size()), rows);  // nothing written by b
  // With the lease lapsed (b's clock past it) and nobody holding it yet: 503 + Retry-After.
  db_ms_ += kLease + 1, lapse(b);
  HttpResponse none = call(b, "POST", "/v1/jobs", submit_body(0));
  EXPECT_EQ(none.status, 503) << none.body;
  EXPECT_EQ(header(none, "Retry-After"), "1");
  EXPECT_NE(none.body.find("no server leads"), std::string::npos) << none.body;
}

// A follower reloads its tokens on an unknown one (one the leader made since): while the
// database is down, that read fails, and the follower keeps the tokens it has. It used to load
// the failed read as "no tokens" and answer every client 401 until its next reload (seen as a
// 401 in Failover.PostgresDownLongerThanTheLeaseThenBack).
TEST_F(ReplicaTest, AFollowerKeepsItsTokensWhenTheDatabaseIsDown) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  (void)storm(a, 2, "k-");
  catch_up(b);
  store_->down = true;
  HttpRequest req;
  req.method = "GET", req.target = "/v1/jobs", req.peer = "127.0.0.1:40000";
  req.headers["authorization"] = "Bearer " + new_token_secret();  // unknown: b reloads, and fails
  std::optional<HttpResponse> got;
  serve_request(*b.api, std::move(req), [&got](HttpResponse resp) { got = std::move(resp); });
  for (int i = 0; i < 5 && !got; ++i) b.host->step();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, 401);
  EXPECT_NE(call(b, "GET", "/v1/jobs").status, 401) << "the admin's token, known before the outage";
  store_->down = false;
}

TEST_F(ReplicaTest, AFollowerTakesALapsedLeaseCatchesUpAndLeads) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  const auto acked = storm(a, 40, "before-");
  // a stops in its tracks (SIGSTOP): b has read nothing yet. The lease lapses at the database.
  db_ms_ += kLease + 1, lapse(b);
  b.host->step();  // takes the lease, reads the journal to its end, leads
  ASSERT_TRUE(b.host->leading());
  EXPECT_EQ(b.host->replica_view().epoch, 2);
  EXPECT_EQ(b.host->replica_view().failovers, 1);
  EXPECT_NE(render_metrics(*b.host).find("\nhexa_replica_failovers_total 1\n"), std::string::npos);
  // Its state is a fresh replay's.
  Replica1& c = open("c");
  EXPECT_FALSE(c.host->leading());
  EXPECT_EQ(b.host->digest(), c.host->digest());
  // a wakes up believing its lease (its own clock did not move): its next append is fenced.
  ASSERT_TRUE(a.host->leading());
  const std::size_t rows = store_->rows.size();
  HttpResponse late = call(a, "POST", "/v1/jobs", submit_body(0), "late");
  EXPECT_EQ(late.status, 503) << late.body;
  EXPECT_EQ(store_->rows.size(), rows);
  EXPECT_FALSE(a.host->leading());
  // ... and from then on it sends writes to b.
  HttpResponse again = call(a, "POST", "/v1/jobs", submit_body(0), "late");
  EXPECT_EQ(again.status, 307);
  EXPECT_EQ(header(again, "Location"), b.url + "/v1/jobs");
  // Every submit a acknowledged is on b, once; the retry of "late" on b makes one job.
  for (std::int64_t id : acked) EXPECT_EQ(call(b, "GET", "/v1/jobs/" + std::to_string(id)).status, 200) << id;
  HttpResponse retried = call(b, "POST", "/v1/jobs", submit_body(0), "late");
  EXPECT_EQ(retried.status, 201) << retried.body;
  HttpResponse twice = call(b, "POST", "/v1/jobs", submit_body(0), "late");
  EXPECT_EQ(Json::parse(twice.body)["id"], Json::parse(retried.body)["id"]);
  // The idempotency keys came through the journal: an old one is known on b.
  HttpResponse old = call(b, "POST", "/v1/jobs", submit_body(0), "before-0");
  EXPECT_EQ(Json::parse(old.body)["id"].get<std::int64_t>(), acked[0]) << old.body;
  catch_up(a), catch_up(c);
  EXPECT_EQ(a.host->digest(), b.host->digest());
  EXPECT_EQ(c.host->digest(), b.host->digest());
}

TEST_F(ReplicaTest, ALeaderCutOffFromTheDatabaseStopsAcknowledging) {
  Replica1& a = open("a");
  (void)storm(a, 2, "x-");
  store_->down = true;
  lapse(a);  // its renewals fail for a whole lease, by its own clock
  HttpResponse r = call(a, "POST", "/v1/jobs", submit_body(0));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(header(r, "Retry-After"), "1");
  EXPECT_FALSE(a.host->leading());
  // The database back, the lease lapsed: a takes it again (epoch 2) and writes.
  store_->down = false;
  db_ms_ += kLease + 1, lapse(a);
  a.host->step();
  ASSERT_TRUE(a.host->leading());
  EXPECT_EQ(a.host->replica_view().epoch, 2);
  EXPECT_EQ(call(a, "POST", "/v1/jobs", submit_body(0)).status, 201);
}

TEST_F(ReplicaTest, ACleanStopHandsTheLeaseOverWithoutWaiting) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  (void)storm(a, 5, "s-");
  a.host->stop();  // releases the lease
  b.mono += kLease / 4;  // b's next try, well before the lease would lapse
  b.host->step();
  EXPECT_TRUE(b.host->leading());
  EXPECT_EQ(call(b, "POST", "/v1/jobs", submit_body(0)).status, 201);
}

TEST_F(ReplicaTest, TheLeaderRenewsItsLeaseAndKeepsLeading) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  for (int i = 0; i < 10; ++i) {  // 10 thirds of a lease: renewed each time
    a.mono += kLease / 3, b.mono += kLease / 3, db_ms_ += kLease / 3;
    a.host->step(), b.host->step();
    ASSERT_TRUE(a.host->leading()) << i;
    ASSERT_FALSE(b.host->leading()) << i;
  }
  EXPECT_EQ(a.host->replica_view().epoch, 1);
  EXPECT_EQ(call(a, "POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
}

// The servers' own core threads (Host::start): the follower waits on the journal for new rows.
TEST_F(ReplicaTest, ThreadedAFollowerKeepsUpWithTheLeader) {
  Replica1& a = open("a");
  Replica1& b = open("b");
  a.host->start(), b.host->start();
  threaded_ = true;
  EXPECT_EQ(call(a, "POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  EXPECT_EQ(call(a, "POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000}}).status, 201);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(call(a, "POST", "/v1/jobs", submit_body(i), "t-" + std::to_string(i)).status, 201);
  bool same = false;
  for (int i = 0; i < 200 && !same; ++i) {  // at most 10 s
    same = b.host->digest() == a.host->digest() && b.host->replica_view().behind_rows == 0;
    if (!same) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(same);
  EXPECT_EQ(call(b, "GET", "/v1/jobs/1").status, 200);
  a.host->stop(), b.host->stop();
}

TEST(ReplicaView, WithoutASharedJournalTheServerLeadsAlone) {
  ReplicaView v;
  EXPECT_FALSE(v.replicated);
  EXPECT_TRUE(v.leading);
}

}  // namespace
}  // namespace hexa::testing
