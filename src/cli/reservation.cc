// `hexa reservation add` (admin): GPUs (or slices) of a type at a site kept for a tenant over a
// period.
#include "cli/admin.h"
#include "cli/date_arg.h"
#include "cli/verbs.h"

namespace hexa::cli {

namespace {

struct ReservationArgs {
  Globals g;
  std::string name, tenant, site, gpu_type, slice, from, to;
  std::optional<int> gpus, slices;
};

// "gpus" or "slice" + "slices": exactly one of the two ways.
Status add_size(Json& body, const ReservationArgs& a) {
  bool whole = a.gpus.has_value(), sliced = !a.slice.empty() || a.slices.has_value();
  if (whole == sliced) return Status::Invalid("give either --gpus N or --slice PROFILE --slices N");
  if (whole) {
    body["gpus"] = *a.gpus;
    return Status::Ok();
  }
  if (a.slice.empty() || !a.slices) return Status::Invalid("--slice and --slices go together");
  body["slice"] = a.slice;
  body["slices"] = *a.slices;
  return Status::Ok();
}

Result<Json> reservation_body(const ReservationArgs& a) {
  Json body = {{"name", a.name}, {"tenant", a.tenant}, {"site", a.site}, {"gpu_type", a.gpu_type}};
  if (Status st = add_size(body, a); !st.ok()) return st;
  auto from = parse_datetime_ms("--from", a.from);
  if (!from.ok()) return from.status();
  auto to = parse_datetime_ms("--to", a.to);
  if (!to.ok()) return to.status();
  if (*from >= *to) return Status::Invalid("--from " + a.from + " must be before --to " + a.to);
  body["from_ms"] = *from;
  body["to_ms"] = *to;
  return body;
}

int run_reservation_add(const ReservationArgs& a, Session& s, const ClientIo& io) {
  auto body = reservation_body(a);
  if (!body.ok()) return fail(io, body.status());
  return post_and_report(s, io, a.g.json, "/v1/reservations", *body, "reservation " + a.name + " added");
}

}  // namespace

void add_reservation(CLI::App& app, Verbs& verbs) {
  CLI::App* group = add_group(app, "reservation", "Manage reservations (admin)");
  auto a = std::make_shared<ReservationArgs>();
  CLI::App* v = add_verb(*group, "add", "Reserve GPUs or slices for a tenant over a period",
                         "hexa reservation add --name course --tenant school --site paris --gpu-type A100 "
                         "--slice 1g.10gb --slices 14 --from 2025-09-01T08:00 --to 2025-09-01T12:00");
  v->add_option("--name", a->name, "Its name")->required();
  v->add_option("--tenant", a->tenant, "Tenant it is for")->required();
  v->add_option("--site", a->site, "Site")->required();
  v->add_option("--gpu-type", a->gpu_type, "GPU type")->required();
  v->add_option("--gpus", a->gpus, "Whole GPUs (or --slice and --slices)");
  v->add_option("--slice", a->slice, "Slice profile (1g.10gb), with --slices");
  v->add_option("--slices", a->slices, "Number of slices, with --slice");
  v->add_option("--from", a->from, "Start: YYYY-MM-DD[THH:MM[:SS]][Z], local time unless Z")->required();
  v->add_option("--to", a->to, "End (excluded), same forms")->required();
  add_global_options(*v, a->g);
  verbs.push_back({v, [a](const HttpClientFactory& make, const ClientIo& io) {
                     return with_session(a->g, make, io, [&](Session& s) { return run_reservation_add(*a, s, io); });
                   }});
}

}  // namespace hexa::cli
