// Ledger: budgets. Spending is usage posted less refunds, per period of the tenant's budget.
#include "ledger/ledger.h"
#include "ledger/validate.h"

namespace hexa {

Status Ledger::set_budget(std::string_view tenant, const Budget& budget, TimeMs now) {
  std::string what = "tenant " + quoted(tenant);
  if (Status s = check_budget(what, budget); !s.ok()) return s;
  auto ti = tenant_index("budget", tenant);
  if (!ti.ok()) return ti.status();
  if (Status s = check_now("budget of " + what, now); !s.ok()) return s;
  TenantFunds& t = tenants_[*ti];
  BudgetUse use = use_from_history(*ti, budget, now);
  // A threshold raised this period under the old budget stays raised: once per period.
  if (t.budget && t.budget->period == budget.period && t.budget->origin == budget.origin) {
    BudgetUse old = rolled(t.use, *t.budget, now);
    for (std::size_t i = 0; i < budget.alert_bps.size(); ++i)
      for (std::size_t j = 0; j < t.budget->alert_bps.size(); ++j) {
        if (budget.alert_bps[i] != t.budget->alert_bps[j]) continue;
        if (old.fired_credits & (1u << j)) use.fired_credits |= 1u << i;
        if (old.fired_gpu & (1u << j)) use.fired_gpu |= 1u << i;
      }
  }
  raise_alerts(use, budget, t.name, now, &alerts_);
  t.budget = budget;
  t.use = use;
  now_ = now;
  return Status::Ok();
}

Status Ledger::clear_budget(std::string_view tenant) {
  auto ti = tenant_index("budget", tenant);
  if (!ti.ok()) return ti.status();
  tenants_[*ti].budget.reset();
  tenants_[*ti].use = BudgetUse{};
  return Status::Ok();
}

BudgetUse Ledger::use_from_history(std::uint32_t ti, const Budget& b, TimeMs now) const {
  BudgetUse use;
  use.period = period_of(b, now);
  for (std::uint32_t i : book_.owner_transfers(ti)) {
    const TransferView& t = book_.transfers()[i];
    if (period_of(b, t.at) != use.period) continue;
    if (t.memo.kind == TransferKind::kUsage) add_use(use, t.amount, t.memo.gpu_ms);
    if (t.memo.kind == TransferKind::kRefund) sub_use(use, t.amount, t.memo.gpu_ms);
  }
  return use;
}

void Ledger::on_usage(TenantFunds& t, Micro amount, GpuMs gpu_ms, TimeMs now) {
  if (!t.budget) return;
  t.use = rolled(t.use, *t.budget, now);
  add_use(t.use, amount, gpu_ms);
  raise_alerts(t.use, *t.budget, t.name, now, &alerts_);
}

void Ledger::on_refund(TenantFunds& t, Micro amount, GpuMs gpu_ms, TimeMs now) {
  if (!t.budget) return;
  t.use = rolled(t.use, *t.budget, now);
  sub_use(t.use, amount, gpu_ms);
}

}  // namespace hexa
