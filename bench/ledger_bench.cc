// Ledger benchmarks: transfers per second in the Book, and whole job cycles (hold, meter,
// release) in the Ledger.
//   build/release/hexa_bench --benchmark_filter=Ledger
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro kCredit = kMicroPerCredit;
// History is kept in memory; start afresh (untimed) after this many operations.
constexpr long kBatch = 1 << 19;

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::unique_ptr<Book> book_of(std::uint32_t accounts) {
  auto book = std::make_unique<Book>();
  for (std::uint32_t i = 0; i < accounts; ++i)
    (void)book->open("acct-" + std::to_string(i), AccountKind::kSystem, std::nullopt);
  return book;
}

// Transfers between random pairs of `accounts` accounts, each with a fresh id and a usage
// memo like the core writes (job, GPU type, site, GPU-ms, rate).
void BM_LedgerTransfer(benchmark::State& state) {
  auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::pair<AccountId, AccountId>> pairs;
  std::uint64_t seed = 42;
  for (int i = 0; i < 4096; ++i) {
    auto a = static_cast<AccountId>(splitmix(seed) % n);
    auto b = static_cast<AccountId>(splitmix(seed) % (n - 1));
    pairs.emplace_back(a, b >= a ? b + 1 : b);
  }
  auto book = book_of(n);
  Transfer t;
  t.memo.kind = TransferKind::kUsage;
  t.memo.job = "job-123456";
  t.memo.gpu_type = "H100";
  t.memo.site = "paris";
  t.memo.gpu_ms = 8 * kHour;
  t.memo.rate = 2 * kCredit;
  long i = 0, done = 0;
  for (auto _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      book = book_of(n);
      i = 0;
      state.ResumeTiming();
    }
    const auto& [from, to] = pairs[static_cast<std::size_t>(i) & 4095];
    t.id = "t" + std::to_string(i);
    t.from = from;
    t.to = to;
    t.amount = 1 + (i & 1023);
    t.at = i;
    auto r = book->transfer(t);
    benchmark::DoNotOptimize(r);
    ++i;
    ++done;
  }
  state.SetItemsProcessed(done);
}
BENCHMARK(BM_LedgerTransfer)->Arg(4096)->ArgName("accounts");

std::unique_ptr<Ledger> ledger_of(int tenants) {
  auto l = std::make_unique<Ledger>();
  for (int i = 0; i < tenants; ++i) {
    std::string name = "tenant-" + std::to_string(i);
    (void)l->add_tenant(name);
    (void)l->grant({"g-" + name, name, "startups", 1'000'000 * kCredit, 0, kNever}, 0);
    (void)l->top_up({"u-" + name, name, 1'000'000 * kCredit, ""}, 0);
  }
  return l;
}

// One job's money: place a hold, meter its usage once, release the rest. Three ledger
// operations (about four transfers) per iteration; items = operations.
void BM_LedgerHoldPostRelease(benchmark::State& state) {
  const int tenants = 1000;
  auto l = ledger_of(tenants);
  std::vector<std::string> names;
  for (int i = 0; i < tenants; ++i) names.push_back("tenant-" + std::to_string(i));
  const GpuMs limit = 8 * 4 * kHour;
  const Micro rate = 2 * kCredit;
  const Micro amount = *usage_cost(limit, rate);
  HoldRequest h{"", "", amount, limit, "job", "H100", "paris", rate};
  long i = 0, ops = 0;
  for (auto _ : state) {
    if (i == kBatch / 4) {
      state.PauseTiming();
      l = ledger_of(tenants);
      i = 0;
      state.ResumeTiming();
    }
    h.id = "job-" + std::to_string(i);
    h.tenant = names[static_cast<std::size_t>(i) % tenants];
    TimeMs now = kHour + i;
    auto a = l->place_hold(h, now);
    auto b = l->meter(h.id, limit / 2 + (i & 1023), now);
    auto c = l->release(h.id, now);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    benchmark::DoNotOptimize(c);
    ++i;
    ops += 3;
  }
  state.SetItemsProcessed(ops);
}
BENCHMARK(BM_LedgerHoldPostRelease);

}  // namespace
}  // namespace hexa
