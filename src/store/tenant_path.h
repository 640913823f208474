// Tenant paths in the archive: "/acme/proj1/" is tenant proj1 under acme. A subtree query
// must match "/acme/" and "/acme/proj1/" but not "/acmex/"; a string prefix on the path column
// would, but could not walk an index in id order (newest first) at the same time. So each
// archived job is also filed under each of its ancestors ("/acme/", "/acme/proj1/"), and a
// subtree query is an exact match on that key, then a walk down the ids.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace hexa::store {

// "/" or "/a/", "/a/b/"...: no empty name between the slashes.
bool valid_tenant_path(std::string_view path);

// The subtrees a job of tenant `path` belongs to, root excluded: "/acme/proj1/" gives
// {"/acme/", "/acme/proj1/"}; "/" gives none. REQUIRES: valid_tenant_path(path).
std::vector<std::string_view> subtree_keys(std::string_view path);

// A query's path_prefix as a subtree key: "" and "/" give "" (every tenant), "/acme" and
// "/acme/" give "/acme/". Invalid when it does not begin with '/' or has an empty name.
Result<std::string> subtree_of_prefix(std::string_view prefix);

}  // namespace hexa::store
