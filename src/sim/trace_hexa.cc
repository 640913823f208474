// Hexagone's own trace CSV (docs/trace-format.md): columns named by a header row, any order.
#include <algorithm>
#include <array>
#include <cctype>

#include "sim/csv.h"
#include "sim/trace.h"

namespace hexa {

namespace {

enum Col {
  kId,
  kTenant,
  kSubmit,
  kGpus,
  kGpuType,
  kDuration,
  kSite,
  kPriority,
  kTimeLimit,
  kPreemptible,
  kProvider,
  kPrefer,
  kSlice,
  kStartTarget,
  kDeferrable,
  kDeadline,
  kCols
};
constexpr std::array<std::string_view, kCols> kNames = {
    "id",          "tenant",   "submit_ms", "gpus",          "gpu_type",   "duration_ms",
    "site",        "priority", "time_limit_ms", "preemptible", "provider", "prefer",
    "slice",       "start_target_ms", "deferrable", "deadline_ms"};
constexpr int kRequired = kSite;                        // the columns before `site` must be present
constexpr std::int64_t kMaxMs = 1'000'000'000'000'000;  // 31,700 years: sums cannot overflow
constexpr std::int64_t kMaxGang = 100'000;
constexpr std::int64_t kMaxPriority = 1'000'000'000;

std::string all_names() {
  std::string s;
  for (std::string_view n : kNames) s += (s.empty() ? "" : ",") + std::string(n);
  return s;
}

std::optional<bool> to_bool(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  return std::nullopt;
}

bool is_comment(std::string_view text) {
  std::size_t i = text.find_first_not_of(" \t");
  return i != std::string_view::npos && text[i] == '#';
}

class HexaReader {
 public:
  explicit HexaReader(const std::string& path) : path_(path) { pos_.fill(-1); }

  Status line(const csv::Line& line) {
    if (is_comment(line.text)) return Status::Ok();
    csv::Where at{path_, line.number};
    std::vector<std::string_view> f = csv::split(line.text);
    if (!header_seen_) {
      header_seen_ = true;
      return header(at, f);
    }
    if (Status st = csv::check_count(at, f.size(), columns_); !st.ok()) return st;
    return job(at, f);
  }

  Result<Trace> finish() {
    if (!header_seen_)
      return Status::Invalid(path_ + ": empty file; expected a header row naming the columns");
    sort_by_submit(trace_.jobs);
    return std::move(trace_);
  }

 private:
  Status header(const csv::Where& at, const std::vector<std::string_view>& f);
  Status job(const csv::Where& at, const std::vector<std::string_view>& f);
  Status numbers(const csv::Where& at, TraceJob& j);
  Status options(const csv::Where& at, TraceJob& j);
  Status flag(const csv::Where& at, Col c, bool* out);
  // The cell of column c on the current line; empty when the file has no such column.
  std::string_view cell(Col c) const {
    return pos_[c] < 0 ? std::string_view() : (*row_)[static_cast<std::size_t>(pos_[c])];
  }

  const std::string& path_;
  bool header_seen_ = false;
  std::array<int, kCols> pos_{};
  std::size_t columns_ = 0;
  const std::vector<std::string_view>* row_ = nullptr;
  csv::IdSet ids_;
  Trace trace_;
};

Status HexaReader::header(const csv::Where& at, const std::vector<std::string_view>& f) {
  columns_ = f.size();
  for (std::size_t i = 0; i < f.size(); ++i) {
    auto it = std::find(kNames.begin(), kNames.end(), f[i]);
    if (it == kNames.end())
      return csv::bad(at, "header", "unknown column '" + std::string(f[i]) + "'; known: " + all_names());
    auto c = static_cast<std::size_t>(it - kNames.begin());
    if (pos_[c] >= 0) return csv::bad(at, "header", "column '" + std::string(f[i]) + "' given twice");
    pos_[c] = static_cast<int>(i);
  }
  for (int c = 0; c < kRequired; ++c)
    if (pos_[static_cast<std::size_t>(c)] < 0)
      return csv::bad(at, "header",
                      "missing required column '" + std::string(kNames[static_cast<std::size_t>(c)]) + "'");
  return Status::Ok();
}

Status HexaReader::numbers(const csv::Where& at, TraceJob& j) {
  auto submit = csv::int_field(at, "submit_ms", cell(kSubmit), 0, kMaxMs);
  if (!submit.ok()) return submit.status();
  auto gpus = csv::int_field(at, "gpus", cell(kGpus), 1, kMaxGang);
  if (!gpus.ok()) return gpus.status();
  auto duration = csv::int_field(at, "duration_ms", cell(kDuration), 1, kMaxMs);
  if (!duration.ok()) return duration.status();
  j.submit = *submit;
  j.gpus = static_cast<int>(*gpus);
  j.duration = *duration;
  return Status::Ok();
}

// The optional columns: empty cells (or absent columns) keep the defaults.
Status HexaReader::options(const csv::Where& at, TraceJob& j) {
  if (!cell(kPriority).empty()) {
    auto p = csv::int_field(at, "priority", cell(kPriority), -kMaxPriority, kMaxPriority);
    if (!p.ok()) return p.status();
    j.priority = static_cast<int>(*p);
  }
  if (!cell(kTimeLimit).empty()) {
    auto t = csv::int_field(at, "time_limit_ms", cell(kTimeLimit), 0, kMaxMs);
    if (!t.ok()) return t.status();
    j.time_limit = *t;
  }
  if (Status st = flag(at, kPreemptible, &j.preemptible); !st.ok()) return st;
  if (Status st = flag(at, kDeferrable, &j.deferrable); !st.ok()) return st;
  if (!cell(kStartTarget).empty()) {
    auto t = csv::int_field(at, "start_target_ms", cell(kStartTarget), 0, kMaxMs);
    if (!t.ok()) return t.status();
    j.start_target = *t;
  }
  if (!cell(kDeadline).empty()) {
    auto t = csv::int_field(at, "deadline_ms", cell(kDeadline), 0, kMaxMs);
    if (!t.ok()) return t.status();
    j.deadline = *t;
  }
  if (j.deferrable && j.deadline < 0) return csv::bad(at, "deadline_ms", "a deferrable job needs a deadline");
  return Status::Ok();
}

Status HexaReader::flag(const csv::Where& at, Col c, bool* out) {
  if (cell(c).empty()) return Status::Ok();
  std::optional<bool> b = to_bool(cell(c));
  if (!b)
    return csv::bad(at, std::string(kNames[c]).c_str(),
                    "must be true, false, yes, no, 1 or 0, got '" + std::string(cell(c)) + "'");
  *out = *b;
  return Status::Ok();
}

Status HexaReader::job(const csv::Where& at, const std::vector<std::string_view>& f) {
  row_ = &f;
  if (Status st = ids_.add(at, "id", cell(kId)); !st.ok()) return st;
  TraceJob j;
  j.id = std::string(cell(kId));
  if (cell(kTenant).empty()) return csv::bad(at, "tenant", "must not be empty");
  j.tenant = std::string(cell(kTenant));
  if (Status st = numbers(at, j); !st.ok()) return st;
  auto types = csv::list_field(at, "gpu_type", cell(kGpuType));
  if (!types.ok()) return types.status();
  auto sites = csv::list_field(at, "site", cell(kSite));
  if (!sites.ok()) return sites.status();
  j.gpu_types = std::move(*types);
  j.sites = std::move(*sites);
  auto providers = csv::list_field(at, "provider", cell(kProvider));
  if (!providers.ok()) return providers.status();
  auto prefer = csv::list_field(at, "prefer", cell(kPrefer));
  if (!prefer.ok()) return prefer.status();
  j.providers = std::move(*providers);
  j.prefer = std::move(*prefer);
  j.slice = std::string(cell(kSlice));
  if (Status st = options(at, j); !st.ok()) return st;
  trace_.jobs.push_back(std::move(j));
  return Status::Ok();
}

}  // namespace

Result<Trace> load_hexa_csv(const std::string& path) {
  HexaReader reader(path);
  Status st = csv::for_each_line(path, [&](const csv::Line& l) { return reader.line(l); });
  if (!st.ok()) return st;
  return reader.finish();
}

}  // namespace hexa
