#include "api/command_json.h"

#include "api/field_io.h"
#include "core/job_request.h"

namespace hexa {
namespace {

using json_io::Path;

// A submit's defaults, left out of its JSON: the spec's own (no time limit, no checkpoints),
// not JobRequest's -1 ("the host's default"), which a spec never holds.
const JobRequest& submit_defaults() {
  static const JobRequest d = [] {
    JobRequest r;
    r.time_limit = 0;
    r.checkpoint_every = 0;
    return r;
  }();
  return d;
}

std::uint64_t known_bits(std::size_t n) { return n >= 64 ? ~std::uint64_t{0} : bit(static_cast<std::uint32_t>(n)) - 1; }

// "#<id>": the placeholder for an id that has no name.
std::string unnamed(long id) { return "#" + std::to_string(id); }

void add_unnamed(std::uint64_t mask, std::vector<std::string>& names) {
  for (std::uint32_t i = 0; i < 64; ++i)
    if (mask & bit(i)) names.push_back(unnamed(i));
}

// describe() for any spec, even one that would crash it. Every spec resolve() makes names
// only what exists. A spec with ids the core does not know (one it refuses) is written with
// "#<id>" names that no lookup finds, so that decoding refuses the row loudly instead of
// turning it into another, valid command. Preferred sites are the exception: the core accepts
// unknown ones when the job allows any site, and they cannot matter (no GPU is there), so they
// are dropped as describe() drops them. (Nothing stops a tenant being named "#7", but hosts
// do not name things so.)
JobRequest describe_job(const JobSpec& s, const Core& core) {
  const Topology& topo = core.topology();
  const std::size_t tenants = core.state().tenants.size();
  const std::uint64_t types = known_bits(topo.types().size()), sites = known_bits(topo.sites().size());
  const bool slice_ok = s.slice >= 0 && s.slice <= static_cast<int>(topo.slice_profiles().size());
  const std::uint64_t bad_prefer = s.sites == 0 ? 0 : s.prefer & ~sites;
  if (s.tenant < tenants && !(s.types & ~types) && !(s.sites & ~sites) && !bad_prefer && slice_ok)
    return describe(s, core);
  if (tenants == 0) {  // the core refuses every job before its first tenant: nothing else matters
    JobRequest r = submit_defaults();
    r.name = s.name;
    r.tenant = unnamed(s.tenant);
    return r;
  }
  JobSpec known = s;
  known.tenant = s.tenant < tenants ? s.tenant : 0;
  known.types &= types;
  known.sites &= sites;
  known.prefer &= sites;
  known.slice = slice_ok ? s.slice : 0;
  JobRequest r = describe(known, core);
  if (s.tenant >= tenants) r.tenant = unnamed(s.tenant);
  add_unnamed(s.types & ~types, r.gpu_types);
  add_unnamed(s.sites & ~sites, r.sites);
  add_unnamed(bad_prefer, r.prefer);
  if (!slice_ok) r.slice = unnamed(s.slice);
  return r;
}

template <class C>
void encode_fields(JsonWriter& w, const C& c, const Core&) {
  json_io::put_fields(w, c, json_io::default_of<C>());
}
void encode_fields(JsonWriter& w, const SubmitJob& c, const Core& core) {
  json_io::put_fields(w, describe_job(c.spec, core), submit_defaults());
}

// `st` with "<prefix>: " before its message, its code kept.
Status prefixed(const Status& st, const std::string& prefix) {
  std::string msg = prefix + ": " + st.message();
  switch (st.code()) {
    case StatusCode::kNotFound: return Status::NotFound(std::move(msg));
    case StatusCode::kConflict: return Status::Conflict(std::move(msg));
    case StatusCode::kUnavailable: return Status::Unavailable(std::move(msg));
    default: return Status::Invalid(std::move(msg));
  }
}

// resolve() names the request's field that broke a rule; these are their JSON keys.
std::string submit_key(const std::string& field) {
  if (field == "gpu_type") return "gpu_types";
  if (field == "site" || field == "provider") return "sites";
  return field;
}

Result<Command> decode_submit(const JsonValue& obj, const Core& core, const Path& at) {
  JobRequest r = submit_defaults();
  if (Status st = json_io::get_fields(obj, r, at, 1); !st.ok()) return st;
  std::string field;
  auto spec = resolve(r, core, JobDefaults{}, &field);
  if (!spec.ok()) return prefixed(spec.status(), at.str() + "." + submit_key(field));
  // Exactly as written, negatives too: the core judges them, as it did the first time.
  spec->time_limit = r.time_limit;
  spec->checkpoint_every = r.checkpoint_every;
  return Command{SubmitJob{std::move(spec).value()}};
}

template <class C>
Result<Command> decode_as(const JsonValue& obj, const Core& core) {
  const Path at{nullptr, Schema<C>::type};
  if constexpr (std::is_same_v<C, SubmitJob>) {
    return decode_submit(obj, core, at);
  } else {
    (void)core;
    C c{};
    if (Status st = json_io::get_fields(obj, c, at, 1); !st.ok()) return st;
    return Command{std::move(c)};
  }
}

using Decoder = Result<Command> (*)(const JsonValue&, const Core&);
constexpr auto kDecoders = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<Decoder, kCommandCount>{&decode_as<std::variant_alternative_t<I, Command>>...};
}(std::make_index_sequence<kCommandCount>{});

std::string known_types() {
  std::string s;
  for (std::string_view t : kCommandTypes) (s += s.empty() ? "" : ", ") += t;
  return s;
}

Result<Command> decode(std::string_view json, const Core& core) {
  auto root = parse_json(json);
  if (!root.ok()) return root.status();
  if (root->kind != JsonValue::Kind::kObject) return Status::Invalid("command: must be a JSON object");
  const JsonValue* type = root->find("type");
  if (!type) return Status::Invalid("type: is required (" + known_types() + ")");
  if (type->kind != JsonValue::Kind::kString) return Status::Invalid("type: must be a string");
  for (std::size_t i = 0; i < kCommandCount; ++i)
    if (type->text == kCommandTypes[i]) return kDecoders[i](*root, core);
  return Status::Invalid("type: unknown command '" + type->text + "'; known: " + known_types());
}

}  // namespace

std::string encode_command(const Command& cmd, const Core& core) {
  JsonWriter w;
  w.begin_object();
  w.key("type");
  w.string(command_type(cmd));
  std::visit([&](const auto& c) { encode_fields(w, c, core); }, cmd);
  w.end_object();
  return w.take();
}

Result<Command> decode_command(std::string_view json, const Core& core) {
  try {
    return decode(json, core);
  } catch (const std::exception& ex) {  // out of memory: the layer reports, never throws
    return Status::Unavailable(std::string("command: ") + ex.what());
  }
}

std::string_view command_type(const Command& cmd) { return kCommandTypes[cmd.index()]; }

}  // namespace hexa
