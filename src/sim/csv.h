// Small helpers for the plain CSV files of traces and node lists: no quoting, one record per
// line. Every error names "file:line: field: rule" so a person can fix the file by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/status.h"

namespace hexa::csv {

// Where a value came from, for messages: "t.csv:7".
struct Where {
  std::string_view file;
  int line = 0;
  std::string text() const;
};

struct Line {
  int number = 0;         // 1-based
  std::string_view text;  // without "\r\n"; valid only during the call that receives it
};
using LineFn = std::function<Status(const Line&)>;

// Calls fn for each line of the file that is not blank, without its line ending ("\n" or
// "\r\n") or a leading UTF-8 byte-order mark. Stops at the first failed Status of fn and returns
// it. A file that cannot be read gives "PATH: cannot open: <reason>".
Status for_each_line(const std::string& path, const LineFn& fn);

// The same over a file already read: each Line's text views into `text` and stays valid as
// long as it does (a loader may keep those views, e.g. in a ViewIdSet).
Status for_each_line_of(std::string_view text, const LineFn& fn);

// The whole file as text; "PATH: cannot open: <reason>" when it cannot be read.
Result<std::string> read_file(const std::string& path);

// Splits a line on `sep`; spaces and tabs around each field are dropped.
std::vector<std::string_view> split(std::string_view line, char sep = ',');
// The same into `out` (cleared first), which keeps its capacity from line to line: a trace's
// loader splits every line, and a new vector for each was a tenth of loading one.
void split_into(std::string_view line, char sep, std::vector<std::string_view>* out);

// A plain decimal integer with an optional '-' sign; nothing else (no '+', spaces or '.').
std::optional<std::int64_t> to_int(std::string_view text);

// "file:line: field: rule".
Status bad(const Where& at, std::string_view field, std::string_view rule);

// Parses `text` as an integer in [lo, hi], or fails with
// "file:line: field: must be an integer between lo and hi, got 'text'".
Result<std::int64_t> int_field(const Where& at, std::string_view field, std::string_view text,
                               std::int64_t lo, std::int64_t hi);

// A set of names separated by '|' ("H100|A100"); empty or "*" means any (an empty vector).
// Empty items and "*" among others are errors; a repeated name is kept once.
Result<std::vector<std::string>> list_field(const Where& at, std::string_view field, std::string_view text);

// Checks that the header row is exactly `expected` (comma separated).
Status check_header(const Where& at, const std::vector<std::string_view>& got, std::string_view expected);

// Checks that a line has the number of fields of the header.
Status check_count(const Where& at, std::size_t got, std::size_t want);

// Remembers ids and the line each was first seen on, to report duplicates with both lines.
class IdSet {
 public:
  // Fails with "file:line: field: duplicate 'id' (first on line N)", or "must not be empty".
  Status add(const Where& at, std::string_view field, std::string_view id);

 private:
  std::unordered_map<std::string, int> first_line_;
};

// IdSet over views that outlive it (the lines of a file read whole, for_each_line_of): no copy
// of each id, the bulk of an ITP trace's loading. The same messages as IdSet.
class ViewIdSet {
 public:
  void reserve(std::size_t n) { first_line_.reserve(n); }
  Status add(const Where& at, std::string_view field, std::string_view id);

 private:
  std::unordered_map<std::string_view, int> first_line_;
};

// "1 pod" / "3 pods": counts in notes read as English.
std::string count_of(long n, std::string_view one, std::string_view many);

}  // namespace hexa::csv
