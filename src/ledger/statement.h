// A tenant's statement for a period [from, to): what came in, what went out, one line per job.
// "Balance" is all the tenant's money: cash + grants + open holds (money held is still the
// tenant's until posted). So opening + grants + top-ups + refunds - usage - expiries = closing.
#pragma once

#include <string>
#include <vector>

#include "ledger/money.h"

namespace hexa {

struct StatementLine {
  TimeMs at = 0;         // time of the (first) transfer
  std::string ref;       // grant id, hold id, refund id, top-up id
  std::string job;
  std::string gpu_type;
  std::string site;
  GpuMs gpu_ms = 0;
  Micro rate = 0;        // micro-credits per GPU-hour
  Micro amount = 0;      // > 0; its sign is the section's
  std::string note;      // programme, reason
  bool operator==(const StatementLine&) const = default;
};

struct Statement {
  std::string tenant;
  TimeMs from = 0;
  TimeMs to = 0;
  Micro opening = 0;
  std::vector<StatementLine> grants;    // +
  std::vector<StatementLine> topups;    // +
  std::vector<StatementLine> jobs;      // -, one line per job (hold): its usage posted in the period
  std::vector<StatementLine> refunds;   // +
  std::vector<StatementLine> expiries;  // -, grants expired, and held grant money returned after expiry
  Micro closing = 0;
  bool operator==(const Statement&) const = default;
};

// Sum of the amounts of `lines`.
Micro total(const std::vector<StatementLine>& lines);

// Renders with exact decimal credits ("12.500000") and GPU-hours to 3 decimals beside the
// exact GPU-ms. JSON: one object, sections as arrays. CSV: one table, a header and one row per
// line, the section in the first column, "opening" first and "closing" last.
std::string statement_json(const Statement& s);
std::string statement_csv(const Statement& s);
// For people, like a cloud console's invoice: a header (tenant, period as "day D hh:mm" from
// time 0, opening balance), then the sections Grants, Top-ups, Jobs (time, job, GPU type,
// site, GPU-hours, credits per GPU-hour, amount), Refunds and Expiries, each a table with its
// subtotal, then the closing balance and a check line: opening + in - out = closing. Credits
// are exact (format_credits), GPU-hours to 3 decimals half up; no floating point.
// `calendar`: the statement's times are ms since the Unix epoch (a live cloud's): dates in UTC.
std::string statement_text(const Statement& s, bool calendar = false);

}  // namespace hexa
