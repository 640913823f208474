// Grants: credits a programme gives a tenant, usable in [start, expiry). Each grant has its own
// account (floor 0), so what is left of it is a balance in the Book, exact by construction.
#pragma once

#include <cstdint>
#include <string>

#include "ledger/transfer.h"

namespace hexa {

struct GrantRequest {
  std::string id;         // unique among grants
  std::string tenant;
  std::string programme;  // the source: money comes from account "grants-source:<programme>"
  Micro amount = 0;       // > 0
  TimeMs start = 0;
  TimeMs expiry = 0;      // > start, and > the time of the grant
  bool operator==(const GrantRequest&) const = default;
};

struct Grant {
  GrantRequest req;
  std::uint32_t tenant = 0;  // index of the tenant in the Ledger
  AccountId account = 0;     // "grant:<id>"
  bool swept = false;        // expire_until() moved what was left to `expired`
  bool operator==(const Grant&) const = default;

  // Whether holds may draw from it at `now`.
  bool live(TimeMs now) const { return !swept && req.start <= now && now < req.expiry; }
};

// The order grants are spent in: earliest expiry first, ties by grant id.
inline bool spend_before(const Grant& a, const Grant& b) {
  if (a.req.expiry != b.req.expiry) return a.req.expiry < b.req.expiry;
  return a.req.id < b.req.id;
}

}  // namespace hexa
