#include "server/host_record.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace hexa {
namespace {

using Json = nlohmann::json;

Status bad(const std::string& field, const char* rule) { return Status::Invalid(field + ": " + rule); }

Status integer(const Json& o, const char* key, const std::string& where, std::int64_t lo, std::int64_t hi) {
  auto it = o.find(key);
  if (it == o.end()) return Status::Ok();
  const std::string field = where + key;
  if (!it->is_number_integer()) return bad(field, "must be an integer");
  const bool in_range = it->is_number_unsigned() ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                                                : it->get<std::int64_t>() >= lo && it->get<std::int64_t>() <= hi;
  if (!in_range) return Status::Invalid(field + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return Status::Ok();
}

Status text(const Json& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it != o.end() && !it->is_string()) return bad(where + key, "must be a string");
  return Status::Ok();
}

// {key: {...}} where present: an object whose fields pass `fields`.
template <class F>
Status object(const Json& record, const char* key, F fields) {
  auto it = record.find(key);
  if (it == record.end()) return Status::Ok();
  if (!it->is_object()) return bad(key, "must be an object");
  return fields(*it, std::string(key) + ".");
}

}  // namespace

Status check_host_record(const Json& record) {
  constexpr std::int64_t kInt = std::numeric_limits<int>::max(), kI64 = std::numeric_limits<std::int64_t>::max();
  if (Status st = integer(record, "origin_ms", "", std::numeric_limits<std::int64_t>::min(), kI64); !st.ok())
    return st;
  if (Status st = object(record, "rank_exit",
                         [&](const Json& x, const std::string& w) {
                           for (Status s : {integer(x, "job", w, 0, std::numeric_limits<JobId>::max()),
                                            integer(x, "segment", w, -kInt - 1, kInt), integer(x, "rank", w, -kInt - 1, kInt),
                                            integer(x, "code", w, -kInt - 1, kInt)})
                             if (!s.ok()) return s;
                           return Status::Ok();
                         });
      !st.ok())
    return st;
  if (Status st = object(record, "node_addr",
                         [&](const Json& x, const std::string& w) {
                           for (Status s : {text(x, "node", w), text(x, "addr", w)})
                             if (!s.ok()) return s;
                           return Status::Ok();
                         });
      !st.ok())
    return st;
  return object(record, "drain", [&](const Json& x, const std::string& w) {
    for (Status s : {text(x, "node", w), text(x, "reason", w), integer(x, "deadline", w, -kI64 - 1, kI64)})
      if (!s.ok()) return s;
    return Status::Ok();
  });
}

Result<JobRun> read_job_run(const Json& j) {
  JobRun run;
  if (auto it = j.find("argv"); it != j.end()) {
    if (!it->is_array()) return bad("argv", "must be a list of strings");
    for (const Json& a : *it) {
      if (!a.is_string()) return bad("argv", "must be a list of strings");
      run.argv.push_back(a.get<std::string>());
    }
  }
  if (auto it = j.find("env"); it != j.end()) {
    if (!it->is_object()) return bad("env", "must be an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return bad("env." + k, "must be a string");
      run.env[k] = v.get<std::string>();
    }
  }
  const std::int64_t kI64 = std::numeric_limits<std::int64_t>::max();
  for (Status st : {integer(j, "memory_mb", "", -kI64 - 1, kI64), integer(j, "cpus", "", -kI64 - 1, kI64)})
    if (!st.ok()) return st;
  run.memory_mb = j.value("memory_mb", std::int64_t{0});
  run.cpus = j.value("cpus", std::int64_t{0});
  if (auto it = j.find("request_id"); it != j.end()) {
    if (!it->is_string()) return bad("request_id", "must be a string");
    run.request_id = it->get<std::string>();
  }
  return run;
}

}  // namespace hexa
