// What the fuzz targets share (docs/testing.md, "Fuzzing"): the entry point's name, how a
// target reports a finding, scratch files, and a reader that takes typed values from the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// In the fuzz build (HEXA_FUZZ_BUILD) each target is its own program: libFuzzer calls
// LLVMFuzzerTestOneInput. In the replay build every target links into hexa_fuzz_tests, so
// each entry point has a name of its own: hexa_fuzz_<target>.
#ifdef HEXA_FUZZ_BUILD
#define HEXA_FUZZ_TARGET(target) extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define HEXA_FUZZ_TARGET(target) int hexa_fuzz_##target(const std::uint8_t* data, std::size_t size)
#endif

int hexa_fuzz_http_request(const std::uint8_t* data, std::size_t size);
int hexa_fuzz_api_request(const std::uint8_t* data, std::size_t size);
int hexa_fuzz_command_json(const std::uint8_t* data, std::size_t size);
int hexa_fuzz_snapshot(const std::uint8_t* data, std::size_t size);
int hexa_fuzz_trace(const std::uint8_t* data, std::size_t size);
int hexa_fuzz_yaml(const std::uint8_t* data, std::size_t size);

namespace hexa::fuzz {

// A finding: says what broke (and, in the replay test, which input) on stderr, then aborts,
// which libFuzzer records as a crash with the input that caused it.
[[noreturn]] void fail(const std::string& what);
inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}
// The replay test names the file it runs, for fail()'s message.
void set_current_input(const std::string& name);

// A directory of this process's own for scratch files, on tmpfs when there is one (fsync is
// cheap there): made on first use, removed at exit.
const std::string& scratch_dir();
// Writes `bytes` to scratch_dir()/name and returns the path. Fails (a finding in the harness,
// not the product) when it cannot.
std::string write_scratch(const std::string& name, std::string_view bytes);

// Takes typed values from the front of the input; what is left is the "rest". Past the end,
// numbers are 0 and strings empty, so that every input means something.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t byte();
  // A value in [0, n) (n > 0).
  std::size_t pick(std::size_t n) { return byte() % n; }
  // Bytes up to the next '\n' (dropped) or the end.
  std::string_view line();
  std::string_view rest();
  bool empty() const { return n_ == 0; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace hexa::fuzz
