// Measurements, not checks: disabled by default. Run with
//   hexa_store_tests --gtest_also_run_disabled_tests --gtest_filter='StoreBench.*'
// (TMPDIR picks the disk; the figures are for the disk under it). PostgreSQL's:
//   hexa_store_tests --gtest_also_run_disabled_tests --gtest_filter='StoreBench.*Postgres*'
// (a cluster of scripts/pg.sh under TMPDIR, fsync on, or $HEXA_PG_URL's).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "store/snapshot_file.h"
#include "journal_backends.h"

namespace hexa::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ~300 bytes, shaped like a journaled submit.
std::string submit_json(std::size_t i) {
  std::string s = R"({"submit":{"tenant":"acme/proj1","name":"train-)" + std::to_string(i) +
                  R"(","gpus":8,"gpu_type":"h100","duration_ms":3600000,"priority":"normal","command":["python","train.py","--lr","0.001"]},"env":{"RUN":"x"}})";
  s.resize(300, ' ');
  return s;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Appends batches of `n` entries (and as many archive rows when `archive`) for ~seconds.
void bench_appends(Journal* j, std::size_t n, bool archive, double seconds) {
  ASSERT_TRUE(j);
  std::vector<double> latencies_ms;
  std::size_t entries = 0;
  std::uint32_t next_job = 0;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    std::vector<JournalEntry> batch;
    std::vector<ArchivedJob> rows;
    for (std::size_t i = 0; i < n; ++i) batch.push_back(entry(1, submit_json(entries + i), "acme/key-" + std::to_string(entries + i)));
    if (archive)
      for (std::size_t i = 0; i < n; ++i) {
        ArchivedJob a = job(next_job++, "/acme/proj1/");
        a.json = submit_json(a.id);
        rows.push_back(std::move(a));
      }
    const auto t = Clock::now();
    Status st = j->append(batch, rows);
    latencies_ms.push_back(seconds_since(t) * 1000);
    ASSERT_TRUE(st.ok()) << st.message();
    entries += n;
  }
  const double s = seconds_since(t0);
  std::printf("append batch %4zu%s: %8.0f appends/s %9.0f entries/s  p50 %.2f ms  p99 %.2f ms  (%zu appends, db+wal %.1f MB)\n",
              n, archive ? " +archive" : "         ", static_cast<double>(latencies_ms.size()) / s,
              static_cast<double>(entries) / s, percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.99),
              latencies_ms.size(), static_cast<double>(j->size_bytes()) / 1e6);
}

TEST(StoreBench, DISABLED_AppendThroughput) {
  for (bool archive : {false, true})
    for (std::size_t n : {1, 64, 512}) {
      if (archive && n == 1) continue;
      TempDir dir;
      bench_appends(open_journal(dir.path()).get(), n, archive, 3);
    }
}

// The same on PostgreSQL: each append one transaction (the lease checked, one multi-row
// INSERT, the NOTIFY), durable at COMMIT (synchronous_commit on).
TEST(StoreBench, DISABLED_AppendThroughputPostgres) {
  HEXA_NEED_PG();
  for (bool archive : {false, true})
    for (std::size_t n : {1, 64, 512}) {
      if (archive && n == 1) continue;
      bench_appends(open_pg(PgCluster::get().new_database()).get(), n, archive, 3);
    }
}

// 1,000,000 archived jobs: 10 tenants of 10 projects each, 80% completed, 15% failed, 5%
// cancelled; and a tiny tenant with one job in 10,000 (a sparse subtree).
ArchivedJob bench_job(std::uint32_t id) {
  ArchivedJob a;
  a.id = id;
  a.tenant_path = id % 10000 == 0 ? "/tiny/" : "/t" + std::to_string(id % 10) + "/p" + std::to_string(id / 10 % 10) + "/";
  const std::uint32_t draw = id / 100 % 20;  // independent of the tenant (id % 100)
  a.state = draw == 0 ? "cancelled" : draw < 4 ? "failed" : "completed";
  a.submitted_ms = 1000 + id;
  a.ended_ms = 5000 + id;
  a.json = submit_json(id);
  return a;
}

void time_page(const store::SqliteJournal& j, const char* label, ArchiveQuery q) {
  Result<std::vector<ArchivedJob>> page = j.list_archived(q);  // warm
  ASSERT_TRUE(page.ok());
  const int reps = 200;
  const auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) page = j.list_archived(q);
  std::printf("  %-40s %3zu rows  %8.1f us/page\n", label, page->size(), seconds_since(t0) * 1e6 / reps);
}

TEST(StoreBench, DISABLED_ArchivePageOnAMillionRows) {
  TempDir dir;
  auto j = open_journal(dir.path());
  ASSERT_TRUE(j);
  const std::uint32_t total = 1000000, per_batch = 10000;
  auto t0 = Clock::now();
  for (std::uint32_t first = 0; first < total; first += per_batch) {
    std::vector<ArchivedJob> rows;
    for (std::uint32_t id = first; id < first + per_batch; ++id) rows.push_back(bench_job(id));
    std::vector<JournalEntry> none;
    ASSERT_TRUE(j->append(none, rows).ok());
  }
  std::printf("archive: %u rows written in %.1f s; db+wal %.0f MB\n", total, seconds_since(t0),
              static_cast<double>(j->size_bytes()) / 1e6);
  j.reset();
  t0 = Clock::now();
  j = open_journal(dir.path());  // counts by state: one index walk at open
  ASSERT_TRUE(j);
  std::printf("reopen (counts the states): %.0f ms\n", seconds_since(t0) * 1000);
  auto q = [](std::string prefix, std::string state, std::uint32_t before = UINT32_MAX) {
    return ArchiveQuery{std::move(prefix), std::move(state), before, 100};
  };
  time_page(*j, "all, newest", q("", ""));
  time_page(*j, "all, before 1000", q("", "", 1000));
  time_page(*j, "state=failed", q("", "failed"));
  time_page(*j, "subtree /t3/ (10%)", q("/t3/", ""));
  time_page(*j, "subtree /t3/p7/ (1%)", q("/t3/p7/", ""));
  time_page(*j, "subtree /t3/p7/, state=failed", q("/t3/p7/", "failed"));
  time_page(*j, "subtree /t4/, state=cancelled", q("/t4/", "cancelled"));
  time_page(*j, "subtree /tiny/ (0.01%: all 100 of it)", q("/tiny/", ""));
  time_page(*j, "subtree /t3/, before 500000", q("/t3/", "", 500000));
  const auto tc = Clock::now();
  auto counts = j->count_archived_by_state();
  std::printf("  count_archived_by_state: %.1f us (%zu states)\n", seconds_since(tc) * 1e6, counts.size());
}

TEST(StoreBench, DISABLED_SnapshotOf30MB) {
  TempDir dir;
  std::string payload(30 << 20, '\0');
  XorShift rng{7};
  for (char& c : payload) c = static_cast<char>(rng(256));
  for (std::int64_t seq : {100, 200, 300, 400}) {
    const auto t0 = Clock::now();
    Status st = write_snapshot(dir.path(), seq, payload);
    ASSERT_TRUE(st.ok()) << st.message();
    std::printf("snapshot write seq %lld: %.1f ms, file %lld bytes\n", static_cast<long long>(seq),
                seconds_since(t0) * 1000, static_cast<long long>(std::filesystem::file_size(dir.file(snapshot_file_name(seq)))));
  }
  const auto t0 = Clock::now();
  SnapshotLoad l = load_newest_snapshot(dir.path(), [](std::int64_t, std::string_view) { return Status::Ok(); });
  std::printf("snapshot load (read + checksum): %.1f ms, seq %lld; files kept: %zu\n", seconds_since(t0) * 1000,
              static_cast<long long>(l.seq.value_or(-1)), list_snapshots(dir.path()).size());
}

}  // namespace
}  // namespace hexa::testing
