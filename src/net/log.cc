#include "net/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace hexa {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_mu;
std::function<void(const std::string&)> g_sink;  // guarded by g_mu

std::string iso8601(std::int64_t unix_ms) {
  const std::time_t s = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[96];  // room for any int the format could print (the compiler checks)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

// Text values with a space, a quote or '=' are quoted, so that key=value stays readable.
std::string text_value(const LogField& f) {
  if (!f.quoted || (!f.value.empty() && f.value.find_first_of(" \"=\n\t") == std::string::npos)) return f.value;
  return json_quote(f.value);
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return std::nullopt;
}

void set_log_format(LogFormat f) { g_format = f; }
LogFormat log_format() { return g_format.load(); }

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\', out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string format_log_line(LogFormat f, std::int64_t unix_ms, std::string_view prog, std::string_view level,
                            std::string_view msg, const std::vector<LogField>& fields) {
  std::string out;
  if (f == LogFormat::kText) {
    out = std::string(prog) + ": " + std::string(msg);
    for (const LogField& x : fields) out += " " + x.key + "=" + text_value(x);
  } else {
    out = "{\"ts\":\"" + iso8601(unix_ms) + "\",\"level\":" + json_quote(level) + ",\"prog\":" + json_quote(prog) +
          ",\"msg\":" + json_quote(msg);
    for (const LogField& x : fields) out += "," + json_quote(x.key) + ":" + (x.quoted ? json_quote(x.value) : x.value);
    out += "}";
  }
  return out + "\n";
}

void set_log_sink(std::function<void(const std::string& line)> sink) {
  std::lock_guard lock(g_mu);
  g_sink = std::move(sink);
}

void log_event(std::string_view prog, std::string_view level, std::string_view msg, const std::vector<LogField>& fields) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  const std::string line = format_log_line(g_format.load(), ms.count(), prog, level, msg, fields);
  std::lock_guard lock(g_mu);
  if (g_sink) return g_sink(line);
  for (std::size_t at = 0; at < line.size();) {  // stderr is unbuffered: one write, whole lines
    const ssize_t n = ::write(2, line.data() + at, line.size() - at);
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
}

void log_said(std::string_view prog, std::string_view line, std::string_view level) {
  std::vector<LogField> fields;
  std::string_view msg = line;
  while (log_format() == LogFormat::kJson) {
    const std::size_t space = msg.rfind(' ');
    if (space == std::string_view::npos) break;
    const std::string_view word = msg.substr(space + 1);
    const std::size_t eq = word.find('=');
    if (eq == 0 || eq == std::string_view::npos || eq + 1 == word.size()) break;
    bool key_ok = true;
    for (char c : word.substr(0, eq)) key_ok = key_ok && ((c >= 'a' && c <= 'z') || c == '_');
    if (!key_ok) break;
    fields.insert(fields.begin(), LogField(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1))));
    msg = msg.substr(0, space);
  }
  log_event(prog, level, msg, fields);
}

}  // namespace hexa
