// The journal test suites run on every backend: value-parameterised over {sqlite, postgresql}.
// A test opens "the journal" (fresh storage per test: a directory, or a database of its own)
// and may reopen it, as a restart would. The PostgreSQL journal takes the lease when opened,
// as a leader does, so that it may write.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "pg_fixture.h"
#include "store/pg_journal.h"
#include "store_test_util.h"

namespace hexa::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& p) {
  return p.param == Backend::kSqlite ? "sqlite" : "postgresql";
}

// A lease that lasts the test (renewed by nothing): the tests of the lease itself use short ones.
constexpr DurationMs kTestLease = 10 * 60 * 1000;

inline std::unique_ptr<store::PgJournal> open_pg(const std::string& url, const std::string& id = "test") {
  auto j = store::PgJournal::open(url);
  if (!j.ok()) {
    ADD_FAILURE() << j.status().message();
    return nullptr;
  }
  if (!id.empty()) {
    auto l = (*j)->take_lease(id, "http://" + id, kTestLease);
    if (!l.ok() || l->epoch != (*j)->held_epoch()) {
      ADD_FAILURE() << "take lease: " << (l.ok() ? "held by " + l->holder : l.status().message());
      return nullptr;
    }
  }
  return std::move(j).value();
}

class JournalBackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      HEXA_NEED_PG();
      url_ = PgCluster::get().new_database();
      ASSERT_FALSE(url_.empty());
    }
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }
  const std::string& url() const { return url_; }

  // The journal of this test, opened (again): null (and a failure) when it cannot be.
  std::unique_ptr<Journal> open() {
    if (postgres()) return open_pg(url_);
    return open_journal(dir_.path());
  }

 private:
  TempDir dir_;
  std::string url_;
};

#define HEXA_ON_EVERY_JOURNAL(Suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name)

}  // namespace hexa::testing
