// End to end, multi-node gangs: a 16-GPU job on two 8-GPU agents starts one process per node,
// whose ranks meet over TCP at HEXA_MASTER_ADDR:HEXA_MASTER_PORT; each rank's output is its own
// log (`hexa logs JOB --rank N`), which another tenant cannot read; a rank that fails stops
// the others and ends the job with its exit; a rank lost with its node requeues the job.
#include <signal.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

class Gang : public ::testing::Test {
 protected:
  void start(std::vector<std::string> serve_args = {}, std::vector<std::string> n0_args = {}) {
    std::vector<std::string> args = {"--stop-grace-s", "1"};
    ports = gang_ports_flag();
    for (const std::string& a : ports) args.push_back(a);
    args.insert(args.end(), serve_args.begin(), serve_args.end());
    cloud = LiveCloud::start(small_cloud(2, 8), args);
    ASSERT_TRUE(cloud);
    for (const char* t : {"acme", "rival"}) {
      ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", t}}).status, 201);
      ASSERT_EQ(cloud->as_admin("POST", std::string("/v1/tenants/") + t + "/grants", {{"credits_micro", 100'000'000}}).status, 201);
    }
    acme = cloud->token("member", "acme");
    rival = cloud->token("member", "rival");
    agents["n0"] = cloud->start_agent("n0", 8, "gpu", n0_args);
    agents["n1"] = cloud->start_agent("n1", 8);
    ASSERT_TRUE(cloud->wait_node_up("n0"));
    ASSERT_TRUE(cloud->wait_node_up("n1"));
  }
  std::int64_t submit(const Json& command, int gpus = 16) {
    Answer a = cloud->call("POST", "/v1/jobs", {{"gpus", gpus}, {"time_limit_s", 600}, {"command", command}}, acme);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json.is_object() ? a.json.value("id", std::int64_t{-1}) : -1;
  }
  std::string log(std::int64_t id, int rank, const std::string& token) {
    return cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs?rank=" + std::to_string(rank), nullptr, token).body;
  }
  // Whether `line` is "ADDR PORT RANK\n" with the port in the range given to the server.
  bool master_line(const std::string& line, const std::string& addr, int rank) {
    const int lo = std::stoi(ports[1]), hi = std::stoi(ports[1].substr(ports[1].find('-') + 1));
    const std::string head = addr + " ";
    if (!line.starts_with(head) || !line.ends_with(" " + std::to_string(rank) + "\n")) return false;
    const int port = std::atoi(line.c_str() + head.size());
    return port >= lo && port <= hi;
  }
  std::unique_ptr<LiveCloud> cloud;
  std::vector<std::string> ports;  // --gang-ports LO-HI
  std::string acme, rival;
  std::map<std::string, pid_t> agents;
};

TEST_F(Gang, RanksMeetAtTheMasterAndEachHasItsLog) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::int64_t id = submit({HEXA_RENDEZVOUS});
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 60s);
  ASSERT_TRUE(state_is(job, "finished")) << job.dump() << "\nrank 0: " << log(id, 0, acme) << "\nrank 1: " << log(id, 1, acme);
  EXPECT_EQ(job["nodes"], Json::array({"n0", "n1"})) << job.dump();
  const std::string r0 = log(id, 0, acme), r1 = log(id, 1, acme);
  // The master is rank 0's node as the server saw its agent (loopback here), on a port of the range.
  EXPECT_NE(r0.find("rank 0 of 2, CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7, master 127.0.0.1:"), std::string::npos) << r0;
  EXPECT_NE(r1.find("rank 1 of 2, CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7, master 127.0.0.1:"), std::string::npos) << r1;
  EXPECT_NE(r0.find("rank 0 got: hello from rank 1\n"), std::string::npos) << r0;
  EXPECT_NE(r1.find("rank 1 got: hello from rank 0, to whoever said 'hello from rank 1'\n"), std::string::npos) << r1;
  const std::string port = r0.substr(r0.find("master 127.0.0.1:") + 17, 5);
  EXPECT_NE(r1.find("master 127.0.0.1:" + port), std::string::npos) << "every rank has the same master";
  // The CLI reads rank 1 as the API does.
  std::string out, err;
  ASSERT_EQ(cloud->hexa({"logs", std::to_string(id), "--rank", "1"}, acme, &out, &err), 0) << err;
  EXPECT_EQ(out, r1);
  ASSERT_EQ(cloud->hexa({"logs", std::to_string(id)}, acme, &out, &err), 0) << err;
  EXPECT_EQ(out, r0);
  // Another tenant's member gets what a job that does not exist gets: 404, "no job N".
  for (int rank : {0, 1}) {
    Answer foreign = cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs?rank=" + std::to_string(rank), nullptr, rival);
    Answer none = cloud->call("GET", "/v1/jobs/987654/logs?rank=" + std::to_string(rank), nullptr, rival);
    EXPECT_EQ(foreign.status, 404) << foreign.body;
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(foreign.json["detail"], "no job " + std::to_string(id));
    EXPECT_EQ(none.json["detail"], "no job 987654");
    EXPECT_EQ(foreign.json["title"], none.json["title"]);
  }
  EXPECT_EQ(cloud->hexa({"logs", std::to_string(id), "--rank", "1"}, rival, &out, &err), 2);
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "hexa: no job " + std::to_string(id) + " (HTTP 404)\n");
  EXPECT_EQ(cloud->hexa({"logs", "987654", "--rank", "1"}, rival, &out, &err), 2);
  EXPECT_EQ(err, "hexa: no job 987654 (HTTP 404)\n");
  EXPECT_EQ(cloud->hexa({"logs", std::to_string(id), "--rank", "70000"}, acme, &out, &err), 2);
  EXPECT_NE(err.find("--rank"), std::string::npos) << err;
}

// Rank 1 cannot start its program (127, as an exec that fails): rank 0 gets a stop order and
// is stopped, the job ends failed with rank 1's exit, and it is charged for what ran.
TEST_F(Gang, ARankThatFailsToStartStopsTheOthers) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::int64_t id =
      submit({"sh", "-c", "echo $$; sleep 1; if [ \"$HEXA_NODE_RANK\" = 1 ]; then exec /nonexistent/hexa-no-program; fi; exec sleep 60"});
  const pid_t rank0 = logged_pid(*cloud, id, 0, acme);
  ASSERT_GT(rank0, 0);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  ASSERT_TRUE(state_is(job, "failed")) << job.dump();
  EXPECT_EQ(job["exit_code"], 127);
  EXPECT_EQ(job["reason"], "failed: exit code 127");
  EXPECT_TRUE(gone(rank0)) << "rank 0 still runs after rank 1 failed";
  EXPECT_GT(job["run_ms"].get<std::int64_t>(), 0);
  EXPECT_GT(job["credits_micro"].get<std::int64_t>(), 0) << "charged for the time both ranks held their GPUs";
  Answer st = cloud->call("GET", "/v1/tenants/acme/statement?format=json", nullptr, acme);
  ASSERT_EQ(st.status, 200) << st.body;
  ASSERT_EQ(st.json["jobs"].size(), 1u) << st.body;
  Answer bal = cloud->call("GET", "/v1/tenants/acme/balance", nullptr, acme);
  EXPECT_EQ(bal.json["consumed_micro"], job["credits_micro"]) << bal.body;
}

// Rank 1's process is killed: the job ends failed with that signal, rank 0 is stopped.
TEST_F(Gang, ARankThatDiesStopsTheOthers) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::int64_t id = submit({"sh", "-c", "echo $$; exec sleep 120"});
  const pid_t rank0 = logged_pid(*cloud, id, 0, acme), rank1 = logged_pid(*cloud, id, 1, acme);
  ASSERT_GT(rank0, 0);
  ASSERT_GT(rank1, 0);
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  ASSERT_TRUE(state_is(job, "failed")) << job.dump();
  EXPECT_EQ(job["exit_signal"], SIGKILL);
  EXPECT_EQ(job["reason"], "failed: killed by signal 9");
  EXPECT_TRUE(gone(rank0)) << "rank 0 still runs after rank 1 died";
  EXPECT_EQ(job["restarts"], 0) << "a rank's own death ends the job: it is not requeued";
}

// Rank 1's agent dies (SIGKILL): its node is lost after the grace, rank 0 is stopped, the job
// goes back to the queue; with the node back, it runs again as a new segment on both nodes.
TEST_F(Gang, ALostNodeRequeuesTheGangAndItRunsAgain) {
  // A short grace, and heartbeats well within the agents' fence (2/3 of it).
  ASSERT_NO_FATAL_FAILURE(start({"--node-grace-s", "3", "--heartbeat-s", "1"}));
  const std::int64_t id = submit({"sh", "-c", "echo $$; exec sleep 120"});
  ASSERT_TRUE(state_is(cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); }), "running"));
  const pid_t rank0 = logged_pid(*cloud, id, 0, acme), rank1 = logged_pid(*cloud, id, 1, acme);
  ASSERT_GT(rank0, 0);
  ASSERT_GT(rank1, 0);
  cloud->stop_agent(agents["n1"], SIGKILL);
  // Lost once its heartbeats have been missing for the grace (3 s).
  Json job = cloud->wait_job(id, [](const Json& j) { return j.value("restarts", 0) == 1; }, 45s);
  EXPECT_TRUE(state_is(job, "pending")) << job.dump();
  EXPECT_TRUE(gone(rank0)) << "rank 0 still runs after its gang lost rank 1";
  // The dead agent's keeper stops its rank at the fence; should it not, this test does.
  ::kill(rank1, SIGKILL);
  EXPECT_TRUE(gone(rank1));
  agents["n1"] = cloud->start_agent("n1", 8);
  job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); }, 20s);
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  EXPECT_EQ(job["segment"], 2);
  EXPECT_EQ(job["nodes"], Json::array({"n0", "n1"})) << job.dump();
  const pid_t again0 = logged_pid(*cloud, id, 0, acme, /*line=*/1);  // segment 2's
  EXPECT_NE(again0, rank0);
  EXPECT_GT(again0, 0);
  ASSERT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme).status, 200);
  if (again0 > 0) {
    EXPECT_TRUE(gone(again0));
  }
}

// The master is rank 0's node at the address its agent advertised (else the one its
// registration came from); one-node jobs get theirs too. The addresses are journaled with the
// registrations: after a crash (replay) and a clean stop (snapshot), agents that did not
// register again still give new jobs the same master.
TEST_F(Gang, TheAdvertisedAddressIsTheMasterAcrossRestarts) {
  ASSERT_NO_FATAL_FAILURE(start({}, {"--advertise-addr", "127.0.0.2"}));
  const Json print = {"sh", "-c", "echo $HEXA_MASTER_ADDR $HEXA_MASTER_PORT $HEXA_NODE_RANK"};
  auto gang = [&](const char* when) {
    const std::int64_t id = submit(print);
    Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); });
    ASSERT_TRUE(state_is(job, "finished")) << when << ": " << job.dump();
    ASSERT_EQ(job["nodes"], Json::array({"n0", "n1"}));
    EXPECT_TRUE(master_line(log(id, 0, acme), "127.0.0.2", 0)) << when << ": " << log(id, 0, acme);
    EXPECT_TRUE(master_line(log(id, 1, acme), "127.0.0.2", 1)) << when << ": " << log(id, 1, acme);
  };
  gang("at first");
  const std::int64_t one = submit(print, 8);
  Json job = cloud->wait_job(one, [](const Json& j) { return ended_state(j); });
  ASSERT_TRUE(state_is(job, "finished")) << job.dump();
  const std::string addr = job["nodes"][0] == "n0" ? "127.0.0.2" : "127.0.0.1";
  EXPECT_TRUE(master_line(log(one, 0, acme), addr, 0)) << log(one, 0, acme);
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server_same_port()) << cloud->server_log();
  gang("after a crash");
  cloud->kill_server(SIGTERM);  // a clean stop writes a snapshot, which the next start loads
  ASSERT_TRUE(cloud->restart_server_same_port()) << cloud->server_log();
  EXPECT_NE(cloud->server_log().find("restored the snapshot"), std::string::npos) << cloud->server_log();
  gang("after a clean stop");
  std::ifstream in(cloud->dir() + "/agent-n0.log");
  std::string line;
  int registered = 0;
  while (std::getline(in, line)) registered += line.find(" registered (epoch") != std::string::npos;
  EXPECT_EQ(registered, 1) << "the agent kept its epoch: what the server knows of it came from its journal";
}

}  // namespace
}  // namespace hexa::testing
