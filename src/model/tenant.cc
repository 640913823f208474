#include "model/tenant.h"

namespace hexa {

const char* kind_name(TenantKind k) {
  switch (k) {
    case TenantKind::kOrganisation: return "organisation";
    case TenantKind::kProject: return "project";
    case TenantKind::kProgramme: return "programme";
    case TenantKind::kCohort: return "cohort";
    case TenantKind::kLearner: return "learner";
  }
  return "?";
}

std::optional<TenantKind> parse_kind(const std::string& s) {
  for (TenantKind k : {TenantKind::kOrganisation, TenantKind::kProject, TenantKind::kProgramme, TenantKind::kCohort,
                       TenantKind::kLearner})
    if (s == kind_name(k)) return k;
  return std::nullopt;
}

bool may_nest(TenantKind parent, TenantKind child) {
  switch (child) {
    case TenantKind::kProject: return parent == TenantKind::kOrganisation;
    case TenantKind::kCohort: return parent == TenantKind::kProgramme;
    case TenantKind::kLearner: return parent == TenantKind::kCohort;
    case TenantKind::kOrganisation:
    case TenantKind::kProgramme: return false;  // roots
  }
  return false;
}

}  // namespace hexa
