// Alibaba GPU-sharing cluster trace, 2023 (FGD, USENIX ATC'23): the pod lists
// openb_pod_list_*.csv. Times are whole seconds; see docs/trace-format.md for the mapping.
#include <algorithm>

#include "sim/csv.h"
#include "sim/trace.h"

namespace hexa {

namespace {

constexpr std::string_view kHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time";
constexpr std::size_t kColumns = 11;
constexpr std::int64_t kMaxSeconds = 1'000'000'000'000;  // ms cannot overflow
constexpr std::int64_t kMaxGang = 100'000;
constexpr std::int64_t kMaxAmount = 1'000'000'000'000;  // cpu_milli, memory_mib: sanity only

// One pod as read, before it becomes a job (or is skipped).
struct Pod {
  std::int64_t num_gpu = 0, gpu_milli = 0, creation = 0, deletion = 0, scheduled = -1;
  std::vector<std::string> gpu_spec;
};

class AlibabaReader {
 public:
  explicit AlibabaReader(const std::string& path) : path_(path) {}

  Status line(const csv::Line& line) {
    csv::Where at{path_, line.number};
    std::vector<std::string_view> f = csv::split(line.text);
    if (!header_seen_) {
      header_seen_ = true;
      return header(at, f);
    }
    if (Status st = csv::check_count(at, f.size(), kColumns); !st.ok()) return st;
    return pod(at, f);
  }

  Result<Trace> finish() {
    if (!header_seen_)
      return Status::Invalid(path_ + ": empty file; expected header '" + std::string(kHeader) + "'");
    sort_by_submit(trace_.jobs);
    add_notes();
    return std::move(trace_);
  }

 private:
  Status header(const csv::Where& at, const std::vector<std::string_view>& f) {
    Status st = csv::check_header(at, f, kHeader);
    // openb_pod_list_multigpu30.csv is published without any time columns: say so plainly.
    if (!st.ok() && f[0] == "name" && std::find(f.begin(), f.end(), "creation_time") == f.end())
      return Status::Invalid(st.message() +
                             "; this pod list has no creation_time/deletion_time, so it cannot be replayed");
    return st;
  }

  Status pod(const csv::Where& at, const std::vector<std::string_view>& f);
  Status read_numbers(const csv::Where& at, const std::vector<std::string_view>& f, Pod& p);
  Status read_times(const csv::Where& at, const std::vector<std::string_view>& f, Pod& p);
  void add_notes();

  const std::string& path_;
  bool header_seen_ = false;
  csv::IdSet ids_;
  Trace trace_;
  long cpu_only_ = 0, fractional_ = 0, clamped_ = 0;
};

Status AlibabaReader::read_numbers(const csv::Where& at, const std::vector<std::string_view>& f, Pod& p) {
  if (auto r = csv::int_field(at, "cpu_milli", f[1], 0, kMaxAmount); !r.ok()) return r.status();
  if (auto r = csv::int_field(at, "memory_mib", f[2], 0, kMaxAmount); !r.ok()) return r.status();
  auto num_gpu = csv::int_field(at, "num_gpu", f[3], 0, kMaxGang);
  if (!num_gpu.ok()) return num_gpu.status();
  auto gpu_milli = csv::int_field(at, "gpu_milli", f[4], 0, 1000);
  if (!gpu_milli.ok()) return gpu_milli.status();
  p.num_gpu = *num_gpu;
  p.gpu_milli = *gpu_milli;
  if (p.num_gpu >= 1 && p.gpu_milli == 0)
    return csv::bad(at, "gpu_milli", "must be between 1 and 1000 when num_gpu >= 1, got '0'");
  if (p.num_gpu > 1 && p.gpu_milli != 1000)
    return csv::bad(at, "gpu_milli",
                    "must be 1000 (whole GPUs) when num_gpu > 1, got '" + std::string(f[4]) + "'");
  return Status::Ok();
}

Status AlibabaReader::read_times(const csv::Where& at, const std::vector<std::string_view>& f, Pod& p) {
  auto creation = csv::int_field(at, "creation_time", f[8], 0, kMaxSeconds);
  if (!creation.ok()) return creation.status();
  auto deletion = csv::int_field(at, "deletion_time", f[9], 0, kMaxSeconds);
  if (!deletion.ok()) return deletion.status();
  p.creation = *creation;
  p.deletion = *deletion;
  if (f[10].empty()) return Status::Ok();  // never scheduled (pod_phase Pending)
  auto scheduled = csv::int_field(at, "scheduled_time", f[10], 0, kMaxSeconds);
  if (!scheduled.ok()) return scheduled.status();
  p.scheduled = *scheduled;
  return Status::Ok();
}

Status AlibabaReader::pod(const csv::Where& at, const std::vector<std::string_view>& f) {
  if (Status st = ids_.add(at, "name", f[0]); !st.ok()) return st;
  Pod p;
  if (Status st = read_numbers(at, f, p); !st.ok()) return st;
  auto spec = csv::list_field(at, "gpu_spec", f[5]);
  if (!spec.ok()) return spec.status();
  if (f[6].empty()) return csv::bad(at, "qos", "must not be empty");
  if (f[7].empty()) return csv::bad(at, "pod_phase", "must not be empty");
  if (Status st = read_times(at, f, p); !st.ok()) return st;
  // Every line is checked before CPU-only pods are dropped: a bad file fails as a whole.
  if (p.num_gpu == 0) {
    ++cpu_only_;
    return Status::Ok();
  }
  if (p.num_gpu == 1 && p.gpu_milli < 1000) ++fractional_;
  std::int64_t seconds = p.deletion - (p.scheduled >= 0 ? p.scheduled : p.creation);
  if (seconds < 1) {
    seconds = 1;
    ++clamped_;
  }
  TraceJob j;
  j.id = std::string(f[0]);
  j.tenant = std::string(f[6]);
  j.submit = p.creation * kSecond;
  j.gpus = static_cast<int>(p.num_gpu);
  j.gpu_milli = static_cast<int>(p.gpu_milli);
  j.gpu_types = std::move(*spec);
  j.duration = seconds * kSecond;
  trace_.jobs.push_back(std::move(j));
  return Status::Ok();
}

void AlibabaReader::add_notes() {
  if (cpu_only_)
    trace_.notes.push_back(csv::count_of(cpu_only_, "CPU-only pod", "CPU-only pods") +
                           " (num_gpu = 0) skipped");
  if (fractional_)
    trace_.notes.push_back(csv::count_of(fractional_, "fractional-GPU task", "fractional-GPU tasks") +
                           " rounded up to 1 whole GPU; GPU slices come later");
  if (clamped_)
    trace_.notes.push_back(csv::count_of(clamped_, "pod", "pods") +
                           " with a run time of 0 seconds or less given 1 second");
}

}  // namespace

Result<Trace> load_alibaba(const std::string& path) {
  AlibabaReader reader(path);
  Status st = csv::for_each_line(path, [&](const csv::Line& l) { return reader.line(l); });
  if (!st.ok()) return st;
  return reader.finish();
}

}  // namespace hexa
