// The codec as the journal uses it: a replay of the decoded rows rebuilds the live core; any
// text, however mangled, is refused or decoded, never a crash; and what it costs.
#include <gtest/gtest.h>

#include <ctime>
#include <iostream>
#include <set>

#include "api/command_json.h"
#include "codec_fixture.h"

namespace hexa::codec_test {
namespace {

struct Row {
  std::string json;
  TimeMs now;
};

// Applies `c` to `live` and its decoded row to `replay`, which must do exactly the same.
void apply_both(Core& live, Core& replay, const Step& s, std::vector<Row>& journal, std::string& outcomes) {
  const std::string row = encode_command(s.cmd, live);
  journal.push_back({row, s.now});
  auto cmd = decode_command(row, replay);
  ASSERT_TRUE(cmd.ok()) << row << ": " << cmd.status().message();
  EXPECT_EQ(encode_command(*cmd, replay), row);
  const std::string a = outcome_text(live.apply(s.cmd, s.now));
  const std::string b = outcome_text(replay.apply(*cmd, s.now));
  EXPECT_EQ(b, a) << row;
  outcomes += a + "\n";
}

TEST(CodecReplay, DecodedJournalAppliesExactlyLikeTheOriginal) {
  Topology topo = cloud();
  auto live = make_core(topo), replay = make_core(topo);
  std::vector<Row> journal;
  std::string outcomes;
  std::set<std::size_t> types;
  for (const Step& s : setup_steps()) {
    apply_both(*live, *replay, s, journal, outcomes);
    types.insert(s.cmd.index());
  }
  for (const Step& s : job_steps(*live)) {
    apply_both(*live, *replay, s, journal, outcomes);
    types.insert(s.cmd.index());
  }
  EXPECT_EQ(state_text(*replay), state_text(*live));
  EXPECT_TRUE(replay->ledger() == live->ledger());
  EXPECT_EQ(types.size(), std::variant_size_v<Command>) << "the journal uses every command type";
  // The journal did what it is meant to exercise (else the comparison proves little).
  for (const char* seen : {"started", "failed 0#1", "ended 2#1 completed", "ended 4#2 failed", "rejected 5", "alert",
                           "error 3 job 'train-0': stale report", "preempted 0#2", "error 2 job: no job 999", "ended 3#2 cancelled"})
    EXPECT_NE(outcomes.find(seen), std::string::npos) << seen << " not in\n" << outcomes;
  EXPECT_EQ(outcomes.find("fault"), std::string::npos) << outcomes;

  // A restart: the rows' text alone, decoded against a fresh core as it grows.
  auto restarted = make_core(topo);
  for (const Row& r : journal) {
    auto cmd = decode_command(r.json, *restarted);
    ASSERT_TRUE(cmd.ok()) << r.json << ": " << cmd.status().message();
    (void)restarted->apply(*cmd, r.now);
  }
  EXPECT_EQ(state_text(*restarted), state_text(*live));
  EXPECT_TRUE(restarted->ledger() == live->ledger());
}

struct XorShift {
  std::uint64_t x;
  std::size_t operator()(std::size_t n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return static_cast<std::size_t>(x % n);
  }
};

// One random edit: a byte changed, a JSON-ish byte put in, a cut, a range dropped or doubled,
// a token that parsers trip on.
void mutate(std::string& s, XorShift& rng) {
  static const std::string kBytes = "{}[]\":,0123456789-+.eE \\tnfu#";
  static const std::vector<std::string> kTokens = {
      "1e999", "-0", "99999999999999999999", "null", "true", "[", "{", "\"", "\\u0000", "\\ud800", "\xff",
      "\xc3\xa9", ",\"x\":1", "[[[[[[[[[[", "1.5", "\"type\":\"schedule\"", ",\"gpus\":2", "-9223372036854775809"};
  const std::size_t at = s.empty() ? 0 : rng(s.size());
  switch (rng(6)) {
    case 0:
      if (!s.empty()) s[at] = static_cast<char>(rng(256));
      break;
    case 1:
      if (!s.empty()) s[at] = kBytes[rng(kBytes.size())];
      break;
    case 2: s.resize(at); break;
    case 3: s.erase(at, 1 + rng(8)); break;
    case 4: s.insert(at, s.substr(rng(s.size() + 1), 1 + rng(16))); break;
    default: s.insert(at, kTokens[rng(kTokens.size())]);
  }
}

// Mangled rows of a real journal: each is refused with a message or decodes to a command
// whose text is canonical. Run under ASan + UBSan: never a crash, a leak or undefined behaviour.
TEST_F(CodecTest, RandomMutationsNeverCrash) {
  std::vector<std::string> seeds;
  for (const Step& s : setup_steps()) seeds.push_back(encode(s.cmd));
  for (const Step& s : job_steps(*core)) seeds.push_back(encode(s.cmd));
  XorShift rng{0x9e3779b97f4a7c15ULL};
  int decoded = 0, refused = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = seeds[rng(seeds.size())];
    for (std::size_t n = 1 + rng(3); n > 0; --n) mutate(text, rng);
    auto d = decode(text);
    if (!d.ok()) {
      ++refused;
      EXPECT_FALSE(d.status().message().empty());
      continue;
    }
    ++decoded;
    const std::string canonical = encode(*d);
    auto again = decode(canonical);
    ASSERT_TRUE(again.ok()) << text << " -> " << canonical << ": " << again.status().message();
    EXPECT_EQ(encode(*again), canonical) << text;
  }
  EXPECT_GT(decoded, 50) << "mutations that keep a command valid (a changed number, a dropped optional field)";
  EXPECT_GT(refused, 1000);
}

// Not a benchmark with a threshold (machines differ): it prints the rates for the record.
TEST_F(CodecTest, TypicalSubmitIsSmallAndFast) {
  JobRequest r = request("train-resnet50-0042", "acme-vision", 8);
  r.gpu_types = {"H100"};
  r.sites = {"paris"};
  r.priority = 1;
  r.time_limit = 4 * kHour;
  r.checkpoint_every = 30 * kMinute;
  const Command submit = SubmitJob{spec(*core, r)};
  const std::string row = encode(submit);
  EXPECT_LT(row.size(), 300u) << row;

  // The thread's CPU time, not the wall clock: the rate of one core, whatever else runs.
  auto cpu_s = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  };
  auto rate = [&](auto&& body) {
    long n = 0;
    const double start = cpu_s();
    while (n < 1000 || cpu_s() - start < 0.3)
      for (int i = 0; i < 100; ++i, ++n) body();
    return static_cast<double>(n) / (cpu_s() - start);
  };
  std::size_t sink = 0;
  const double enc = rate([&] { sink += encode(submit).size(); });
  const double dec = rate([&] { sink += decode(row).ok(); });
  EXPECT_GT(sink, 0u);
  std::cout << "submit_job row: " << row.size() << " bytes: " << row << "\n"
            << "encode: " << static_cast<long>(enc) << "/s, decode: " << static_cast<long>(dec) << "/s (CPU time)\n";
  RecordProperty("row_bytes", static_cast<int>(row.size()));
  RecordProperty("encode_per_s", static_cast<int>(enc));
  RecordProperty("decode_per_s", static_cast<int>(dec));
}

}  // namespace
}  // namespace hexa::codec_test
