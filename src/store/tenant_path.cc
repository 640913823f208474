#include "store/tenant_path.h"

namespace hexa::store {

bool valid_tenant_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.back() != '/') return false;
  return path.find("//") == std::string_view::npos;
}

std::vector<std::string_view> subtree_keys(std::string_view path) {
  std::vector<std::string_view> keys;
  for (std::size_t i = 1; i < path.size(); ++i)
    if (path[i] == '/') keys.push_back(path.substr(0, i + 1));
  return keys;
}

Result<std::string> subtree_of_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix == "/") return std::string();
  std::string key(prefix);
  if (key.back() != '/') key += '/';
  if (!valid_tenant_path(key))
    return Status::Invalid("path prefix '" + std::string(prefix) + "': must be a tenant path such as /acme/ or /acme/proj1/");
  return key;
}

}  // namespace hexa::store
