// The journal's command decoder (api/command_json.h) and the decoding the host does on replay
// (server/host.cc, Host::replay_entry: host records, a submit's "how to run it").
// The input: a first byte, then journal rows separated by 0x1E (a row may hold the "\n" of a
// submit's envelope).
//   even first byte: each row is decoded against a core of the fuzz cloud, as replay does,
//     and applied in order; a row that decodes must encode to a canonical text that decodes
//     again to the same text (command_json.h promises it).
//   odd first byte: the rows follow the fuzz cloud's first batch in a real journal, and a Host
//     opens it (snapshot-less restart: every row replayed).
#include <string>
#include <vector>

#include "api/command_json.h"
#include "fuzz_cloud.h"
#include "fuzz_util.h"

namespace hexa::fuzz {
namespace {

constexpr char kRowSeparator = '\x1e';
constexpr std::size_t kMaxRows = 64;

std::vector<std::string_view> rows_of(FuzzInput& in) {
  std::vector<std::string_view> rows;
  std::string_view rest = in.rest();
  while (!rest.empty() && rows.size() < kMaxRows) {
    const std::size_t end = rest.find(kRowSeparator);
    rows.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return rows;
}

void decode_and_apply(const std::vector<std::string_view>& rows) {
  std::unique_ptr<Core> core = fuzz_core();
  TimeMs now = 0;
  for (std::string_view row : rows) {
    now += kMinute;
    auto cmd = decode_command(row.substr(0, row.find('\n')), *core);
    if (!cmd.ok()) continue;
    const std::string text = encode_command(*cmd, *core);
    auto again = decode_command(text, *core);
    check(again.ok(), "a canonical text does not decode: " + text + ": " +
                          (again.ok() ? std::string() : again.status().message()));
    check(encode_command(*again, *core) == text, "the canonical text changes when read back: " + text);
    (void)core->apply(*cmd, now);
  }
  (void)core->digest();
}

void replay_in_host(const std::vector<std::string_view>& rows) {
  std::vector<JournalEntry> more;
  TimeMs now = 0;
  for (std::string_view row : rows) more.push_back({0, now += kMinute, std::string(row), ""});
  const std::string dir = state_dir_with("replay", std::move(more));
  std::vector<std::string> notes;
  auto host = Host::open(fuzz_cloud(), dir, fuzz_host_options(), &notes);
  if (host.ok()) (void)(*host)->digest();
}

}  // namespace
}  // namespace hexa::fuzz

HEXA_FUZZ_TARGET(command_json) {
  hexa::fuzz::FuzzInput in(data, size);
  const bool in_host = in.byte() % 2 == 1;
  const auto rows = hexa::fuzz::rows_of(in);
  if (in_host) {
    hexa::fuzz::replay_in_host(rows);
  } else {
    hexa::fuzz::decode_and_apply(rows);
  }
  return 0;
}
