// The processes' log lines (docs/observability.md): `hexa serve` and `hexa agent` write them
// to stderr, as text ("hexa serve: MSG key=value ...", the default) or, with --log-format json,
// one JSON object per line: {"ts": ISO-8601 UTC with ms, "level", "prog", "msg", fields...}.
// Callers never pass tokens or other secrets as fields (tests/e2e/token_leak_test.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hexa {

enum class LogFormat { kText, kJson };
// "text" | "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view s);
// Process-wide, set once at start (before threads log).
void set_log_format(LogFormat f);
LogFormat log_format();

struct LogField {
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  LogField(std::string k, std::int64_t v) : key(std::move(k)), value(std::to_string(v)), quoted(false) {}
  LogField(std::string k, int v) : LogField(std::move(k), std::int64_t{v}) {}
  std::string key;
  std::string value;
  bool quoted = true;  // a string (JSON "..."); else a number
};

// One line in the current format. `prog`: "hexa serve", "hexa agent"; `level`: info, warn, error.
// The line is written whole (one write under a lock), so threads never interleave.
void log_event(std::string_view prog, std::string_view level, std::string_view msg, const std::vector<LogField>& fields = {});
// A message as the processes' `say` callbacks write it: in JSON, trailing " key=value" words
// (key in [a-z_], value without spaces) become fields ("job 7-1: started, pid 9 request_id=r1"
// -> "msg": "job 7-1: started, pid 9", "request_id": "r1"); text lines are written as they are.
void log_said(std::string_view prog, std::string_view line, std::string_view level = "info");
// The same line as text, without writing it: for tests and for callers with their own sink.
std::string format_log_line(LogFormat f, std::int64_t unix_ms, std::string_view prog, std::string_view level,
                            std::string_view msg, const std::vector<LogField>& fields);
// Where lines go (default: stderr). For tests.
void set_log_sink(std::function<void(const std::string& line)> sink);

// A JSON string literal, quotes included (control characters as \u00XX).
std::string json_quote(std::string_view s);

}  // namespace hexa
