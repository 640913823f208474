// End to end: `hexa agent --gpus auto` with a fake NVML (LD_LIBRARY_PATH at its directory; its
// GPUs in FAKE_NVML_CONFIG) registers what it finds; jobs see their GPUs, a slice job its MIG
// device's UUID; a MIG profile the cluster lacks is refused; no NVML asks for --gpus N.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool ended(const Json& j) {
  return j.is_object() && j.contains("state") && j["state"] != "pending" && j["state"] != "running";
}

const char* kCloud = R"(name: test
cluster:
  sites:
    - name: site0
      blocks:
        - {nodes: 1, gpus_per_node: 8, gpu_type: H100, name: whole}
        - {nodes: 1, gpus_per_node: 1, gpu_type: H100, slices: mig, name: mig}
scheduler: {policy: backfill}
credits:
  prices:
    - {gpu_type: H100, credits_per_gpu_hour: 1, priorities: [0, 10]}
)";

class GpuDiscovery : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud = LiveCloud::start(kCloud, {"--stop-grace-s", "1"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  }
  // The fake's environment for a config holding `text`.
  std::map<std::string, std::string> fake(const std::string& name, const std::string& text) {
    const std::string path = cloud->dir() + "/" + name + ".nvml";
    std::ofstream(path) << text;
    return {{"LD_LIBRARY_PATH", HEXA_FAKE_NVML_DIR}, {"FAKE_NVML_CONFIG", path}};
  }
  // Runs `command` as acme's job and returns its stdout once it ended well.
  std::string run(const Json& spec) {
    Answer a = cloud->as_admin("POST", "/v1/jobs", spec);
    EXPECT_EQ(a.status, 201) << a.body;
    const std::int64_t id = a.json.value("id", std::int64_t{-1});
    Json job = cloud->wait_job(id, ended);
    EXPECT_EQ(job.value("state", ""), "finished") << job.dump();
    return cloud->as_admin("GET", "/v1/jobs/" + std::to_string(id) + "/logs").body;
  }
  std::string agent_log(const std::string& node) {
    std::ifstream in(cloud->dir() + "/agent-" + node + ".log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::unique_ptr<LiveCloud> cloud;
};

std::string eight_h100() {
  std::string text;
  for (int i = 0; i < 8; ++i) text += "gpu NVIDIA H100 80GB HBM3|GPU-e2e-" + std::to_string(i) + "|81559\n";
  return text;
}

std::string seven_1g() {
  std::string text = "gpu NVIDIA H100 80GB HBM3|GPU-mig|81559|mig=on\n";
  for (int s = 0; s < 7; ++s) text += "mig 0 1g.10gb start=" + std::to_string(s) + " size=1 uuid=MIG-e2e-" + std::to_string(s) + "\n";
  return text;
}

TEST_F(GpuDiscovery, AnAutoAgentRegistersItsGpusAndJobsSeeThem) {
  cloud->start_agent_with("whole-n0", {"--gpus", "auto"}, fake("whole", eight_h100()));
  ASSERT_TRUE(cloud->wait_node_up("whole-n0")) << agent_log("whole-n0");
  EXPECT_TRUE(contains(agent_log("whole-n0"), "found 8 x NVIDIA H100 80GB HBM3 (type H100), 0 MIG devices"));
  Answer nodes = cloud->as_admin("GET", "/v1/nodes");
  bool listed = false;
  for (const Json& n : nodes.json["nodes"]) {
    if (n["name"] != "whole-n0") continue;
    listed = true;
    EXPECT_EQ(n["gpus"], 8);
    EXPECT_EQ(n["gpu_type"], "H100");
  }
  EXPECT_TRUE(listed) << nodes.body;
  const std::string out = run({{"tenant", "acme"}, {"gpus", 2}, {"command", {"sh", "-c", "echo cvd=$CUDA_VISIBLE_DEVICES"}}});
  ASSERT_EQ(out.size(), 8u) << out;  // "cvd=I,J\n"
  EXPECT_EQ(out.substr(0, 4), "cvd=");
}

TEST_F(GpuDiscovery, ASliceJobSeesItsMigDevice) {
  cloud->start_agent_with("mig-n0", {"--gpus", "auto"}, fake("mig", seven_1g()));
  ASSERT_TRUE(cloud->wait_node_up("mig-n0")) << agent_log("mig-n0");
  const std::string out =
      run({{"tenant", "acme"}, {"slice", "1g.10gb"}, {"command", {"sh", "-c", "echo cvd=$CUDA_VISIBLE_DEVICES"}}});
  ASSERT_TRUE(contains(out, "cvd=MIG-e2e-")) << out << agent_log("mig-n0");
  // While one holds its slice, another gets another slot: another device.
  Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"slice", "1g.10gb"},
                                                  {"command", {"sh", "-c", "echo $CUDA_VISIBLE_DEVICES; exec sleep 60"}}});
  ASSERT_EQ(a.status, 201) << a.body;
  const std::int64_t first = a.json["id"];
  std::string held;  // its output, shipped while it runs (every second)
  for (int i = 0; i < 400 && !contains(held, "\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    held = cloud->as_admin("GET", "/v1/jobs/" + std::to_string(first) + "/logs").body;
  }
  ASSERT_TRUE(contains(held, "MIG-e2e-")) << held << agent_log("mig-n0");
  const std::string second =
      run({{"tenant", "acme"}, {"slice", "1g.10gb"}, {"command", {"sh", "-c", "echo $CUDA_VISIBLE_DEVICES"}}});
  EXPECT_EQ(cloud->as_admin("DELETE", "/v1/jobs/" + std::to_string(first)).status, 200);
  cloud->wait_job(first, ended);
  EXPECT_TRUE(contains(second, "MIG-e2e-")) << second;
  EXPECT_NE(held, second);
}

TEST_F(GpuDiscovery, AMigProfileTheClusterLacksIsRefused) {
  pid_t pid = cloud->start_agent_with(
      "mig-n0", {"--gpus", "auto"},
      fake("bad", "gpu NVIDIA H100 80GB HBM3|GPU-a|81559|mig=on\nmig 0 1g.5gb start=0 size=1 uuid=MIG-a\n"));
  std::string log;
  for (int i = 0; i < 200 && !contains(log, "refuses"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log = agent_log("mig-n0");
  }
  EXPECT_TRUE(contains(log, "the server refuses node mig-n0")) << log;
  EXPECT_TRUE(contains(log, "mig[0].profile: '1g.5gb' is not one of the cluster's slice profiles")) << log;
  cloud->stop_agent(pid);
}

TEST_F(GpuDiscovery, AModelThatNamesTheClustersTypeIsAccepted) {
  // The agent's own type for it differs (the override), its model names the cluster's H100.
  cloud->start_agent_with("whole-n0", {"--gpus", "auto", "--gpu-type", "h100-sxm5"}, fake("whole", eight_h100()));
  ASSERT_TRUE(cloud->wait_node_up("whole-n0")) << agent_log("whole-n0");
}

TEST(GpuDiscoveryCli, ListGpusAndNoNvml) {
  char tmpl[] = "/tmp/hexa-nvml-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string config = std::string(tmpl) + "/gpus.nvml", token = std::string(tmpl) + "/token";
  std::ofstream(config) << seven_1g();
  std::ofstream(token) << "hexa_0123\n";
  std::string out, err;
  int code = run_program({HEXA_BINARY, "agent", "--list-gpus"},
                         {{"LD_LIBRARY_PATH", HEXA_FAKE_NVML_DIR}, {"FAKE_NVML_CONFIG", config}}, &out, &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_TRUE(contains(out, "GPU 0: NVIDIA H100 80GB HBM3, GPU-mig, 81559 MiB, MIG on\n")) << out;
  EXPECT_TRUE(contains(out, "  MIG 1g.10gb at slots 6..6, MIG-e2e-6, ")) << out;
  EXPECT_TRUE(contains(out, "\n--gpus 1 --gpu-type H100\n")) << out;
  // NVML that cannot start (the fake without its config): one line asking for the flags.
  code = run_program({HEXA_BINARY, "agent", "--server", "http://127.0.0.1:1", "--node", "n", "--token-file", token},
                     {{"LD_LIBRARY_PATH", HEXA_FAKE_NVML_DIR}, {"FAKE_NVML_CONFIG", ""}}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err,
            "hexa agent: --gpus auto: NVML: nvmlInit_v2 failed: Driver Not Loaded (declare them by hand: --gpus N "
            "--gpu-type T)\n");
  code = run_program({HEXA_BINARY, "agent", "--server", "http://127.0.0.1:1", "--node", "n", "--token-file", token,
                      "--gpus", "8"},
                     {}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err, "hexa agent: --gpu-type: required with --gpus 8 (the cluster's GPU type: H100, ...)\n");
  code = run_program({HEXA_BINARY, "agent", "--server", "http://127.0.0.1:1", "--node", "n", "--token-file", token,
                      "--gpus", "all"},
                     {}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err, "hexa agent: --gpus: must be 'auto' or a count from 1 to 64 (got 'all')\n");
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace hexa::testing
