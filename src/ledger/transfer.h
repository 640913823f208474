// A transfer: the only way money moves. Plain data, so that it can be journaled and replayed.
#pragma once

#include <cstdint>
#include <string>

#include "ledger/money.h"
#include "model/units.h"

namespace hexa {

using AccountId = std::uint32_t;  // dense index into the Book's accounts

enum class TransferKind : std::uint8_t { kGrant, kUsage, kHold, kRelease, kRefund, kExpiry, kTopup };
const char* kind_name(TransferKind k);  // "grant", "usage", ...

// Why money moved, for statements and audits. Fields a kind does not use stay empty / 0.
struct Memo {
  TransferKind kind = TransferKind::kUsage;
  std::string ref;       // what it is about: grant id (grant, expiry), hold id (hold, usage, release),
                         // refund id, top-up id
  std::string job;       // job name
  std::string gpu_type;
  std::string site;
  GpuMs gpu_ms = 0;      // usage metered (usage), work lost (refund)
  Micro rate = 0;        // micro-credits per GPU-hour
  std::string note;      // programme of a grant, reason of a refund, note of a top-up
  bool operator==(const Memo&) const = default;
};

// Moves `amount` (> 0) from one account to another at time `at`. `id` is a string, unique in
// the Book; the Ledger derives it from the operation (see ledger.h).
struct Transfer {
  std::string id;
  AccountId from = 0;
  AccountId to = 0;
  Micro amount = 0;
  TimeMs at = 0;
  Memo memo;
  bool operator==(const Transfer&) const = default;
};

// The same movement: equal in everything but the time. A replay of an id with the same
// content is a duplicate (a journal replayed later, an agent's report sent twice), not a conflict.
inline bool same_content(const Transfer& a, const Transfer& b) {
  return a.id == b.id && a.from == b.from && a.to == b.to && a.amount == b.amount && a.memo == b.memo;
}

// What an operation did: applied now, or recognised as a replay of one applied before.
enum class OpOutcome : std::uint8_t { kApplied, kDuplicate };

}  // namespace hexa
