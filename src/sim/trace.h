// Traces: jobs to replay, as read from a file. Names stay strings here; the simulator maps
// them onto the topology's ids, and a name it does not know becomes a clear rejection.
#pragma once

#include <string>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

struct TraceJob {
  std::string id;
  std::string tenant;
  TimeMs submit = 0;                   // ms from the start of the trace
  int gpus = 1;                        // gang size
  std::vector<std::string> gpu_types;  // acceptable GPU types; empty = any
  std::vector<std::string> sites;      // allowed sites; empty = any
  DurationMs duration = 0;             // run time when alone on its GPUs (known to the simulator only)
  int priority = 0;
  DurationMs time_limit = 0;           // 0 = none given
  bool preemptible = true;
  std::vector<std::string> providers;  // allowed providers (their sites); empty = any
  std::vector<std::string> prefer;     // preferred sites among the allowed ones
  std::string slice;                   // a slice profile ("1g.10gb"); empty = whole GPUs
  DurationMs start_target = 0;         // an interactive session's target start delay; 0 = batch
  bool deferrable = false;             // may wait for a lower-carbon hour ...
  TimeMs deadline = -1;                // ... but must end by then; -1 = none
  int gpu_milli = 1000;                // Alibaba: thousandths of one GPU asked for (gpus = 1)
};

struct Trace {
  std::vector<TraceJob> jobs;  // in order of submit time (stable for equal times)
  // Lines read but not replayed, with why ("412 CPU-only pods (num_gpu = 0)").
  std::vector<std::string> notes;
};

// Loaders. A malformed line fails the whole load with "file:line: field: rule"; nothing is
// half-loaded.
Result<Trace> load_itp(const std::string& path);      // job_id,submission_time,duration,num_gpu
Result<Trace> load_alibaba(const std::string& path);  // Alibaba GPU-2023 pod list
Result<Trace> load_hexa_csv(const std::string& path); // Hexagone's own CSV (docs/trace-format.md)
// format: "itp", "alibaba" or "hexa".
Result<Trace> load_trace(const std::string& path, const std::string& format);

// Puts jobs in order of submit time, equal times in their order (what std::stable_sort would
// give), moving each TraceJob once, in place: sorting the structs themselves moved their
// strings about n log n times, a tenth of a trace replay.
void sort_by_submit(std::vector<TraceJob>& jobs);

// Writes a trace in Hexagone's own CSV format (what load_hexa_csv reads back).
Status write_hexa_csv(const Trace& trace, const std::string& path);

}  // namespace hexa
