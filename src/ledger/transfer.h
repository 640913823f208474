// A transfer: the only way money moves. Plain data, so that it can be journaled and replayed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/money.h"
#include "model/units.h"

namespace hexa {

using AccountId = std::uint32_t;  // dense index into the Book's accounts

enum class TransferKind : std::uint8_t { kGrant, kUsage, kHold, kRelease, kRefund, kExpiry, kTopup };
const char* kind_name(TransferKind k);  // "grant", "usage", ...

// Why money moved, for statements and audits. Fields a kind does not use stay empty / 0.
// Str is std::string (Memo: what callers build and keep) or std::string_view (MemoView: what
// the Book checks and stores, and hands back).
template <class Str>
struct BasicMemo {
  TransferKind kind = TransferKind::kUsage;
  Str ref;               // what it is about: grant id (grant, expiry), hold id (hold, usage, release),
                         // refund id, top-up id
  Str job;               // job name
  Str gpu_type;
  Str site;
  GpuMs gpu_ms = 0;      // usage metered (usage), work lost (refund)
  Micro rate = 0;        // micro-credits per GPU-hour
  Str note;              // programme of a grant, reason of a refund, note of a top-up
  bool operator==(const BasicMemo&) const = default;
};
using Memo = BasicMemo<std::string>;
using MemoView = BasicMemo<std::string_view>;

// Moves `amount` (> 0) from one account to another at time `at`. `id` is a string, unique in
// the Book; the Ledger derives it from the operation (see ledger.h).
template <class Str>
struct BasicTransfer {
  Str id;
  AccountId from = 0;
  AccountId to = 0;
  Micro amount = 0;
  TimeMs at = 0;
  BasicMemo<Str> memo;
  bool operator==(const BasicTransfer&) const = default;
};
using Transfer = BasicTransfer<std::string>;
// A transfer whose strings live elsewhere: in the Book's log (Book::transfers(), valid while
// the Book lives and is not assigned or loaded), or in what the caller keeps for the call.
// The Ledger's several transfers of every job segment are built so, without a string copied.
using TransferView = BasicTransfer<std::string_view>;

MemoView view_of(const Memo& m);
TransferView view_of(const Transfer& t);
Transfer owned(const TransferView& t);

// The same movement: equal in everything but the time. A replay of an id with the same
// content is a duplicate (a journal replayed later, an agent's report sent twice), not a conflict.
inline bool same_content(const TransferView& a, const TransferView& b) {
  return a.id == b.id && a.from == b.from && a.to == b.to && a.amount == b.amount && a.memo == b.memo;
}

// What an operation did: applied now, or recognised as a replay of one applied before.
enum class OpOutcome : std::uint8_t { kApplied, kDuplicate };

}  // namespace hexa
