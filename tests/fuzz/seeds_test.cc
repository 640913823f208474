// Writes the generated seed corpora of fuzz/corpus/ (docs/testing.md, "Fuzzing"): requests the
// API accepts (api_request), the journal rows a real host wrote while it served them
// (command_json) and that host's snapshot (snapshot). Run by hand after a change to the API,
// the command codec or the snapshot format, then look at `git status fuzz/corpus`:
//   build/release/hexa_fuzz_tests --gtest_also_run_disabled_tests --gtest_filter='*FuzzSeeds*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_cloud.h"
#include "fuzz_util.h"
#include "server/api.h"
#include "store/snapshot_file.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

// An API request as fuzz/api_request.cc reads it from its input.
struct ApiSeed {
  std::string method, pattern;
  int caller;  // index into the target's kCallers (0 admin .. 5 agent of node 1); 7: no token
  std::vector<std::string> params;
  std::string query, body, idempotency_key;
};

std::string encode(const ApiSeed& s) {
  const auto& table = routes();
  std::size_t i = 0;
  while (i < table.size() && !(s.method == table[i].method && s.pattern == table[i].pattern)) ++i;
  EXPECT_LT(i, table.size()) << s.method << " " << s.pattern;
  std::string out;
  out += static_cast<char>(i);
  out += static_cast<char>(s.caller);
  out += static_cast<char>((s.idempotency_key.empty() ? 0 : 1) | 2);
  for (const std::string& p : s.params) out += p + "\n";
  out += s.query + "\n";
  if (!s.idempotency_key.empty()) out += s.idempotency_key + "\n";
  return out + s.body;
}

void write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<ApiSeed> api_seeds(const std::string& n0) {
  const std::string job = R"({"tenant": "acme", "name": "train", "gpus": 2, "gpu_type": "H100", "site": "paris", )"
                          R"("time_limit_s": 7200, "priority": 0, "preemptible": true, "command": ["python", "t.py"], )"
                          R"("env": {"K": "V"}, "memory_mb": 1024, "cpus": 2})";
  return {
      {"POST", "/v1/agent/register", 4, {}, "", R"({"node": ")" + n0 + R"(", "gpus": 8, "gpu_type": "H100"})", ""},
      {"POST", "/v1/jobs", 0, {}, "", job, "key-1"},
      {"POST", "/v1/jobs", 2, {}, "", R"({"command": ["sleep", "1"], "gpus": 1, "time_limit_s": 60})", ""},
      {"POST", "/v1/jobs", 2, {}, "", R"({"command": ["x"], "slice": "1g.10gb", "checkpoint_every_s": 60, "time_limit_s": 600})", ""},
      {"GET", "/v1/agent/orders", 4, {}, "node=" + n0 + "&epoch=EPOCH", "", ""},
      {"POST", "/v1/agent/report", 4, {}, "",
       R"({"node": ")" + n0 + R"(", "epoch": EPOCH, "exits": [{"job": 0, "segment": 1, "exit_code": 0, "signal": 0}], )"
       R"("running": [{"job": 1, "segment": 1}], "checkpoints": [{"job": 1, "segment": 1}], "leaving": false})", ""},
      {"POST", "/v1/agent/logs", 4, {}, "",
       R"({"node": ")" + n0 + R"(", "epoch": EPOCH, "job": 0, "segment": 1, "rank": 0, "stream": "stdout", )"
       R"("offset": 0, "data_b64": "aGVsbG8K"})", ""},
      {"GET", "/v1/jobs", 3, {}, "tenant=team&state=pending,running&limit=10", "", ""},
      {"GET", "/v1/jobs/{id}", 2, {"0"}, "", "", ""},
      {"GET", "/v1/jobs/{id}/logs", 0, {"0"}, "stream=stdout&offset=0&rank=0", "", ""},
      {"DELETE", "/v1/jobs/{id}", 1, {"2"}, "", "", ""},
      {"GET", "/v1/nodes", 2, {}, "", "", ""},
      {"POST", "/v1/nodes/{name}/drain", 1, {n0}, "", R"({"reason": "DIMM swap", "deadline_s": 7200})", ""},
      {"POST", "/v1/nodes/{name}/resume", 0, {n0}, "", "", ""},
      {"GET", "/v1/tenants", 2, {}, "tenant=acme", "", ""},
      {"POST", "/v1/tenants", 0, {}, "",
       R"({"name": "lab", "parent": "uni", "weight": 2, "kind": "cohort", "quotas": [{"gpu_type": "H100", )"
       R"("max_gpus": 8, "guaranteed_gpus": 2, "borrow_limit": 4}, {"max_running": 3, "max_queued": 10}]})", ""},
      {"GET", "/v1/tenants/{t}/balance", 2, {"acme"}, "", "", ""},
      {"GET", "/v1/tenants/{t}/statement", 0, {"acme"}, "from=0&to=1900000000000&format=csv", "", ""},
      {"POST", "/v1/tenants/{t}/grants", 0, {"team"},  "",
       R"({"credits_micro": 5000000, "starts_ms": 1893456000000, "expires_ms": 1924992000000, "id": "g1", "programme": "p"})", ""},
      {"POST", "/v1/tenants/{t}/topups", 0, {"acme"}, "", R"({"credits_micro": 1000000, "id": "t1", "note": "card"})", ""},
      {"POST", "/v1/tenants/{t}/budget", 0, {"acme"}, "",
       R"({"period_s": 86400, "limit_micro": 9000000, "gpu_hours": 10, "hard": true, "alerts_pct": [50, 90]})", ""},
      {"POST", "/v1/prices", 0, {}, "",
       R"({"gpu_type": "A100", "site": "lyon", "priority": 0, "micro_per_gpu_hour": 700000, "preemptible_discount_bps": 3000})", ""},
      {"POST", "/v1/reservations", 0, {}, "",
       R"({"name": "workshop", "tenant": "uni", "site": "paris", "gpu_type": "H100", "gpus": 4, )"
       R"("from_ms": 1893456000000, "to_ms": 1893463200000})", ""},
      {"GET", "/v1/reservations", 1, {}, "", "", ""},
      {"POST", "/v1/tokens", 0, {}, "", R"({"role": "member", "tenant": "acme"})", ""},
      {"GET", "/v1/tokens", 0, {}, "", "", ""},
      {"DELETE", "/v1/tokens/{id}", 0, {"tok-op"}, "", "", ""},
      {"GET", "/v1/whoami", 5, {}, "", "", ""},
      {"GET", "/v1/debug/digest", 0, {}, "", "", ""},
      {"GET", "/healthz", 7, {}, "", "", ""},
      {"GET", "/readyz", 7, {}, "", "", ""},
      {"GET", "/metrics", 7, {}, "", "", ""},
      {"GET", "/openapi.json", 7, {}, "", "", ""},
  };
}

TEST(FuzzSeeds, DISABLED_Write) {
  const fs::path corpus = fs::path(HEXA_SOURCE_DIR) / "fuzz" / "corpus";
  const Scenario& cloud = fuzz::fuzz_cloud();
  const std::string n0 = cloud.topology->node(0).name;
  // The API seeds, replayed by the target itself (its own host), which journals them.
  const fs::path api_dir = corpus / "api_request";
  std::vector<ApiSeed> seeds = api_seeds(n0);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    std::string bytes = encode(seeds[i]);
    // The first registration of a fresh host is journal row first_rows + 1: its epoch.
    const std::string epoch = std::to_string(fuzz::first_rows().size() + 1);
    for (std::size_t at; (at = bytes.find("EPOCH")) != std::string::npos;) bytes.replace(at, 5, epoch);
    char name[64];
    std::snprintf(name, sizeof name, "%02zu-%s", i, seeds[i].method.c_str());
    write(api_dir, name, bytes);
  }
  // The target serves them (its own host, fresh: the registration's row is the epoch above).
  for (const fs::path& p : {api_dir}) {
    std::vector<fs::path> files(fs::directory_iterator(p), fs::directory_iterator{});
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const std::string bytes = read(f);
      ASSERT_EQ(hexa_fuzz_api_request(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
    }
  }
  // What that host journaled: command_json's seeds, one row each and all of them in a row.
  Host* host = fuzz::api_request_host();
  ASSERT_NE(host, nullptr);
  std::vector<std::string> rows;
  ASSERT_TRUE(host->journal()
                  .read(static_cast<std::int64_t>(fuzz::first_rows().size()),
                        [&](const JournalEntry& e) {
                          if (e.command != "{\"type\":\"schedule\"}") rows.push_back(e.command);
                          return Status::Ok();
                        })
                  .ok());
  ASSERT_FALSE(rows.empty());
  const fs::path cmd_dir = corpus / "command_json";
  std::string all;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    write(cmd_dir, "row-" + std::to_string(i), std::string(1, '\0') + rows[i]);
    all += (all.empty() ? "" : "\x1e") + rows[i];
  }
  write(cmd_dir, "all-decoded", std::string(1, '\0') + all);
  write(cmd_dir, "all-replayed", std::string(1, '\1') + all);
  std::string first;
  for (const JournalEntry& e : fuzz::first_rows()) first += (first.empty() ? "" : "\x1e") + e.command;
  write(cmd_dir, "first-start", std::string(1, '\0') + first);
  // Its snapshot: the whole file (mode 2), the host's payload (3) and the core's (0 and 1).
  ASSERT_TRUE(host->snapshot_now().ok());
  const std::string snaps = snapshot_dir(fuzz::scratch_dir() + "/api");
  const std::vector<std::int64_t> seqs = list_snapshots(snaps);
  ASSERT_FALSE(seqs.empty());
  const std::string file = read(fs::path(snaps) / snapshot_file_name(seqs.front()));
  ASSERT_GT(file.size(), 44u);
  const std::string payload = file.substr(40);
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= std::uint32_t(static_cast<unsigned char>(payload[static_cast<std::size_t>(i)])) << (8 * i);
  const std::string core = payload.substr(4 + n);
  const fs::path snap_dir = corpus / "snapshot";
  write(snap_dir, "core", std::string(1, '\0') + core);
  write(snap_dir, "core-file", std::string(1, '\1') + core);
  write(snap_dir, "file", std::string(1, '\2') + file);
  write(snap_dir, "host", std::string(1, '\3') + payload);
  write(snap_dir, "fresh-core", std::string(1, '\0') + fuzz::fuzz_core()->snapshot());
}

}  // namespace
}  // namespace hexa
