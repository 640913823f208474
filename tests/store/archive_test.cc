#include <algorithm>
#include <map>

#include "store/tenant_path.h"
#include "journal_backends.h"

namespace hexa::testing {
namespace {

class ArchiveOnEveryBackend : public JournalBackendTest {};
HEXA_ON_EVERY_JOURNAL(ArchiveOnEveryBackend);

std::vector<std::uint32_t> ids(const Result<std::vector<ArchivedJob>>& page) {
  EXPECT_TRUE(page.ok()) << page.status().message();
  std::vector<std::uint32_t> out;
  if (page.ok())
    for (const ArchivedJob& j : *page) out.push_back(j.id);
  return out;
}

using Ids = std::vector<std::uint32_t>;

// Archives jobs (with an empty journal batch: archive rows may come alone).
void archive(Journal& j, const std::vector<ArchivedJob>& jobs) {
  std::vector<JournalEntry> none;
  Status st = j.append(none, jobs);
  ASSERT_TRUE(st.ok()) << st.message();
}

TEST(TenantPath, SubtreeKeysAndPrefixes) {
  using store::subtree_keys, store::subtree_of_prefix, store::valid_tenant_path;
  EXPECT_EQ(subtree_keys("/acme/proj1/"), (std::vector<std::string_view>{"/acme/", "/acme/proj1/"}));
  EXPECT_TRUE(subtree_keys("/").empty());
  EXPECT_TRUE(valid_tenant_path("/"));
  EXPECT_TRUE(valid_tenant_path("/a/b/"));
  EXPECT_FALSE(valid_tenant_path("/a/b"));
  EXPECT_FALSE(valid_tenant_path("a/"));
  EXPECT_FALSE(valid_tenant_path("/a//b/"));
  EXPECT_EQ(*subtree_of_prefix(""), "");
  EXPECT_EQ(*subtree_of_prefix("/"), "");
  EXPECT_EQ(*subtree_of_prefix("/acme"), "/acme/");
  EXPECT_EQ(*subtree_of_prefix("/acme/"), "/acme/");
  EXPECT_FALSE(subtree_of_prefix("acme").ok());
  EXPECT_FALSE(subtree_of_prefix("/acme//").ok());
}

TEST_P(ArchiveOnEveryBackend, UpsertThenGet) {
  auto j = open();
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = {entry(1, "end 7")};
  ASSERT_TRUE(j->append(b, {job(7, "/acme/proj1/")}).ok());
  auto got = j->archived(7);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, 7u);
  EXPECT_EQ(got->tenant_path, "/acme/proj1/");
  EXPECT_EQ(got->state, "completed");
  EXPECT_EQ(got->submitted_ms, 1007);
  EXPECT_EQ(got->ended_ms, 2007);
  EXPECT_EQ(got->json, "{\"id\":7}");
  EXPECT_FALSE(j->archived(8).has_value());

  ArchivedJob changed = job(7, "/acme/proj1/", "failed");
  changed.json = "{\"id\":7,\"again\":true}";
  archive(*j, {changed});
  EXPECT_EQ(j->archived(7)->state, "failed");
  EXPECT_EQ(j->archived(7)->json, changed.json);
  EXPECT_EQ(j->count_archived_by_state(), (std::map<std::string, std::int64_t>{{"failed", 1}}));
}

TEST_P(ArchiveOnEveryBackend, PagesNewestFirstWithACursor) {
  auto j = open();
  ASSERT_TRUE(j);
  std::vector<ArchivedJob> jobs;
  for (std::uint32_t id = 0; id < 25; ++id) jobs.push_back(job(id, "/t/"));
  std::reverse(jobs.begin(), jobs.end());  // the insertion order does not matter
  archive(*j, jobs);
  ArchiveQuery q;
  q.limit = 10;
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{24, 23, 22, 21, 20, 19, 18, 17, 16, 15}));
  q.before_id = 15;
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{14, 13, 12, 11, 10, 9, 8, 7, 6, 5}));
  q.before_id = 5;
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{4, 3, 2, 1, 0}));
  q.before_id = 0;
  EXPECT_TRUE(ids(j->list_archived(q)).empty());
}

TEST_P(ArchiveOnEveryBackend, SubtreeMatchesDescendantsNotLookalikes) {
  auto j = open();
  ASSERT_TRUE(j);
  archive(*j, {job(1, "/acme/"), job(2, "/acme/proj1/"), job(3, "/acmex/"), job(4, "/acme/proj1/deep/"),
               job(5, "/ac/"), job(6, "/other/acme/"), job(7, "/")});
  auto list = [&](std::string prefix) {
    ArchiveQuery q;
    q.path_prefix = std::move(prefix);
    return ids(j->list_archived(q));
  };
  EXPECT_EQ(list("/acme/"), (Ids{4, 2, 1}));
  EXPECT_EQ(list("/acme"), (Ids{4, 2, 1}));
  EXPECT_EQ(list("/acmex/"), (Ids{3}));
  EXPECT_EQ(list("/acme/proj1/"), (Ids{4, 2}));
  EXPECT_EQ(list("/ac/"), (Ids{5}));
  EXPECT_EQ(list("/other/"), (Ids{6}));
  EXPECT_TRUE(list("/acm/").empty());
  EXPECT_TRUE(list("/nobody/").empty());
  EXPECT_EQ(list(""), (Ids{7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(list("/"), (Ids{7, 6, 5, 4, 3, 2, 1}));
}

TEST_P(ArchiveOnEveryBackend, StateFilterAloneAndWithASubtree) {
  auto j = open();
  ASSERT_TRUE(j);
  archive(*j, {job(1, "/a/", "completed"), job(2, "/a/x/", "failed"), job(3, "/b/", "failed"),
               job(4, "/a/x/", "completed"), job(5, "/a/", "failed")});
  ArchiveQuery q;
  q.state = "failed";
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{5, 3, 2}));
  q.path_prefix = "/a/";
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{5, 2}));
  q.before_id = 5;
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{2}));
  q.state = "cancelled";
  EXPECT_TRUE(ids(j->list_archived(q)).empty());
}

TEST_P(ArchiveOnEveryBackend, UpsertMovesAJobBetweenSubtreesAndStates) {
  auto j = open();
  ASSERT_TRUE(j);
  archive(*j, {job(1, "/a/x/", "completed"), job(2, "/a/", "completed")});
  archive(*j, {job(1, "/b/", "failed")});
  ArchiveQuery q;
  q.path_prefix = "/a/";
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{2}));
  q.path_prefix = "/a/x/";
  EXPECT_TRUE(ids(j->list_archived(q)).empty());
  q.path_prefix = "/b/";
  q.state = "failed";
  EXPECT_EQ(ids(j->list_archived(q)), (Ids{1}));
  EXPECT_EQ(j->count_archived_by_state(), (std::map<std::string, std::int64_t>{{"completed", 1}, {"failed", 1}}));
  // The same job twice in one batch: the last one wins.
  archive(*j, {job(3, "/c/", "completed"), job(3, "/d/", "cancelled")});
  EXPECT_EQ(j->archived(3)->tenant_path, "/d/");
  q.path_prefix = "/c/";
  q.state = "";
  EXPECT_TRUE(ids(j->list_archived(q)).empty());
  EXPECT_EQ(j->count_archived_by_state().at("cancelled"), 1);
  EXPECT_EQ(j->count_archived_by_state().count("completed"), 1u);
}

TEST_P(ArchiveOnEveryBackend, CountsSurviveReopen) {
  {
    auto j = open();
    ASSERT_TRUE(j);
    archive(*j, {job(1, "/a/", "completed"), job(2, "/a/", "failed"), job(3, "/a/", "failed")});
  }
  auto j = open();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->count_archived_by_state(), (std::map<std::string, std::int64_t>{{"completed", 1}, {"failed", 2}}));
}

TEST_P(ArchiveOnEveryBackend, BadQueriesAreInvalid) {
  auto j = open();
  ASSERT_TRUE(j);
  ArchiveQuery q;
  q.limit = 0;
  EXPECT_EQ(j->list_archived(q).status().code(), StatusCode::kInvalid);
  q.limit = 10;
  q.path_prefix = "acme/";
  EXPECT_EQ(j->list_archived(q).status().code(), StatusCode::kInvalid);
}

// Every query walks an index (or the table) in id order: no sort of the matching rows, which
// would make a page cost as much as the whole subtree or state.
TEST(Archive, EveryQueryWalksAnIndexInIdOrder) {
  TempDir dir;
  auto j = open_journal(dir.path());
  ASSERT_TRUE(j);
  for (const char* prefix : {"", "/acme/"})
    for (const char* state : {"", "failed"}) {
      ArchiveQuery q;
      q.path_prefix = prefix;
      q.state = state;
      Result<std::string> plan = j->plan_for_testing(q);
      ASSERT_TRUE(plan.ok()) << plan.status().message();
      SCOPED_TRACE(std::string("prefix '") + prefix + "' state '" + state + "':\n" + *plan);
      EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos);
      EXPECT_EQ(plan->find("SCAN"), std::string::npos);
      EXPECT_NE(plan->find("SEARCH"), std::string::npos);
    }
}

// Random jobs, moves and queries, paged through with the cursor, against a plain model.
TEST_P(ArchiveOnEveryBackend, MatchesAModelOnRandomJobsAndQueries) {
  auto j = open();
  ASSERT_TRUE(j);
  const std::vector<std::string> paths = {"/", "/a/", "/a/b/", "/a/b/c/", "/ab/", "/a/bc/", "/x/", "/x/a/"};
  const std::vector<std::string> states = {"completed", "failed", "cancelled"};
  std::map<std::uint32_t, ArchivedJob> model;
  XorShift rng{42};
  for (int round = 0; round < 30; ++round) {
    std::vector<ArchivedJob> batch;
    for (int k = 0; k < 20; ++k) {
      ArchivedJob a = job(static_cast<std::uint32_t>(rng(300)), paths[rng(paths.size())], states[rng(states.size())]);
      batch.push_back(a);
      model[a.id] = a;
    }
    archive(*j, batch);
  }
  for (std::string prefix : {"", "/a/", "/a/b/", "/ab/", "/x/", "/zz/"})
    for (std::string state : {"", "failed", "completed"})
      for (int limit : {1, 7, 50}) {
        Ids want, got;
        for (auto it = model.rbegin(); it != model.rend(); ++it)
          if (it->second.tenant_path.starts_with(prefix) && (state.empty() || it->second.state == state))
            want.push_back(it->first);
        ArchiveQuery q{prefix, state, std::numeric_limits<std::uint32_t>::max(), limit};
        for (;;) {
          Ids page = ids(j->list_archived(q));
          ASSERT_LE(page.size(), static_cast<std::size_t>(limit));
          got.insert(got.end(), page.begin(), page.end());
          if (page.size() < static_cast<std::size_t>(limit)) break;
          q.before_id = page.back();
        }
        EXPECT_EQ(got, want) << "prefix " << prefix << " state " << state << " limit " << limit;
      }
  std::map<std::string, std::int64_t> counts;
  for (const auto& [id, a] : model) ++counts[a.state];
  EXPECT_EQ(j->count_archived_by_state(), counts);
}

}  // namespace
}  // namespace hexa::testing
