// Snapshots of the ledger (ledger/ledger.h), its book and its price table. Every account,
// transfer, grant, hold, budget and alert is saved as it is; the indexes by name and id are
// rebuilt from them, in the order they were made, so that they are what they were.
#include "ledger/ledger.h"
#include "model/archive.h"

namespace hexa {
namespace {

void save_memo(Writer& w, const MemoView& m) {
  w.e(m.kind);
  w.str(m.ref), w.str(m.job), w.str(m.gpu_type), w.str(m.site);
  w.i64(m.gpu_ms), w.i64(m.rate);
  w.str(m.note);
}

void load_memo(Reader& r, Memo& m) {
  m.kind = r.e(TransferKind::kTopup);
  m.ref = r.str(), m.job = r.str(), m.gpu_type = r.str(), m.site = r.str();
  m.gpu_ms = r.i64(), m.rate = r.i64();
  m.note = r.str();
}

void save_budget(Writer& w, const Budget& b) {
  w.i64(b.period), w.i64(b.origin);
  w.opt(b.credits, [&](Micro v) { w.i64(v); });
  w.opt(b.gpu_ms, [&](GpuMs v) { w.i64(v); });
  w.b(b.hard);
  w.seq(b.alert_bps, [&](int v) { w.i32(v); });
}

void load_budget(Reader& r, Budget& b) {
  b.period = r.i64(), b.origin = r.i64();
  r.opt(b.credits, [&](Micro& v) { v = r.i64(); });
  r.opt(b.gpu_ms, [&](GpuMs& v) { v = r.i64(); });
  b.hard = r.b();
  b.alert_bps.resize(r.count());
  for (int& v : b.alert_bps) v = r.i32();
  if (r.ok())
    if (Status st = check_budget("budget", b); !st.ok()) r.fail(st.message());
}

void save_use(Writer& w, const BudgetUse& u) {
  w.i64(u.period), w.i64(u.credits), w.i64(u.gpu_ms);
  w.u32(u.fired_credits), w.u32(u.fired_gpu);
}

void load_use(Reader& r, BudgetUse& u) {
  u.period = r.i64(), u.credits = r.i64(), u.gpu_ms = r.i64();
  u.fired_credits = r.u32(), u.fired_gpu = r.u32();
}

void save_funds(Writer& w, const TenantFunds& t) {
  w.str(t.name);
  w.u32(t.cash);
  w.i64(t.overdraft), w.i64(t.opened_overdraft);
  w.seq(t.grants, [&](std::uint32_t g) { w.u32(g); });
  w.i64(t.paid), w.i64(t.held), w.i64(t.held_gpu_ms);
  w.opt(t.budget, [&](const Budget& b) { save_budget(w, b); });
  save_use(w, t.use);
}

void load_funds(Reader& r, TenantFunds& t) {
  t.name = r.str();
  t.cash = r.u32();
  t.overdraft = r.i64(), t.opened_overdraft = r.i64();
  t.grants.resize(r.count());
  for (std::uint32_t& g : t.grants) g = r.u32();
  t.paid = r.i64(), t.held = r.i64(), t.held_gpu_ms = r.i64();
  r.opt(t.budget, [&](Budget& b) { load_budget(r, b); });
  load_use(r, t.use);
}

void save_grant(Writer& w, const Grant& g) {
  w.str(g.req.id), w.str(g.req.tenant), w.str(g.req.programme);
  w.i64(g.req.amount), w.i64(g.req.start), w.i64(g.req.expiry);
  w.u32(g.tenant), w.u32(g.account);
  w.b(g.swept);
}

void load_grant(Reader& r, Grant& g) {
  g.req.id = r.str(), g.req.tenant = r.str(), g.req.programme = r.str();
  g.req.amount = r.i64(), g.req.start = r.i64(), g.req.expiry = r.i64();
  g.tenant = r.u32(), g.account = r.u32();
  g.swept = r.b();
}

void save_hold(Writer& w, const Hold& h) {
  w.str(h.req.id), w.str(h.req.tenant);
  w.i64(h.req.amount), w.i64(h.req.gpu_ms);
  w.str(h.req.job), w.str(h.req.gpu_type), w.str(h.req.site);
  w.i64(h.req.rate);
  w.u32(h.tenant), w.u32(h.account);
  w.i64(h.posted), w.i64(h.gpu_ms_posted), w.i64(h.metered_gpu_ms), w.i64(h.billed_gpu_ms);
  w.b(h.released);
  w.seq(h.draws, [&](const Draw& d) {
    w.u32(d.source);
    w.opt(d.grant, [&](std::uint32_t g) { w.u32(g); });
    w.i64(d.amount), w.i64(d.used);
  });
}

void load_hold(Reader& r, Hold& h) {
  h.req.id = r.str(), h.req.tenant = r.str();
  h.req.amount = r.i64(), h.req.gpu_ms = r.i64();
  h.req.job = r.str(), h.req.gpu_type = r.str(), h.req.site = r.str();
  h.req.rate = r.i64();
  h.tenant = r.u32(), h.account = r.u32();
  h.posted = r.i64(), h.gpu_ms_posted = r.i64(), h.metered_gpu_ms = r.i64(), h.billed_gpu_ms = r.i64();
  h.released = r.b();
  h.draws.resize(r.count(4));
  for (Draw& d : h.draws) {
    d.source = r.u32();
    r.opt(d.grant, [&](std::uint32_t& g) { g = r.u32(); });
    d.amount = r.i64(), d.used = r.i64();
  }
}

void save_alert(Writer& w, const BudgetAlert& a) {
  w.str(a.tenant);
  w.i64(a.period), w.i64(a.at);
  w.e(a.measure);
  w.i32(a.threshold_bps);
  w.i64(a.used), w.i64(a.limit);
}

void load_alert(Reader& r, BudgetAlert& a) {
  a.tenant = r.str();
  a.period = r.i64(), a.at = r.i64();
  a.measure = r.e(BudgetMeasure::kGpuMs);
  a.threshold_bps = r.i32();
  a.used = r.i64(), a.limit = r.i64();
}

// An index by name (or id) rebuilt from a vector: false when a name is there twice.
template <class V, class Key>
bool index(const std::vector<V>& v, StringMap<std::uint32_t>& out, Key key) {
  out.clear();
  for (std::uint32_t i = 0; i < v.size(); ++i)
    if (!out.emplace(key(v[i]), i).second) return false;
  return true;
}

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
static_assert(sizeof(Ledger) == 600, "Ledger changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Book) == 232, "Book changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Account) == 72, "Account changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Transfer) == 240, "Transfer changed: save the new member in ledger_archive.cc");
static_assert(sizeof(PriceTable) == 48, "PriceTable changed: save the new member in ledger_archive.cc");
static_assert(sizeof(TenantFunds) == 224, "TenantFunds changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Budget) == 80, "Budget changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Grant) == 136, "Grant changed: save the new member in ledger_archive.cc");
static_assert(sizeof(Hold) == 256, "Hold changed: save the new member in ledger_archive.cc");
static_assert(sizeof(BudgetAlert) == 72, "BudgetAlert changed: save the new member in ledger_archive.cc");
#endif

void Book::save(Writer& w) const {
  w.seq(accounts_, [&](const Account& a) {
    w.str(a.name);
    w.e(a.kind);
    w.opt(a.floor, [&](Micro f) { w.i64(f); });
    w.u32(a.owner);
    w.i64(a.balance);
  });
  w.seq(transfers_, [&](const TransferView& t) {
    w.str(t.id);
    w.u32(t.from), w.u32(t.to);
    w.i64(t.amount), w.i64(t.at);
    save_memo(w, t.memo);
  });
  w.i64(last_at_);
}

bool Book::load(Reader& r, std::uint32_t owners) {
  *this = Book();
  accounts_.resize(r.count(5));
  for (AccountId id = 0; id < accounts_.size() && r.ok(); ++id) {
    Account& a = accounts_[id];
    a.name = r.str();
    a.kind = r.e(AccountKind::kHold);
    r.opt(a.floor, [&](Micro& f) { f = r.i64(); });
    a.owner = r.u32();
    a.balance = r.i64();
    if (a.owner != kNoOwner && a.owner >= owners) return r.fail("account '" + a.name + "': unknown owner");
    // The index holds accounts_[0, id): the rest are not read yet (find() would index them).
    if (r.ok() && account_ids_.find(a.name, accounts_, NameOf{})) return r.fail("account '" + a.name + "': twice");
    account_ids_.insert(a.name, id);
  }
  // Each transfer indexed and filed by owner as apply() did, without moving money again.
  const std::size_t n = r.count(13);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    Transfer loaded;
    loaded.id = r.str();
    loaded.from = r.u32(), loaded.to = r.u32();
    loaded.amount = r.i64(), loaded.at = r.i64();
    load_memo(r, loaded.memo);
    if (!r.ok()) break;
    // Every transfer before this one is in its index already (segment_seen_ below), so
    // ids_of() scans nothing.
    IdIndex& ids = ids_of(loaded.id);
    if (loaded.from >= size() || loaded.to >= size() || ids.find(loaded.id, transfers_))
      return r.fail("transfer '" + loaded.id + "': bad accounts or id");
    const TransferView& t = transfers_.push_back(view_of(loaded));
    ids.insert(t.id, i);
    segment_seen_ = transfers_.size();
    const std::uint32_t from = accounts_[t.from].owner, to = accounts_[t.to].owner;
    if (from == to) continue;
    for (std::uint32_t owner : {from, to}) {
      if (owner == kNoOwner) continue;
      if (owner >= by_owner_.size()) by_owner_.resize(owner + 1);
      by_owner_[owner].push_back(i);
    }
  }
  last_at_ = r.i64();
  return r.ok();
}

void PriceTable::save(Writer& w) const {
  w.seq(rates_, [&](const auto& kv) {
    w.str(std::get<0>(kv.first)), w.str(std::get<1>(kv.first));
    w.i32(std::get<2>(kv.first));
    w.i64(kv.second.per_gpu_hour);
    w.i32(kv.second.preemptible_discount_bps);
  });
}

bool PriceTable::load(Reader& r) {
  rates_.clear();
  for (std::size_t n = r.count(5); n > 0 && r.ok(); --n) {
    Key k{r.str(), r.str(), r.i32()};
    Price p;
    p.per_gpu_hour = r.i64();
    p.preemptible_discount_bps = r.i32();
    if (!rates_.empty() && !(rates_.rbegin()->first < k)) return r.fail("prices: out of order");
    rates_.emplace_hint(rates_.end(), std::move(k), p);
  }
  return r.ok();
}

void Ledger::save(Writer& w) const {
  w.seq(tenants_, [&](const TenantFunds& t) { save_funds(w, t); });  // first: they own accounts
  book_.save(w);
  prices_.save(w);
  w.seq(grants_, [&](const Grant& g) { save_grant(w, g); });
  w.seq(holds_, [&](const Hold& h) { save_hold(w, h); });
  w.seq(alerts_, [&](const BudgetAlert& a) { save_alert(w, a); });
  w.u32(revenue_), w.u32(expired_), w.u32(payments_);
  w.i64(now_);
}

bool Ledger::index_holds() {
  hold_ids_.clear();
  for (std::uint32_t i = 0; i < holds_.size(); ++i) {
    if (hold_index(holds_[i].req.id)) return false;
    hold_ids_.insert(holds_[i].req.id, i);
  }
  return true;
}

bool Ledger::load(Reader& r) {
  tenants_.resize(r.count(8));
  for (TenantFunds& t : tenants_) load_funds(r, t);
  if (!r.ok() || !book_.load(r, static_cast<std::uint32_t>(tenants_.size())) || !prices_.load(r)) return false;
  grants_.resize(r.count(8));
  for (Grant& g : grants_) load_grant(r, g);
  holds_.assign_default(r.count(8));
  for (Hold& h : holds_) load_hold(r, h);
  alerts_.resize(r.count(7));
  for (BudgetAlert& a : alerts_) load_alert(r, a);
  revenue_ = r.u32(), expired_ = r.u32(), payments_ = r.u32();
  now_ = r.i64();
  if (!r.ok()) return false;
  return check_loaded(r);
}

// Every index into the book, the grants and the tenants in range; the indexes rebuilt.
bool Ledger::check_loaded(Reader& r) {
  const auto accounts = book_.size();
  const auto grants = static_cast<std::uint32_t>(grants_.size());
  const auto tenants = static_cast<std::uint32_t>(tenants_.size());
  for (const TenantFunds& t : tenants_) {
    if (t.cash >= accounts) return r.fail("tenant '" + t.name + "': unknown cash account");
    for (std::uint32_t g : t.grants)
      if (g >= grants || grants_[g].swept) return r.fail("tenant '" + t.name + "': unknown grant");
  }
  unswept_.clear();
  for (std::uint32_t i = 0; i < grants; ++i) {
    const Grant& g = grants_[i];
    if (g.tenant >= tenants || g.account >= accounts) return r.fail("grant '" + g.req.id + "': out of range");
    if (!g.swept) unswept_.emplace(g.req.expiry, i);
  }
  for (const Hold& h : holds_) {
    bool ok = h.tenant < tenants && h.account < accounts;
    for (const Draw& d : h.draws) ok = ok && d.source < accounts && (!d.grant || *d.grant < grants);
    if (!ok) return r.fail("hold '" + h.req.id + "': out of range");
  }
  if (revenue_ >= accounts || expired_ >= accounts || payments_ >= accounts) return r.fail("ledger: system accounts out of range");
  if (!index(tenants_, tenant_ids_, [](const TenantFunds& t) { return t.name; }) ||
      !index(grants_, grant_ids_, [](const Grant& g) { return g.req.id; }) ||
      !index_holds())
    return r.fail("ledger: a tenant, grant or hold named twice");
  return true;
}

}  // namespace hexa
