// Ledger: the money of the cloud, pure. Tenants, grants, paid top-ups, admission holds,
// metered usage, refunds, expiry, budgets and statements, all on a double-entry Book.
//
// No clock, I/O, threads or floating point: time is the `now` parameter (integer ms, never
// going backwards across operations that take it) and money is integer micro-credits.
// Every operation validates its input; on failure it returns a Status naming the field and
// the rule, and changes nothing. Operations with an id are idempotent: repeating one with the
// same content returns kDuplicate and changes nothing; the same id with other content is an
// error.
//
// Accounts (see docs/ledger.md): system "revenue", "expired", "payments",
// "grants-source:<programme>"; per tenant "cash:<tenant>" (floor -overdraft); per grant
// "grant:<id>" (floor 0); per hold "hold:<id>" (floor 0). Transfer ids are derived from the
// operation: "grant:<id>", "topup:<id>", "hold:<id>#<n>", "post:<id>", "meter:<hold>@<total>",
// "release:<hold>#<n>", "refund:<id>", "expiry:<grant>".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/block_vector.h"
#include "ledger/book.h"
#include "ledger/budget.h"
#include "ledger/cash.h"
#include "ledger/grant.h"
#include "ledger/hold.h"
#include "ledger/id_index.h"
#include "ledger/price_table.h"
#include "ledger/statement.h"
#include "ledger/string_map.h"
#include "ledger/tenant_funds.h"

namespace hexa {

class Reader;
class Subject;
class Writer;

class Ledger {
 public:
  Ledger();  // opens the system accounts

  // The operations a host calls for every job start and stop may also be given the tenant's
  // index in tenants() (a host that adds its tenants in its own order knows it): that index is
  // tried first, checked against the name, so that the hot path hashes no name. A wrong or
  // missing hint costs a lookup by name, never another tenant.
  static constexpr std::uint32_t kNoHint = 0xffffffffu;

  // --- tenants
  // Opens "cash:<name>" with floor -overdraft. Same name and overdraft again (as first given,
  // whatever set_overdraft did since): kDuplicate.
  Result<OpOutcome> add_tenant(std::string_view name, Micro overdraft = 0);
  // Errors: overdraft < 0, or the tenant's cash already below -overdraft.
  Status set_overdraft(std::string_view tenant, Micro overdraft);

  // --- money in
  // Moves req.amount from "grants-source:<programme>" into a new "grant:<id>" account.
  // Errors: expiry <= start, expiry <= now, amount <= 0, unknown tenant, bad names.
  Result<OpOutcome> grant(const GrantRequest& req, TimeMs now);
  Result<OpOutcome> top_up(const TopUpRequest& req, TimeMs now);
  // Moves what is left of every grant with expiry <= now to `expired`; returns how many grants
  // it swept. Call it before other operations at `now` (the core: at the start of each apply).
  Result<int> expire_until(TimeMs now);

  // --- prices (configuration; see price_table.h)
  PriceTable& prices() { return prices_; }
  const PriceTable& prices() const { return prices_; }

  // --- admission and usage
  // Whether a job may start: the tenant can spend `amount` at `now` (live grants + cash +
  // overdraft) and a hard budget allows `amount` and `gpu_ms`. Changes nothing.
  Status check_start(std::string_view tenant, Micro amount, GpuMs gpu_ms, TimeMs now,
                     std::uint32_t hint = kNoHint) const;
  // The same for the tenant at `index` in tenants(), with no name looked up or compared: the
  // Core adds every tenant to the ledger as it adds it to the cluster, so its TenantId is the
  // index (Core::check_loaded holds a restored core to it). The engine asks for every
  // placement it may start, and comparing two names there was cache misses on both.
  // REQUIRES: index < tenants().size().
  Status check_start_at(std::uint32_t index, Micro amount, GpuMs gpu_ms, TimeMs now) const;
  // check_start, then moves req.amount into "hold:<id>", drawing live grants earliest-expiry
  // first, then cash (down to -overdraft).
  // By value: a host that made the request for this call moves it in, and the hold keeps it.
  Result<OpOutcome> place_hold(HoldRequest req, TimeMs now, std::uint32_t hint = kNoHint);
  // place_hold for the tenant at `index`, as check_start_at: the engine's hold for every start,
  // where comparing req.tenant with the ledger's name was a cache miss on each (0.4% of the
  // France month). REQUIRES: index < tenants().size(), tenants()[index].name == req.tenant.
  Result<OpOutcome> place_hold_at(std::uint32_t index, HoldRequest req, TimeMs now);
  // Moves req.amount of usage from the hold to revenue. Errors: hold released, amount over
  // what is left.
  Result<OpOutcome> post(const PostRequest& req, TimeMs now);
  // Cumulative metering: the hold's job has used `total_gpu_ms` so far; posts
  // usage_cost(total) - usage_cost(previous total) at the hold's rate, so that many small
  // reports round exactly like one. A total not above the previous one is a kDuplicate. A
  // report that adds less than a micro-credit moves no money; its GPU-ms are counted.
  Result<OpOutcome> meter(std::string_view hold, GpuMs total_gpu_ms, TimeMs now);
  // The same for the hold at `index` in holds() (find_hold_index): no lookup by its id.
  Result<OpOutcome> meter_hold(std::uint32_t index, GpuMs total_gpu_ms, TimeMs now);
  // Returns what is left of the hold to where it came from: a grant still live at `now`, the
  // tenant's cash, or `expired` for money of a grant that expired meanwhile. After it, nothing
  // more can be posted. Releasing again: kDuplicate.
  Result<OpOutcome> release(std::string_view hold, TimeMs now);
  Result<OpOutcome> release_hold(std::uint32_t index, TimeMs now);  // by index, as meter_hold
  // Moves req.amount from revenue to the tenant's cash. Errors: more than the tenant has paid
  // net of refunds, empty reason.
  Result<OpOutcome> refund(const RefundRequest& req, TimeMs now);

  // --- budgets
  // Sets or replaces the tenant's budget; spending in the period of `now` is recomputed from
  // history, and thresholds already reached raise their alerts now.
  Status set_budget(std::string_view tenant, const Budget& budget, TimeMs now);
  Status clear_budget(std::string_view tenant);
  // Every alert raised so far, oldest first. A host keeps how many it has seen.
  const std::vector<BudgetAlert>& alerts() const { return alerts_; }

  // --- queries
  // Live grants' remaining + cash + overdraft, at `now`; clamped to int64.
  Result<Micro> spendable(std::string_view tenant, TimeMs now) const;
  // The largest amount a start could be admitted for at `now`: spendable, and within the room a
  // hard credit budget leaves (GPU-hour budgets are not counted). Never negative.
  Result<Micro> room(std::string_view tenant, TimeMs now, std::uint32_t hint = kNoHint) const;
  // All the tenant's money: cash + grants (even expired, not yet swept) + open holds.
  Result<Micro> balance(std::string_view tenant) const;
  Result<Statement> statement(std::string_view tenant, TimeMs from, TimeMs to) const;
  // Credits the tenant has consumed: usage posted, less refunds.
  Result<Micro> consumed(std::string_view tenant, std::uint32_t hint = kNoHint) const;

  const Book& book() const { return book_; }
  // By id or name. Not const: the Book indexes at a lookup what came since the last one.
  const TransferView* find_transfer(std::string_view id) { return book_.find_transfer(id); }
  std::optional<AccountId> find_account(std::string_view name) { return book_.find(name); }
  const TenantFunds* find_tenant(std::string_view name) const;
  const Grant* find_grant(std::string_view id) const;
  const Hold* find_hold(std::string_view id) const;
  // Index of hold `id` in holds(), for meter_hold and release_hold.
  std::optional<std::uint32_t> find_hold_index(std::string_view id) const { return hold_index(id); }
  const std::vector<TenantFunds>& tenants() const { return tenants_; }
  const std::vector<Grant>& grants() const { return grants_; }
  const BlockVector<Hold>& holds() const { return holds_; }
  AccountId revenue() const { return revenue_; }
  AccountId expired() const { return expired_; }
  AccountId payments() const { return payments_; }
  TimeMs last_now() const { return now_; }

  // Whole-state equality: the tests compare snapshots before and after a failed operation.
  bool operator==(const Ledger&) const = default;

  // Snapshots (ledger/ledger_archive.cc): the whole state; the indexes by name and id are
  // rebuilt. REQUIRES (load): a fresh ledger.
  void save(Writer& w) const;
  bool load(Reader& r);

 private:
  bool check_loaded(Reader& r);
  bool index_holds();  // rebuilds hold_ids_; false when an id is there twice
  Result<std::uint32_t> tenant_index(const Subject& what, std::string_view name, std::uint32_t hint = kNoHint) const;
  Status check_now(const Subject& what, TimeMs now) const;
  Micro spendable_at(const TenantFunds& t, TimeMs now) const;
  Status admit(const Subject& what, std::uint32_t tenant, Micro amount, GpuMs gpu_ms, TimeMs now) const;
  // place_hold's checks of the request's own fields, and the rest once the tenant is known.
  static Status check_hold_fields(const HoldRequest& req);
  Result<OpOutcome> place_hold_of(std::uint32_t index, HoldRequest&& req, TimeMs now);
  Result<OpOutcome> post_usage(const Subject& what, Hold& hold, const TransferView& t, GpuMs gpu_ms, TimeMs now);
  // A meter report whose cost rounds to nothing more: counts its GPU-ms, moves no money.
  Result<OpOutcome> absorb(const Subject& what, Hold& hold, GpuMs total_gpu_ms, TimeMs now);
  std::vector<Draw> plan_draws(const TenantFunds& t, Micro amount, TimeMs now) const;
  Result<AccountId> source_account(std::string_view programme);
  void on_usage(TenantFunds& t, Micro amount, GpuMs gpu_ms, TimeMs now);
  void on_refund(TenantFunds& t, Micro amount, GpuMs gpu_ms, TimeMs now);
  BudgetUse use_from_history(std::uint32_t tenant, const Budget& b, TimeMs now) const;
  // Index of hold `id` in holds_.
  std::optional<std::uint32_t> hold_index(std::string_view id) const;

  Book book_;
  PriceTable prices_;
  std::vector<TenantFunds> tenants_;
  StringMap<std::uint32_t> tenant_ids_;
  std::vector<Grant> grants_;
  StringMap<std::uint32_t> grant_ids_;
  std::set<std::pair<TimeMs, std::uint32_t>> unswept_;  // (expiry, grant index)
  BlockVector<Hold> holds_;
  IdIndex hold_ids_;  // by id, into holds_: one for every job segment, so flat (no node, no copy of the id)
  std::vector<BudgetAlert> alerts_;
  AccountId revenue_ = 0;
  AccountId expired_ = 0;
  AccountId payments_ = 0;
  TimeMs now_ = std::numeric_limits<TimeMs>::min();  // the latest `now` of an applied operation
};

}  // namespace hexa
