#include "sim/report_html.h"

#include <fstream>

#include "sim/report_html_assets.h"

namespace hexa {
namespace {

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script>: a '<' only ever appears inside JSON strings, where \u003c means the
// same, so no "</script>" or "<!--" in a tenant or job name can end the block early.
std::string embeddable(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

std::string subtitle(const nlohmann::ordered_json& r) {
  if (r.contains("variants")) return "Comparison of " + std::to_string(r["variants"].size()) + " variants";
  std::string s = "policy " + r.value("policy", std::string()) + ", placement " + r.value("placement", std::string()) +
                  ", " + std::to_string(r.value("gpus", 0L)) + " GPUs";
  if (r.value("oracle", false)) s += " (oracle: uses true durations)";
  return s;
}

}  // namespace

std::string report_html(const nlohmann::ordered_json& report, const std::string& title) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + escape_html(title) + " - Hexagone planning report</title>\n";
  h += "<style>" + std::string(kReportCss) + "</style>\n</head>\n<body>\n";
  h += "<header><h1>" + escape_html(title) + "</h1><p>Hexagone planning report: " + escape_html(subtitle(report)) +
       "</p></header>\n";
  h += "<main id=\"report\"><noscript>The charts need JavaScript; the figures are in the JSON below.</noscript></main>\n";
  h += "<script type=\"application/json\" id=\"report-data\">" + embeddable(report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)) + "</script>\n";
  h += "<script>" + std::string(kReportScript) + "</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

Status write_report_html(const nlohmann::ordered_json& report, const std::string& title, const std::string& path,
                         const std::string& flag) {
  std::ofstream f(path, std::ios::binary);
  if (!f) return Status::Invalid(flag + ": cannot write '" + path + "'");
  f << report_html(report, title);
  f.close();
  if (!f) return Status::Invalid(flag + ": write to '" + path + "' failed");
  return Status::Ok();
}

}  // namespace hexa
