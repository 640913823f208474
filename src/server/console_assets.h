// The web console's files (web/), built into the binary: CMake turns each into bytes in a
// generated .cc (cmake/embed_web.cmake), so that `hexa serve` works offline, with no CDN.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace hexa {

struct ConsoleAsset {
  std::string_view name;  // "app.js": the path under web/
  const unsigned char* data;
  std::size_t size;
};

// Every file of web/, in the order of their names.
std::span<const ConsoleAsset> console_assets();

}  // namespace hexa
