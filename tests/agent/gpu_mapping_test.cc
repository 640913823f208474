// What the agent makes of discovered GPUs: the GPU type a model names, the declaration, and the
// MIG device a slice job's start order gets in CUDA_VISIBLE_DEVICES.
#include <string>

#include <gtest/gtest.h>

#include "agent/discovered_gpus.h"
#include "agent/orders.h"
#include "model/gpu_model.h"

namespace hexa {
namespace {

using Json = nlohmann::json;

TEST(GpuModel, NamesTheType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"NVIDIA H100 80GB HBM3", "H100"}, {"NVIDIA A100-SXM4-40GB", "A100"}, {"NVIDIA H200", "H200"},
      {"NVIDIA L40S", "L40S"},           {"Tesla V100-SXM2-16GB", "V100"},  {"NVIDIA A100 80GB PCIe", "A100"},
      {"NVIDIA H100 NVL", "H100"},       {"Tesla T4", "T4"},                {"NVIDIA RTX A6000", "A6000"},
      {"NVIDIA GH200 480GB", "GH200"},   {"NVIDIA B200", "B200"},           {"nvidia a10g", "A10G"},
      {"NVIDIA GeForce RTX 4090", ""},   {"", ""},                          {"Some Accelerator", ""},
  };
  for (const auto& [model, type] : cases) EXPECT_EQ(gpu_type_of_model(model), type) << model;
}

TEST(GpuModel, ModelNamesTypeAsAWholeWord) {
  EXPECT_TRUE(model_names_type("NVIDIA H100 80GB HBM3", "H100"));
  EXPECT_TRUE(model_names_type("NVIDIA H100 80GB HBM3", "h100"));
  EXPECT_TRUE(model_names_type("NVIDIA A100-SXM4-40GB", "A100"));
  EXPECT_TRUE(model_names_type("NVIDIA A100-SXM4-40GB", "A100-SXM4"));
  EXPECT_FALSE(model_names_type("NVIDIA H1000", "H100"));
  EXPECT_FALSE(model_names_type("NVIDIA H100 80GB HBM3", "H10"));
  EXPECT_FALSE(model_names_type("NVIDIA H100 80GB HBM3", "A100"));
  EXPECT_FALSE(model_names_type("NVIDIA H100", ""));
  EXPECT_FALSE(model_names_type("", "H100"));
}

DiscoveredGpus gpus_of(const std::vector<std::string>& models) {
  DiscoveredGpus d;
  for (std::size_t i = 0; i < models.size(); ++i) d.gpus.push_back({static_cast<int>(i), models[i], "GPU-" + std::to_string(i), 1024, false});
  return d;
}

TEST(DeclareGpus, CountAndMappedTypeOrTheOverride) {
  auto d = declare_gpus(gpus_of({"NVIDIA L40S", "NVIDIA L40S"}), "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->gpus, 2);
  EXPECT_EQ(d->gpu_type, "L40S");
  auto o = declare_gpus(gpus_of({"NVIDIA L40S"}), "l40s-48g");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->gpu_type, "l40s-48g");
}

TEST(DeclareGpus, UnknownModelMixedModelsOrNoneAskForFlags) {
  auto unknown = declare_gpus(gpus_of({"NVIDIA GeForce RTX 4090"}), "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "GPU model 'NVIDIA GeForce RTX 4090': no GPU type known for it; give --gpu-type T (the cluster's type)");
  EXPECT_TRUE(declare_gpus(gpus_of({"NVIDIA GeForce RTX 4090"}), "RTX4090").ok());
  auto mixed = declare_gpus(gpus_of({"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB"}), "");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("GPUs of several models"), std::string::npos);
  auto none = declare_gpus(DiscoveredGpus{}, "H100");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "no GPU found: give --gpus N --gpu-type T");
}

StartOrder slice_order(const std::string& slice_json) {
  ParsedOrders p = parse_orders(Json::parse(R"({"orders":[{"kind":"start","job":4,"segment":1,"command":["x"],
      "gpus":[1],"slice":)" + slice_json + "}]}"));
  EXPECT_EQ(p.orders.size(), 1u);
  return std::get<StartOrder>(p.orders.at(0));
}

TEST(SliceOrders, ReadsTheSlice) {
  StartOrder o = slice_order(R"({"profile":"2g.20gb","slots":48,"uuid":"MIG-s"})");
  EXPECT_EQ(o.error, "");
  ASSERT_TRUE(o.slice);
  EXPECT_EQ(o.slice->profile, "2g.20gb");
  EXPECT_EQ(o.slice->slots, 48u);
  EXPECT_EQ(o.slice->uuid, "MIG-s");
  for (const char* bad : {R"("1g")", R"({"profile":"1g.10gb"})", R"({"profile":"1g.10gb","slots":0})",
                          R"({"profile":"1g.10gb","slots":256})", R"({"profile":7,"slots":1})",
                          R"({"profile":"1g.10gb","slots":1,"uuid":3})"}) {
    StartOrder b = slice_order(bad);
    EXPECT_NE(b.error.find("\"slice\" must be an object"), std::string::npos) << bad << ": " << b.error;
  }
  ParsedOrders two = parse_orders(Json::parse(R"({"orders":[{"kind":"start","job":4,"segment":1,"command":["x"],
      "gpus":[0,1],"slice":{"profile":"1g.10gb","slots":1}}]})"));
  EXPECT_EQ(std::get<StartOrder>(two.orders.at(0)).error, "bad start order: a slice job runs on one GPU");
}

TEST(SliceOrders, CudaVisibleDevicesIsTheMigDeviceAtTheSlots) {
  const std::vector<MigDevice> mig = {{0, "MIG-g0-s45", "2g.20gb", 4, 2, 20480}, {1, "MIG-g1-s0", "1g.10gb", 0, 1, 10240},
                                      {1, "MIG-g1-s45", "2g.20gb", 4, 2, 20480}};
  StartOrder o = slice_order(R"({"profile":"2g.20gb","slots":48})");  // GPU 1, slots 4..5
  EXPECT_EQ(job_environment(o, "n", mig).at("CUDA_VISIBLE_DEVICES"), "MIG-g1-s45");
  // Not one of ours: the uuid the server knows; with none, the GPU's index.
  StartOrder other = slice_order(R"({"profile":"1g.10gb","slots":4,"uuid":"MIG-server"})");
  EXPECT_EQ(job_environment(other, "n", mig).at("CUDA_VISIBLE_DEVICES"), "MIG-server");
  StartOrder by_hand = slice_order(R"({"profile":"1g.10gb","slots":4})");
  EXPECT_EQ(job_environment(by_hand, "n", mig).at("CUDA_VISIBLE_DEVICES"), "1");
  EXPECT_EQ(job_environment(o, "n").at("CUDA_VISIBLE_DEVICES"), "1") << "a node declared by hand: the index";
}

}  // namespace
}  // namespace hexa
