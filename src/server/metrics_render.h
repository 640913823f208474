// The whole /metrics page (docs/observability.md): the host's counters and histograms
// (server/metrics.h), and gauges read from the core under its shared lock.
#pragma once

#include <string>

#include "server/host.h"

namespace hexa {

std::string render_metrics(Host& host);

}  // namespace hexa
