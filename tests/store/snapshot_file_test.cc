#include <fstream>
#include <sys/stat.h>

#include "store/crc32c.h"
#include "store/snapshot_file.h"
#include "store_test_util.h"

namespace hexa::testing {
namespace {

std::string payload_of(std::int64_t seq, std::size_t size = 1000) {
  std::string p;
  XorShift rng{static_cast<std::uint64_t>(seq) * 7919 + 1};
  for (std::size_t i = 0; i < size; ++i) p.push_back(static_cast<char>(rng(256)));
  return p;
}

// Loads, accepting whatever passes the checks, and records what accept saw.
struct Loaded {
  SnapshotLoad load;
  std::string bytes;
};

Loaded load(const std::string& dir) {
  Loaded out;
  out.load = load_newest_snapshot(dir, [&](std::int64_t, std::string_view bytes) {
    out.bytes = std::string(bytes);
    return Status::Ok();
  });
  return out;
}

void write_or_fail(const std::string& dir, std::int64_t seq) {
  Status st = write_snapshot(dir, seq, payload_of(seq));
  ASSERT_TRUE(st.ok()) << st.message();
}

std::string path_of(const std::string& dir, std::int64_t seq) { return dir + "/" + snapshot_file_name(seq); }

TEST(Crc32c, KnownValuesAndContinuation) {
  EXPECT_EQ(store::crc32c(""), 0u);
  EXPECT_EQ(store::crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(store::crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720, B.4
  EXPECT_EQ(store::crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string long_text = payload_of(3, 1001);
  for (std::size_t cut : {0, 1, 7, 8, 9, 500, 1001})
    EXPECT_EQ(store::crc32c(long_text.substr(cut), store::crc32c(long_text.substr(0, cut))), store::crc32c(long_text));
}

TEST(Snapshot, FileNamesSortAsSeqs) {
  EXPECT_EQ(snapshot_file_name(42), "snap-00000000000000000042.bin");
  EXPECT_EQ(snapshot_dir("/var/hexa"), "/var/hexa/snapshots");
}

TEST(Snapshot, RoundTrip) {
  TempDir dir;
  const std::string snaps = snapshot_dir(dir.path());  // created by the first write
  ASSERT_TRUE(write_snapshot(snaps, 42, payload_of(42)).ok());
  Loaded l = load(snaps);
  ASSERT_TRUE(l.load.seq.has_value());
  EXPECT_EQ(*l.load.seq, 42);
  EXPECT_EQ(l.bytes, payload_of(42));
  EXPECT_TRUE(l.load.notes.empty());
  ASSERT_TRUE(write_snapshot(snaps, 43, "").ok());  // an empty payload is a payload
  l = load(snaps);
  EXPECT_EQ(*l.load.seq, 43);
  EXPECT_EQ(l.bytes, "");
}

TEST(Snapshot, KeepsTheNewestThree) {
  TempDir dir;
  for (std::int64_t seq : {10, 30, 20, 40, 50}) write_or_fail(dir.path(), seq);
  EXPECT_EQ(list_snapshots(dir.path()), (std::vector<std::int64_t>{50, 40, 30}));
  ASSERT_TRUE(write_snapshot(dir.path(), 60, "x", 1).ok());
  EXPECT_EQ(list_snapshots(dir.path()), (std::vector<std::int64_t>{60}));
}

TEST(Snapshot, SameSeqIsReplaced) {
  TempDir dir;
  ASSERT_TRUE(write_snapshot(dir.path(), 5, "old").ok());
  ASSERT_TRUE(write_snapshot(dir.path(), 5, "new").ok());
  EXPECT_EQ(list_snapshots(dir.path()), (std::vector<std::int64_t>{5}));
  EXPECT_EQ(load(dir.path()).bytes, "new");
}

TEST(Snapshot, TruncatedNewestFallsBackToThePrevious) {
  TempDir dir;
  for (std::int64_t seq : {1, 2, 3}) write_or_fail(dir.path(), seq);
  ASSERT_EQ(::truncate(path_of(dir.path(), 3).c_str(), 500), 0);
  Loaded l = load(dir.path());
  ASSERT_TRUE(l.load.seq.has_value());
  EXPECT_EQ(*l.load.seq, 2);
  EXPECT_EQ(l.bytes, payload_of(2));
  ASSERT_EQ(l.load.notes.size(), 1u);
  EXPECT_EQ(l.load.notes[0], "snapshot snap-00000000000000000003.bin: torn (short: 460 of 1000 payload bytes), falling back");
  // Shorter than the header, and empty.
  ASSERT_EQ(::truncate(path_of(dir.path(), 2).c_str(), 10), 0);
  ASSERT_EQ(::truncate(path_of(dir.path(), 1).c_str(), 0), 0);
  l = load(dir.path());
  EXPECT_FALSE(l.load.seq.has_value());
  ASSERT_EQ(l.load.notes.size(), 3u);
  EXPECT_NE(l.load.notes[1].find("torn (short: 10 bytes"), std::string::npos) << l.load.notes[1];
}

void flip_byte(const std::string& path, long at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x20));
}

TEST(Snapshot, FlippedByteFallsBack) {
  TempDir dir;
  for (std::int64_t seq : {1, 2}) write_or_fail(dir.path(), seq);
  flip_byte(path_of(dir.path(), 2), 40 + 777);  // in the payload
  Loaded l = load(dir.path());
  EXPECT_EQ(*l.load.seq, 1);
  ASSERT_EQ(l.load.notes.size(), 1u);
  EXPECT_EQ(l.load.notes[0], "snapshot snap-00000000000000000002.bin: corrupt (checksum), falling back");

  flip_byte(path_of(dir.path(), 1), 20);  // in the header's seq
  l = load(dir.path());
  EXPECT_FALSE(l.load.seq.has_value());
  ASSERT_EQ(l.load.notes.size(), 2u);
  EXPECT_NE(l.load.notes[1].find("corrupt (header checksum)"), std::string::npos) << l.load.notes[1];
}

TEST(Snapshot, RefusalByTheCallerFallsBack) {
  TempDir dir;
  for (std::int64_t seq : {7, 8, 9}) write_or_fail(dir.path(), seq);
  std::vector<std::int64_t> offered;
  SnapshotLoad l = load_newest_snapshot(dir.path(), [&](std::int64_t seq, std::string_view bytes) {
    offered.push_back(seq);
    EXPECT_EQ(bytes, payload_of(seq));
    return seq == 7 ? Status::Ok() : Status::Invalid("unknown field 'x'");
  });
  EXPECT_EQ(offered, (std::vector<std::int64_t>{9, 8, 7}));
  EXPECT_EQ(*l.seq, 7);
  ASSERT_EQ(l.notes.size(), 2u);
  EXPECT_EQ(l.notes[0], "snapshot snap-00000000000000000009.bin: refused (unknown field 'x'), falling back");
}

TEST(Snapshot, EmptyOrMissingDirectoryGivesNone) {
  TempDir dir;
  Loaded l = load(dir.path());
  EXPECT_FALSE(l.load.seq.has_value());
  EXPECT_TRUE(l.load.notes.empty());
  l = load(dir.file("missing"));
  EXPECT_FALSE(l.load.seq.has_value());
}

TEST(Snapshot, TemporaryAndForeignFilesAreNeverLoaded) {
  TempDir dir;
  write_or_fail(dir.path(), 1);
  // A crash between write and rename leaves a temporary file, even a whole one.
  {
    std::ofstream f(path_of(dir.path(), 2) + ".tmp", std::ios::binary);
    f << "half";
    std::ofstream g(dir.file("snap-2.bin"), std::ios::binary);
    g << "not ours";
  }
  EXPECT_EQ(list_snapshots(dir.path()), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(*load(dir.path()).load.seq, 1);
  write_or_fail(dir.path(), 3);  // and the next write removes the temporary file
  struct stat st {};
  EXPECT_NE(::stat((path_of(dir.path(), 2) + ".tmp").c_str(), &st), 0);
}

TEST(Snapshot, BadArgumentsAreInvalid) {
  TempDir dir;
  EXPECT_EQ(write_snapshot(dir.path(), -1, "x").code(), StatusCode::kInvalid);
  EXPECT_EQ(write_snapshot(dir.path(), 1, "x", 0).code(), StatusCode::kInvalid);
  EXPECT_TRUE(list_snapshots(dir.path()).empty());
}

TEST(Snapshot, UnwritableDirectoryIsUnavailable) {
  TempDir dir;
  {
    std::ofstream f(dir.file("file"));
  }
  Status st = write_snapshot(dir.file("file") + "/snaps", 1, "x");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("snaps"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace hexa::testing
