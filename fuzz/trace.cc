// The trace loaders (sim/trace*.cc) and the Alibaba node list (sim/cluster_config.cc). The
// first byte picks the format: itp, alibaba, hexa (Hexagone's CSV) or the node list; the rest
// is the file. A Hexagone CSV that loads must write back (write_hexa_csv) to a file that loads
// to the same jobs.
#include "fuzz_util.h"
#include "sim/cluster_config.h"
#include "sim/trace.h"

namespace hexa::fuzz {
namespace {

bool same_job(const TraceJob& a, const TraceJob& b) {
  return a.id == b.id && a.tenant == b.tenant && a.submit == b.submit && a.gpus == b.gpus &&
         a.gpu_types == b.gpu_types && a.sites == b.sites && a.duration == b.duration && a.priority == b.priority &&
         a.time_limit == b.time_limit && a.preemptible == b.preemptible && a.providers == b.providers &&
         a.prefer == b.prefer && a.slice == b.slice && a.start_target == b.start_target &&
         a.deferrable == b.deferrable && a.deadline == b.deadline;
}

void round_trip(const Trace& trace) {
  const std::string path = scratch_dir() + "/again.csv";
  if (Status st = write_hexa_csv(trace, path); !st.ok()) return;  // a name the CSV cannot carry
  auto again = load_hexa_csv(path);
  check(again.ok(), "a trace written by write_hexa_csv does not load: " +
                        (again.ok() ? std::string() : again.status().message()));
  check(again->jobs.size() == trace.jobs.size(), "a written trace loads with another number of jobs");
  for (std::size_t i = 0; i < trace.jobs.size(); ++i)
    check(same_job(again->jobs[i], trace.jobs[i]), "a written trace loads job '" + trace.jobs[i].id + "' changed");
}

}  // namespace
}  // namespace hexa::fuzz

HEXA_FUZZ_TARGET(trace) {
  using namespace hexa;
  fuzz::FuzzInput in(data, size);
  const std::size_t format = in.pick(4);
  const std::string path = fuzz::write_scratch("trace.csv", in.rest());
  switch (format) {
    case 0: (void)load_itp(path); break;
    case 1: (void)load_alibaba(path); break;
    case 2: {
      auto trace = load_hexa_csv(path);
      if (trace.ok()) fuzz::round_trip(*trace);
      break;
    }
    default: (void)load_alibaba_nodes(path); break;
  }
  return 0;
}
