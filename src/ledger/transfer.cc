#include "ledger/transfer.h"

namespace hexa {

const char* kind_name(TransferKind k) {
  switch (k) {
    case TransferKind::kGrant: return "grant";
    case TransferKind::kUsage: return "usage";
    case TransferKind::kHold: return "hold";
    case TransferKind::kRelease: return "release";
    case TransferKind::kRefund: return "refund";
    case TransferKind::kExpiry: return "expiry";
    case TransferKind::kTopup: return "topup";
  }
  return "?";
}

}  // namespace hexa
