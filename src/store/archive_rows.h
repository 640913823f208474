// The check every journal makes of the archive rows an append brings, before writing anything.
#pragma once

#include <vector>

#include "store/journal.h"

namespace hexa::store {

// Invalid, naming the job, when a row's tenant_path is not a tenant path or its state is empty.
Status check_archive_rows(const std::vector<ArchivedJob>& archive);

}  // namespace hexa::store
