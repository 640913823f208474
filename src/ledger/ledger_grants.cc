// Ledger: grants and their expiry.
#include <algorithm>
#include <utility>

#include "ledger/ledger.h"
#include "ledger/validate.h"

namespace hexa {

Result<AccountId> Ledger::source_account(std::string_view programme) {
  std::string name = "grants-source:" + std::string(programme);
  if (auto id = book_.find(name)) return *id;
  return book_.open(name, AccountKind::kSystem, std::nullopt);
}

Result<OpOutcome> Ledger::grant(const GrantRequest& req, TimeMs now) {
  if (Status s = check_name("grant", "id", req.id); !s.ok()) return s;
  const Subject what("grant", req.id);
  if (Status s = check_name(what, "programme", req.programme); !s.ok()) return s;
  if (Status s = check_positive(what, "amount", req.amount); !s.ok()) return s;
  if (req.expiry <= req.start)
    return Status::Invalid(what.str() + ": expiry " + std::to_string(req.expiry) + " must be after start " +
                           std::to_string(req.start));
  auto ti = tenant_index(what, req.tenant);
  if (!ti.ok()) return ti.status();
  if (auto it = grant_ids_.find(req.id); it != grant_ids_.end()) {
    if (grants_[it->second].req == req) return OpOutcome::kDuplicate;
    return Status::Invalid(what.str() + ": id already used by a different grant");
  }
  if (Status s = check_now(what, now); !s.ok()) return s;
  if (req.expiry <= now)
    return Status::Invalid(what.str() + ": expiry " + std::to_string(req.expiry) + " must be after now " +
                           std::to_string(now) + " (it would never be usable)");

  // Open the accounts, move the money; undo the opening if the transfer is refused.
  std::uint32_t accounts_before = book_.size();
  auto source = source_account(req.programme);
  if (!source.ok()) return source.status();
  auto account = book_.open("grant:" + req.id, AccountKind::kGrant, Micro{0}, *ti);
  Transfer t{"grant:" + req.id, *source, account.ok() ? *account : 0, req.amount, now, Memo{}};
  t.memo.kind = TransferKind::kGrant;
  t.memo.ref = req.id;
  t.memo.note = req.programme;
  Status moved = account.ok() ? book_.transfer(t).status() : account.status();
  if (!moved.ok()) {
    while (book_.size() > accounts_before) book_.unopen_last();
    return moved;
  }

  auto index = static_cast<std::uint32_t>(grants_.size());
  grants_.push_back(Grant{req, *ti, *account, false});
  grant_ids_.emplace(req.id, index);
  unswept_.emplace(req.expiry, index);
  std::vector<std::uint32_t>& list = tenants_[*ti].grants;
  auto at = std::upper_bound(list.begin(), list.end(), index,
                             [this](std::uint32_t a, std::uint32_t b) { return spend_before(grants_[a], grants_[b]); });
  list.insert(at, index);
  now_ = now;
  return OpOutcome::kApplied;
}

Result<int> Ledger::expire_until(TimeMs now) {
  if (Status s = check_now("expire", now); !s.ok()) return s;
  std::vector<Transfer> moves;
  std::vector<std::uint32_t> due;
  for (auto it = unswept_.begin(); it != unswept_.end() && it->first <= now; ++it) {
    const Grant& g = grants_[it->second];
    due.push_back(it->second);
    Micro left = book_.account(g.account).balance;
    if (left == 0) continue;
    Transfer t{"expiry:" + g.req.id, g.account, expired_, left, now, Memo{}};
    t.memo.kind = TransferKind::kExpiry;
    t.memo.ref = g.req.id;
    t.memo.note = g.req.programme;
    moves.push_back(std::move(t));
  }
  if (Status s = book_.transfer_all(moves); !s.ok()) return s;
  for (std::uint32_t gi : due) {
    Grant& g = grants_[gi];
    g.swept = true;
    unswept_.erase({g.req.expiry, gi});
    std::vector<std::uint32_t>& list = tenants_[g.tenant].grants;
    list.erase(std::find(list.begin(), list.end(), gi));
  }
  now_ = now;
  return static_cast<int>(due.size());
}

}  // namespace hexa
