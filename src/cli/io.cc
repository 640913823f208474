#include "cli/io.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

namespace hexa::cli {

namespace {

int stdout_terminal_width() {
  if (isatty(STDOUT_FILENO) == 0) return 0;
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

std::string random_hex128() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int word = 0; word < 4; ++word) {
    std::uint32_t bits = rd();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4) out += kHex[bits & 0xF];
  }
  return out;
}

ClientIo process_io() {
  ClientIo io;
  io.out = &std::cout;
  io.err = &std::cerr;
  io.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  io.now_ms = [] {
    using namespace std::chrono;
    return static_cast<std::int64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  };
  io.sleep_ms = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  io.random_hex128 = random_hex128;
  io.terminal_width = stdout_terminal_width();
  return io;
}

}  // namespace hexa::cli
