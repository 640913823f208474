#include "cli/job_view.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "cli/date_arg.h"
#include "cli/time_arg.h"

namespace hexa::cli {

namespace {

constexpr std::array<const char*, 5> kEnded = {"finished", "failed", "cancelled", "timeout", "rejected"};

std::string quoted(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string("-_./=:,+@%").find(c) != std::string::npos;
  });
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "1h20m", "5m", "2d3h": the coarse parts of a duration, for a table cell.
std::string compact(std::int64_t ms) {
  std::int64_t m = ms / 60000, h = m / 60, d = h / 24;
  if (d > 0) return fmt::format("{}d{}h", d, h % 24);
  if (h > 0) return fmt::format("{}h{}m", h, m % 60);
  return fmt::format("{}m", std::max<std::int64_t>(m, 1));
}

// "1 h 20 min", "5 min", "2 d 3 h", for a sentence.
std::string spelled(std::int64_t ms) {
  std::int64_t m = ms / 60000, h = m / 60, d = h / 24;
  if (d > 0) return fmt::format("{} d {} h", d, h % 24);
  if (h > 0) return fmt::format("{} h {} min", h, m % 60);
  return m > 0 ? fmt::format("{} min", m) : "under a minute";
}


}  // namespace

std::string start_cell(const Json& job, std::int64_t now_ms) {
  if (str(job, "state").value_or("") != "pending") return "-";
  auto at = int_of(job, "estimated_start_ms");
  if (!at) return "?";
  return *at <= now_ms ? "now" : "in " + compact(*at - now_ms);
}

std::string start_line(const Json& job, std::int64_t now_ms) {
  auto at = int_of(job, "estimated_start_ms");
  std::string note = str(job, "estimated_start_note").value_or("");
  if (!at) {
    if (note.empty()) return "";
    constexpr std::string_view kUnknown = "unknown: ";
    return "unknown (" + (note.starts_with(kUnknown) ? note.substr(kUnknown.size()) : note) + ")";
  }
  std::string when = *at <= now_ms ? "now" : "in " + spelled(*at - now_ms);
  return format_local(*at, /*seconds=*/false) + " (" + when + (note.empty() ? "" : "; " + note) + ")";
}

bool is_ended_state(const std::string& state) {
  return std::find(kEnded.begin(), kEnded.end(), state) != kEnded.end();
}

bool is_job_state(const std::string& state) {
  return state == "pending" || state == "running" || is_ended_state(state);
}

Result<std::string> job_id_arg(const std::string& text) {
  bool digits = !text.empty() && text.size() <= 18 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return Status::Invalid("JOB: '" + text + "' is not a job id (a whole number >= 0)");
  std::size_t first = text.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : text.substr(first);
}

std::string gpus_cell(const Json& job) {
  std::string n = text_of(job, "gpus");
  if (auto slice = str(job, "slice")) return n + "x" + *slice;
  if (auto type = str(job, "gpu_type")) return n + "x" + *type;
  return n;
}

std::string time_cell(const Json& job, std::int64_t now_ms) {
  auto submitted = int_of(job, "submitted_ms"), started = int_of(job, "started_ms"), ended = int_of(job, "ended_ms");
  std::int64_t until = ended.value_or(now_ms);
  if (started) return format_elapsed(until - *started);
  if (submitted) return format_elapsed(until - *submitted);
  return "-";
}

std::string shell_words(const Json& job) {
  const Json& cmd = field(job, "command");
  if (!cmd.is_array() || cmd.empty()) return "-";
  std::string out;
  for (const Json& w : cmd) out += (out.empty() ? "" : " ") + quoted(w.is_string() ? w.get<std::string>() : dump(w));
  return out;
}

}  // namespace hexa::cli
