// What a client verb touches outside itself: its two streams, the environment, the clock, the
// terminal, sleeping and randomness. The hexa binary uses process_io(); tests replace each part.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace hexa::cli {

struct ClientIo {
  std::ostream* out = nullptr;  // results: an id, a table, a JSON document
  std::ostream* err = nullptr;  // the one line of an error
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<std::int64_t()> now_ms;          // wall clock, ms since the Unix epoch
  std::function<void(int)> sleep_ms;
  std::function<std::string()> random_hex128;  // 32 hex digits: idempotency keys
  int terminal_width = 0;  // columns of stdout when it is a terminal; 0: not one (no truncation)
};

// std::cout, std::cerr, ::getenv, the system clock, real sleeps, std::random_device.
ClientIo process_io();

// 128 bits from std::random_device as 32 lower-case hex digits.
std::string random_hex128();

}  // namespace hexa::cli
