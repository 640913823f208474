// load_trace (pick a loader by format name) and write_hexa_csv (the inverse of load_hexa_csv).
#include "sim/trace.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

namespace hexa {

namespace {

constexpr const char* kHexaHeader =
    "id,tenant,submit_ms,gpus,gpu_type,duration_ms,site,priority,time_limit_ms,preemptible,provider,prefer,slice,"
    "start_target_ms,deferrable,deadline_ms\n";

// A name the CSV can carry unchanged: no separators, line breaks or edge blanks (which the
// reader trims), and an id cannot start with '#' (the reader would take the line for a comment).
Status check_text(const TraceJob& j, const char* field, const std::string& text, bool in_list) {
  auto fail = [&](const char* rule) {
    return Status::Invalid("job '" + j.id + "': " + field + ": " + rule + ", got '" + text + "'");
  };
  if (text.empty()) return fail("must not be empty");
  if (text.find_first_of(",\r\n") != std::string::npos) return fail("must not contain ',' or a line break");
  if (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t')
    return fail("must not start or end with a blank");
  if (in_list && (text == "*" || text.find('|') != std::string::npos))
    return fail("must not be '*' or contain '|'");
  if (std::string_view(field) == "id" && text.front() == '#') return fail("must not start with '#'");
  return Status::Ok();
}

Status check_job(const TraceJob& j) {
  if (Status st = check_text(j, "id", j.id, false); !st.ok()) return st;
  if (Status st = check_text(j, "tenant", j.tenant, false); !st.ok()) return st;
  for (const std::string& t : j.gpu_types)
    if (Status st = check_text(j, "gpu_type", t, true); !st.ok()) return st;
  for (const std::string& s : j.sites)
    if (Status st = check_text(j, "site", s, true); !st.ok()) return st;
  for (const std::string& p : j.providers)
    if (Status st = check_text(j, "provider", p, true); !st.ok()) return st;
  for (const std::string& s : j.prefer)
    if (Status st = check_text(j, "prefer", s, true); !st.ok()) return st;
  if (!j.slice.empty())
    if (Status st = check_text(j, "slice", j.slice, true); !st.ok()) return st;
  return Status::Ok();
}

std::string join(const std::vector<std::string>& names) {
  if (names.empty()) return "*";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "|") + n;
  return out;
}

std::string row(const TraceJob& j) {
  return j.id + "," + j.tenant + "," + std::to_string(j.submit) + "," + std::to_string(j.gpus) + "," +
         join(j.gpu_types) + "," + std::to_string(j.duration) + "," + join(j.sites) + "," +
         std::to_string(j.priority) + "," + std::to_string(j.time_limit) + "," +
         (j.preemptible ? "true" : "false") + "," + join(j.providers) + "," + join(j.prefer) + "," + j.slice + "," +
         std::to_string(j.start_target) + "," + (j.deferrable ? "true" : "false") + "," +
         (j.deadline >= 0 ? std::to_string(j.deadline) : "") + "\n";
}

// Writes to PATH.tmp and renames it over PATH, so a failure never leaves half a file.
Status write_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::Invalid(path + ": cannot open for writing: " + std::strerror(errno));
  int err = 0;
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) err = errno;
  if (std::fclose(f) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err == 0) return Status::Ok();
  std::remove(tmp.c_str());
  return Status::Invalid(path + ": cannot write: " + std::strerror(err));
}

}  // namespace

void sort_by_submit(std::vector<TraceJob>& jobs) {
  auto earlier = [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; };
  if (std::is_sorted(jobs.begin(), jobs.end(), earlier)) return;  // most traces are
  // Sorted as (submit, position) pairs: ties keep their order, and no compare reads a job (a
  // stable sort of positions by jobs[a].submit missed the cache at most compares).
  std::vector<std::pair<TimeMs, std::uint32_t>> keyed(jobs.size());
  for (std::uint32_t i = 0; i < keyed.size(); ++i) keyed[i] = {jobs[i].submit, i};
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::uint32_t> order(jobs.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = keyed[i].second;
  keyed = {};
  // Applied in place, one cycle of the permutation at a time: a sorted copy was a fresh
  // vector as large as the trace (a quarter of a million learner sessions: its page faults
  // cost more than the moves).
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    TraceJob first = std::move(jobs[i]);
    std::uint32_t at = i;
    while (order[at] != i) {  // jobs[at] takes the job that belongs there
      const std::uint32_t from = order[at];
      jobs[at] = std::move(jobs[from]);
      order[at] = at;
      at = from;
    }
    jobs[at] = std::move(first);
    order[at] = at;
  }
}

Result<Trace> load_trace(const std::string& path, const std::string& format) {
  if (format == "itp") return load_itp(path);
  if (format == "alibaba") return load_alibaba(path);
  if (format == "hexa") return load_hexa_csv(path);
  return Status::Invalid("format: unknown '" + format + "'; expected itp, alibaba or hexa");
}

Status write_hexa_csv(const Trace& trace, const std::string& path) {
  // Notes describe the source trace, not this file: kept for people as comments, not read back.
  std::string text;
  for (std::string note : trace.notes) {
    for (char& c : note)
      if (c == '\n' || c == '\r') c = ' ';
    text += "# source: " + note + "\n";
  }
  text += kHexaHeader;
  for (const TraceJob& j : trace.jobs) {
    if (Status st = check_job(j); !st.ok()) return st;
    text += row(j);
  }
  return write_atomically(path, text);
}

}  // namespace hexa
