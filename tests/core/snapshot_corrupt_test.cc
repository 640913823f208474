// Bad snapshots give a Status, never a crash or undefined behaviour (run these under ASan and
// UBSan): not a snapshot, another format version, other options or topology, every truncation,
// and byte flips, with and without a checksum made to fit them (so that the reader's own
// checks are what stands between the bytes and the core).
#include <gtest/gtest.h>

#include "core/command_stream.h"
#include "model/archive.h"

namespace hexa {
namespace {

// A small core with some of everything: credits, reservations, slices, running, waiting and
// retired jobs, las timers.
struct Small {
  Topology topo = testing::stream_cluster(true);
  SchedulerOptions opt;
  CoreOptions co;
  std::unique_ptr<Core> core;

  Small() {
    opt.policy = "las";
    opt.las_thresholds = {2 * kMinute, 20 * kMinute};
    opt.las_promote_knob = 2;
    co.retire_ended = true;
    core = std::move(Core::make(topo, opt, co)).value();
    testing::CommandStream stream(7, topo, {true, false});
    for (const Command& c : stream.setup()) (void)core->apply(c, 0);
    for (int i = 0; i < 60; ++i) {
      auto [cmd, now] = stream.next(*core);
      (void)core->apply(cmd, now);
    }
  }
  Result<std::unique_ptr<Core>> restore(std::string_view bytes) const { return Core::restore(topo, opt, co, bytes); }
};

// The bytes with their checksum made again, as if the corruption had happened before it.
std::string refit(std::string bytes) {
  if (bytes.size() < 8) return bytes;
  const std::uint64_t h = hash64(std::string_view(bytes).substr(0, bytes.size() - 8));
  for (int i = 0; i < 8; ++i) bytes[bytes.size() - 8 + i] = static_cast<char>(h >> (8 * i));
  return bytes;
}

TEST(SnapshotCorrupt, NotASnapshotOrAnotherVersion) {
  Small s;
  const std::string bytes = s.core->snapshot();
  EXPECT_EQ(s.restore("").status().message(), "snapshot: not a snapshot (no HEXASNAP magic)");
  EXPECT_EQ(s.restore("HEXASNAQ" + bytes.substr(8)).status().message(), "snapshot: not a snapshot (no HEXASNAP magic)");
  for (int v : {1, 4}) {  // before Job::saved_ms; a later build's
    std::string other = bytes;
    other[8] = static_cast<char>(v);
    EXPECT_EQ(s.restore(other).status().message(),
              "snapshot: format version " + std::to_string(v) + "; this build reads versions 2 to 3");
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  EXPECT_EQ(s.restore(flipped).status().message(), "snapshot: checksum mismatch: the bytes are truncated or corrupt");
  EXPECT_EQ(s.restore(bytes + "x").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(s.restore(refit(bytes + "12345678")).status().message(), "snapshot: 8 bytes after the last part");
}

TEST(SnapshotCorrupt, OtherOptionsAreRefused) {
  Small s;
  const std::string bytes = s.core->snapshot();
  SchedulerOptions fifo = s.opt;
  fifo.policy = "fifo";
  EXPECT_EQ(Core::restore(s.topo, fifo, s.co, bytes).status().message(),
            "snapshot: made with policy 'las', restored with 'fifo'");
  SchedulerOptions knob = s.opt;
  knob.las_promote_knob = 3;
  EXPECT_EQ(Core::restore(s.topo, knob, s.co, bytes).status().message(),
            "snapshot: made with las_promote_knob 2, restored with 3");
  CoreOptions keep = s.co;
  keep.retire_ended = false;
  EXPECT_EQ(Core::restore(s.topo, s.opt, keep, bytes).status().message(),
            "snapshot: made with retire_ended on, restored with off");
}

TEST(SnapshotCorrupt, AnotherTopologyIsRefused) {
  Small s;
  const std::string bytes = s.core->snapshot();
  Topology fewer = testing::cluster(1, 2, 8);
  EXPECT_EQ(Core::restore(fewer, s.opt, s.co, bytes).status().message(),
            "snapshot: topology differs: 2 sites saved, 1 given");
  Topology no_downtime = testing::stream_cluster(false);
  EXPECT_EQ(Core::restore(no_downtime, s.opt, s.co, bytes).status().message(),
            "snapshot: topology differs: same sites, types and nodes, other blocks, profiles, slices or downtimes");
  // The same shape, one node named otherwise.
  Topology renamed;
  for (const SiteInfo& site : s.topo.sites()) (void)renamed.add_site(site.name);
  for (const BlockInfo& b : s.topo.blocks()) {
    BlockId id = *renamed.add_block(b.site, b.name, s.topo.types().name(b.type));
    if (b.sliced) (void)renamed.set_sliced(id);
    for (NodeId n : b.nodes)
      (void)renamed.add_node(id, n == 4 ? "other" : s.topo.node(n).name, s.topo.node(n).gpus);
  }
  EXPECT_EQ(Core::restore(renamed, s.opt, s.co, bytes).status().message(),
            "snapshot: topology differs: node 'a1n1' with 8 GPUs saved, 'other' with 8 given");
}

// Every truncation, as it comes and with a checksum that fits: an error each time.
TEST(SnapshotCorrupt, EveryTruncationIsAnError) {
  Small s;
  const std::string bytes = s.core->snapshot();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(s.restore(std::string_view(bytes).substr(0, n)).ok()) << n;
    if (n < 17) continue;
    EXPECT_FALSE(s.restore(refit(bytes.substr(0, n - 8) + "checksum")).ok()) << n;
  }
}

// Flips of each byte: the checksum catches them; made to fit, they give an error or a core in
// another state (another digest), and that core can be saved again.
TEST(SnapshotCorrupt, ByteFlipsGiveAnErrorOrAnotherState) {
  Small s;
  const std::string bytes = s.core->snapshot();
  const std::uint64_t digest = s.core->digest();
  testing::XorShift rng{12345};
  int refused = 0, loaded = 0;
  for (std::size_t at = 0; at + 8 < bytes.size(); ++at)
    for (int mask : {0x01, 0x80, 1 + static_cast<int>(rng(255))}) {
      std::string bad = bytes;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      ASSERT_FALSE(s.restore(bad).ok()) << at;
      auto r = s.restore(refit(bad));
      if (!r.ok()) {
        ++refused;
        continue;
      }
      ++loaded;
      EXPECT_NE((*r)->digest(), digest) << "byte " << at << " ^ " << mask;
      EXPECT_EQ(Core::restore(s.topo, s.opt, s.co, (*r)->snapshot()).ok(), true) << at;
    }
  std::printf("[ figures  ] %zu bytes; flips with a fitting checksum: %d refused, %d loaded as another state\n",
              bytes.size(), refused, loaded);
}

}  // namespace
}  // namespace hexa
