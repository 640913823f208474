// The journal's schema: for each command its stable type name, and for each struct its fields
// by name, in the order they are written. One list serves both directions (field_io.h), so a
// field cannot be encoded and forgotten by the decoder, or the other way round.
//
// A visitor `f` is called as f(key, &T::member[, kRequired]) for each field, or f.flat(&T::sub)
// to write a nested struct's fields into the same object (add_grant's grant, set_price's price).
// Optional fields are left out while they hold their default value; required ones are always
// written and must be present.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>
#include <variant>

#include "core/command.h"
#include "core/job_request.h"

namespace hexa {

enum class Need : bool { kOptional, kRequired };
inline constexpr Need kRequired = Need::kRequired;

// No primary definition: a command or struct without a schema does not compile.
template <class T>
struct Schema;

template <>
struct Schema<QuotaSpec> {
  template <class F>
  static void fields(F& f) {
    f("gpu_type", &QuotaSpec::gpu_type);
    f("max_gpus", &QuotaSpec::max_gpus);
    f("guaranteed_gpus", &QuotaSpec::guaranteed_gpus);
    f("borrow_limit", &QuotaSpec::borrow_limit);
    f("max_running", &QuotaSpec::max_running);
    f("max_queued", &QuotaSpec::max_queued);
  }
};

template <>
struct Schema<AddTenant> {
  static constexpr std::string_view type = "add_tenant";
  template <class F>
  static void fields(F& f) {
    f("name", &AddTenant::name, kRequired);
    f("weight", &AddTenant::weight);
    f("parent", &AddTenant::parent);
    f("kind", &AddTenant::kind);
    f("quotas", &AddTenant::quotas);
  }
};

// A submit_job's fields: its spec as names (describe/resolve); providers are folded into
// sites by then, so they are not a field.
template <>
struct Schema<JobRequest> {
  template <class F>
  static void fields(F& f) {
    f("name", &JobRequest::name, kRequired);
    f("tenant", &JobRequest::tenant, kRequired);
    f("gpus", &JobRequest::gpus);
    f("gpu_types", &JobRequest::gpu_types);
    f("sites", &JobRequest::sites);
    f("prefer", &JobRequest::prefer);
    f("slice", &JobRequest::slice);
    f("priority", &JobRequest::priority);
    f("preemptible", &JobRequest::preemptible);
    f("time_limit", &JobRequest::time_limit);
    f("checkpoint_every", &JobRequest::checkpoint_every);
    f("oracle_duration", &JobRequest::oracle_duration);
    f("start_target", &JobRequest::start_target);
    f("deferrable", &JobRequest::deferrable);
    f("deadline", &JobRequest::deadline);
  }
};

// Encoded and decoded through JobRequest (command_json.cc), so it has a name and no fields.
template <>
struct Schema<SubmitJob> {
  static constexpr std::string_view type = "submit_job";
};

template <>
struct Schema<CompleteJob> {
  static constexpr std::string_view type = "complete_job";
  template <class F>
  static void fields(F& f) {
    f("job", &CompleteJob::job, kRequired);
    f("segment", &CompleteJob::segment, kRequired);
    f("how", &CompleteJob::how);
    f("exit_code", &CompleteJob::exit_code);
    f("signal", &CompleteJob::signal);
  }
};

template <>
struct Schema<CancelJob> {
  static constexpr std::string_view type = "cancel_job";
  template <class F>
  static void fields(F& f) {
    f("job", &CancelJob::job, kRequired);
  }
};

template <>
struct Schema<Schedule> {
  static constexpr std::string_view type = "schedule";
  template <class F>
  static void fields(F&) {}
};

template <>
struct Schema<Price> {
  template <class F>
  static void fields(F& f) {
    f("per_gpu_hour", &Price::per_gpu_hour, kRequired);
    f("preemptible_discount_bps", &Price::preemptible_discount_bps);
  }
};

template <>
struct Schema<SetPrice> {
  static constexpr std::string_view type = "set_price";
  template <class F>
  static void fields(F& f) {
    f("gpu_type", &SetPrice::gpu_type, kRequired);
    f("site", &SetPrice::site, kRequired);
    f("priority", &SetPrice::priority);
    f.flat(&SetPrice::price);
  }
};

template <>
struct Schema<GrantRequest> {
  template <class F>
  static void fields(F& f) {
    f("id", &GrantRequest::id, kRequired);
    f("tenant", &GrantRequest::tenant, kRequired);
    f("programme", &GrantRequest::programme, kRequired);
    f("amount", &GrantRequest::amount, kRequired);
    f("start", &GrantRequest::start, kRequired);
    f("expiry", &GrantRequest::expiry, kRequired);
  }
};

template <>
struct Schema<AddGrant> {
  static constexpr std::string_view type = "add_grant";
  template <class F>
  static void fields(F& f) {
    f.flat(&AddGrant::grant);
  }
};

template <>
struct Schema<TopUpRequest> {
  template <class F>
  static void fields(F& f) {
    f("id", &TopUpRequest::id, kRequired);
    f("tenant", &TopUpRequest::tenant, kRequired);
    f("amount", &TopUpRequest::amount, kRequired);
    f("note", &TopUpRequest::note);
  }
};

template <>
struct Schema<AddTopUp> {
  static constexpr std::string_view type = "add_topup";
  template <class F>
  static void fields(F& f) {
    f.flat(&AddTopUp::top_up);
  }
};

template <>
struct Schema<SetOverdraft> {
  static constexpr std::string_view type = "set_overdraft";
  template <class F>
  static void fields(F& f) {
    f("tenant", &SetOverdraft::tenant, kRequired);
    f("amount", &SetOverdraft::amount, kRequired);
  }
};

template <>
struct Schema<Budget> {
  template <class F>
  static void fields(F& f) {
    f("period", &Budget::period);
    f("origin", &Budget::origin);
    f("credits", &Budget::credits);
    f("gpu_ms", &Budget::gpu_ms);
    f("hard", &Budget::hard);
    f("alert_bps", &Budget::alert_bps);
  }
};

// No "budget": the tenant's budget is cleared.
template <>
struct Schema<SetBudget> {
  static constexpr std::string_view type = "set_budget";
  template <class F>
  static void fields(F& f) {
    f("tenant", &SetBudget::tenant, kRequired);
    f("budget", &SetBudget::budget);
  }
};

template <>
struct Schema<RefundPolicy> {
  template <class F>
  static void fields(F& f) {
    f("preemption_pct", &RefundPolicy::preemption_pct, kRequired);
    f("failure_pct", &RefundPolicy::failure_pct, kRequired);
  }
};

template <>
struct Schema<SetRefundPolicy> {
  static constexpr std::string_view type = "set_refund_policy";
  template <class F>
  static void fields(F& f) {
    f.flat(&SetRefundPolicy::policy);
  }
};

// The four node commands differ only by name.
template <class T>
struct NodeSchema {
  template <class F>
  static void fields(F& f) {
    f("node", &T::node, kRequired);
  }
};
template <>
struct Schema<FailNode> : NodeSchema<FailNode> {
  static constexpr std::string_view type = "fail_node";
};
template <>
struct Schema<NodeUp> : NodeSchema<NodeUp> {
  static constexpr std::string_view type = "node_up";
};
template <>
struct Schema<DrainNode> : NodeSchema<DrainNode> {
  static constexpr std::string_view type = "drain_node";
};
template <>
struct Schema<ResumeNode> : NodeSchema<ResumeNode> {
  static constexpr std::string_view type = "resume_node";
};

template <>
struct Schema<Checkpoint> {
  static constexpr std::string_view type = "checkpoint";
  template <class F>
  static void fields(F& f) {
    f("job", &Checkpoint::job, kRequired);
    f("segment", &Checkpoint::segment, kRequired);
  }
};

template <>
struct Schema<RequeueJob> {
  static constexpr std::string_view type = "requeue_job";
  template <class F>
  static void fields(F& f) {
    f("job", &RequeueJob::job, kRequired);
    f("segment", &RequeueJob::segment, kRequired);
  }
};

template <>
struct Schema<AddReservation> {
  static constexpr std::string_view type = "add_reservation";
  template <class F>
  static void fields(F& f) {
    f("name", &AddReservation::name, kRequired);
    f("tenant", &AddReservation::tenant, kRequired);
    f("site", &AddReservation::site, kRequired);
    f("gpu_type", &AddReservation::gpu_type, kRequired);
    f("gpus", &AddReservation::gpus);
    f("slice", &AddReservation::slice);
    f("slices", &AddReservation::slices);
    f("from", &AddReservation::from, kRequired);
    f("to", &AddReservation::to, kRequired);
  }
};

// The compile-time check: a new Command alternative without a schema stops the build here.
template <class T>
concept NamedCommand = requires { Schema<T>::type; };
inline constexpr std::size_t kCommandCount = std::variant_size_v<Command>;
static_assert([]<std::size_t... I>(std::index_sequence<I...>) {
  return (NamedCommand<std::variant_alternative_t<I, Command>> && ...);
}(std::make_index_sequence<kCommandCount>{}), "every Command alternative needs a Schema<T> with a type name");

// The type names by variant index.
inline constexpr auto kCommandTypes = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<std::string_view, kCommandCount>{Schema<std::variant_alternative_t<I, Command>>::type...};
}(std::make_index_sequence<kCommandCount>{});

constexpr bool all_distinct(const std::array<std::string_view, kCommandCount>& names) {
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      if (names[i] == names[j]) return false;
  return true;
}
static_assert(all_distinct(kCommandTypes), "two commands share a type name");

}  // namespace hexa
