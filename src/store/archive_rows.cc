#include "store/archive_rows.h"

#include <string>

#include "store/tenant_path.h"

namespace hexa::store {

Status check_archive_rows(const std::vector<ArchivedJob>& archive) {
  for (const ArchivedJob& j : archive) {
    if (!valid_tenant_path(j.tenant_path))
      return Status::Invalid("archived job " + std::to_string(j.id) + ": tenant_path '" + j.tenant_path +
                             "' is not a tenant path such as /acme/proj1/");
    if (j.state.empty()) return Status::Invalid("archived job " + std::to_string(j.id) + ": empty state");
  }
  return Status::Ok();
}

}  // namespace hexa::store
