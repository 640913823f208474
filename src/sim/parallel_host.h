// Whether the simulator's host work around a run (generating the workloads, computing the
// metrics, building the report) may use a second thread. Each part that does splits work whose
// pieces share nothing and joins them in a fixed order, so the results never depend on thread
// timing; turning it off runs the same pieces one after the other (tests compare the two).
#pragma once

namespace hexa {

bool parallel_host();
void set_parallel_host(bool on);

}  // namespace hexa
