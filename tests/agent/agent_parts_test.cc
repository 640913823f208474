// The agent's parts on their own: orders from JSON, the job's environment, the token file,
// base64, how answers are sorted.
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/agent.h"
#include "net/base64.h"
#include "agent/log_shipper.h"
#include "agent/orders.h"
#include "agent/server_link.h"

namespace hexa {
namespace {

ParsedOrders parse(const std::string& text) { return parse_orders(Json::parse(text)); }

TEST(AgentOrders, ReadsAStartOrder) {
  ParsedOrders p = parse(R"({"orders":[{"kind":"start","job":7,"segment":1,"restarts":2,"name":"train",
      "tenant":"acme","command":["python","train.py"],"env":{"K":"V"},"gpus":[0,1],"rank":1,
      "nodes":["n1","n2"],"master_addr":"10.0.0.1","master_port":29517}]})");
  ASSERT_EQ(p.orders.size(), 1u);
  EXPECT_TRUE(p.skipped.empty());
  const auto& o = std::get<StartOrder>(p.orders[0]);
  EXPECT_EQ(o.key, (JobKey{7, 1}));
  EXPECT_EQ(o.restarts, 2);
  EXPECT_EQ(o.command, (std::vector<std::string>{"python", "train.py"}));
  EXPECT_EQ(o.env.at("K"), "V");
  EXPECT_EQ(o.gpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.nodes, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(o.master_addr, "10.0.0.1");
  EXPECT_EQ(o.master_port, 29517);
  EXPECT_EQ(o.error, "");
}

TEST(AgentOrders, ABadStartOrderIsKeptWithItsError) {
  ParsedOrders p = parse(R"({"orders":[{"kind":"start","job":7,"segment":1,"command":["x"],"gpus":[99]},
      {"kind":"start","job":8,"segment":1,"command":[]},
      {"kind":"start","job":9,"segment":1,"command":["x"],"env":{"K":1}},
      {"kind":"start","job":10,"segment":1,"command":["x"],"master_port":70000},
      {"kind":"start","job":11,"segment":1,"command":["x"],"master_addr":5}]})");
  ASSERT_EQ(p.orders.size(), 5u);
  EXPECT_EQ(std::get<StartOrder>(p.orders[3]).error, "bad start order: \"master_port\" must be a port, 0 to 65535");
  EXPECT_EQ(std::get<StartOrder>(p.orders[4]).error, "bad start order: \"master_addr\" must be a string");
  EXPECT_NE(std::get<StartOrder>(p.orders[0]).error.find("\"gpus\" must be GPU indexes from 0 to 63"), std::string::npos);
  EXPECT_NE(std::get<StartOrder>(p.orders[1]).error.find("\"command\" is empty"), std::string::npos);
  EXPECT_NE(std::get<StartOrder>(p.orders[2]).error.find("\"env\" must be an object of strings"), std::string::npos);
}

TEST(AgentOrders, StopOrdersAndWhatIsSkipped) {
  ParsedOrders p = parse(R"({"orders":[{"kind":"stop","job":7,"segment":1,"grace_ms":500},
      {"kind":"stop","job":7,"segment":2}, {"kind":"reboot","job":1,"segment":1},
      {"kind":"stop","job":"seven","segment":1}, 42]})");
  ASSERT_EQ(p.orders.size(), 2u);
  EXPECT_EQ(std::get<StopOrder>(p.orders[0]).grace_ms, 500);
  EXPECT_EQ(std::get<StopOrder>(p.orders[1]).grace_ms, std::nullopt);
  ASSERT_EQ(p.skipped.size(), 3u);
  EXPECT_EQ(p.skipped[0], "order 2: unknown kind 'reboot'");
  EXPECT_EQ(p.skipped[1], "order 3: \"job\" must be an integer >= 0");
  EXPECT_EQ(p.skipped[2], "order 4: not an object");
  EXPECT_EQ(parse(R"({"nothing":1})").skipped.size(), 1u);
}

// The request id (docs/observability.md) is for the log only: read when it is a string, else
// left out; never an error that would fail the job.
TEST(AgentOrders, RequestIdsForTheLog) {
  ParsedOrders p = parse(R"({"orders":[{"kind":"start","job":7,"segment":1,"command":["x"],"request_id":"r-1"},
      {"kind":"start","job":8,"segment":1,"command":["x"],"request_id":5},
      {"kind":"stop","job":7,"segment":1,"request_id":"r-2"}, {"kind":"stop","job":8,"segment":1}]})");
  ASSERT_EQ(p.orders.size(), 4u);
  EXPECT_EQ(std::get<StartOrder>(p.orders[0]).request_id, "r-1");
  EXPECT_EQ(std::get<StartOrder>(p.orders[1]).request_id, "");
  EXPECT_EQ(std::get<StartOrder>(p.orders[1]).error, "");
  EXPECT_EQ(std::get<StopOrder>(p.orders[2]).request_id, "r-2");
  EXPECT_EQ(std::get<StopOrder>(p.orders[3]).request_id, "");
}

TEST(AgentOrders, TheJobsEnvironment) {
  StartOrder o;
  o.key = {7, 2};
  o.restarts = 1;
  o.env = {{"K", "V"}, {"HEXA_JOB_ID", "mine"}};
  o.gpus = {3};
  auto env = job_environment(o, "n5");
  EXPECT_EQ(env.at("K"), "V");
  EXPECT_EQ(env.at("HEXA_JOB_ID"), "7");
  EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "3");
  EXPECT_EQ(env.at("HEXA_SEGMENT"), "2");
  EXPECT_EQ(env.at("HEXA_RESTARTS"), "1");
  EXPECT_EQ(env.at("HEXA_NODE_RANK"), "0");
  EXPECT_EQ(env.at("HEXA_NUM_NODES"), "1");  // no nodes given: this one alone
  EXPECT_EQ(env.at("HEXA_NODES"), "n5");
  EXPECT_FALSE(env.contains("HEXA_MASTER_ADDR")) << "an order without a master: none";
  EXPECT_FALSE(env.contains("HEXA_MASTER_PORT"));
  o.master_addr = "10.0.0.7";
  o.master_port = 29501;
  o.env["HEXA_MASTER_PORT"] = "1";
  env = job_environment(o, "n5");
  EXPECT_EQ(env.at("HEXA_MASTER_ADDR"), "10.0.0.7");
  EXPECT_EQ(env.at("HEXA_MASTER_PORT"), "29501") << "the order's wins over the job's env";
  o.gpus.clear();
  EXPECT_EQ(job_environment(o, "n5").at("CUDA_VISIBLE_DEVICES"), "");  // no GPU, not all of them
}

class TokenFile : public ::testing::Test {
 protected:
  std::string path = "/tmp/hexa-agent-token-" + std::to_string(::getpid());
  void write(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  void TearDown() override { std::remove(path.c_str()); }
};

TEST_F(TokenFile, IsReadAndTrimmed) {
  write("  hexa_abc123\n");
  Result<std::string> t = read_token_file(path);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "hexa_abc123");
}

TEST_F(TokenFile, MissingEmptyOrTwoTokensIsAnError) {
  EXPECT_NE(read_token_file(path + ".none").status().message().find("cannot read it"), std::string::npos);
  write(" \n\n");
  EXPECT_NE(read_token_file(path).status().message().find("is empty"), std::string::npos);
  write("hexa_a hexa_b\n");
  Status s = read_token_file(path).status();
  EXPECT_NE(s.message().find("one token"), std::string::npos);
  EXPECT_EQ(s.message().find("hexa_a"), std::string::npos);  // never printed
  write("hexa_\x01x\n");
  EXPECT_NE(read_token_file(path).status().message().find("printable ASCII"), std::string::npos);
}

TEST(AgentJobUser, NotRootRunsJobsAsItself) {
  if (::geteuid() == 0) {
    Result<JobUserChoice> c = choose_job_user(false);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->user.has_value());
    EXPECT_EQ(c->user->name, "nobody");
    EXPECT_NE(c->user->uid, 0u);
    Result<JobUserChoice> root = choose_job_user(true);
    ASSERT_TRUE(root.ok());
    EXPECT_FALSE(root->user.has_value());
    EXPECT_NE(root->note.find("jobs run as root"), std::string::npos);
  } else {
    Result<JobUserChoice> c = choose_job_user(false);
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->user.has_value());
    EXPECT_EQ(c->note, "");
  }
}

TEST(AgentBase64, RoundTrips) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode("Zm9"), std::nullopt);
  EXPECT_EQ(base64_decode("Z=9v"), std::nullopt);
}

TEST(AgentLink, SortsAnswers) {
  EXPECT_EQ(classify(200), Answer::kOk);
  EXPECT_EQ(classify(409), Answer::kStale);
  EXPECT_EQ(classify(401), Answer::kDenied);
  EXPECT_EQ(classify(403), Answer::kDenied);
  EXPECT_EQ(classify(503), Answer::kRetry);
  EXPECT_EQ(classify(429), Answer::kRetry);
  EXPECT_EQ(classify(400), Answer::kRefused);
  EXPECT_EQ(classify(404), Answer::kRefused);
  EXPECT_EQ(classify(307), Answer::kRetry);  // a follower replica: wait for the leader
  HttpResponse r;
  r.status = 400;
  r.body = R"({"title":"Bad Request","detail":"node n9 is not\nin the cluster"})";
  EXPECT_EQ(problem_text(r), "HTTP 400: node n9 is not in the cluster");
  r.body = "";
  EXPECT_EQ(problem_text(r), "HTTP 400");
  EXPECT_EQ(url_encode("n 1/x"), "n%201%2Fx");
}

TEST(AgentLogs, ReadsChunks) {
  std::string path = "/tmp/hexa-agent-chunk-" + std::to_string(::getpid());
  std::ofstream(path, std::ios::binary) << "0123456789";
  EXPECT_EQ(read_chunk(path, 0, 4), "0123");
  EXPECT_EQ(read_chunk(path, 8, 4), "89");
  EXPECT_EQ(read_chunk(path, 10, 4), "");
  EXPECT_EQ(read_chunk(path + ".none", 0, 4), "");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hexa
