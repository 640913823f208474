// Interner: names (sites, GPU types, tenants) to dense integer ids, so the engine
// compares and indexes integers, never strings.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hexa {

class Interner {
 public:
  // Returns the id of `name`, adding it when new. Ids are 0, 1, 2, ... in order of first sight.
  std::uint32_t intern(std::string_view name);
  std::optional<std::uint32_t> find(std::string_view name) const;
  const std::string& name(std::uint32_t id) const { return names_[id]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(names_.size()); }

 private:
  // Hashes a std::string and a std::string_view alike, so that find() looks a view up as it
  // is: building a std::string per lookup was 2% of the France month (every arrival resolves
  // its tenant, types and sites by name).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
};

}  // namespace hexa
