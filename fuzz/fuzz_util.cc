#include "fuzz_util.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace hexa::fuzz {
namespace {

std::string& current_input() {
  static std::string name;
  return name;
}

// Removes the scratch directory when the process exits normally (libFuzzer's -max_total_time
// and the replay test both do).
struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::getenv("TMPDIR");
    std::string templ = std::string(base ? base : "/tmp") + "/hexa-fuzz-XXXXXX";
    if (!::mkdtemp(templ.data())) fail("cannot make a scratch directory " + templ);
    path = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

void fail(const std::string& what) {
  std::cerr << "FUZZ FINDING";
  if (!current_input().empty()) std::cerr << " (input " << current_input() << ")";
  std::cerr << ": " << what << std::endl;
  std::abort();
}

void set_current_input(const std::string& name) { current_input() = name; }

const std::string& scratch_dir() {
  static ScratchDir dir;
  return dir.path;
}

std::string write_scratch(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) fail("cannot write the scratch file " + path);
  return path;
}

std::uint8_t FuzzInput::byte() {
  if (n_ == 0) return 0;
  --n_;
  return *p_++;
}

std::string_view FuzzInput::line() {
  const char* s = reinterpret_cast<const char*>(p_);
  std::size_t len = 0;
  while (len < n_ && s[len] != '\n') ++len;
  const std::size_t used = len < n_ ? len + 1 : len;
  p_ += used;
  n_ -= used;
  return {s, len};
}

std::string_view FuzzInput::rest() {
  std::string_view out(reinterpret_cast<const char*>(p_), n_);
  p_ += n_;
  n_ = 0;
  return out;
}

}  // namespace hexa::fuzz
