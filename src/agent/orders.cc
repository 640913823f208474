#include "agent/orders.h"

#include <limits>

namespace hexa {

using Json = nlohmann::json;

namespace {

// Reads fields without exceptions: a wrong type is an error naming the field.
class Fields {
 public:
  explicit Fields(const Json& x) : x_(x) {}
  const std::string& error() const { return error_; }

  // A required (or, with `optional`, possibly absent or null) integer >= 0.
  void number(const char* key, std::int64_t* out, bool optional = false) {
    const Json* v = find(key, optional);
    if (v == nullptr) return;
    if (v->is_number_unsigned() && v->get<std::uint64_t>() <= std::uint64_t{1} << 62)
      *out = v->get<std::int64_t>();
    else if (v->is_number_integer() && v->get<std::int64_t>() >= 0)
      *out = v->get<std::int64_t>();
    else
      fail(key, "an integer >= 0");
  }
  void text(const char* key, std::string* out) {
    const Json* v = find(key, true);
    if (v == nullptr) return;
    if (v->is_string()) *out = v->get<std::string>();
    else fail(key, "a string");
  }
  void texts(const char* key, std::vector<std::string>* out, bool optional) {
    const Json* v = find(key, optional);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "an array of strings");
    for (const Json& e : *v) {
      if (!e.is_string()) return fail(key, "an array of strings");
      out->push_back(e.get<std::string>());
    }
  }
  void string_map(const char* key, std::map<std::string, std::string>* out) {
    const Json* v = find(key, true);
    if (v == nullptr) return;
    if (!v->is_object()) return fail(key, "an object of strings");
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!it.value().is_string()) return fail(key, "an object of strings");
      (*out)[it.key()] = it.value().get<std::string>();
    }
  }
  void gpu_indexes(const char* key, std::vector<int>* out) {
    const Json* v = find(key, true);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "an array of GPU indexes");
    for (const Json& e : *v) {
      if (!e.is_number_integer() || e.get<std::int64_t>() < 0 || e.get<std::int64_t>() >= kMaxGpusPerNode)
        return fail(key, "GPU indexes from 0 to " + std::to_string(kMaxGpusPerNode - 1));
      out->push_back(static_cast<int>(e.get<std::int64_t>()));
    }
  }
  // {"profile": "1g.10gb", "slots": 1..255, "uuid": "MIG-..." (optional)}
  void slice(const char* key, std::optional<SliceOrder>* out) {
    const Json* v = find(key, true);
    if (v == nullptr) return;
    const std::string rule = "an object {\"profile\": name, \"slots\": 1 to 255, \"uuid\": text}";
    if (!v->is_object()) return fail(key, rule);
    auto profile = v->find("profile"), slots = v->find("slots"), uuid = v->find("uuid");
    if (profile == v->end() || !profile->is_string() || slots == v->end() || !slots->is_number_integer() ||
        slots->get<std::int64_t>() < 1 || slots->get<std::int64_t>() > 255 || (uuid != v->end() && !uuid->is_string()))
      return fail(key, rule);
    SliceOrder s{profile->get<std::string>(), static_cast<unsigned>(slots->get<std::int64_t>()),
                 uuid == v->end() ? "" : uuid->get<std::string>()};
    *out = s;
  }

 private:
  const Json* find(const char* key, bool optional) {
    auto it = x_.find(key);
    if (it == x_.end() || it->is_null()) {
      if (!optional) fail(key, "present");
      return nullptr;
    }
    return &*it;
  }
  void fail(const char* key, const std::string& rule) {
    if (error_.empty()) error_ = std::string("\"") + key + "\" must be " + rule;
  }

  const Json& x_;
  std::string error_;
};

// A field for the log only (the request id): one that is not a string is left out, never an error.
std::string log_only_text(const Json& x, const char* key) {
  auto it = x.find(key);
  return it != x.end() && it->is_string() ? it->get<std::string>() : "";
}

StartOrder read_start(const Json& x, JobKey key) {
  StartOrder o;
  o.key = key;
  Fields f(x);
  f.texts("command", &o.command, /*optional=*/false);
  f.number("restarts", &o.restarts, true);
  f.text("name", &o.name);
  f.text("tenant", &o.tenant);
  f.string_map("env", &o.env);
  f.gpu_indexes("gpus", &o.gpus);
  f.number("rank", &o.rank, true);
  f.texts("nodes", &o.nodes, true);
  f.slice("slice", &o.slice);
  if (f.error().empty() && o.slice && o.gpus.size() != 1) o.error = "bad start order: a slice job runs on one GPU";
  f.number("memory_mb", &o.memory_mb, true);
  f.number("cpus", &o.cpus, true);
  f.text("master_addr", &o.master_addr);
  f.number("master_port", &o.master_port, true);
  o.request_id = log_only_text(x, "request_id");
  if (f.error().empty() && o.master_port > 65535) o.error = "bad start order: \"master_port\" must be a port, 0 to 65535";
  if (f.error().empty() && o.command.empty()) o.error = "bad start order: \"command\" is empty";
  if (!f.error().empty()) o.error = "bad start order: " + f.error();
  return o;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

bool GpuHold::overlaps(const GpuHold& other) const {
  for (int g : gpus)
    for (int h : other.gpus)
      if (g == h && (!slots || !other.slots || (slots & other.slots))) return true;
  return false;
}

GpuHold hold_of(const StartOrder& o) { return {o.gpus, o.slice ? o.slice->slots : 0u}; }

std::string JobKey::text() const { return std::to_string(job) + "-" + std::to_string(segment); }

ParsedOrders parse_orders(const Json& answer) {
  ParsedOrders out;
  auto list = answer.is_object() ? answer.find("orders") : answer.end();
  if (!answer.is_object() || list == answer.end() || !list->is_array()) {
    out.skipped.push_back("an answer without an \"orders\" array");
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& x = (*list)[i];
    JobKey key;
    std::string kind;
    std::string why;
    if (!x.is_object()) {
      why = "not an object";
    } else {
      Fields f(x);
      f.text("kind", &kind);
      f.number("job", &key.job);
      f.number("segment", &key.segment);
      why = f.error();
    }
    if (why.empty() && kind == "start") {
      out.orders.emplace_back(read_start(x, key));
    } else if (why.empty() && kind == "stop") {
      StopOrder stop{key, std::nullopt};
      std::int64_t grace = -1;
      Fields f(x);
      f.number("grace_ms", &grace, /*optional=*/true);
      if (grace >= 0) stop.grace_ms = grace;  // a bad grace_ms: the default one
      stop.request_id = log_only_text(x, "request_id");
      out.orders.emplace_back(stop);
    } else {
      if (why.empty()) why = "unknown kind '" + kind + "'";
      out.skipped.push_back("order " + std::to_string(i) + ": " + why);
    }
  }
  return out;
}

std::map<std::string, std::string> job_environment(const StartOrder& o, const std::string& this_node,
                                                   const std::vector<MigDevice>& mig) {
  std::map<std::string, std::string> env = o.env;
  std::string gpus;
  for (int g : o.gpus) gpus += (gpus.empty() ? "" : ",") + std::to_string(g);
  if (o.slice && o.gpus.size() == 1) {
    if (const MigDevice* m = mig_device_at(mig, o.gpus[0], o.slice->slots)) gpus = m->uuid;
    else if (!o.slice->uuid.empty()) gpus = o.slice->uuid;
  }
  env["CUDA_VISIBLE_DEVICES"] = gpus;  // none: the job sees no GPU, rather than all of them
  env["HEXA_JOB_ID"] = std::to_string(o.key.job);
  env["HEXA_SEGMENT"] = std::to_string(o.key.segment);
  env["HEXA_RESTARTS"] = std::to_string(o.restarts);
  env["HEXA_NODE_RANK"] = std::to_string(o.rank);
  env["HEXA_NUM_NODES"] = std::to_string(o.nodes.empty() ? 1 : o.nodes.size());
  env["HEXA_NODES"] = o.nodes.empty() ? this_node : join(o.nodes);
  if (!o.master_addr.empty()) env["HEXA_MASTER_ADDR"] = o.master_addr;
  if (o.master_port > 0) env["HEXA_MASTER_PORT"] = std::to_string(o.master_port);
  return env;
}

}  // namespace hexa
