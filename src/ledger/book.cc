#include "ledger/book.h"

#include <array>
#include <span>
#include <utility>

#include "ledger/validate.h"

namespace hexa {
namespace {

std::string what(const TransferView& t) { return "transfer " + quoted(t.id); }

}  // namespace

Result<AccountId> Book::open(std::string_view name, AccountKind kind, std::optional<Micro> floor,
                             std::uint32_t owner) {
  if (Status s = check_name("account", "name", name, kMaxIdBytes); !s.ok()) return s;
  if (find(name)) return Status::Invalid("account " + quoted(name) + ": name already taken");
  if (floor && *floor > 0)
    return Status::Invalid("account " + quoted(name) + ": floor must be <= 0 (got " + std::to_string(*floor) + ")");
  auto id = static_cast<AccountId>(accounts_.size());
  accounts_.push_back(Account{std::string(name), kind, floor, owner, 0});
  account_ids_.catch_up(accounts_, NameOf{});  // find() above indexed all before it
  return id;
}

AccountId Book::open_new(std::string&& name, AccountKind kind, std::optional<Micro> floor, std::uint32_t owner) {
  auto id = static_cast<AccountId>(accounts_.size());
  accounts_.push_back(Account{std::move(name), kind, floor, owner, 0});
  return id;
}

void Book::unopen_last() {
  if (account_ids_.size() == accounts_.size()) account_ids_.erase(accounts_.back().name, size() - 1);
  accounts_.pop_back();
}

Status Book::set_floor(AccountId id, std::optional<Micro> floor) {
  const Account& a = accounts_[id];
  if (floor && *floor > 0)
    return Status::Invalid("account " + quoted(a.name) + ": floor must be <= 0 (got " + std::to_string(*floor) + ")");
  if (floor && a.balance < *floor)
    return Status::Invalid("account " + quoted(a.name) + ": balance " + std::to_string(a.balance) +
                           " is below the new floor " + std::to_string(*floor));
  accounts_[id].floor = floor;
  return Status::Ok();
}

std::optional<AccountId> Book::find(std::string_view name) {
  account_ids_.catch_up(accounts_, NameOf{});
  return account_ids_.find(name, accounts_, NameOf{});
}

template <bool kNew, class BalanceOf>
Status Book::check(const TransferView& t, TimeMs last, BalanceOf bal) const {
  if constexpr (!kNew)
    if (Status s = check_name("transfer", "id", t.id, kMaxIdBytes); !s.ok()) return s;
  // what(t) is built only for a message: every transfer of every job segment comes this way.
  if (t.amount <= 0) return check_positive(what(t), "amount", t.amount);
  if (t.from >= size()) return Status::Invalid(what(t) + ": unknown account " + std::to_string(t.from) + " (from)");
  if (t.to >= size()) return Status::Invalid(what(t) + ": unknown account " + std::to_string(t.to) + " (to)");
  if (t.from == t.to) return Status::Invalid(what(t) + ": from and to are the same account " + quoted(accounts_[t.from].name));
  if (t.at < last)
    return Status::Invalid(what(t) + ": at " + std::to_string(t.at) + " is before the last transfer at " +
                           std::to_string(last) + " (time must not go backwards)");
  const Account& from = accounts_[t.from];
  auto from_after = checked_sub(bal(t.from), t.amount);
  if (!from_after) return Status::Invalid(what(t) + ": would overflow the balance of " + quoted(from.name));
  if (from.floor && *from_after < *from.floor)
    return Status::Invalid(what(t) + ": would take " + quoted(from.name) + " below its floor of " +
                           std::to_string(*from.floor) + " (balance " + std::to_string(bal(t.from)) +
                           ", amount " + std::to_string(t.amount) + ")");
  if (!checked_add(bal(t.to), t.amount))
    return Status::Invalid(what(t) + ": would overflow the balance of " + quoted(accounts_[t.to].name));
  return Status::Ok();
}

Result<OpOutcome> Book::transfer(const TransferView& t) {
  if (const TransferView* old = find_transfer(t.id)) {
    if (same_content(*old, t)) return OpOutcome::kDuplicate;
    return Status::Invalid(what(t) + ": id already used by a different transfer");
  }
  if (Status s = check<false>(t, last_at_, [this](AccountId id) { return accounts_[id].balance; }); !s.ok()) return s;
  apply(t);
  return OpOutcome::kApplied;
}

Result<OpOutcome> Book::transfer_new(const TransferView& t) {
  if (Status s = check<true>(t, last_at_, [this](AccountId id) { return accounts_[id].balance; }); !s.ok()) return s;
  apply(t);
  return OpOutcome::kApplied;
}

template <bool kNew>
Status Book::check_all(std::span<const TransferView> ts) {
  // Balances after the earlier transfers of the batch. Batches are a few transfers long (a
  // hold's draws, a release's returns) and come for every job segment: those stay on the
  // stack; only a long one (a sweep of many grants) takes the heap.
  constexpr std::size_t kInline = 8;
  std::array<std::pair<AccountId, Micro>, kInline> inline_pending;
  std::vector<std::pair<AccountId, Micro>> heap_pending;
  std::span<std::pair<AccountId, Micro>> pending(inline_pending.data(), 0);
  if (2 * ts.size() > kInline) {
    heap_pending.resize(2 * ts.size());
    pending = std::span(heap_pending.data(), 0);
  }
  auto bal = [&](AccountId id) {
    for (const auto& [a, b] : pending)
      if (a == id) return b;
    return accounts_[id].balance;
  };
  auto set = [&](AccountId id, Micro b) {
    for (auto& p : pending)
      if (p.first == id) return void(p.second = b);
    pending = std::span(pending.data(), pending.size() + 1);  // room for 2 per transfer, reserved above
    pending.back() = {id, b};
  };
  TimeMs last = last_at_;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const TransferView& t = ts[i];
    if constexpr (!kNew) {
      if (find_transfer(t.id)) return Status::Invalid(what(t) + ": id already used");
      for (std::size_t j = 0; j < i; ++j)
        if (ts[j].id == t.id) return Status::Invalid(what(t) + ": id used twice in one operation");
    }
    if (Status s = check<kNew>(t, last, bal); !s.ok()) return s;
    set(t.from, bal(t.from) - t.amount);
    set(t.to, bal(t.to) + t.amount);
    last = t.at;
  }
  return Status::Ok();
}

Status Book::transfer_all(const std::vector<Transfer>& ts) {
  std::vector<TransferView> views;
  views.reserve(ts.size());
  for (const Transfer& t : ts) views.push_back(view_of(t));
  if (Status s = check_all<false>(views); !s.ok()) return s;
  for (const TransferView& t : views) apply(t);
  return Status::Ok();
}

Status Book::transfer_all_new(std::span<const TransferView> ts) {
  if (Status s = check_all<true>(ts); !s.ok()) return s;
  for (const TransferView& t : ts) apply(t);
  return Status::Ok();
}

void Book::apply(const TransferView& in) {
  auto index = static_cast<std::uint32_t>(transfers_.size());
  const TransferView& t = transfers_.push_back(in);
  if (!lazily_indexed(t.id)) other_ids_.insert(t.id, index);
  Account& from = accounts_[t.from];
  Account& to = accounts_[t.to];
  from.balance -= t.amount;
  to.balance += t.amount;
  last_at_ = t.at;
  if (from.owner == to.owner) return;  // internal to one tenant (hold, release) or between system accounts
  for (std::uint32_t owner : {from.owner, to.owner}) {
    if (owner == kNoOwner) continue;
    if (owner >= by_owner_.size()) by_owner_.resize(owner + 1);
    by_owner_[owner].push_back(index);
  }
}

bool Book::lazily_indexed(std::string_view id) {
  for (std::string_view prefix : {"hold:", "release:", "meter:", "post:"})
    if (id.starts_with(prefix)) return true;
  return false;
}

IdIndex& Book::ids_of(std::string_view id) {
  if (!lazily_indexed(id)) return other_ids_;
  for (; segment_seen_ < transfers_.size(); ++segment_seen_)
    if (const TransferView& t = transfers_[segment_seen_]; lazily_indexed(t.id))
      segment_ids_.insert(t.id, static_cast<std::uint32_t>(segment_seen_));
  return segment_ids_;
}

const TransferView* Book::find_transfer(std::string_view id) {
  auto pos = ids_of(id).find(id, transfers_);
  return pos ? &transfers_[*pos] : nullptr;
}

const std::vector<std::uint32_t>& Book::owner_transfers(std::uint32_t owner) const {
  static const std::vector<std::uint32_t> kNone;
  return owner < by_owner_.size() ? by_owner_[owner] : kNone;
}

Int128 Book::total() const {
  Int128 sum = 0;
  for (const Account& a : accounts_) sum += a.balance;
  return sum;
}

}  // namespace hexa
