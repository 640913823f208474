// Golden files: compare an output with tests/golden/<name>, or rewrite it when
// HEXA_UPDATE_GOLDEN=1 (docs/testing.md). A difference is reported as the first line that
// differs, both versions, for a person to judge.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_files.h"

namespace hexa::testing {

inline const std::string kGolden = HEXA_SOURCE_DIR "/tests/golden/";

inline bool updating_golden() {
  const char* e = std::getenv("HEXA_UPDATE_GOLDEN");
  return e != nullptr && std::string(e) == "1";
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

// Where two texts first differ, for a person: the golden path, the line, both versions.
inline std::string first_difference(const std::string& path, const std::string& expected, const std::string& actual) {
  std::vector<std::string> e = lines_of(expected), a = lines_of(actual);
  std::size_t i = 0;
  while (i < e.size() && i < a.size() && e[i] == a[i]) ++i;
  std::ostringstream msg;
  msg << "output differs from golden file " << path << " at line " << i + 1 << ":\n"
      << "  expected: " << (i < e.size() ? e[i] : "<end of file>") << "\n"
      << "  actual:   " << (i < a.size() ? a[i] : "<end of output>") << "\n";
  if (i == e.size() && i == a.size()) msg << "  (the texts differ only in their final newline)\n";
  msg << "If the change is intended, check the new output by hand, then rerun with HEXA_UPDATE_GOLDEN=1.";
  return msg.str();
}

// Compares `actual` with tests/golden/<name>, or rewrites that file under HEXA_UPDATE_GOLDEN=1.
inline void check_golden(const std::string& name, const std::string& actual) {
  namespace fs = std::filesystem;
  const std::string path = kGolden + name;
  if (updating_golden()) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  if (!fs::exists(path)) {
    ADD_FAILURE() << "golden file " << path << " is missing; create it with HEXA_UPDATE_GOLDEN=1";
    return;
  }
  std::string expected = read_file(path);
  if (expected != actual) ADD_FAILURE() << first_difference(path, expected, actual);
}

}  // namespace hexa::testing
