// The HTML report in a real browser: `hexa simulate --report-html` on a small scenario, opened by
// headless Chromium (Debian's `chromium`, installed by scripts/setup.sh). The page must render,
// record no script error, and draw one <svg class="chart"> per series. A screenshot is kept in
// <build dir>/artifacts/ for a person to look at (docs/testing.md). Without chromium the test
// skips, saying so.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "run_hexa.h"
#include "test_files.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::quote;
using testing::read_file;
using testing::temp_path;

const std::string kScenario = HEXA_SOURCE_DIR "/tests/golden/report-scenario.yaml";

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

// Where screenshots are kept: <build dir>/artifacts, beside the hexa binary.
std::string artifact(const std::string& name) {
  fs::path dir = fs::path(HEXA_BINARY).parent_path() / "artifacts";
  fs::create_directories(dir);
  return (dir / name).string();
}

struct Page {
  int code = -1;
  std::string dom, log;
};

// Loads the page in headless Chromium, lets its script run, and returns the DOM after it. As
// root Chromium needs --no-sandbox; it gets its own profile and HOME, so runs never share one.
Page open_in_chromium(const std::string& browser, const std::string& html, const std::string& screenshot) {
  const std::string home = temp_path("chromium-home"), dom = temp_path("dom.html"), log = temp_path("chromium.log");
  fs::create_directories(home);
  std::string flags = " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                      " --disable-extensions --user-data-dir=" + quote(home + "/profile") +
                      " --virtual-time-budget=5000 ";
  std::string env = "HOME=" + quote(home) + " ";
  // The DOM once the script has run, then a screenshot (two runs: each flag ends the browser).
  std::string cmd = env + "timeout 90 " + browser + flags + "--dump-dom " + quote("file://" + html) + " >" + quote(dom) +
                    " 2>" + quote(log);
  Page p;
  int status = std::system(cmd.c_str());
  p.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  p.dom = read_file(dom);
  p.log = read_file(log);
  if (!screenshot.empty()) {
    std::string shot = env + "timeout 90 " + browser + flags + "--hide-scrollbars --window-size=1280,2400 --screenshot=" +
                       quote(screenshot) + " " + quote("file://" + html) + " >>" + quote(log) + " 2>&1";
    (void)std::system(shot.c_str());
  }
  return p;
}

int count(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

void check_page(const std::string& html, const std::string& shot, int charts) {
  const std::string browser = chromium();
  if (browser.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): the HTML report was "
                                       "written but not checked in a browser";
  Page p = open_in_chromium(browser, fs::absolute(html).string(), artifact(shot));
  ASSERT_EQ(p.code, 0) << "chromium failed:\n" << p.log;
  ASSERT_FALSE(p.dom.empty()) << "chromium printed no DOM:\n" << p.log;
  // The script marks its outcome on <body>.
  EXPECT_FALSE(contains(p.dom, "data-errors")) << "script errors: "
                                               << std::regex_replace(p.dom, std::regex("[\\s\\S]*data-errors=\"([^\"]*)\"[\\s\\S]*"), "$1");
  EXPECT_TRUE(contains(p.dom, "data-charts=\"" + std::to_string(charts) + "\"")) << "expected " << charts << " charts; <body> says "
      << std::regex_replace(p.dom, std::regex("[\\s\\S]*(data-charts=\"[^\"]*\")[\\s\\S]*"), "$1");
  EXPECT_EQ(count(p.dom, "<svg class=\"chart\""), charts);
  EXPECT_GE(count(p.dom, "<polyline"), 1);
  EXPECT_TRUE(fs::exists(artifact(shot)) && fs::file_size(artifact(shot)) > 10000)
      << "no screenshot at " << artifact(shot) << ":\n" << p.log;
}

TEST(ReportHtml, RendersInHeadlessChromium) {
  const std::string html = temp_path("report.html");
  testing::Exit e = testing::run_hexa("simulate", {kScenario, "--report-html", html, "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  const std::string page = read_file(html);
  // Self-contained: no fetch of anything.
  EXPECT_FALSE(contains(page, " src=")) << "a script or image from outside the page";
  EXPECT_FALSE(contains(page, "href=")) << "a link to outside the page";
  EXPECT_FALSE(contains(page, "https://"));
  EXPECT_FALSE(contains(page, "@import"));
  EXPECT_TRUE(contains(page, "<script type=\"application/json\" id=\"report-data\">"));
  // Utilisation per site, queue length, JCT and queueing CDFs per class, credits burn, energy
  // and carbon per site (no sessions in this scenario: the generator makes batch work).
  check_page(html, "report.png", 7);
}

TEST(ReportHtml, ComparisonRendersInHeadlessChromium) {
  const std::string html = temp_path("compare.html");
  testing::Exit e = testing::run_hexa("simulate", {kScenario, "--compare", "policy=fifo,fair", "--report-html", html, "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  // Utilisation and queue length overlaid, the two CDFs overlaid, credits, energy, carbon.
  check_page(html, "compare.png", 7);
}

}  // namespace
}  // namespace hexa
