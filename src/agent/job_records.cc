#include "agent/job_records.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "agent/atomic_file.h"

namespace hexa {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string record_text(const JobStateRecord& r) {
  Json j{{"job", r.key.job},           {"segment", r.key.segment},         {"rank", r.rank},
         {"keeper_pid", r.ids.keeper}, {"keeper_start", r.ids.keeper_start}, {"job_pid", r.ids.job},
         {"job_start", r.ids.job_start}, {"cgroup", r.cgroup}, {"gpus", r.hold.gpus}, {"slots", r.hold.slots}};
  return j.dump() + "\n";
}

std::optional<JobStateRecord> parse_record(const std::string& text, const JobKey& key) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto integer = [&](const char* k) -> std::optional<std::int64_t> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) return std::nullopt;
    return it->get<std::int64_t>();
  };
  auto job = integer("job"), segment = integer("segment"), rank = integer("rank");
  auto keeper = integer("keeper_pid"), keeper_start = integer("keeper_start");
  auto pid = integer("job_pid"), job_start = integer("job_start");
  if (!job || !segment || !rank || !keeper || !keeper_start || !pid || !job_start) return std::nullopt;
  if (*job != key.job || *segment != key.segment || *keeper <= 0 || *pid <= 0) return std::nullopt;
  JobStateRecord r;
  r.key = key;
  r.rank = *rank;
  r.ids.keeper = static_cast<pid_t>(*keeper);
  r.ids.keeper_start = static_cast<std::uint64_t>(*keeper_start);
  r.ids.job = static_cast<pid_t>(*pid);
  r.ids.job_start = static_cast<std::uint64_t>(*job_start);
  if (auto cg = j.find("cgroup"); cg != j.end() && cg->is_string()) r.cgroup = cg->get<std::string>();
  if (auto g = j.find("gpus"); g != j.end() && g->is_array())
    for (const Json& i : *g)
      if (i.is_number_integer() && i.get<int>() >= 0 && i.get<int>() < 64) r.hold.gpus.push_back(i.get<int>());
  if (auto sl = j.find("slots"); sl != j.end() && sl->is_number_unsigned()) r.hold.slots = sl->get<unsigned>() & 0xffu;
  return r;
}

std::optional<JobKey> parse_job_key(const std::string& name) {
  std::size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  JobKey k;
  const char* b = name.data();
  auto r1 = std::from_chars(b, b + dash, k.job);
  auto r2 = std::from_chars(b + dash + 1, b + name.size(), k.segment);
  if (r1.ec != std::errc() || r1.ptr != b + dash || r2.ec != std::errc() || r2.ptr != b + name.size())
    return std::nullopt;
  if (k.job < 0 || k.segment < 0 || k.text() != name) return std::nullopt;  // "07-1", "+7-1"
  return k;
}

Status JobRecords::prepare(const JobKey& key) const {
  std::error_code ec;
  fs::remove_all(dir(key), ec);
  fs::create_directories(dir(key), ec);
  if (ec) return Status::Unavailable("cannot make the record dir '" + dir(key) + "': " + ec.message());
  return Status::Ok();
}

Status JobRecords::write_state(const JobStateRecord& r) const { return write_atomically(dir(r.key) + "/state", record_text(r)); }

std::optional<JobStateRecord> JobRecords::read_state(const JobKey& key) const {
  std::optional<std::string> text = read_small_file(dir(key) + "/state");
  if (!text) return std::nullopt;
  return parse_record(*text, key);
}

void JobRecords::mark_done(const JobKey& key) const {
  std::error_code ec;
  if (!fs::is_directory(dir(key), ec)) return;
  (void)write_atomically(dir(key) + "/done", "");
}

std::vector<JobKey> JobRecords::pending() const {
  std::vector<JobKey> out;
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    std::optional<JobKey> key = parse_job_key(it->path().filename().string());
    std::error_code e2;
    if (key && it->is_directory(e2) && !fs::exists(it->path() / "done", e2)) out.push_back(*key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hexa
