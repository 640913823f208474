// The fuzz targets' replays (docs/testing.md, "Fuzzing"): every file of fuzz/corpus/<target>/
// and fuzz/regressions/<target>/ through the target, compiled here without libFuzzer. A
// finding aborts the program with the file's name (fuzz::fail); the test also fails when a
// target's corpus is missing or empty, so that a moved folder cannot pass by replaying nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_util.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;
using Target = int (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replays corpus and regressions; returns how many files of the corpus it ran.
std::size_t replay(const std::string& target, Target run) {
  const fs::path root = fs::path(HEXA_SOURCE_DIR) / "fuzz";
  std::size_t corpus = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const fs::path& file : files_in(root / kind / target)) {
      const std::string bytes = bytes_of(file);
      fuzz::set_current_input(file.string());
      EXPECT_EQ(run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0) << file;
      if (std::string_view(kind) == "corpus") ++corpus;
    }
  }
  fuzz::set_current_input("");
  return corpus;
}

TEST(FuzzReplay, HttpRequest) { EXPECT_GT(replay("http_request", hexa_fuzz_http_request), 0u); }
TEST(FuzzReplay, ApiRequest) { EXPECT_GT(replay("api_request", hexa_fuzz_api_request), 0u); }
TEST(FuzzReplay, CommandJson) { EXPECT_GT(replay("command_json", hexa_fuzz_command_json), 0u); }
TEST(FuzzReplay, Snapshot) { EXPECT_GT(replay("snapshot", hexa_fuzz_snapshot), 0u); }
TEST(FuzzReplay, Trace) { EXPECT_GT(replay("trace", hexa_fuzz_trace), 0u); }
TEST(FuzzReplay, Yaml) { EXPECT_GT(replay("yaml", hexa_fuzz_yaml), 0u); }

}  // namespace
}  // namespace hexa
