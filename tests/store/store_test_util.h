// Shared by the store tests: temporary directories and a few builders.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/journal.h"
#include "store/sqlite_journal.h"

namespace hexa::testing {

// A fresh directory under $TMPDIR (else /tmp), removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/hexa-store-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << tmpl;
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A tiny seeded generator: the same draws for a seed everywhere.
struct XorShift {
  std::uint64_t x;
  std::size_t operator()(std::size_t n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return static_cast<std::size_t>(x % n);
  }
};

// Opens the journal in dir, failing the test (and returning null) when it cannot.
inline std::unique_ptr<store::SqliteJournal> open_journal(const std::string& dir) {
  auto j = store::SqliteJournal::open(dir);
  if (!j.ok()) {
    ADD_FAILURE() << j.status().message();
    return nullptr;
  }
  return std::move(j).value();
}

inline JournalEntry entry(TimeMs now, std::string command, std::string request_id = "") {
  return JournalEntry{0, now, std::move(command), std::move(request_id)};
}

inline ArchivedJob job(std::uint32_t id, std::string path, std::string state = "completed") {
  return ArchivedJob{id, std::move(path), std::move(state), 1000 + id, 2000 + id, "{\"id\":" + std::to_string(id) + "}"};
}

// A query for the whole archive in one page.
inline ArchiveQuery everything() {
  ArchiveQuery q;
  q.limit = 1 << 30;
  return q;
}

// Every entry of the journal, in order.
inline std::vector<JournalEntry> read_all(const Journal& j, std::int64_t after = 0) {
  std::vector<JournalEntry> all;
  Status st = j.read(after, [&](const JournalEntry& e) {
    all.push_back(e);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return all;
}

}  // namespace hexa::testing
