// Ledger::statement: one tenant's movements in [from, to), from the Book's history.
#include <limits>
#include <unordered_map>

#include "ledger/ledger.h"
#include "ledger/validate.h"

namespace hexa {
namespace {

bool fits(Int128 v) {
  return v >= std::numeric_limits<Micro>::min() && v <= std::numeric_limits<Micro>::max();
}

StatementLine line_of(const TransferView& t) {
  const MemoView& m = t.memo;
  return StatementLine{t.at,   std::string(m.ref), std::string(m.job), std::string(m.gpu_type), std::string(m.site),
                       m.gpu_ms, m.rate,               t.amount,           std::string(m.note)};
}

}  // namespace

Micro total(const std::vector<StatementLine>& lines) {
  Micro sum = 0;
  for (const StatementLine& l : lines) sum = saturating_add(sum, l.amount);
  return sum;
}

Result<Statement> Ledger::statement(std::string_view tenant, TimeMs from, TimeMs to) const {
  auto ti = tenant_index("statement", tenant);
  if (!ti.ok()) return ti.status();
  if (from >= to)
    return Status::Invalid("statement: from " + std::to_string(from) + " must be before to " + std::to_string(to));
  Statement s;
  s.tenant = std::string(tenant);
  s.from = from;
  s.to = to;
  Int128 opening = 0, net = 0;
  std::unordered_map<std::string_view, std::size_t> job_line;  // hold id -> index in s.jobs
  for (std::uint32_t i : book_.owner_transfers(*ti)) {
    const TransferView& t = book_.transfers()[i];
    Int128 signed_amount = book_.account(t.to).owner == *ti ? Int128{t.amount} : -Int128{t.amount};
    if (t.at >= to) break;  // time order
    if (t.at < from) {
      opening += signed_amount;
      continue;
    }
    net += signed_amount;
    switch (t.memo.kind) {
      case TransferKind::kGrant: s.grants.push_back(line_of(t)); break;
      case TransferKind::kTopup: s.topups.push_back(line_of(t)); break;
      case TransferKind::kRefund: s.refunds.push_back(line_of(t)); break;
      case TransferKind::kExpiry: s.expiries.push_back(line_of(t)); break;
      case TransferKind::kUsage: {
        auto [it, fresh] = job_line.emplace(t.memo.ref, s.jobs.size());
        if (fresh) {
          s.jobs.push_back(line_of(t));
          break;
        }
        StatementLine& l = s.jobs[it->second];
        l.amount = saturating_add(l.amount, t.amount);  // <= the hold's amount: never saturates
        l.gpu_ms = saturating_add(l.gpu_ms, t.memo.gpu_ms);
        break;
      }
      case TransferKind::kHold:
      case TransferKind::kRelease: break;  // between the tenant's own accounts: never here
    }
  }
  if (!fits(opening) || !fits(opening + net))
    return Status::Invalid("statement: balance of tenant " + quoted(tenant) + " overflows int64");
  s.opening = static_cast<Micro>(opening);
  s.closing = static_cast<Micro>(opening + net);
  return s;
}

}  // namespace hexa
