// The HTML report's inline stylesheet and script (report_html_assets.cc), apart from the C++
// that assembles the page so that each can be read on its own.
#pragma once

namespace hexa {

extern const char* const kReportCss;
extern const char* const kReportScript;

}  // namespace hexa
