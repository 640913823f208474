// Dense integer ids. Each names an index into the vector that holds the thing.
#pragma once

#include <cstdint>

namespace hexa {

using SiteId = std::uint32_t;
using BlockId = std::uint32_t;  // a rack or network domain inside one site
using NodeId = std::uint32_t;
using TypeId = std::uint32_t;   // a GPU type (H100, A100, ...)
using TenantId = std::uint32_t;
using JobId = std::uint32_t;    // the core's index; the trace's own id is JobSpec::name

// Sets of sites or GPU types, as bit masks; the empty set means "any".
using SiteMask = std::uint64_t;
using TypeMask = std::uint64_t;

constexpr std::uint64_t bit(std::uint32_t i) { return std::uint64_t{1} << i; }
inline bool allows(std::uint64_t mask, std::uint32_t i) { return mask == 0 || (mask & bit(i)) != 0; }

}  // namespace hexa
