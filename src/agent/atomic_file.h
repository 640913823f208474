// Small files that a reader sees whole or not at all: the agent's records of its jobs (state,
// exit, done) survive the agent and are read by the next one.
#pragma once

#include <optional>
#include <string>

#include "model/status.h"

namespace hexa {

// Writes `text` to PATH.tmp, fsyncs it, renames it to `path` (mode 0644).
Status write_atomically(const std::string& path, const std::string& text);
// The whole file, when it can be read and is at most `max` bytes.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max = 64 * 1024);

}  // namespace hexa
