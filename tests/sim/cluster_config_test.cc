// Cluster descriptions: shorthand, YAML (good and each kind of bad), the Alibaba node list, and
// load_cluster's dispatch.
#include "sim/cluster_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_files.h"

namespace hexa {
namespace {

using testing::temp_path;
using testing::write;

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- shorthand -------------------------------------------------------------------------------

TEST(ClusterShorthand, EightyByEight) {
  auto r = cluster_from_shorthand("80x8");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->sites().size(), 1u);
  EXPECT_EQ(r->sites()[0].name, "site0");
  EXPECT_EQ(r->blocks().size(), 10u);
  EXPECT_EQ(r->nodes().size(), 80u);
  EXPECT_EQ(r->total_gpus(), 640);
  EXPECT_EQ(r->block(0).name, "b0");
  EXPECT_EQ(r->block(9).name, "b9");
  EXPECT_EQ(r->node(0).name, "n0");
  EXPECT_EQ(r->node(79).name, "n79");
  EXPECT_EQ(r->node(79).block, 9u);
  EXPECT_EQ(r->types().size(), 1u);
  EXPECT_EQ(r->types().name(0), "gpu");
}

TEST(ClusterShorthand, LastBlockMayBeSmaller) {
  auto r = cluster_from_shorthand("10x64");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->blocks().size(), 2u);
  EXPECT_EQ(r->block(0).nodes.size(), 8u);
  EXPECT_EQ(r->block(1).nodes.size(), 2u);
  EXPECT_EQ(r->total_gpus(), 640);
}

TEST(ClusterShorthand, BadTextNamesTheFlagAndRule) {
  const std::pair<const char*, const char*> cases[] = {
      {"80x", "--cluster: expected NODESxGPUS (e.g. 80x8), got '80x'"},
      {"axb", "--cluster: expected NODESxGPUS (e.g. 80x8), got 'axb'"},
      {"8x8x8", "--cluster: expected NODESxGPUS"},
      {"-1x8", "--cluster: expected NODESxGPUS"},
      {"0x8", "--cluster 0x8: NODES must be an integer between 1 and 1000000, got '0'"},
      {"1000001x8", "--cluster 1000001x8: NODES must be"},
      {"99999999999999999999x8", "NODES must be"},
      {"80x65", "--cluster 80x65: GPUS must be an integer between 1 and 64, got '65'"},
      {"80x0", "GPUS must be"}};
  for (const auto& [text, expected] : cases) {
    auto r = cluster_from_shorthand(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(contains(r.status().message(), expected)) << r.status().message();
  }
}

// ---- YAML ------------------------------------------------------------------------------------

constexpr const char* kGoodYaml = R"(
sites:
  - name: paris
    blocks:
      - {count: 3, nodes: 4, gpus_per_node: 8, gpu_type: H100}
      - {nodes: 2, gpus_per_node: 4, gpu_type: A100, name: old}
  - name: marseille
    blocks:
      - count: 2
        nodes: 1
        gpus_per_node: 8
        gpu_type: H100
        name: m
)";

TEST(ClusterYaml, GoodFile) {
  auto r = load_cluster_yaml(write("c.yaml", kGoodYaml));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Topology& t = *r;
  ASSERT_EQ(t.sites().size(), 2u);
  EXPECT_EQ(t.sites()[0].name, "paris");
  EXPECT_EQ(t.sites()[1].name, "marseille");
  ASSERT_EQ(t.blocks().size(), 6u);
  EXPECT_EQ(t.nodes().size(), 3u * 4 + 2 + 2);
  EXPECT_EQ(t.total_gpus(), 3 * 4 * 8 + 2 * 4 + 2 * 8);
  EXPECT_EQ(t.block(0).name, "paris-b0");
  EXPECT_EQ(t.block(2).name, "paris-b2");
  EXPECT_EQ(t.block(3).name, "old");  // a name with count 1 is the block's name
  EXPECT_EQ(t.block(4).name, "m0");   // with count > 1 it is a prefix
  EXPECT_EQ(t.block(5).name, "m1");
  EXPECT_EQ(t.node(0).name, "paris-b0-n0");
  EXPECT_EQ(t.node(13).name, "old-n1");
  EXPECT_EQ(t.node(13).gpus, 4);
  EXPECT_EQ(t.types().size(), 2u);
  EXPECT_EQ(t.types().name(t.block(3).type), "A100");
  EXPECT_EQ(t.block(4).site, 1u);
}

// The example in docs/cluster-format.md loads and gives the numbers the page states.
TEST(ClusterYaml, DocumentedExample) {
  std::ifstream doc(HEXA_SOURCE_DIR "/docs/cluster-format.md");
  ASSERT_TRUE(doc) << "docs/cluster-format.md not found";
  std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  std::size_t begin = text.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  std::string yaml = text.substr(begin, text.find("```", begin) - begin);
  auto r = load_cluster_yaml(write("doc.yaml", yaml));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sites().size(), 3u);
  EXPECT_EQ(r->blocks().size(), 53u);
  EXPECT_EQ(r->nodes().size(), 1648u);
  EXPECT_EQ(r->total_gpus(), 13120);
  EXPECT_TRUE(contains(text, "This gives 3 sites, 53 blocks, 1,648 nodes and 13,120 GPUs."));
}

std::string yaml_error(const std::string& text) {
  auto r = cluster_from_yaml(YAML::Load(text), "scenario.yaml: cluster");
  return r.ok() ? "" : r.status().message();
}

TEST(ClusterYaml, BadValuesNameTheirPath) {
  const std::pair<const char*, const char*> cases[] = {
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: H}\n"
       "      - {nodes: 1, gpus_per_node: x, gpu_type: H}\n",
       "scenario.yaml: cluster: sites[0].blocks[1].gpus_per_node: must be an integer between 1 and 64, got "
       "'x'"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 65, gpu_type: H}\n",
       "sites[0].blocks[0].gpus_per_node: must be an integer between 1 and 64, got '65'"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: H, gpus: 3}\n",
       "sites[0].blocks[0]: unknown key 'gpus'; expected one of: count, nodes, gpus_per_node, gpu_type, "
       "name"},
      {"sites:\n  - name: p\n    blokcs: []\n", "sites[0]: unknown key 'blokcs'"},
      {"site: []\n", "scenario.yaml: cluster: unknown key 'site'; expected one of: sites"},
      {"sites: []\n", "sites: must be a non-empty list of sites, got a list"},
      {"sites: {}\n", "sites: must be a non-empty list of sites, got a map"},
      {"{}\n", "sites: must be a non-empty list of sites, got nothing"},
      {"- a\n- b\n", "scenario.yaml: cluster: must be a map with key 'sites', got a list"},
      {"sites:\n  - paris\n", "sites[0]: must be a map, got 'paris'"},
      {"sites:\n  - name: p\n    blocks:\n      - 3\n", "sites[0].blocks[0]: must be a map, got '3'"},
      {"sites:\n  - name: p\n    blocks: []\n", "sites[0].blocks: must be a non-empty list of blocks"},
      {"sites:\n  - blocks: []\n", "sites[0].name: is required"},
      {"sites:\n  - name: a b\n    blocks: []\n", "sites[0].name: must be a non-empty name without blanks"},
      {"sites:\n  - name: p\n    blocks:\n      - {gpus_per_node: 8, gpu_type: H}\n",
       "sites[0].blocks[0].nodes: is required (must be an integer between 1 and 100000)"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1.5, gpus_per_node: 8, gpu_type: H}\n",
       "sites[0].blocks[0].nodes: must be an integer between 1 and 100000, got '1.5'"},
      {"sites:\n  - name: p\n    blocks:\n      - {count: 0, nodes: 1, gpus_per_node: 8, gpu_type: H}\n",
       "sites[0].blocks[0].count: must be an integer between 1 and 100000, got '0'"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8}\n",
       "sites[0].blocks[0].gpu_type: is required"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: [a]}\n",
       "sites[0].blocks[0].gpu_type: must be a non-empty name without blanks, ',' or '|', got a list"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: H}\n"
       "  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: H}\n",
       "sites[1].name: site 'p': declared twice"},
      {"sites:\n  - name: p\n    blocks:\n      - {nodes: 1, gpus_per_node: 8, gpu_type: H, name: x}\n"
       "      - {nodes: 1, gpus_per_node: 8, gpu_type: H, name: x}\n",
       "sites[0].blocks[1].name: block 'x' already declared at sites[0].blocks[0]"},
      {"sites:\n  - name: p\n    blocks:\n      - {count: 100000, nodes: 11, gpus_per_node: 8, gpu_type: "
       "H}\n",
       "sites[0].blocks[0]: the cluster would have more than 1000000 nodes"},
      {"sites:\n  - name: p\n    name: q\n    blocks: []\n", "sites[0]: key 'name' given twice"}};
  for (const auto& [text, expected] : cases) {
    std::string msg = yaml_error(text);
    EXPECT_TRUE(contains(msg, expected)) << "yaml:\n" << text << "\nmessage: " << msg;
  }
}

TEST(ClusterYaml, SiteProfilesAndGpuPower) {
  const char* text = R"(sites:
  - name: paris
    provider: scaleway
    region: fr-par
    price_factor: 1.15
    pue: 1.25
    carbon_g_per_kwh: 40
    blocks: [{nodes: 2, gpus_per_node: 8, gpu_type: H100}]
  - name: mulhouse
    carbon_g_per_kwh: [60, 60, 60, 60, 60, 60, 50, 40, 30, 20, 20, 20, 20, 20, 20, 30, 40, 50, 60, 60, 60, 60, 60, 60]
    blocks: [{nodes: 2, gpus_per_node: 8, gpu_type: H100}]
gpu_types: {H100: {watts: 700}}
)";
  auto r = cluster_from_yaml(YAML::Load(text), "c");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SiteProfile& paris = r->site(0).profile;
  EXPECT_EQ(paris.provider, "scaleway");
  EXPECT_EQ(paris.region, "fr-par");
  EXPECT_EQ(paris.price_factor_bps, 11500);
  EXPECT_EQ(paris.pue_milli, 1250);
  EXPECT_EQ(paris.carbon[0], 40);
  EXPECT_EQ(paris.carbon[23], 40);
  const SiteProfile& mulhouse = r->site(1).profile;
  EXPECT_EQ(mulhouse.provider, "default");
  EXPECT_EQ(mulhouse.region, "mulhouse");
  EXPECT_EQ(mulhouse.price_factor_bps, 10000);
  EXPECT_EQ(mulhouse.carbon[9], 20);
  EXPECT_EQ(r->type_watts(*r->find_type("H100")), 700);
}

TEST(ClusterYaml, BadSiteProfilesNameTheirPath) {
  const std::string site = "sites:\n  - name: p\n    blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: H}]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {site + "    pue: 0.8\n", "sites[0].pue: must be a number between 1 and 5, got '0.8'"},
      {site + "    price_factor: -1\n", "sites[0].price_factor: must be a number between 0.0001 and 100"},
      {site + "    carbon_g_per_kwh: [1, 2]\n", "sites[0].carbon_g_per_kwh: must be a figure of gCO2e/kWh"},
      {site + "    carbon_g_per_kwh: -5\n", "sites[0].carbon_g_per_kwh: must be a figure of gCO2e/kWh"},
      {site + "    provider: a b\n", "sites[0].provider: must be a non-empty name without blanks"},
      {site + "gpu_types: {B200: {watts: 1000}}\n", "gpu_types.B200: gpu_types: no block has GPU type 'B200'"},
      {site + "gpu_types: {H: {watts: 0}}\n", "gpu_types.H.watts: must be an integer between 1 and 10000"},
      {site + "gpu_types: {H: {power: 700}}\n", "gpu_types.H: unknown key 'power'"}};
  for (const auto& [text, expected] : cases) {
    auto r = cluster_from_yaml(YAML::Load(text), "c");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(contains(r.status().message(), expected)) << "yaml:\n" << text << "\nmessage: " << r.status().message();
  }
}

TEST(SliceYaml, SlicedBlocksAndProfiles) {
  const char* text = R"(sites:
  - name: paris
    blocks:
      - {nodes: 2, gpus_per_node: 8, gpu_type: H100}
      - {nodes: 4, gpus_per_node: 8, gpu_type: H100, slices: mig, name: learners}
slice_profiles:
  - {name: small, compute: 1, memory: 1}
  - {name: half, compute: 3, memory: 4, starts: [0, 4]}
  - {name: full, compute: 7, memory: 8}
)";
  auto r = cluster_from_yaml(YAML::Load(text), "c");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->block(0).sliced);
  EXPECT_TRUE(r->block(1).sliced);
  EXPECT_TRUE(r->node(r->block(1).nodes[0]).sliced);
  EXPECT_EQ(r->sliced_gpus(), 32);
  ASSERT_EQ(r->slice_profiles().size(), 3u);
  EXPECT_EQ(r->find_slice("half"), 2);
  EXPECT_EQ(r->slice_profile(2).starts, 0x11);
  EXPECT_EQ(r->slice_profile(1).starts, 0x7F) << "default starts: 0..6";
  auto d = cluster_from_yaml(YAML::Load("sites: [{name: p, blocks: [{nodes: 1, gpus_per_node: 1, gpu_type: H, slices: mig}]}]"), "c");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->find_slice("1g.10gb"), 1) << "the built-in H100 table";
}

TEST(SliceYaml, BadSlicesNameTheirPath) {
  const std::string site = "sites:\n  - name: p\n    blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: H, slices: mig}]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sites: [{name: p, blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: H, slices: yes}]}]",
       "sites[0].blocks[0].slices: must be 'mig' (GPUs partitioned into slices, for slice jobs only) or 'none', got 'yes'"},
      {site + "slice_profiles: []\n", "slice_profiles: must be a non-empty list of {name, compute, memory, starts}"},
      {site + "slice_profiles: [{name: a, compute: 9, memory: 1}]\n",
       "slice_profiles[0].compute: must be an integer between 1 and 7, got '9'"},
      {site + "slice_profiles: [{name: a, compute: 1}]\n", "slice_profiles[0].memory: is required"},
      {site + "slice_profiles: [{name: a, compute: 1, memory: 1, size: 2}]\n", "slice_profiles[0]: unknown key 'size'"},
      {site + "slice_profiles: [{name: a, compute: 1, memory: 1, starts: [8]}]\n",
       "slice_profiles[0].starts: must be a non-empty list of start offsets, memory slots 0 to 7, got '8'"},
      {site + "slice_profiles: [{name: a, compute: 4, memory: 4, starts: [4]}]\n",
       "slice_profiles: slice profile 'a'.starts: offset 4 leaves the GPU"},
      {site + "slice_profiles: [{name: a, compute: 1, memory: 1}, {name: a, compute: 2, memory: 2}]\n",
       "slice_profiles: slice profile 'a': declared twice"}};
  for (const auto& [text, expected] : cases) {
    auto r = cluster_from_yaml(YAML::Load(text), "c");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(contains(r.status().message(), expected)) << "yaml:\n" << text << "\nmessage: " << r.status().message();
  }
}

TEST(ClusterYaml, SyntaxErrorNamesFileAndLine) {
  std::string path = write("c.yaml", "sites:\n  - name: p\n    blocks: [\n");
  auto r = load_cluster_yaml(path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message(), "c.yaml:")) << r.status().message();
  EXPECT_TRUE(contains(r.status().message(), "YAML syntax:")) << r.status().message();
}

TEST(ClusterYaml, ErrorsArePrefixedWithTheFile) {
  std::string path = write("c.yaml", "sites: 3\n");
  auto r = load_cluster_yaml(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": sites: must be a non-empty list of sites, got '3'");
}

TEST(ClusterYaml, EmptyDocument) {
  auto r = load_cluster_yaml(write("c.yaml", "# nothing\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message(), "must be a map with key 'sites', got nothing"))
      << r.status().message();
}

TEST(ClusterYaml, MissingFile) {
  std::string path = temp_path("none.yaml");
  auto r = load_cluster_yaml(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": cannot open: No such file or directory");
}

// ---- Alibaba node list -----------------------------------------------------------------------

TEST(ClusterAlibabaNodes, GroupsByModelInBlocksOfEight) {
  std::string text = "sn,cpu_milli,memory_mib,gpu,model\r\n";
  for (int i = 0; i < 10; ++i) text += "t" + std::to_string(i) + ",1,1,2,T4\r\n";
  text += "cpu0,1,1,0,\r\n";
  text += "v0,1,1,8,V100\r\n";
  text += "t10,1,1,4,T4\r\n";
  auto r = load_alibaba_nodes(write("nodes.csv", text));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Topology& t = *r;
  ASSERT_EQ(t.sites().size(), 1u);
  EXPECT_EQ(t.sites()[0].name, "alibaba");
  ASSERT_EQ(t.blocks().size(), 3u);
  EXPECT_EQ(t.block(0).name, "T4-b0");
  EXPECT_EQ(t.block(0).nodes.size(), 8u);
  EXPECT_EQ(t.block(1).name, "T4-b1");
  EXPECT_EQ(t.block(1).nodes.size(), 3u);
  EXPECT_EQ(t.block(2).name, "V100-b0");
  EXPECT_EQ(t.nodes().size(), 12u);
  EXPECT_EQ(t.total_gpus(), 10 * 2 + 4 + 8);
  EXPECT_EQ(t.node(t.block(1).nodes.back()).name, "t10");
}

TEST(ClusterAlibabaNodes, BadLinesNameFileLineAndField) {
  const std::string header = "sn,cpu_milli,memory_mib,gpu,model\n";
  const std::pair<std::string, const char*> cases[] = {
      {header + "a,1,1,65,T4\n", "n.csv:2: gpu: must be an integer between 0 and 64, got '65'"},
      {header + "a,1,1,2,\n", "n.csv:2: model: must be a GPU type name"},
      {header + "a,x,1,2,T4\n", "n.csv:2: cpu_milli:"},
      {header + "a,1,1,2\n", "n.csv:2: expected 5"},
      {header + "a,1,1,2,T4\na,1,1,2,T4\n", "n.csv:3: sn: duplicate 'a' (first on line 2)"},
      {"sn,gpu,model\n", "n.csv:1: header: expected 'sn,cpu_milli,memory_mib,gpu,model'"},
      {header + "a,1,1,0,\n", "n.csv: no GPU nodes"},
      {"", "n.csv: empty file"}};
  for (const auto& [text, expected] : cases) {
    auto r = load_alibaba_nodes(write("n.csv", text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(contains(r.status().message(), expected)) << r.status().message();
  }
}

// ---- load_cluster ----------------------------------------------------------------------------

TEST(ClusterLoad, PicksByForm) {
  auto a = load_cluster("4x2");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->total_gpus(), 8);
  auto b = load_cluster(write("c.yml", kGoodYaml));
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->sites().size(), 2u);
  auto c = load_cluster(write("n.csv", "sn,cpu_milli,memory_mib,gpu,model\nx,1,1,8,A10\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->total_gpus(), 8);
  auto d = load_cluster("0x8");
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.status().message(), "NODES must be")) << d.status().message();
}

TEST(ClusterLoad, UnknownForm) {
  for (const char* spec : {"80x", "cluster.json", "", "big"}) {
    auto r = load_cluster(spec);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(
        r.status().message(),
        std::string("--cluster: expected NODESxGPUS (e.g. 80x8), a .yaml file or an Alibaba node list .csv, "
                    "got '") +
            spec + "'");
  }
}

TEST(ClusterReal, AlibabaNodeList) {
  const char* env = std::getenv("HEXA_TRACES");
  std::string dir = env && *env ? env : HEXA_SOURCE_DIR "/../shared/traces";
  std::string path = dir + "/alibaba-gpu-2023/openb_node_list_gpu_node.csv";
  if (!fs::exists(path))
    GTEST_SKIP() << "public trace " << path << " not found; set HEXA_TRACES to the traces folder";
  auto r = load_alibaba_nodes(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes().size(), 1213u);
  EXPECT_EQ(r->total_gpus(), 6212);
  EXPECT_EQ(r->types().size(), 7u);
  EXPECT_EQ(r->blocks().size(), 154u);    // sum over the 7 models of ceil(nodes / 8)
  EXPECT_EQ(r->types().name(0), "P100");  // first model in the file
}

}  // namespace
}  // namespace hexa
