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
  explicit ItpReader(const std::string& path) : path_(path) {}

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
    TraceJob j;
    j.id = std::string(f[0]);
    j.tenant = "itp";
    j.submit = *submit * kSecond;
    j.duration = *duration * kSecond;
    j.gpus = static_cast<int>(*gpus);
    trace_.jobs.push_back(std::move(j));
    return Status::Ok();
  }

  const std::string& path_;
  bool header_seen_ = false;
  std::vector<std::string_view> fields_;  // of the line being read
  csv::IdSet ids_;
  Trace trace_;
};

}  // namespace

Result<Trace> load_itp(const std::string& path) {
  ItpReader reader(path);
  Status st = csv::for_each_line(path, [&](const csv::Line& l) { return reader.line(l); });
  if (!st.ok()) return st;
  return reader.finish();
}

}  // namespace hexa
