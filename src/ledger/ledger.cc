// Ledger: construction, tenants, top-ups, refunds and balances. Grants are in
// ledger_grants.cc, holds in ledger_holds.cc, budgets in ledger_budget.cc.
#include "ledger/ledger.h"

#include <limits>
#include <utility>

#include "ledger/validate.h"

namespace hexa {
namespace {

Micro clamp64(Int128 v) {
  constexpr Micro kMax = std::numeric_limits<Micro>::max();
  constexpr Micro kMin = std::numeric_limits<Micro>::min();
  return v > kMax ? kMax : v < kMin ? kMin : static_cast<Micro>(v);
}

// A single-transfer operation seen before: kDuplicate when the same, an error when not.
Result<OpOutcome> replayed(std::string_view what, const TransferView& old, const Transfer& t) {
  if (same_content(old, view_of(t))) return OpOutcome::kDuplicate;
  return Status::Invalid(std::string(what) + ": id already used with different content");
}

}  // namespace

Ledger::Ledger() {
  revenue_ = book_.open("revenue", AccountKind::kSystem, std::nullopt).value();
  expired_ = book_.open("expired", AccountKind::kSystem, std::nullopt).value();
  payments_ = book_.open("payments", AccountKind::kSystem, std::nullopt).value();
}

Result<std::uint32_t> Ledger::tenant_index(const Subject& what, std::string_view name, std::uint32_t hint) const {
  if (hint < tenants_.size() && tenants_[hint].name == name) return hint;
  auto it = tenant_ids_.find(name);
  if (it == tenant_ids_.end()) return Status::Invalid(what.str() + ": unknown tenant " + quoted(name));
  return it->second;
}

Status Ledger::check_now(const Subject& what, TimeMs now) const {
  if (now >= now_) return Status::Ok();
  return Status::Invalid(what.str() + ": now " + std::to_string(now) + " is before the last operation at " +
                         std::to_string(now_) + " (time must not go backwards)");
}

Result<OpOutcome> Ledger::add_tenant(std::string_view name, Micro overdraft) {
  if (Status s = check_name("tenant", "name", name); !s.ok()) return s;
  const Subject what("tenant", name);
  if (Status s = check_not_negative(what, "overdraft", overdraft); !s.ok()) return s;
  if (auto it = tenant_ids_.find(name); it != tenant_ids_.end()) {
    if (tenants_[it->second].opened_overdraft == overdraft) return OpOutcome::kDuplicate;
    return Status::Invalid(what.str() + ": already exists with another overdraft");
  }
  auto index = static_cast<std::uint32_t>(tenants_.size());
  auto cash = book_.open("cash:" + std::string(name), AccountKind::kCash, -overdraft, index);
  if (!cash.ok()) return cash.status();
  TenantFunds t;
  t.name = std::string(name);
  t.cash = *cash;
  t.overdraft = t.opened_overdraft = overdraft;
  tenants_.push_back(std::move(t));
  tenant_ids_.emplace(std::string(name), index);
  return OpOutcome::kApplied;
}

Status Ledger::set_overdraft(std::string_view tenant, Micro overdraft) {
  std::string what = "overdraft of tenant " + quoted(tenant);
  auto ti = tenant_index(what, tenant);
  if (!ti.ok()) return ti.status();
  if (Status s = check_not_negative(what, "overdraft", overdraft); !s.ok()) return s;
  TenantFunds& t = tenants_[*ti];
  if (Status s = book_.set_floor(t.cash, -overdraft); !s.ok()) return Status::Invalid(what + ": " + s.message());
  t.overdraft = overdraft;
  return Status::Ok();
}

Result<OpOutcome> Ledger::top_up(const TopUpRequest& req, TimeMs now) {
  if (Status s = check_name("top-up", "id", req.id); !s.ok()) return s;
  std::string what = "top-up " + quoted(req.id);
  if (Status s = check_positive(what, "amount", req.amount); !s.ok()) return s;
  if (!req.note.empty())
    if (Status s = check_name(what, "note", req.note); !s.ok()) return s;
  auto ti = tenant_index(what, req.tenant);
  if (!ti.ok()) return ti.status();
  Transfer t{"topup:" + req.id, payments_, tenants_[*ti].cash, req.amount, now, Memo{}};
  t.memo.kind = TransferKind::kTopup;
  t.memo.ref = req.id;
  t.memo.note = req.note;
  if (const TransferView* old = book_.find_transfer(t.id)) return replayed(what, *old, t);
  if (Status s = check_now(what, now); !s.ok()) return s;
  auto r = book_.transfer(t);
  if (!r.ok()) return r;
  now_ = now;
  return OpOutcome::kApplied;
}

Result<OpOutcome> Ledger::refund(const RefundRequest& req, TimeMs now) {
  if (Status s = check_name("refund", "id", req.id); !s.ok()) return s;
  std::string what = "refund " + quoted(req.id);
  if (Status s = check_positive(what, "amount", req.amount); !s.ok()) return s;
  if (Status s = check_not_negative(what, "gpu_ms", req.gpu_ms); !s.ok()) return s;
  if (Status s = check_name(what, "reason", req.reason); !s.ok()) return s;
  if (!req.job.empty())
    if (Status s = check_name(what, "job", req.job); !s.ok()) return s;
  auto ti = tenant_index(what, req.tenant);
  if (!ti.ok()) return ti.status();
  TenantFunds& tenant = tenants_[*ti];
  Transfer t{"refund:" + req.id, revenue_, tenant.cash, req.amount, now, Memo{}};
  t.memo.kind = TransferKind::kRefund;
  t.memo.ref = req.id;
  t.memo.job = req.job;
  t.memo.gpu_ms = req.gpu_ms;
  t.memo.note = req.reason;
  if (const TransferView* old = book_.find_transfer(t.id)) return replayed(what, *old, t);
  if (Status s = check_now(what, now); !s.ok()) return s;
  if (req.amount > tenant.paid)
    return Status::Invalid(what + ": amount " + format_credits_short(req.amount) + " is more than tenant " +
                           quoted(tenant.name) + " has paid net of refunds (" + format_credits_short(tenant.paid) + ")");
  auto r = book_.transfer(t);
  if (!r.ok()) return r;
  tenant.paid -= req.amount;
  on_refund(tenant, req.amount, req.gpu_ms, now);
  now_ = now;
  return OpOutcome::kApplied;
}

Micro Ledger::spendable_at(const TenantFunds& t, TimeMs now) const {
  Int128 sum = static_cast<Int128>(book_.account(t.cash).balance) + t.overdraft;
  for (std::uint32_t g : t.grants)
    if (grants_[g].live(now)) sum += book_.account(grants_[g].account).balance;
  return clamp64(sum);
}

Result<Micro> Ledger::spendable(std::string_view tenant, TimeMs now) const {
  auto ti = tenant_index("spendable", tenant);
  if (!ti.ok()) return ti.status();
  return spendable_at(tenants_[*ti], now);
}

Result<Micro> Ledger::room(std::string_view tenant, TimeMs now, std::uint32_t hint) const {
  auto ti = tenant_index("room", tenant, hint);
  if (!ti.ok()) return ti.status();
  const TenantFunds& t = tenants_[*ti];
  Micro r = spendable_at(t, now);
  if (t.budget && t.budget->hard && t.budget->credits) {
    Int128 left = static_cast<Int128>(*t.budget->credits) - rolled(t.use, *t.budget, now).credits - t.held;
    r = std::min(r, clamp64(left));
  }
  return std::max<Micro>(r, 0);
}

Result<Micro> Ledger::consumed(std::string_view tenant, std::uint32_t hint) const {
  auto ti = tenant_index("consumed", tenant, hint);
  if (!ti.ok()) return ti.status();
  return tenants_[*ti].paid;
}

Result<Micro> Ledger::balance(std::string_view tenant) const {
  auto ti = tenant_index("balance", tenant);
  if (!ti.ok()) return ti.status();
  const TenantFunds& t = tenants_[*ti];
  Int128 sum = static_cast<Int128>(book_.account(t.cash).balance) + t.held;
  for (std::uint32_t g : t.grants) sum += book_.account(grants_[g].account).balance;
  return clamp64(sum);
}

const TenantFunds* Ledger::find_tenant(std::string_view name) const {
  auto it = tenant_ids_.find(name);
  return it == tenant_ids_.end() ? nullptr : &tenants_[it->second];
}

const Grant* Ledger::find_grant(std::string_view id) const {
  auto it = grant_ids_.find(id);
  return it == grant_ids_.end() ? nullptr : &grants_[it->second];
}

const Hold* Ledger::find_hold(std::string_view id) const {
  auto i = hold_index(id);
  return i ? &holds_[*i] : nullptr;
}

std::optional<std::uint32_t> Ledger::hold_index(std::string_view id) const {
  return hold_ids_.find(id, holds_, [](const Hold& h) -> std::string_view { return h.req.id; });
}

}  // namespace hexa
