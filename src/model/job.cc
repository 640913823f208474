#include "model/job.h"

namespace hexa {

const char* phase_name(JobPhase p) {
  switch (p) {
    case JobPhase::kPending: return "pending";
    case JobPhase::kRunning: return "running";
    case JobPhase::kFinished: return "finished";
    case JobPhase::kCancelled: return "cancelled";
    case JobPhase::kRejected: return "rejected";
  }
  return "?";
}

}  // namespace hexa
