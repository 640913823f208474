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

const char* end_name(EndKind k) {
  switch (k) {
    case EndKind::kNone: return "none";
    case EndKind::kCompleted: return "completed";
    case EndKind::kTimeout: return "timeout";
    case EndKind::kFailed: return "failed";
    case EndKind::kCancelled: return "cancelled";
    case EndKind::kRejected: return "rejected";
  }
  return "?";
}

}  // namespace hexa
