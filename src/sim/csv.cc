#include "sim/csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <sys/stat.h>

namespace hexa::csv {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

Status cannot(const std::string& path, const char* what, int err) {
  return Status::Invalid(path + ": " + what + ": " + std::strerror(err));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_line(std::string_view s, bool first) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  if (first && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

}  // namespace

std::string Where::text() const {
  return std::string(file) + ":" + std::to_string(line);
}

Status for_each_line(const std::string& path, const LineFn& fn) {
  // Read whole, then split: one read instead of a getline per line.
  auto text = read_file(path);
  if (!text.ok()) return text.status();
  return for_each_line_of(*text, fn);
}

Status for_each_line_of(std::string_view text, const LineFn& fn) {
  int number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
    ++number;
    std::string_view line = strip_line(text.substr(0, len), number == 1);
    text.remove_prefix(len);
    if (trim(line).empty()) continue;
    if (Status st = fn(Line{number, line}); !st.ok()) return st;
  }
  return Status::Ok();
}

Result<std::string> read_file(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return cannot(path, "cannot open", errno);
  std::string out;
  struct stat st {};
  if (::fstat(::fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
  char chunk[1 << 16];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0) out.append(chunk, n);
  if (std::ferror(f.get())) return cannot(path, "cannot read", errno);
  return out;
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  split_into(line, sep, &out);
  return out;
}

void split_into(std::string_view line, char sep, std::vector<std::string_view>* out) {
  out->clear();
  std::size_t start = 0;
  for (;;) {
    std::size_t end = line.find(sep, start);
    if (end == std::string_view::npos) {
      out->push_back(trim(line.substr(start)));
      return;
    }
    out->push_back(trim(line.substr(start, end - start)));
    start = end + 1;
  }
}

std::optional<std::int64_t> to_int(std::string_view text) {
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Status bad(const Where& at, std::string_view field, std::string_view rule) {
  return Status::Invalid(at.text() + ": " + std::string(field) + ": " + std::string(rule));
}

Result<std::int64_t> int_field(const Where& at, std::string_view field, std::string_view text,
                               std::int64_t lo, std::int64_t hi) {
  std::optional<std::int64_t> v = to_int(text);
  if (v && *v >= lo && *v <= hi) return *v;
  return bad(at, field,
             "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got '" +
                 std::string(text) + "'");
}

Result<std::vector<std::string>> list_field(const Where& at, std::string_view field, std::string_view text) {
  std::vector<std::string> out;
  if (text.empty() || text == "*") return out;
  for (std::string_view item : split(text, '|')) {
    if (item.empty() || item == "*")
      return bad(at, field,
                 "names separated by '|' (empty or '*' alone = any), got '" + std::string(text) + "'");
    // A name listed twice means the same set: real pod lists do this (gpuspec33), so no error.
    if (std::find(out.begin(), out.end(), item) == out.end()) out.emplace_back(item);
  }
  return out;
}

Status check_header(const Where& at, const std::vector<std::string_view>& got, std::string_view expected) {
  std::string joined;
  for (std::size_t i = 0; i < got.size(); ++i) joined += (i ? "," : "") + std::string(got[i]);
  if (joined == expected) return Status::Ok();
  return bad(at, "header", "expected '" + std::string(expected) + "', got '" + joined + "'");
}

Status check_count(const Where& at, std::size_t got, std::size_t want) {
  if (got == want) return Status::Ok();
  return Status::Invalid(at.text() + ": expected " + std::to_string(want) +
                         " comma-separated fields as in the header, got " + std::to_string(got));
}

Status IdSet::add(const Where& at, std::string_view field, std::string_view id) {
  if (id.empty()) return bad(at, field, "must not be empty");
  auto [it, fresh] = first_line_.try_emplace(std::string(id), at.line);
  if (fresh) return Status::Ok();
  return bad(at, field,
             "duplicate '" + std::string(id) + "' (first on line " + std::to_string(it->second) + ")");
}

Status ViewIdSet::add(const Where& at, std::string_view field, std::string_view id) {
  if (id.empty()) return bad(at, field, "must not be empty");
  auto [it, fresh] = first_line_.try_emplace(id, at.line);
  if (fresh) return Status::Ok();
  return bad(at, field,
             "duplicate '" + std::string(id) + "' (first on line " + std::to_string(it->second) + ")");
}

std::string count_of(long n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace hexa::csv
