// Book: the double-entry core of the ledger. Accounts with balances and optional floors, and
// the transfers between them. Every change is a transfer, so the sum of all balances is always
// zero; a transfer that would break a rule is refused whole and changes nothing.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/id_index.h"
#include "ledger/transfer.h"
#include "ledger/transfer_log.h"
#include "model/status.h"

namespace hexa {

class Reader;
class Writer;

enum class AccountKind : std::uint8_t {
  kSystem,  // revenue, expired, payments, grants-source:<programme>: no floor, may go negative
  kCash,    // a tenant's own money (top-ups, refunds); floor = -overdraft
  kGrant,   // what is left of one grant; floor 0
  kHold,    // money set aside for one job; floor 0
};

constexpr std::uint32_t kNoOwner = 0xffffffffu;

struct Account {
  std::string name;
  AccountKind kind = AccountKind::kSystem;
  std::optional<Micro> floor;     // lowest allowed balance; none = unbounded
  std::uint32_t owner = kNoOwner; // the tenant whose funds these are, or kNoOwner
  Micro balance = 0;
  bool operator==(const Account&) const = default;
};

class Book {
 public:
  // Opens an account with balance 0. Errors: empty or taken name, floor > 0 (a new account
  // would start below it).
  Result<AccountId> open(std::string_view name, AccountKind kind, std::optional<Micro> floor,
                         std::uint32_t owner = kNoOwner);
  // The same for a name the Ledger derived and knows to be new and well-formed ("hold:<id>" of
  // a hold not seen before): skips the checks that cannot fail there, and moves the name in.
  // Every job segment opens one. REQUIRES: `name` is a valid account name, not taken.
  AccountId open_new(std::string&& name, AccountKind kind, std::optional<Micro> floor, std::uint32_t owner);
  // Removes the account opened last, for an operation that fails after opening it.
  // REQUIRES: it is the last account and no transfer touched it.
  void unopen_last();
  // Errors: the balance is already below the new floor, or the floor is > 0.
  Status set_floor(AccountId id, std::optional<Micro> floor);

  // Not const: names opened by open_new are indexed when a name is first looked up after them.
  std::optional<AccountId> find(std::string_view name);
  // REQUIRES: id < size().
  const Account& account(AccountId id) const { return accounts_[id]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(accounts_.size()); }

  // Applies `t`. A transfer whose id was applied before with the same content (time aside) is
  // a duplicate: nothing changes, kDuplicate. Errors (nothing changes): bad or reused id,
  // amount <= 0, unknown account, from == to, time before the last transfer, a balance that
  // would overflow int64 or go below its floor. The book keeps its own copy of the strings.
  Result<OpOutcome> transfer(const TransferView& t);
  Result<OpOutcome> transfer(const Transfer& t) { return transfer(view_of(t)); }
  // Applies all of `ts` in order, or none: each must be new and valid after the ones before it.
  Status transfer_all(const std::vector<Transfer>& ts);
  // The Ledger's path for transfers whose ids it derived itself and knows to be new:
  // "hold:<hold>#<n>" of a hold not seen before, "release:<hold>#<n>" once per hold,
  // "meter:<hold>@<total>" for a total above every earlier one, "post:<id>" after it looked the
  // id up. They skip what cannot fail there (the id's characters, the search for an earlier
  // use), a scan and a hash of the id for each of the several transfers of every job segment;
  // every other rule is checked as above. REQUIRES: each id well-formed (as check_name) and
  // used by no transfer before, nor twice in `ts`.
  Result<OpOutcome> transfer_new(const TransferView& t);
  Status transfer_all_new(std::span<const TransferView> ts);

  // Not const, as find(): a job segment's transfer ids (lazily_indexed) are indexed at the
  // next lookup of such an id.
  // The transfer stays where it is while the book lives (not across an assignment or a load).
  const TransferView* find_transfer(std::string_view id);
  // The ids of the transfers every job segment makes: "hold:", "release:", "meter:", "post:".
  // They are indexed only when one of them is next looked up; every other id (grants,
  // expiries, top-ups, refunds) as it is applied, so that looking one of those up never
  // indexes the millions of the first kind.
  static bool lazily_indexed(std::string_view id);
  const TransferLog& transfers() const { return transfers_; }
  // Indexes into transfers() of those that move money into or out of `owner`'s accounts
  // (from one of them to an account of another owner or none), in time order.
  const std::vector<std::uint32_t>& owner_transfers(std::uint32_t owner) const;
  // Time of the last transfer applied; INT64_MIN before the first.
  TimeMs last_at() const { return last_at_; }
  // Sum of all balances. Always 0; the tests say so.
  Int128 total() const;

  // The same accounts and transfers (the indexes follow from them).
  bool operator==(const Book& o) const {
    return accounts_ == o.accounts_ && transfers_ == o.transfers_ && by_owner_ == o.by_owner_ && last_at_ == o.last_at_;
  }

  // Snapshots (ledger/ledger_archive.cc): accounts and transfers; the indexes are rebuilt.
  // Load: accounts are owned by one of `owners` tenants, or none.
  void save(Writer& w) const;
  bool load(Reader& r, std::uint32_t owners);

 private:
  // Checks `t` against balances `bal(id)` (the current ones, or those after earlier transfers
  // of a batch). `last` is the time the transfer may not precede.
  // kNew: the id is known new and well-formed (transfer_new); it is not checked.
  template <bool kNew, class BalanceOf>
  Status check(const TransferView& t, TimeMs last, BalanceOf bal) const;
  // Checks a batch as transfer_all does (or transfer_all_new, kNew), changing nothing.
  template <bool kNew>
  Status check_all(std::span<const TransferView> ts);
  void apply(const TransferView& t);

  // The account's name, for account_ids_.
  struct NameOf {
    std::string_view operator()(const Account& a) const { return a.name; }
  };

  // The index of `id`'s class (lazily_indexed), caught up when it is the lazy one.
  IdIndex& ids_of(std::string_view id);

  // Every job segment adds an account and three or four transfers that a simulated month
  // never looks up; indexing each as it came was a cache miss in a table of millions, 4% of
  // the France month. So accounts are indexed as a prefix (IdIndex::catch_up): what open_new
  // adds, at the next lookup. Transfers are split by id: a refund is looked up at every
  // resumed segment's end, and with one index for all, each such lookup indexed every
  // segment's transfers since the last one (2% of the month, and a table of millions).
  std::vector<Account> accounts_;
  IdIndex account_ids_;  // by name, into accounts_
  TransferLog transfers_;
  IdIndex segment_ids_;            // the lazily_indexed ids among transfers_[0, segment_seen_)
  std::size_t segment_seen_ = 0;
  IdIndex other_ids_;              // every other id, as it is applied
  std::vector<std::vector<std::uint32_t>> by_owner_;
  TimeMs last_at_ = std::numeric_limits<TimeMs>::min();
};

}  // namespace hexa
