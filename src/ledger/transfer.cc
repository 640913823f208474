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

MemoView view_of(const Memo& m) { return {m.kind, m.ref, m.job, m.gpu_type, m.site, m.gpu_ms, m.rate, m.note}; }

TransferView view_of(const Transfer& t) { return {t.id, t.from, t.to, t.amount, t.at, view_of(t.memo)}; }

Transfer owned(const TransferView& t) {
  const MemoView& m = t.memo;
  return {std::string(t.id), t.from, t.to, t.amount, t.at,
          Memo{m.kind, std::string(m.ref), std::string(m.job), std::string(m.gpu_type), std::string(m.site), m.gpu_ms,
               m.rate, std::string(m.note)}};
}

}  // namespace hexa
