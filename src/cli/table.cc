#include "cli/table.h"

#include <algorithm>

namespace hexa::cli {

namespace {

constexpr std::size_t kGap = 2;
constexpr std::size_t kMinLast = 8;  // a cut last column keeps at least this many characters

// Characters on screen: UTF-8 continuation bytes take no column.
std::size_t columns(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The first `n` screen columns of `s` (never splitting a UTF-8 sequence).
std::string head(const std::string& s, std::size_t n) {
  std::size_t seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && seen++ == n) break;
  }
  return s.substr(0, i);
}

std::string cut(const std::string& s, std::size_t room) {
  if (columns(s) <= room) return s;
  return head(s, room > 3 ? room - 3 : 0) + "...";
}

std::string line(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths, int width) {
  std::string out;
  for (std::size_t c = 0; c + 1 < cells.size(); ++c)
    out += cells[c] + std::string(widths[c] - columns(cells[c]) + kGap, ' ');
  std::string last = cells.empty() ? "" : cells.back();
  if (width > 0) {
    std::size_t used = columns(out), w = static_cast<std::size_t>(width);
    last = cut(last, std::max(kMinLast, w > used ? w - used : 0));
  }
  out += last;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}

}  // namespace

std::string Table::render(int width) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], columns(r[c]));
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  std::string out = line(header_, widths, width);
  for (const auto& r : rows_) out += line(r, widths, width);
  return out;
}

}  // namespace hexa::cli
