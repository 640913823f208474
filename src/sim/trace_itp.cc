// Microsoft ITP traces (ElasticFlow, ASPLOS'23): job_id,submission_time,duration,num_gpu,
// times in whole seconds. The trace names no tenant, GPU type or site.
#include <algorithm>

#include "sim/csv.h"
#include "sim/trace.h"

namespace hexa {

namespace {

constexpr std::string_view kHeader = "job_id,submission_time,duration,num_gpu";
constexpr std::int64_t kMaxSeconds = 1'000'000'000'000;  // 31,700 years: ms cannot overflow
constexpr std::int64_t kMaxGang = 100'000;

class ItpReader {
 public:
  // `lines`: about how many lines the file has, to reserve for.
  ItpReader(const std::string& path, std::size_t lines) : path_(path) {
    ids_.reserve(lines);
    trace_.jobs.reserve(lines);
  }

  Status line(const csv::Line& line) {
    csv::Where at{path_, line.number};
    std::vector<std::string_view>& f = fields_;
    csv::split_into(line.text, ',', &f);
    if (!header_seen_) {
      header_seen_ = true;
      return csv::check_header(at, f, kHeader);
    }
    if (Status st = csv::check_count(at, f.size(), 4); !st.ok()) return st;
    return job(at, f);
  }

  Result<Trace> finish() {
    if (!header_seen_)
      return Status::Invalid(path_ + ": empty file; expected header '" + std::string(kHeader) + "'");
    sort_by_submit(trace_.jobs);
    return std::move(trace_);
  }

 private:
  Status job(const csv::Where& at, const std::vector<std::string_view>& f) {
    if (Status st = ids_.add(at, "job_id", f[0]); !st.ok()) return st;
    auto submit = csv::int_field(at, "submission_time", f[1], 0, kMaxSeconds);
    if (!submit.ok()) return submit.status();
    auto duration = csv::int_field(at, "duration", f[2], 1, kMaxSeconds);
    if (!duration.ok()) return duration.status();
    auto gpus = csv::int_field(at, "num_gpu", f[3], 1, kMaxGang);
    if (!gpus.ok()) return gpus.status();
    TraceJob& j = trace_.jobs.emplace_back();  // built in place: a TraceJob is 400 bytes
    j.id = std::string(f[0]);
    j.tenant = "itp";
    j.submit = *submit * kSecond;
    j.duration = *duration * kSecond;
    j.gpus = static_cast<int>(*gpus);
    return Status::Ok();
  }

  const std::string& path_;
  bool header_seen_ = false;
  std::vector<std::string_view> fields_;  // of the line being read
  csv::ViewIdSet ids_;  // views into the file's text, which outlives the reader
  Trace trace_;
};

}  // namespace

Result<Trace> load_itp(const std::string& path) {
  auto text = csv::read_file(path);
  if (!text.ok()) return text.status();
  ItpReader reader(path, static_cast<std::size_t>(std::count(text->begin(), text->end(), '\n')) + 1);
  Status st = csv::for_each_line_of(*text, [&](const csv::Line& l) { return reader.line(l); });
  if (!st.ok()) return st;
  return reader.finish();
}

}  // namespace hexa
