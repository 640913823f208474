// GPU discovery through a fake NVML (tests/agent/fake_nvml/fake_nvml.c, loaded by path): the
// GPUs, MIG devices and errors it is told of in its FAKE_NVML_CONFIG file.
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/nvml.h"

namespace hexa {
namespace {

const std::string kFake = std::string(HEXA_FAKE_NVML_DIR) + "/libnvidia-ml.so.1";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Points the fake at a config holding `text`, for one test.
class FakeNvml : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("FAKE_NVML_CONFIG");
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void config(const std::string& text) {
    char tmpl[] = "/tmp/fake-nvml-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
    ::setenv("FAKE_NVML_CONFIG", path_.c_str(), 1);
  }
  std::string path_;
};

std::string eight_h100() {
  std::string text;
  for (int i = 0; i < 8; ++i) text += "gpu NVIDIA H100 80GB HBM3|GPU-h100-" + std::to_string(i) + "|81559\n";
  return text;
}

TEST_F(FakeNvml, ReadsEightGpus) {
  config(eight_h100());
  Result<DiscoveredGpus> d = discover_gpus(kFake);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->gpus.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    const DiscoveredGpu& g = d->gpus[static_cast<std::size_t>(i)];
    EXPECT_EQ(g.index, i);
    EXPECT_EQ(g.name, "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(g.uuid, "GPU-h100-" + std::to_string(i));
    EXPECT_EQ(g.memory_mib, 81559);
    EXPECT_FALSE(g.mig_enabled);
  }
  EXPECT_TRUE(d->mig.empty());
  EXPECT_TRUE(d->notes.empty());
  Result<GpuDeclaration> decl = declare_gpus(*d, "");
  ASSERT_TRUE(decl.ok()) << decl.status().message();
  EXPECT_EQ(decl->gpus, 8);
  EXPECT_EQ(decl->gpu_type, "H100");
}

TEST_F(FakeNvml, ReadsTheMigDevicesOfOneGpu) {
  config("gpu NVIDIA H100 80GB HBM3|GPU-a|81920|mig=on\n"
         "gpu NVIDIA H100 80GB HBM3|GPU-b|81920|mig=off\n"
         "mig 0 3g.40gb start=0 size=4 uuid=MIG-a-0\n"
         "mig 0 2g.20gb start=4 size=2 uuid=MIG-a-1\n"
         "mig 0 1g.10gb start=6 size=1 uuid=MIG-a-2\n");
  Result<DiscoveredGpus> d = discover_gpus(kFake);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->gpus.size(), 2u);
  EXPECT_TRUE(d->gpus[0].mig_enabled);
  EXPECT_FALSE(d->gpus[1].mig_enabled);
  ASSERT_EQ(d->mig.size(), 3u);
  // The fake gives each profile an id other than its index: names come through the ids.
  EXPECT_EQ(d->mig[0].profile, "3g.40gb");
  EXPECT_EQ(d->mig[1].profile, "2g.20gb");
  EXPECT_EQ(d->mig[2].profile, "1g.10gb");
  EXPECT_EQ(d->mig[1].uuid, "MIG-a-1");
  EXPECT_EQ(d->mig[1].gpu, 0);
  EXPECT_EQ(d->mig[1].start, 4);
  EXPECT_EQ(d->mig[1].size, 2);
  EXPECT_EQ(d->mig[0].memory_mib, 40960);
  const MigDevice* at = mig_device_at(d->mig, 0, 0x30);  // slots 4 and 5
  ASSERT_NE(at, nullptr);
  EXPECT_EQ(at->uuid, "MIG-a-1");
  EXPECT_EQ(mig_device_at(d->mig, 0, 0x10), nullptr) << "slot 4 alone is no device";
  EXPECT_EQ(mig_device_at(d->mig, 1, 0x30), nullptr) << "GPU 1 has MIG off";
  const std::string text = describe_gpus(*d);
  EXPECT_TRUE(contains(text, "GPU 0: NVIDIA H100 80GB HBM3, GPU-a, 81920 MiB, MIG on\n")) << text;
  EXPECT_TRUE(contains(text, "  MIG 2g.20gb at slots 4..5, MIG-a-1, 20480 MiB\n")) << text;
}

TEST_F(FakeNvml, MigPlacementsNeedRootElseANote) {
  config("gpu NVIDIA A100-SXM4-40GB|GPU-a|40960|mig=on\nmig 0 1g.5gb start=0 size=1 uuid=MIG-x\nno_permission\n");
  Result<DiscoveredGpus> d = discover_gpus(kFake);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->mig.empty());
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_TRUE(contains(d->notes[0], "GPU 0: its MIG devices are left out: nvmlDeviceGetGpuInstanceById failed: "
                                    "Insufficient Permissions (run the agent as root)"))
      << d->notes[0];
}

TEST_F(FakeNvml, NoGpusIsAnError) {
  config("# a driver without GPUs\n");
  Result<DiscoveredGpus> d = discover_gpus(kFake);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "NVML: no GPUs");
}

TEST_F(FakeNvml, InitFailingSaysWhy) {
  config(eight_h100() + "init_fail 9\n");
  Result<DiscoveredGpus> d = discover_gpus(kFake);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "NVML: nvmlInit_v2 failed: Driver Not Loaded");
  ::unsetenv("FAKE_NVML_CONFIG");  // no config at all: the fake's driver is not loaded either
  EXPECT_EQ(discover_gpus(kFake).status().message(), "NVML: nvmlInit_v2 failed: Driver Not Loaded");
}

TEST(Nvml, AMissingLibrarySaysSo) {
  Result<DiscoveredGpus> d = discover_gpus("/nonexistent/libnvidia-ml.so.1");
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.status().message(), "NVML: cannot load /nonexistent/libnvidia-ml.so.1: ")) << d.status().message();
}

TEST(Nvml, ALibraryWithoutNvmlSaysWhatItLacks) {
  Result<DiscoveredGpus> d = discover_gpus("libc.so.6");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "NVML: libc.so.6 lacks nvmlInit_v2 (too old a driver?)");
}

}  // namespace
}  // namespace hexa
