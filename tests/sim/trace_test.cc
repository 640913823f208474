// Trace loaders: exact values, notes, one error per kind of malformed line, round trip, and
// smoke tests on the real public traces (skipped when they are absent).
#include "sim/trace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "sim/param_name.h"
#include "test_files.h"

namespace hexa {
namespace {

using testing::temp_path;
using testing::write;

namespace fs = std::filesystem;

// Loads `text` as file t.csv with `format` and returns the error message ("" when it loads).
std::string error_of(const std::string& format, const std::string& text) {
  auto r = load_trace(write("t.csv", text), format);
  return r.ok() ? "" : r.status().message();
}

std::string traces_dir() {
  const char* env = std::getenv("HEXA_TRACES");
  return env && *env ? env : HEXA_SOURCE_DIR "/../shared/traces";
}

#define SKIP_WITHOUT(path) \
  if (!fs::exists(path))   \
  GTEST_SKIP() << "public trace " << (path) << " not found; set HEXA_TRACES to the traces folder"

// ---- ITP -------------------------------------------------------------------------------------

TEST(TraceItp, LoadsSortsAndConvertsSecondsToMs) {
  std::string path = write("itp.csv",
                           "job_id,submission_time,duration,num_gpu\r\n"
                           "b,20,5,8\r\n"
                           "\r\n"
                           "a,10,3600,1\r\n"
                           "c,20,1,64\r\n");
  auto r = load_itp(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->jobs.size(), 3u);
  EXPECT_EQ(r->jobs[0].id, "a");
  EXPECT_EQ(r->jobs[0].submit, 10'000);
  EXPECT_EQ(r->jobs[0].duration, 3'600'000);
  EXPECT_EQ(r->jobs[0].gpus, 1);
  EXPECT_EQ(r->jobs[1].id, "b");  // equal submit times keep file order
  EXPECT_EQ(r->jobs[2].id, "c");
  EXPECT_EQ(r->jobs[2].gpus, 64);
  for (const TraceJob& j : r->jobs) {
    EXPECT_EQ(j.tenant, "itp");
    EXPECT_TRUE(j.preemptible);
    EXPECT_TRUE(j.gpu_types.empty());
    EXPECT_TRUE(j.sites.empty());
    EXPECT_EQ(j.time_limit, 0);
    EXPECT_EQ(j.priority, 0);
  }
  EXPECT_TRUE(r->notes.empty());
}

TEST(TraceItp, HeaderOnlyIsAnEmptyTrace) {
  auto r = load_itp(write("itp.csv", "job_id,submission_time,duration,num_gpu"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->jobs.empty());
}

struct BadCase {
  const char* body;      // lines after the header
  const char* expected;  // a part of the message
};

class TraceItpBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(TraceItpBad, FailsNamingFileLineFieldAndRule) {
  std::string msg =
      error_of("itp", std::string("job_id,submission_time,duration,num_gpu\n") + GetParam().body);
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, TraceItpBad,
    ::testing::Values(
        BadCase{"a,1,1,1\nb,1,1,abc\n",
                "t.csv:3: num_gpu: must be an integer between 1 and 100000, got 'abc'"},
        BadCase{"a,1,1,0\n", "t.csv:2: num_gpu: must be an integer between 1 and 100000, got '0'"},
        BadCase{"a,1,1,-4\n", "t.csv:2: num_gpu:"},
        BadCase{"a,-1,1,1\n", "t.csv:2: submission_time: must be an integer between 0 and"},
        BadCase{"a,1,0,1\n", "t.csv:2: duration: must be an integer between 1 and"},
        BadCase{"a,1,1.5,1\n", "t.csv:2: duration:"}, BadCase{"a,1,,1\n", "t.csv:2: duration:"},
        BadCase{"a,1,1\n", "t.csv:2: expected 4 comma-separated fields as in the header, got 3"},
        BadCase{"a,1,1,1,1\n", "t.csv:2: expected 4"},
        BadCase{",1,1,1\n", "t.csv:2: job_id: must not be empty"},
        BadCase{"a,1,1,1\nb,1,1,1\n\na,2,2,2\n", "t.csv:5: job_id: duplicate 'a' (first on line 2)"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return testing_names::param_name(p.param.expected, p.index); });

TEST(TraceItp, WrongHeader) {
  std::string msg = error_of("itp", "id,submit,duration,gpus\na,1,1,1\n");
  EXPECT_NE(msg.find("t.csv:1: header: expected 'job_id,submission_time,duration,num_gpu', got "
                     "'id,submit,duration,gpus'"),
            std::string::npos)
      << msg;
}

TEST(TraceItp, EmptyFile) {
  std::string msg = error_of("itp", "\n\n");
  EXPECT_NE(msg.find("t.csv: empty file; expected header"), std::string::npos) << msg;
}

TEST(TraceItp, MissingFile) {
  std::string path = temp_path("nope.csv");
  auto r = load_itp(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": cannot open: No such file or directory");
}

TEST(TraceItp, DirectoryIsAnError) {
  std::string path = temp_path("");
  auto r = load_itp(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot"), std::string::npos) << r.status().message();
}

// ---- Alibaba ---------------------------------------------------------------------------------

constexpr const char* kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,"
    "scheduled_time\n";

TEST(TraceAlibaba, LoadsMapsAndNotes) {
  std::string path =
      write("pods.csv", std::string(kPodHeader) +
                            "p0,12000,16384,1,1000,,LS,Running,100,1100,110\n"
                            "p1,6000,12288,1,460,T4|T4,BE,Running,50,550,50\n"
                            "p2,20000,65536,0,0,,LS,Running,10,20,10\n"
                            "p3,88000,327680,8,1000,V100M16|V100M32,Burstable,Pending,70,170,\n"
                            "p4,1000,1024,2,1000,,BE,Failed,80,80,80\n"
                            "p5,1000,1024,1,500,,BE,Failed,90,95,90\n");
  auto r = load_alibaba(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->jobs.size(), 5u);
  const TraceJob& p1 = r->jobs[0];
  EXPECT_EQ(p1.id, "p1");
  EXPECT_EQ(p1.tenant, "BE");
  EXPECT_EQ(p1.submit, 50'000);
  EXPECT_EQ(p1.duration, 500'000);
  EXPECT_EQ(p1.gpus, 1);                                    // 460 milli-GPU rounded up
  EXPECT_EQ(p1.gpu_types, std::vector<std::string>{"T4"});  // "T4|T4": a name listed twice counts once
  const TraceJob& p3 = r->jobs[1];
  EXPECT_EQ(p3.id, "p3");
  EXPECT_EQ(p3.gpus, 8);
  EXPECT_EQ(p3.duration, 100'000);  // never scheduled: deletion - creation
  EXPECT_EQ(p3.gpu_types, (std::vector<std::string>{"V100M16", "V100M32"}));
  EXPECT_EQ(r->jobs[2].id, "p4");
  EXPECT_EQ(r->jobs[2].duration, 1'000);  // 0 s clamped to 1 s
  EXPECT_EQ(r->jobs[3].id, "p5");
  const TraceJob& p0 = r->jobs[4];
  EXPECT_EQ(p0.id, "p0");
  EXPECT_EQ(p0.submit, 100'000);
  EXPECT_EQ(p0.duration, 990'000);  // deletion - scheduled
  EXPECT_TRUE(p0.gpu_types.empty());
  for (const TraceJob& j : r->jobs) EXPECT_TRUE(j.preemptible);
  EXPECT_EQ(r->notes, (std::vector<std::string>{
                          "1 CPU-only pod (num_gpu = 0) skipped",
                          "2 fractional-GPU tasks rounded up to 1 whole GPU; GPU slices come later",
                          "1 pod with a run time of 0 seconds or less given 1 second"}));
}

class TraceAlibabaBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(TraceAlibabaBad, FailsNamingFileLineFieldAndRule) {
  std::string msg = error_of("alibaba", std::string(kPodHeader) + GetParam().body);
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, TraceAlibabaBad,
    ::testing::Values(BadCase{"p,1,1,1,1500,,LS,Running,0,10,0\n",
                              "t.csv:2: gpu_milli: must be an integer between 0 and 1000, got '1500'"},
                      BadCase{"p,1,1,2,500,,LS,Running,0,10,0\n",
                              "t.csv:2: gpu_milli: must be 1000 (whole GPUs) when num_gpu > 1"},
                      BadCase{"p,1,1,1,0,,LS,Running,0,10,0\n",
                              "t.csv:2: gpu_milli: must be between 1 and 1000 when num_gpu >= 1"},
                      BadCase{"p,1,1,x,1000,,LS,Running,0,10,0\n", "t.csv:2: num_gpu: must be an integer"},
                      BadCase{"p,-1,1,1,1000,,LS,Running,0,10,0\n", "t.csv:2: cpu_milli:"},
                      BadCase{"p,1,1,1,1000,,,Running,0,10,0\n", "t.csv:2: qos: must not be empty"},
                      BadCase{"p,1,1,1,1000,A||B,LS,Running,0,10,0\n", "t.csv:2: gpu_spec:"},
                      BadCase{"p,1,1,1,1000,,LS,Running,x,10,0\n", "t.csv:2: creation_time:"},
                      BadCase{"p,1,1,1,1000,,LS,Running,0,,0\n", "t.csv:2: deletion_time:"},
                      BadCase{"p,1,1,1,1000,,LS,Running,0,10,-3\n", "t.csv:2: scheduled_time:"},
                      BadCase{"p,1,1,0,0,,LS,Running,0,10\n", "t.csv:2: expected 11"},
                      BadCase{"p,1,1,0,0,,LS,Running,x,10,0\n",
                              "t.csv:2: creation_time:"},  // CPU-only lines are checked too
                      BadCase{"p,1,1,1,1000,,LS,Running,0,10,0\np,1,1,1,1000,,LS,Running,0,10,0\n",
                              "t.csv:3: name: duplicate 'p' (first on line 2)"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return testing_names::param_name(p.param.expected, p.index); });

TEST(TraceAlibaba, PodListWithoutTimesSaysWhy) {
  std::string msg = error_of("alibaba", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,1000\n");
  EXPECT_NE(msg.find("t.csv:1: header: expected"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot be replayed"), std::string::npos) << msg;
}

// ---- Hexagone CSV ----------------------------------------------------------------------------

TEST(TraceHexa, ColumnsInAnyOrderWithDefaults) {
  std::string path = write("h.csv",
                           "# a comment before the header\n"
                           "gpus,id,duration_ms,tenant,gpu_type,submit_ms\n"
                           "4,j1,60000,acme,H100|A100,500\n"
                           "  # an indented comment\n"
                           "1,j0,1,lab,*,0\n"
                           "2,j2,5,lab,,500\n");
  auto r = load_hexa_csv(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->jobs.size(), 3u);
  EXPECT_EQ(r->jobs[0].id, "j0");
  EXPECT_TRUE(r->jobs[0].gpu_types.empty());
  const TraceJob& j1 = r->jobs[1];
  EXPECT_EQ(j1.id, "j1");
  EXPECT_EQ(j1.tenant, "acme");
  EXPECT_EQ(j1.submit, 500);
  EXPECT_EQ(j1.gpus, 4);
  EXPECT_EQ(j1.duration, 60'000);
  EXPECT_EQ(j1.gpu_types, (std::vector<std::string>{"H100", "A100"}));
  EXPECT_TRUE(j1.sites.empty());
  EXPECT_EQ(j1.priority, 0);
  EXPECT_EQ(j1.time_limit, 0);
  EXPECT_TRUE(j1.preemptible);
  EXPECT_EQ(r->jobs[2].id, "j2");
  EXPECT_TRUE(r->jobs[2].gpu_types.empty());
}

TEST(TraceHexa, OptionalColumns) {
  std::string path =
      write("h.csv",
            "id,tenant,submit_ms,gpus,gpu_type,duration_ms,site,priority,time_limit_ms,preemptible\n"
            "a,t,0,1,H100,10,paris|marseille,-5,3600000,no\n"
            "b,t,0,1,H100,10,,,,\n"
            "c,t,0,1,H100,10,*,7,0,TRUE\n");
  auto r = load_hexa_csv(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->jobs.size(), 3u);
  EXPECT_EQ(r->jobs[0].sites, (std::vector<std::string>{"paris", "marseille"}));
  EXPECT_EQ(r->jobs[0].priority, -5);
  EXPECT_EQ(r->jobs[0].time_limit, 3'600'000);
  EXPECT_FALSE(r->jobs[0].preemptible);
  EXPECT_TRUE(r->jobs[1].sites.empty());
  EXPECT_EQ(r->jobs[1].priority, 0);
  EXPECT_TRUE(r->jobs[1].preemptible);
  EXPECT_EQ(r->jobs[2].priority, 7);
  EXPECT_TRUE(r->jobs[2].preemptible);
}

class TraceHexaBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(TraceHexaBad, FailsNamingFileLineFieldAndRule) {
  std::string msg = error_of("hexa", GetParam().body);
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, TraceHexaBad,
    ::testing::Values(
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,colour\n",
                "t.csv:1: header: unknown column 'colour'"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type\n",
                "t.csv:1: header: missing required column 'duration_ms'"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,gpus\n",
                "t.csv:1: header: column 'gpus' given twice"},
        BadCase{"# only a comment\n", "t.csv: empty file"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,0,abc,,1\n",
                "t.csv:2: gpus: must be an integer between 1 and 100000, got 'abc'"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,-1,1,,1\n", "t.csv:2: submit_ms:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,0,1,,0\n", "t.csv:2: duration_ms:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,,0,1,,1\n",
                "t.csv:2: tenant: must not be empty"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,0,1,H100|*,1\n", "t.csv:2: gpu_type:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,0,1,,1,x\n", "t.csv:2: expected 6"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms\na,t,0,1,,1\n#\na,t,0,1,,1\n",
                "t.csv:4: id: duplicate 'a' (first on line 2)"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,site\na,t,0,1,,1,|\n", "t.csv:2: site:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,priority\na,t,0,1,,1,high\n",
                "t.csv:2: priority:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,time_limit_ms\na,t,0,1,,1,-1\n",
                "t.csv:2: time_limit_ms:"},
        BadCase{"id,tenant,submit_ms,gpus,gpu_type,duration_ms,preemptible\na,t,0,1,,1,maybe\n",
                "t.csv:2: preemptible: must be true, false, yes, no, 1 or 0, got 'maybe'"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return testing_names::param_name(p.param.expected, p.index); });

void expect_same(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.jobs.size(), b.jobs.size());
  for (std::size_t i = 0; i < a.jobs.size(); ++i) {
    const TraceJob& x = a.jobs[i];
    const TraceJob& y = b.jobs[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.tenant, y.tenant);
    EXPECT_EQ(x.submit, y.submit);
    EXPECT_EQ(x.gpus, y.gpus);
    EXPECT_EQ(x.gpu_types, y.gpu_types);
    EXPECT_EQ(x.sites, y.sites);
    EXPECT_EQ(x.duration, y.duration);
    EXPECT_EQ(x.priority, y.priority);
    EXPECT_EQ(x.time_limit, y.time_limit);
    EXPECT_EQ(x.preemptible, y.preemptible);
    EXPECT_EQ(x.providers, y.providers);
    EXPECT_EQ(x.prefer, y.prefer);
    EXPECT_EQ(x.slice, y.slice);
    EXPECT_EQ(x.start_target, y.start_target);
    EXPECT_EQ(x.deferrable, y.deferrable);
    EXPECT_EQ(x.deadline, y.deadline);
  }
}

TEST(TraceHexa, RoundTripIsLossless) {
  Trace t;
  t.jobs.push_back({"a", "acme", 0, 8, {"H100", "A100"}, {"paris"}, 3'600'000, -3, 7'200'000, false, {}, {}, ""});
  t.jobs.back().providers = {"hexagone", "other"};
  t.jobs.back().prefer = {"paris"};
  t.jobs.back().slice = "1g.10gb";
  t.jobs.back().start_target = 300'000;
  t.jobs.back().deferrable = true;
  t.jobs.back().deadline = 86'400'000;
  t.jobs.push_back({"b", "lab", 5, 1, {}, {}, 1, 0, 0, true, {}, {}, ""});
  t.jobs.push_back({"c", "lab", 5, 100'000, {"T4"}, {"paris", "marseille"}, 1'000'000'000'000, 9, 0, true, {}, {}, ""});
  t.notes.push_back("12 lines\nskipped");
  std::string path = temp_path("out.csv");
  Status st = write_hexa_csv(t, path);
  ASSERT_TRUE(st.ok()) << st.message();
  auto back = load_hexa_csv(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  expect_same(t, *back);
  EXPECT_TRUE(back->notes.empty());  // notes are written as comments for people only
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(TraceHexa, WriteRefusesWhatCannotBeReadBack) {
  std::string path = temp_path("out.csv");
  auto job = [](std::string id, std::string tenant, std::vector<std::string> types,
                std::vector<std::string> sites) {
    TraceJob j;
    j.id = std::move(id);
    j.tenant = std::move(tenant);
    j.gpu_types = std::move(types);
    j.sites = std::move(sites);
    return j;
  };
  for (const TraceJob& bad : {job("a,b", "t", {}, {}), job("#a", "t", {}, {}), job("a", "", {}, {}),
                              job("a", "t", {"*"}, {}), job("a", "t", {}, {"x|y"}), job(" a", "t", {}, {})}) {
    Trace t;
    t.jobs.push_back(bad);
    Status st = write_hexa_csv(t, path);
    EXPECT_FALSE(st.ok()) << bad.id;
    EXPECT_NE(st.message().find("job '" + bad.id + "'"), std::string::npos) << st.message();
  }
  EXPECT_FALSE(fs::exists(path));  // nothing half-written
}

TEST(TraceHexa, WriteToMissingFolderFails) {
  std::string path = temp_path("no/such/dir/out.csv");
  Status st = write_hexa_csv(Trace{}, path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path + ": cannot open for writing:"), std::string::npos) << st.message();
}

// ---- load_trace ------------------------------------------------------------------------------

TEST(TraceLoad, DispatchesOnFormat) {
  std::string path = write("itp.csv", "job_id,submission_time,duration,num_gpu\na,1,2,3\n");
  auto r = load_trace(path, "itp");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->jobs.size(), 1u);
  EXPECT_FALSE(load_trace(path, "hexa").ok());
  EXPECT_FALSE(load_trace(path, "alibaba").ok());
}

TEST(TraceLoad, UnknownFormat) {
  auto r = load_trace("whatever.csv", "philly");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "format: unknown 'philly'; expected itp, alibaba or hexa");
}

// ---- the real public traces ------------------------------------------------------------------

TEST(TraceReal, ItpClusters) {
  const std::pair<const char*, std::size_t> files[] = {{"cluster01.csv", 1595},
                                                       {"cluster02.csv", 5778},
                                                       {"cluster03.csv", 3011},
                                                       {"cluster04.csv", 15802},
                                                       {"cluster05.csv", 3629}};
  SKIP_WITHOUT(traces_dir() + "/itp/cluster04.csv");
  for (const auto& [name, jobs] : files) {
    auto r = load_itp(traces_dir() + "/itp/" + name);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->jobs.size(), jobs) << name;
    EXPECT_TRUE(std::is_sorted(r->jobs.begin(), r->jobs.end(),
                               [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; }));
  }
}

TEST(TraceReal, AlibabaPodLists) {
  const std::string dir = traces_dir() + "/alibaba-gpu-2023/";
  SKIP_WITHOUT(dir + "openb_pod_list_default.csv");
  const std::pair<const char*, long> files[] = {{"openb_pod_list_default.csv", 3078},
                                                {"openb_pod_list_gpushare40.csv", 4001},
                                                {"openb_pod_list_gpuspec33.csv", 3078}};
  for (const auto& [name, fractional] : files) {
    auto r = load_alibaba(dir + name);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->jobs.size(), 8152u - 1088u) << name;
    ASSERT_GE(r->notes.size(), 2u);
    EXPECT_EQ(r->notes[0], "1088 CPU-only pods (num_gpu = 0) skipped");
    EXPECT_EQ(r->notes[1], std::to_string(fractional) +
                               " fractional-GPU tasks rounded up to 1 whole GPU; GPU slices come later");
  }
}

TEST(TraceReal, AlibabaThroughHexaCsvRoundTrip) {
  std::string path = traces_dir() + "/alibaba-gpu-2023/openb_pod_list_gpuspec33.csv";
  SKIP_WITHOUT(path);
  auto r = load_alibaba(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string out = temp_path("gpuspec33.hexa.csv");
  Status st = write_hexa_csv(*r, out);
  ASSERT_TRUE(st.ok()) << st.message();
  auto back = load_hexa_csv(out);
  ASSERT_TRUE(back.ok()) << back.status().message();
  expect_same(*r, *back);
}

TEST(TraceReal, AlibabaMultiGpuListHasNoTimes) {
  std::string path = traces_dir() + "/alibaba-gpu-2023/openb_pod_list_multigpu30.csv";
  SKIP_WITHOUT(path);
  auto r = load_alibaba(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot be replayed"), std::string::npos) << r.status().message();
}

// sort_by_submit moves each job once instead of sorting the structs; the order must be a
// stable sort's: by submit, equal times in the order read.
TEST(TraceSort, SameOrderAsAStableSortByTheSubmitTime) {
  std::vector<TraceJob> jobs;
  for (int i = 0; i < 500; ++i) {
    TraceJob j;
    j.id = "job-" + std::to_string(i);
    j.submit = (i * 7919) % 37;  // many ties, out of order
    jobs.push_back(j);
  }
  std::vector<TraceJob> want = jobs;
  std::stable_sort(want.begin(), want.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  sort_by_submit(jobs);
  ASSERT_EQ(jobs.size(), want.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(jobs[i].id, want[i].id) << i;
  sort_by_submit(jobs);  // sorted already: unchanged
  for (std::size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(jobs[i].id, want[i].id) << i;
}

// The permutation is applied in place, cycle by cycle: shuffles of every shape of cycles.
TEST(TraceSort, ShuffledTracesComeOutAsAStableSort) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    std::vector<TraceJob> jobs(1 + rng() % 300);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      jobs[i].id = "job-" + std::to_string(i);
      jobs[i].submit = static_cast<TimeMs>(rng() % (1 + seed * 5));
    }
    std::shuffle(jobs.begin(), jobs.end(), rng);
    std::vector<TraceJob> want = jobs;
    std::stable_sort(want.begin(), want.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
    sort_by_submit(jobs);
    ASSERT_EQ(jobs.size(), want.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) ASSERT_EQ(jobs[i].id, want[i].id) << "seed " << seed << " at " << i;
  }
}

}  // namespace
}  // namespace hexa
