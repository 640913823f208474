// What the supervisor reads of processes it did not start: /proc/PID/stat, and the keepers'
// exit files (process.h).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/atomic_file.h"
#include "agent/process.h"

namespace hexa {

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::optional<std::string> stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  // "PID (COMM) STATE PPID ...": COMM may hold blanks and ')', so fields count from the last ')'.
  std::size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> fields;  // fields[0] is field 3 (STATE)
  std::size_t i = close + 1;
  while (i < stat->size() && fields.size() < 20) {
    while (i < stat->size() && (*stat)[i] == ' ') ++i;
    std::size_t j = stat->find(' ', i);
    if (j == std::string::npos) j = stat->size();
    if (j > i) fields.push_back(stat->substr(i, j - i));
    i = j;
  }
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;
  std::uint64_t start = 0;
  const std::string& f = fields[19];  // field 22
  auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), start);
  if (ec != std::errc() || end != f.data() + f.size()) return std::nullopt;
  return start;
}

bool same_process(pid_t pid, std::uint64_t start) {
  std::optional<std::uint64_t> now = process_start_time(pid);
  return now && *now == start;
}

std::optional<ProcessExit> read_exit_file(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::optional<std::string> text = read_small_file(path, 64);
  if (!text) return std::nullopt;
  ProcessExit e;
  const char* p = text->data();
  const char* end = p + text->size();
  auto r1 = std::from_chars(p, end, e.exit_code);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return std::nullopt;
  auto r2 = std::from_chars(r1.ptr + 1, end, e.signal);
  if (r2.ec != std::errc() || r2.ptr == end) return std::nullopt;
  std::string_view rest(r2.ptr, static_cast<std::size_t>(end - r2.ptr));
  if (rest == " fenced\n") e.fenced = true;
  else if (rest != "\n") return std::nullopt;
  if (e.exit_code < -1 || e.exit_code > 255 || e.signal < 0 || e.signal > 64) return std::nullopt;
  return e;
}

Status write_exit_file(const std::string& path, int exit_code, int signal) {
  return write_atomically(path, std::to_string(exit_code) + " " + std::to_string(signal) + "\n");
}

Status write_heard_file(const std::string& path, TimeMs heard_ms, DurationMs fence_ms) {
  return write_atomically(path, std::to_string(heard_ms) + " " + std::to_string(fence_ms) + "\n");
}

bool past_fence_now(const std::string& path, TimeMs now) {
  std::optional<std::string> text = read_small_file(path, 64);
  if (!text) return false;
  long long heard = 0, fence = 0;
  const char* end = text->data() + text->size();
  auto r1 = std::from_chars(text->data(), end, heard);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return false;
  auto r2 = std::from_chars(r1.ptr + 1, end, fence);
  if (r2.ec != std::errc()) return false;
  return fence > 0 && now - heard >= fence;
}

}  // namespace hexa
