#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace hexa {
namespace {

void draw(double f) {
  int filled = static_cast<int>(f * 40);
  std::fprintf(stderr, "\r  [%-40.*s] %3d%%", filled, "########################################", static_cast<int>(f * 100));
  if (f >= 1.0) std::fprintf(stderr, "\r%60s\r", "");
  std::fflush(stderr);
}

}  // namespace

std::function<void(double)> progress_bar(bool quiet) {
  if (quiet || !isatty(STDERR_FILENO)) return {};
  return draw;
}

}  // namespace hexa
