// Temporary files for tests: a fresh folder per test, so tests (and parallel runs) never share.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace hexa::testing {

inline std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : test)
    if (c == '/') c = '_';
  auto dir = std::filesystem::path(::testing::TempDir()) / ("hexa_" + std::to_string(::getpid())) / test;
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// Writes `text` to a fresh temporary file and returns its path.
inline std::string write(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace hexa::testing
