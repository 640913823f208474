// Statement rendering: JSON and CSV written by hand, so that the ledger needs no library and
// the text is the same, byte for byte, on every machine.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ledger/statement.h"

namespace hexa {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string credits(Micro m) { return json_string(format_credits(m)); }

// One section of the JSON statement: an array of objects with the fields that section uses.
enum Fields : unsigned { kRef = 1, kJob = 2, kUsage = 4, kNote = 8 };

void json_lines(std::string& out, const char* name, const char* ref_name, const char* note_name, unsigned fields,
                const std::vector<StatementLine>& lines) {
  out += "  \"" + std::string(name) + "\": [";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const StatementLine& l = lines[i];
    out += i ? ",\n    {" : "\n    {";
    out += "\"at\": " + std::to_string(l.at);
    if (fields & kRef) out += ", \"" + std::string(ref_name) + "\": " + json_string(l.ref);
    if (fields & kJob) out += ", \"job\": " + json_string(l.job);
    if (fields & kUsage) {
      out += ", \"gpu_type\": " + json_string(l.gpu_type) + ", \"site\": " + json_string(l.site);
      out += ", \"gpu_ms\": " + std::to_string(l.gpu_ms) + ", \"gpu_hours\": " + json_string(format_gpu_hours(l.gpu_ms));
      out += ", \"rate\": " + credits(l.rate);
    }
    if (fields & kNote) out += ", \"" + std::string(note_name) + "\": " + json_string(l.note);
    out += ", \"amount\": " + credits(l.amount) + "}";
  }
  out += lines.empty() ? "],\n" : "\n  ],\n";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void csv_row(std::string& out, const char* section, const StatementLine& l, bool usage) {
  out += std::string(section) + "," + std::to_string(l.at) + "," + csv_field(l.ref) + "," + csv_field(l.job) + ",";
  out += csv_field(l.gpu_type) + "," + csv_field(l.site) + ",";
  out += usage ? std::to_string(l.gpu_ms) + "," + format_gpu_hours(l.gpu_ms) + "," + format_credits(l.rate) : ",,";
  out += "," + format_credits(l.amount) + "," + csv_field(l.note) + "\n";
}


// ---- text -------------------------------------------------------------------------------------

// "YYYY-MM-DD hh:mm" (UTC) of ms since the Unix epoch, floored to the minute. Days to a civil
// date: the proleptic Gregorian calendar, counted in 400-year eras.
std::string calendar_time(TimeMs t) {
  std::int64_t days = t / kDay - (t % kDay < 0 ? 1 : 0);
  std::int64_t ms = t - days * kDay;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(ms / kHour),
                static_cast<long long>(ms / kMinute % 60));
  return buf;
}

// "day D hh:mm" counted from time 0, floored to the minute (a negative time gets a '-'); or,
// when the statement's times are wall-clock ones, the UTC date.
std::string day_time(TimeMs t, bool calendar = false) {
  if (calendar) return calendar_time(t);
  std::uint64_t mag = t < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  std::uint64_t minutes = mag / static_cast<std::uint64_t>(kMinute);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sday %llu %02u:%02u", t < 0 ? "-" : "",
                static_cast<unsigned long long>(minutes / (24 * 60)), static_cast<unsigned>(minutes / 60 % 24),
                static_cast<unsigned>(minutes % 60));
  return buf;
}

// Exact decimal credits of a 128-bit sum (sums of int64 amounts cannot overflow it).
std::string credits128(Int128 v) {
  Int128 mag = v < 0 ? -v : v;  // a sum of int64 amounts is far from the 128-bit limits
  Int128 whole = mag / kMicroPerCredit;
  auto frac = static_cast<unsigned>(mag % kMicroPerCredit);
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(whole % 10));
    whole /= 10;
  } while (whole > 0);
  std::reverse(digits.begin(), digits.end());
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", frac);
  return (v < 0 ? "-" : "") + digits + "." + buf;
}

Int128 sum128(const std::vector<StatementLine>& lines) {
  Int128 sum = 0;
  for (const StatementLine& l : lines) sum += l.amount;
  return sum;
}

// A table of text cells, columns padded to their widest cell, two spaces apart, indented.
struct Table {
  std::vector<std::string> head;
  std::vector<bool> right;  // right-aligned (numbers)
  std::vector<std::vector<std::string>> rows;

  void render(std::string& out) const {
    std::vector<std::size_t> width(head.size(), 0);
    auto measure = [&width](const std::vector<std::string>& row) {
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    };
    measure(head);
    for (const auto& row : rows) measure(row);
    auto line = [&](const std::vector<std::string>& row) {
      std::string text;
      for (std::size_t i = 0; i < row.size(); ++i) {
        std::string pad(width[i] - row[i].size(), ' ');
        text += "  " + (right[i] ? pad + row[i] : row[i] + pad);
      }
      text.erase(text.find_last_not_of(' ') + 1);
      out += text + "\n";
    };
    line(head);
    for (const auto& row : rows) line(row);
  }
};

// One section: its title, and a table of its lines and their subtotal, or "none".
void text_section(std::string& out, const std::string& title, Table table, std::vector<std::string> subtotal,
                  Micro amount) {
  out += "\n" + title + "\n";
  if (table.rows.empty()) {
    out += "  none (subtotal " + format_credits(amount) + ")\n";
    return;
  }
  table.rows.push_back(std::move(subtotal));
  table.render(out);
}

Table ref_table(bool calendar, const std::string& ref_name, const std::string& note_name, const std::vector<StatementLine>& lines,
                bool with_job) {
  Table t;
  t.head = {"time", ref_name};
  if (with_job) t.head.push_back("job");
  t.head.insert(t.head.end(), {note_name, "amount"});
  t.right.assign(t.head.size(), false);
  t.right.back() = true;
  for (const StatementLine& l : lines) {
    std::vector<std::string> row = {day_time(l.at, calendar), l.ref};
    if (with_job) row.push_back(l.job);
    row.insert(row.end(), {l.note, format_credits(l.amount)});
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> subtotal_row(std::size_t columns, Micro amount) {
  std::vector<std::string> row(columns);
  row.front() = "subtotal";
  row.back() = format_credits(amount);
  return row;
}

}  // namespace

std::string statement_json(const Statement& s) {
  std::string out = "{\n";
  out += "  \"tenant\": " + json_string(s.tenant) + ",\n";
  out += "  \"from\": " + std::to_string(s.from) + ",\n  \"to\": " + std::to_string(s.to) + ",\n";
  out += "  \"opening\": " + credits(s.opening) + ",\n";
  json_lines(out, "grants", "grant", "programme", kRef | kNote, s.grants);
  json_lines(out, "topups", "topup", "note", kRef | kNote, s.topups);
  json_lines(out, "jobs", "hold", "", kRef | kJob | kUsage, s.jobs);
  json_lines(out, "refunds", "refund", "reason", kRef | kJob | kNote, s.refunds);
  json_lines(out, "expiries", "grant", "note", kRef | kNote, s.expiries);
  out += "  \"totals\": {\"grants\": " + credits(total(s.grants)) + ", \"topups\": " + credits(total(s.topups)) +
         ", \"usage\": " + credits(total(s.jobs)) + ", \"refunds\": " + credits(total(s.refunds)) +
         ", \"expiries\": " + credits(total(s.expiries)) + "},\n";
  out += "  \"closing\": " + credits(s.closing) + "\n}\n";
  return out;
}

std::string statement_csv(const Statement& s) {
  std::string out = "section,at,ref,job,gpu_type,site,gpu_ms,gpu_hours,rate,amount,note\n";
  StatementLine opening{s.from, s.tenant, "", "", "", 0, 0, s.opening, ""};
  csv_row(out, "opening", opening, false);
  for (const StatementLine& l : s.grants) csv_row(out, "grant", l, false);
  for (const StatementLine& l : s.topups) csv_row(out, "topup", l, false);
  for (const StatementLine& l : s.jobs) csv_row(out, "job", l, true);
  for (const StatementLine& l : s.refunds) csv_row(out, "refund", l, false);
  for (const StatementLine& l : s.expiries) csv_row(out, "expiry", l, false);
  StatementLine closing{s.to, s.tenant, "", "", "", 0, 0, s.closing, ""};
  csv_row(out, "closing", closing, false);
  return out;
}

std::string statement_text(const Statement& s, bool calendar) {
  std::string out = "Credit statement (amounts in credits)\n";
  out += "  tenant           " + s.tenant + "\n";
  out += "  period           " + day_time(s.from, calendar) + " to " + day_time(s.to, calendar) +
         (calendar ? " UTC" : "") + " (ms " + std::to_string(s.from) + " to " + std::to_string(s.to) +
         ", end excluded)\n";
  out += "  opening balance  " + format_credits(s.opening) + " credits\n";

  auto plain = [&out, calendar](const std::string& title, const std::string& ref_name, const std::string& note_name,
                      const std::vector<StatementLine>& lines, bool with_job) {
    Table t = ref_table(calendar, ref_name, note_name, lines, with_job);
    text_section(out, title, t, subtotal_row(t.head.size(), total(lines)), total(lines));
  };
  plain("Grants (+)", "grant", "programme", s.grants, false);
  plain("Top-ups (+)", "top-up", "note", s.topups, false);

  Table jobs;
  jobs.head = {"time", "job", "GPU type", "site", "GPU-hours", "credits/GPU-h", "amount"};
  jobs.right = {false, false, false, false, true, true, true};
  GpuMs gpu_ms = 0;
  for (const StatementLine& l : s.jobs) {
    jobs.rows.push_back({day_time(l.at, calendar), l.job, l.gpu_type, l.site, format_gpu_hours(l.gpu_ms), format_credits(l.rate),
                         format_credits(l.amount)});
    gpu_ms = saturating_add(gpu_ms, l.gpu_ms);
  }
  std::vector<std::string> jobs_subtotal = subtotal_row(jobs.head.size(), total(s.jobs));
  jobs_subtotal[4] = format_gpu_hours(gpu_ms);
  text_section(out, "Jobs (-)", jobs, jobs_subtotal, total(s.jobs));

  plain("Refunds (+)", "refund", "reason", s.refunds, true);
  plain("Expiries (-)", "grant", "note", s.expiries, false);

  // In and out are summed on 128 bits: the check itself cannot overflow.
  Int128 in = sum128(s.grants) + sum128(s.topups) + sum128(s.refunds);
  Int128 outgoing = sum128(s.jobs) + sum128(s.expiries);
  Int128 computed = Int128{s.opening} + in - outgoing;
  out += "\n  closing balance  " + format_credits(s.closing) + " credits\n";
  out += "  check            opening + in - out = closing: " + format_credits(s.opening) + " + " + credits128(in) +
         " - " + credits128(outgoing) + " = " + credits128(computed);
  out += computed == s.closing ? " ok\n" : ", not " + format_credits(s.closing) + ": MISMATCH\n";
  out += "                   (in = grants + top-ups + refunds, out = jobs + expiries)\n";
  return out;
}

}  // namespace hexa
