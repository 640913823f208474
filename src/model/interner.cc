#include "model/interner.h"

namespace hexa {

std::uint32_t Interner::intern(std::string_view name) {
  if (auto id = find(name)) return *id;
  auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<std::uint32_t> Interner::find(std::string_view name) const {
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hexa
