// Statement rendering: JSON and CSV written by hand, so that the ledger needs no library and
// the text is the same, byte for byte, on every machine.
#include <cstdio>
#include <string>

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

}  // namespace hexa
