#include "sim/report_dump.h"

#include <future>
#include <string_view>
#include <vector>

#include "sim/parallel_host.h"

namespace hexa {
namespace {

using Json = nlohmann::ordered_json;

// A piece of the output, in order: text as it is, or a value to dump at an indent.
struct Piece {
  std::string text;
  const Json* value = nullptr;
  int indent = 0;
};

// v.dump(2) as it reads `indent` spaces in: JSON text has no raw newline inside a string
// (dump escapes it), so every newline is a line break, and each line moves right alike.
std::string dump_at(const Json& v, int indent) {
  std::string flat = v.dump(2);
  if (indent == 0) return flat;
  std::string out;
  out.reserve(flat.size() + flat.size() / 16);
  const std::string shift(static_cast<std::size_t>(indent), ' ');
  for (char c : flat) {
    out += c;
    if (c == '\n') out += shift;
  }
  return out;
}

// A list longer than this is laid out here element by element, so that both threads have a
// share of the one or two lists that make most of the report.
constexpr std::size_t kLong = 1024;

bool holds_long_list(const Json& v) {
  if (v.is_array()) return v.size() > kLong;
  if (!v.is_object()) return false;
  for (const Json& x : v)
    if (x.is_array() && x.size() > kLong) return true;
  return false;
}

// The pieces of `v` at `indent`, as dump(2) lays an object or array out: "{\n", each member on
// its own line indented two more, ",\n" between, then "\n" and the closing bracket. Only the
// top level, and what holds a long list, is laid out here; any other value is one piece.
void split(const Json& v, int indent, bool top, std::vector<Piece>& out) {
  const bool object = v.is_object();
  if (!v.is_structured() || !(top || holds_long_list(v)) || v.empty()) {
    out.push_back({"", &v, indent});
    return;
  }
  const std::string inner(static_cast<std::size_t>(indent + 2), ' ');
  out.push_back({object ? "{\n" : "[\n", nullptr, 0});
  std::size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    std::string lead = (i > 0 ? ",\n" : "") + inner;
    if (object) lead += Json(it.key()).dump() + ": ";
    out.push_back({std::move(lead), nullptr, 0});
    split(*it, indent + 2, false, out);
  }
  out.push_back({"\n" + std::string(static_cast<std::size_t>(indent), ' ') + (object ? "}" : "]"), nullptr, 0});
}

// Values and members below `v`, a rough measure of its text's length.
std::size_t weight(const Json& v) {
  std::size_t n = 1;
  if (v.is_structured())
    for (const Json& x : v) n += weight(x);
  return n;
}

}  // namespace

void dump_report_to(const Json& j, const std::function<void(std::string_view)>& emit) {
  if (!parallel_host()) {
    emit(j.dump(2));
    return;
  }
  std::vector<Piece> pieces;
  split(j, 0, true, pieces);
  // The values in two runs of about equal weight, each dumped by one thread into its own
  // pieces. The first run's text goes out while the second thread still dumps.
  std::vector<std::size_t> values, weights;
  std::size_t total = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i)
    if (pieces[i].value) values.push_back(i), weights.push_back(weight(*pieces[i].value)), total += weights.back();
  std::size_t cut = 0;
  for (std::size_t half = 0; cut < values.size() && half * 2 < total; ++cut) half += weights[cut];
  auto dump_range = [&pieces, &values](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k) pieces[values[k]].text = dump_at(*pieces[values[k]].value, pieces[values[k]].indent);
  };
  auto other = std::async(std::launch::async, dump_range, cut, values.size());
  dump_range(0, cut);
  const std::size_t first_other = cut < values.size() ? values[cut] : pieces.size();  // the first piece it dumps
  for (std::size_t i = 0; i < first_other; ++i) emit(pieces[i].text);
  other.get();
  for (std::size_t i = first_other; i < pieces.size(); ++i) emit(pieces[i].text);
}

std::string dump_report(const Json& j) {
  std::string out;
  dump_report_to(j, [&out](std::string_view text) { out += text; });
  return out;
}

}  // namespace hexa
