// Ledger: admission, holds, usage posts and release.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <string_view>
#include <utility>

#include "ledger/ledger.h"
#include "ledger/validate.h"

namespace hexa {
namespace {

Status check_optional_name(const Subject& what, std::string_view field, std::string_view v) {
  return v.empty() ? Status::Ok() : check_name(what, field, v);
}

MemoView hold_memo(TransferKind kind, const HoldRequest& h) {
  MemoView m;
  m.kind = kind;
  m.ref = h.id;
  m.job = h.job;
  m.gpu_type = h.gpu_type;
  m.site = h.site;
  m.rate = h.rate;
  return m;
}

// The strings of one operation's transfers (ids, notes), spelt into one buffer the thread
// keeps: a job segment's several transfers cost no heap block each. Views into the buffer are
// taken once all are spelt, when it no longer grows.
struct Spelling {
  std::string bytes;
  std::vector<std::pair<std::size_t, std::size_t>> at;  // (offset, length) of each string
  std::vector<TransferView> moves;

  // Appends prefix + id, then `sep` and n when n >= 0; returns its number.
  std::size_t add(std::string_view prefix, std::string_view id, char sep = 0, std::int64_t n = -1) {
    const std::size_t from = bytes.size();
    bytes += prefix;
    bytes += id;
    if (n >= 0) {
      bytes += sep;
      char digits[24];
      bytes.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    }
    at.emplace_back(from, bytes.size() - from);
    return at.size() - 1;
  }
  std::string_view operator[](std::size_t k) const { return std::string_view(bytes).substr(at[k].first, at[k].second); }
};

Spelling& spelling() {
  thread_local Spelling s;
  s.bytes.clear();
  s.at.clear();
  s.moves.clear();
  return s;
}

}  // namespace

Status Ledger::admit(const Subject& what, std::uint32_t ti, Micro amount, GpuMs gpu_ms, TimeMs now) const {
  const TenantFunds& t = tenants_[ti];
  Micro can = spendable_at(t, now);
  if (can < amount)
    return Status::Invalid(what.str() + ": tenant " + quoted(t.name) + " can spend " + format_credits_short(can) +
                           " credits at " + std::to_string(now) + " (live grants + cash + overdraft), needs " +
                           format_credits_short(amount));
  if (!t.budget) return Status::Ok();
  return check_hard(*t.budget, rolled(t.use, *t.budget, now), t.name, t.held, t.held_gpu_ms, amount, gpu_ms);
}

Status Ledger::check_start(std::string_view tenant, Micro amount, GpuMs gpu_ms, TimeMs now, std::uint32_t hint) const {
  if (Status s = check_positive("start", "amount", amount); !s.ok()) return s;
  if (Status s = check_not_negative("start", "gpu_ms", gpu_ms); !s.ok()) return s;
  auto ti = tenant_index("start", tenant, hint);
  if (!ti.ok()) return ti.status();
  return admit("credits", *ti, amount, gpu_ms, now);
}

Status Ledger::check_start_at(std::uint32_t index, Micro amount, GpuMs gpu_ms, TimeMs now) const {
  if (Status s = check_positive("start", "amount", amount); !s.ok()) return s;
  if (Status s = check_not_negative("start", "gpu_ms", gpu_ms); !s.ok()) return s;
  return admit("credits", index, amount, gpu_ms, now);
}

std::vector<Draw> Ledger::plan_draws(const TenantFunds& t, Micro amount, TimeMs now) const {
  std::vector<Draw> draws;
  for (std::uint32_t g : t.grants) {
    if (amount == 0) break;
    if (!grants_[g].live(now)) continue;
    Micro take = std::min(amount, book_.account(grants_[g].account).balance);
    if (take > 0) draws.push_back(Draw{grants_[g].account, g, take, 0});
    amount -= take;
  }
  if (amount > 0) draws.push_back(Draw{t.cash, std::nullopt, amount, 0});
  return draws;
}

Status Ledger::check_hold_fields(const HoldRequest& req) {
  if (Status s = check_name("hold", "id", req.id); !s.ok()) return s;
  const Subject what("hold", req.id);
  if (Status s = check_positive(what, "amount", req.amount); !s.ok()) return s;
  if (Status s = check_not_negative(what, "gpu_ms", req.gpu_ms); !s.ok()) return s;
  if (Status s = check_not_negative(what, "rate", req.rate); !s.ok()) return s;
  const std::pair<const char*, const std::string*> labels[] = {
      {"job", &req.job}, {"gpu_type", &req.gpu_type}, {"site", &req.site}};
  for (const auto& [field, v] : labels)
    if (Status s = check_optional_name(what, field, *v); !s.ok()) return s;
  return Status::Ok();
}

Result<OpOutcome> Ledger::place_hold(HoldRequest req, TimeMs now, std::uint32_t hint) {
  if (Status s = check_hold_fields(req); !s.ok()) return s;
  auto ti = tenant_index(Subject("hold", req.id), req.tenant, hint);
  if (!ti.ok()) return ti.status();
  return place_hold_of(*ti, std::move(req), now);
}

Result<OpOutcome> Ledger::place_hold_at(std::uint32_t index, HoldRequest req, TimeMs now) {
  assert(index < tenants_.size() && tenants_[index].name == req.tenant);
  if (Status s = check_hold_fields(req); !s.ok()) return s;
  return place_hold_of(index, std::move(req), now);
}

Result<OpOutcome> Ledger::place_hold_of(std::uint32_t index, HoldRequest&& req, TimeMs now) {
  const Subject what("hold", req.id);
  if (auto i = hold_index(req.id)) {
    if (holds_[*i].req == req) return OpOutcome::kDuplicate;
    return Status::Invalid(what.str() + ": id already used by a different hold");
  }
  if (Status s = check_now(what, now); !s.ok()) return s;
  if (Status s = admit(what, index, req.amount, req.gpu_ms, now); !s.ok()) return s;
  TenantFunds& tenant = tenants_[index];
  auto held = checked_add(tenant.held, req.amount);
  auto held_gpu = checked_add(tenant.held_gpu_ms, req.gpu_ms);
  if (!held || !held_gpu) return Status::Invalid(what.str() + ": tenant " + quoted(tenant.name) + " would hold more than int64");

  // "hold:<id>" is new: no hold has this id (above), and no other account's name starts so.
  // The id passed check_name, and the prefix and "#<n>" keep it within kMaxIdBytes.
  const AccountId account = book_.open_new("hold:" + req.id, AccountKind::kHold, Micro{0}, index);
  Hold hold;
  hold.tenant = index;
  hold.account = account;
  hold.draws = plan_draws(tenant, req.amount, now);
  Spelling& sp = spelling();
  for (std::size_t n = 0; n < hold.draws.size(); ++n) sp.add("hold:", req.id, '#', static_cast<std::int64_t>(n));
  for (std::size_t n = 0; n < hold.draws.size(); ++n)
    sp.moves.push_back(
        TransferView{sp[n], hold.draws[n].source, account, hold.draws[n].amount, now, hold_memo(TransferKind::kHold, req)});
  if (Status s = book_.transfer_all_new(sp.moves); !s.ok()) {
    book_.unopen_last();
    return s;
  }
  tenant.held = *held;
  tenant.held_gpu_ms = *held_gpu;
  hold_ids_.insert(req.id, static_cast<std::uint32_t>(holds_.size()));
  hold.req = std::move(req);
  holds_.push_back(std::move(hold));
  now_ = now;
  return OpOutcome::kApplied;
}

Result<OpOutcome> Ledger::post(const PostRequest& req, TimeMs now) {
  if (Status s = check_name("post", "id", req.id); !s.ok()) return s;
  const Subject what("post", req.id);
  if (Status s = check_positive(what, "amount", req.amount); !s.ok()) return s;
  if (Status s = check_not_negative(what, "gpu_ms", req.gpu_ms); !s.ok()) return s;
  auto i = hold_index(req.hold);
  if (!i) return Status::Invalid(what.str() + ": unknown hold " + quoted(req.hold));
  Hold& hold = holds_[*i];
  const std::string id = "post:" + req.id;
  TransferView t{id, hold.account, revenue_, req.amount, now, hold_memo(TransferKind::kUsage, hold.req)};
  t.memo.gpu_ms = req.gpu_ms;
  if (const TransferView* old = book_.find_transfer(t.id)) {
    if (same_content(*old, t)) return OpOutcome::kDuplicate;
    return Status::Invalid(what.str() + ": id already used with different content");
  }
  return post_usage(what, hold, t, req.gpu_ms, now);
}

Result<OpOutcome> Ledger::meter(std::string_view hold_id, GpuMs total_gpu_ms, TimeMs now) {
  if (Status s = check_name("meter", "hold", hold_id); !s.ok()) return s;
  const Subject what("meter of hold", hold_id);
  if (Status s = check_not_negative(what, "total_gpu_ms", total_gpu_ms); !s.ok()) return s;
  auto i = hold_index(hold_id);
  if (!i) return Status::Invalid(what.str() + ": unknown hold");
  return meter_hold(*i, total_gpu_ms, now);
}

Result<OpOutcome> Ledger::meter_hold(std::uint32_t index, GpuMs total_gpu_ms, TimeMs now) {
  Hold& hold = holds_[index];
  const Subject what("meter of hold", hold.req.id);
  if (Status s = check_not_negative(what, "total_gpu_ms", total_gpu_ms); !s.ok()) return s;
  if (total_gpu_ms <= hold.metered_gpu_ms) return OpOutcome::kDuplicate;  // a report seen before, or older
  if (Status s = check_now(what, now); !s.ok()) return s;
  if (hold.released) return Status::Invalid(what.str() + ": the hold is released; nothing more can be posted");
  if (hold.req.rate <= 0) return Status::Invalid(what.str() + ": the hold has no rate (0); post amounts instead");
  auto after = usage_cost(total_gpu_ms, hold.req.rate);
  if (!after.ok()) return Status::Invalid(what.str() + ": " + after.status().message());
  Micro amount = *after - usage_cost(hold.metered_gpu_ms, hold.req.rate).value();  // smaller total: fits
  GpuMs gpu_ms = total_gpu_ms - hold.metered_gpu_ms;
  if (amount == 0) return absorb(what, hold, total_gpu_ms, now);
  // The memo carries the GPU-ms since the last transfer, so that statements count them all.
  Spelling& sp = spelling();
  sp.add("meter:", hold.req.id, '@', total_gpu_ms);
  TransferView t{sp[0], hold.account, revenue_, amount, now, hold_memo(TransferKind::kUsage, hold.req)};
  t.memo.gpu_ms = total_gpu_ms - hold.billed_gpu_ms;
  auto r = post_usage(what, hold, t, gpu_ms, now);
  if (r.ok()) hold.metered_gpu_ms = hold.billed_gpu_ms = total_gpu_ms;
  return r;
}

Result<OpOutcome> Ledger::absorb(const Subject& what, Hold& hold, GpuMs total_gpu_ms, TimeMs now) {
  GpuMs gpu_ms = total_gpu_ms - hold.metered_gpu_ms;
  auto gpu_posted = checked_add(hold.gpu_ms_posted, gpu_ms);
  if (!gpu_posted) return Status::Invalid(what.str() + ": totals would overflow int64");
  TenantFunds& tenant = tenants_[hold.tenant];
  GpuMs gpu_left_before = hold.gpu_ms_left();
  hold.gpu_ms_posted = *gpu_posted;
  hold.metered_gpu_ms = total_gpu_ms;
  tenant.held_gpu_ms -= gpu_left_before - hold.gpu_ms_left();
  on_usage(tenant, 0, gpu_ms, now);
  now_ = now;
  return OpOutcome::kApplied;
}

Result<OpOutcome> Ledger::post_usage(const Subject& what, Hold& hold, const TransferView& t, GpuMs gpu_ms,
                                     TimeMs now) {
  if (Status s = check_now(what, now); !s.ok()) return s;
  auto head = [&] { return what.str(); };
  if (hold.released) return Status::Invalid(head() + ": hold " + quoted(hold.req.id) + " is released; nothing more can be posted");
  if (t.amount > hold.left())
    return Status::Invalid(head() + ": amount " + format_credits_short(t.amount) + " is more than what is left of hold " +
                           quoted(hold.req.id) + " (" + format_credits_short(hold.left()) + ")");
  TenantFunds& tenant = tenants_[hold.tenant];
  auto paid = checked_add(tenant.paid, t.amount);
  auto gpu_posted = checked_add(hold.gpu_ms_posted, gpu_ms);
  if (!paid || !gpu_posted) return Status::Invalid(head() + ": totals would overflow int64");
  const Micro amount = t.amount;
  // The callers derived the id and know it new: post() looked it up, meter()'s totals only grow.
  if (Status s = book_.transfer_new(t).status(); !s.ok()) return s;

  GpuMs gpu_left_before = hold.gpu_ms_left();
  hold.posted += amount;
  hold.gpu_ms_posted = *gpu_posted;
  consume(hold.draws, amount);
  tenant.held -= amount;
  tenant.held_gpu_ms -= gpu_left_before - hold.gpu_ms_left();
  tenant.paid = *paid;
  on_usage(tenant, amount, gpu_ms, now);
  now_ = now;
  return OpOutcome::kApplied;
}

Result<OpOutcome> Ledger::release(std::string_view hold_id, TimeMs now) {
  if (Status s = check_name("release", "hold", hold_id); !s.ok()) return s;
  const Subject what("release of hold", hold_id);
  auto i = hold_index(hold_id);
  if (!i) return Status::Invalid(what.str() + ": unknown hold");
  return release_hold(*i, now);
}

Result<OpOutcome> Ledger::release_hold(std::uint32_t index, TimeMs now) {
  Hold& hold = holds_[index];
  const Subject what("release of hold", hold.req.id);
  if (hold.released) return OpOutcome::kDuplicate;
  if (Status s = check_now(what, now); !s.ok()) return s;

  // Each unused part goes back where it came from; a grant's part that can no longer be
  // spent (expired, or swept) goes to `expired`, as it would have had it never been held.
  auto expired_draw = [&](const Draw& d) {
    return d.grant && (grants_[*d.grant].swept || now >= grants_[*d.grant].req.expiry);
  };
  Spelling& sp = spelling();
  std::int64_t n = 0;
  for (const Draw& d : hold.draws) {  // first the strings: the views are taken below
    if (d.amount == d.used) continue;
    sp.add("release:", hold.req.id, '#', n++);
    if (expired_draw(d)) sp.add("returned by hold ", hold.req.id);
  }
  std::size_t k = 0;
  for (const Draw& d : hold.draws) {
    if (d.amount == d.used) continue;
    const bool to_expired = expired_draw(d);
    MemoView memo = hold_memo(to_expired ? TransferKind::kExpiry : TransferKind::kRelease, hold.req);
    const std::string_view id = sp[k++];
    if (to_expired) {  // an expiry line of the grant in statements
      memo.ref = grants_[*d.grant].req.id;
      memo.note = sp[k++];
    }
    sp.moves.push_back(TransferView{id, hold.account, to_expired ? expired_ : d.source, d.amount - d.used, now, memo});
  }
  // "release:<hold>#<n>" are new: a hold is released once (above), and its id passed check_name.
  if (Status s = book_.transfer_all_new(sp.moves); !s.ok()) return s;
  TenantFunds& tenant = tenants_[hold.tenant];
  tenant.held -= hold.left();
  tenant.held_gpu_ms -= hold.gpu_ms_left();
  hold.released = true;
  now_ = now;
  return OpOutcome::kApplied;
}

}  // namespace hexa
