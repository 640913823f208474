#include "core/job_request.h"

namespace hexa {
namespace {

// Names to a mask of topology ids; an unknown name is a reason to refuse.
template <class Find>
Result<std::uint64_t> to_mask(const std::vector<std::string>& names, Find find, const char* what) {
  std::uint64_t mask = 0;
  for (const std::string& n : names) {
    auto id = find(n);
    if (!id) return Status::Invalid(std::string(what) + " '" + n + "'");
    mask |= bit(*id);
  }
  return mask;
}

// The sites a job may use: its own list, narrowed to its providers' sites.
Result<SiteMask> residency(const Topology& topo, const std::vector<std::string>& providers, SiteMask sites) {
  if (providers.empty()) return sites;
  SiteMask of_providers = 0;
  for (const std::string& p : providers) {
    SiteMask m = topo.provider_sites(p);
    if (m == 0) return Status::Invalid("no site run by provider '" + p + "'");
    of_providers |= m;
  }
  SiteMask both = sites == 0 ? of_providers : sites & of_providers;
  if (both == 0)
    return Status::Invalid("residency: none of the sites " + topo.site_set_name(sites) + " is run by a provider it allows");
  return both;
}

template <class T>
Status take(Result<T> r, T* out, std::string* field, const char* name) {
  if (!r.ok()) {
    if (field) *field = name;
    return r.status();
  }
  *out = *r;
  return Status::Ok();
}

std::vector<std::string> names_of(std::uint64_t mask, const Interner& names) {
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < names.size(); ++i)
    if (mask & bit(i)) out.push_back(names.name(i));
  return out;
}

}  // namespace

Result<JobSpec> resolve(const JobRequest& r, const Core& core, const JobDefaults& d, std::string* field) {
  auto tenant = core.find_tenant(r.tenant);
  if (!tenant) {
    if (field) *field = "tenant";
    return Status::NotFound("no tenant named '" + r.tenant + "'");
  }
  return resolve(r, *tenant, core, d, field);
}

Result<JobSpec> resolve(const JobRequest& r, TenantId tenant, const Core& core, const JobDefaults& d,
                        std::string* field) {
  const Topology& topo = core.topology();
  JobSpec s;
  s.name = r.name;
  s.tenant = tenant;
  s.gpus = r.gpus;
  auto type = [&](const std::string& n) { return topo.find_type(n); };
  auto site = [&](const std::string& n) { return topo.find_site(n); };
  if (Status st = take(to_mask(r.gpu_types, type, "no site offers GPU type"), &s.types, field, "gpu_type"); !st.ok())
    return st;
  if (Status st = take(to_mask(r.sites, site, "no site named"), &s.sites, field, "site"); !st.ok()) return st;
  if (!r.slice.empty()) {
    auto slice = topo.find_slice(r.slice);
    if (!slice) {
      if (field) *field = "slice";
      return Status::Invalid("unknown slice profile '" + r.slice + "'; known: " + topo.slice_names());
    }
    s.slice = *slice;
  }
  if (Status st = take(residency(topo, r.providers, s.sites), &s.sites, field, "provider"); !st.ok()) return st;
  if (Status st = take(to_mask(r.prefer, site, "no site named"), &s.prefer, field, "prefer"); !st.ok()) return st;
  s.priority = r.priority;
  s.preemptible = r.preemptible;
  s.time_limit = r.time_limit >= 0 ? r.time_limit : d.time_limit;
  s.checkpoint_every = r.checkpoint_every >= 0 ? r.checkpoint_every : d.checkpoint_every;
  s.oracle_duration = r.oracle_duration;
  s.start_target = r.start_target;
  s.deferrable = r.deferrable;
  s.deadline = r.deadline;
  return s;
}

JobRequest describe(const JobSpec& s, const Core& core) {
  const Topology& topo = core.topology();
  JobRequest r;
  r.name = s.name;
  r.tenant = core.state().tenants[s.tenant].name;
  r.gpus = s.gpus;
  r.gpu_types = names_of(s.types, topo.types());
  for (SiteId i = 0; i < topo.sites().size(); ++i) {
    if (s.sites & bit(i)) r.sites.push_back(topo.site(i).name);
    if (s.prefer & bit(i)) r.prefer.push_back(topo.site(i).name);
  }
  if (s.slice) r.slice = topo.slice_profile(s.slice).name;
  r.priority = s.priority;
  r.preemptible = s.preemptible;
  r.time_limit = s.time_limit;
  r.checkpoint_every = s.checkpoint_every;
  r.oracle_duration = s.oracle_duration;
  r.start_target = s.start_target;
  r.deferrable = s.deferrable;
  r.deadline = s.deadline;
  return r;
}

}  // namespace hexa
