// What a discovering agent adds to its registration (gpu_model, gpu_uuids, mig), checked
// against the node and the cluster's slice profiles; and the MIG device a start order names.
#include <gtest/gtest.h>

#include "model/mig_slice.h"
#include "server/agents.h"
#include "server/registered_gpus.h"

namespace hexa {
namespace {

Topology one_node(int gpus) {
  Topology t;
  SiteId s = t.add_site("s").value();
  BlockId b = t.add_block(s, "b", "H100").value();
  (void)t.add_node(b, "n0", gpus).value();
  return t;
}

Result<RegisteredGpus> read(const std::string& body, int gpus = 2) {
  auto b = Body::parse(body, {"node", "gpus", "gpu_type", "gpu_model", "gpu_uuids", "mig"});
  EXPECT_TRUE(b.ok()) << body;
  return read_registered_gpus(*b, gpus, one_node(gpus));
}

TEST(RegisteredGpus, ReadsModelUuidsAndMig) {
  auto r = read(R"({"gpu_model": "NVIDIA H100 80GB HBM3", "gpu_uuids": ["GPU-a", "GPU-b"], "mig": [
      {"gpu": 1, "uuid": "MIG-1", "profile": "3g.40gb", "start": 4, "size": 4},
      {"gpu": 1, "uuid": "MIG-2", "profile": "1g.10gb", "start": 0, "size": 1}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(r->uuids, (std::vector<std::string>{"GPU-a", "GPU-b"}));
  ASSERT_EQ(r->mig.size(), 2u);
  EXPECT_EQ(r->mig[0].gpu, 1);
  EXPECT_EQ(r->mig[0].slots, 0xF0);
  EXPECT_EQ(r->mig[1].slots, 0x01);
  EXPECT_TRUE(read("{}").ok()) << "an agent declared by hand sends none of them";
}

TEST(RegisteredGpus, BadFieldsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"gpu_model": 3})", "gpu_model: must be a string"},
      {R"({"gpu_uuids": ["GPU-a"]})", "gpu_uuids: must list one UUID per GPU (2)"},
      {R"({"gpu_uuids": ["GPU-a", ""]})", "gpu_uuids: each must be 1 to 96 bytes"},
      {R"({"mig": {}})", "mig: must be an array of at most 16 MIG devices (8 per GPU)"},
      {R"({"mig": [3]})", "mig[0]: must be an object {gpu, uuid, profile, start, size}"},
      {R"({"mig": [{"gpu": 2, "uuid": "M", "profile": "1g.10gb", "start": 0, "size": 1}]})", "mig[0].gpu: "},
      {R"({"mig": [{"gpu": 0, "profile": "1g.10gb", "start": 0, "size": 1}]})", "mig[0].uuid: required"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "1g.10gb", "start": 0, "size": 1, "x": 1}]})", "mig[0].x: unknown field"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "1g.5gb", "start": 0, "size": 1}]})",
       "mig[0].profile: '1g.5gb' is not one of the cluster's slice profiles (1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb)"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "3g.40gb", "start": 0, "size": 2}]})",
       "mig[0].size: profile '3g.40gb' holds 4 memory slots, the MIG device 2"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "3g.40gb", "start": 2, "size": 4}]})",
       "mig[0].start: profile '3g.40gb' may not start at slot 2"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "1g.10gb", "start": 7, "size": 2}]})",
       "mig[0]: placement start 7 size 2 leaves the GPU's 8 memory slots"},
      {R"({"mig": [{"gpu": 0, "uuid": "M", "profile": "3g.40gb", "start": 0, "size": 4},
                   {"gpu": 0, "uuid": "N", "profile": "2g.20gb", "start": 2, "size": 2}]})",
       "mig[1]: overlaps mig[0] on GPU 0"},
  };
  for (const auto& [body, expected] : cases) {
    auto r = read(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().message().rfind(expected, 0), 0u) << body << "\n  got: " << r.status().message();
  }
}

TEST(RegisteredGpus, SlicesOfMigFollowThePlacementRules) {
  const auto table = default_slice_profiles();
  EXPECT_EQ(slice_of_mig(table, "1g.10gb", 6, 1, "m").value(), 1);
  EXPECT_EQ(slice_of_mig(table, "7g.80gb", 0, 8, "m").value(), 6);
  EXPECT_FALSE(slice_of_mig(table, "1g.10gb", 7, 1, "m").ok()) << "slot 7 has no compute unit";
  EXPECT_FALSE(slice_of_mig(table, "1g.10gb", -1, 1, "m").ok());
  EXPECT_EQ(mig_slots(4, 4), 0xF0);
  EXPECT_EQ(mig_slots(5, 4), 0);
}

TEST(RegisteredGpus, TheModelMayNameTheClustersType) {
  Topology t = one_node(8);
  const NodeInfo& n = t.node(0);
  EXPECT_EQ(node_mismatch(n, "H100", 8, "H100", ""), "");
  EXPECT_EQ(node_mismatch(n, "H100", 8, "h100-sxm", "NVIDIA H100 80GB HBM3"), "");
  EXPECT_EQ(node_mismatch(n, "H100", 8, "A100", ""), "node 'n0': the cluster declares 8 H100 GPUs, the agent has 8 A100");
  EXPECT_EQ(node_mismatch(n, "H100", 8, "A100", "NVIDIA A100-SXM4-40GB"),
            "node 'n0': the cluster declares 8 H100 GPUs, the agent has 8 A100 (NVIDIA A100-SXM4-40GB)");
  EXPECT_NE(node_mismatch(n, "H100", 4, "H100", "NVIDIA H100 80GB HBM3"), "") << "the count must match";
}

TEST(RegisteredGpus, AgentBookKeepsTheLayoutAcrossRegistrations) {
  AgentBook book;
  book.set_mig("n0", {{0, 0x30, "MIG-a"}, {1, 0x01, "MIG-b"}});
  book.registered("n0", 7, 0);  // a new session does not forget it
  EXPECT_EQ(book.mig_uuid("n0", 0, 0x30), "MIG-a");
  EXPECT_EQ(book.mig_uuid("n0", 1, 0x01), "MIG-b");
  EXPECT_EQ(book.mig_uuid("n0", 0, 0x10), "");
  EXPECT_EQ(book.mig_uuid("n1", 0, 0x30), "");
  book.set_mig("n0", {});
  EXPECT_EQ(book.mig_uuid("n0", 0, 0x30), "");
  Order o;
  o.job = 3, o.segment = 1, o.gpus = {0}, o.slice_profile = "2g.20gb", o.slice_slots = 0x30, o.slice_uuid = "MIG-a";
  const std::string json = orders_json({o});
  EXPECT_NE(json.find(R"("slice":{"profile":"2g.20gb","slots":48,"uuid":"MIG-a"})"), std::string::npos) << json;
  o.slice_slots = 0;
  EXPECT_EQ(orders_json({o}).find("slice"), std::string::npos) << "whole GPUs: no slice";
}

}  // namespace
}  // namespace hexa
