// The HTML lab report (analysis/report_html.hpp): self-contained (no script, no network), every
// plot present, and rendered by headless Chromium into a non-blank screenshot with the plots in
// the DOM (skipped with a message when Chromium is absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analysis/report_html.hpp"
#include "chromium.hpp"
#include "profile_fixture.hpp"

namespace loupe::analysis {
namespace {

namespace fs = std::filesystem;

const char* kPlots[] = {"id=\"roofline\"",    "id=\"time\"", "id=\"percent\"",
                        "id=\"attribution\"", "id=\"macs\"", "id=\"energy\""};

TEST(ReportHtml, SelfContainedWithEveryPlot) {
  const std::string h = render_html(testing::fixture_profile());
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : kPlots) EXPECT_EQ(testing::count_of(h, id), 1) << id;
  // One roofline point per step with a positive intensity and rate: both fixture steps.
  EXPECT_EQ(testing::count_of(h, "<circle class=\"layer\""), 2);
  // The DRAM, L3 and L2 slopes and the compute roof.
  EXPECT_EQ(testing::count_of(h, "class=\"ceiling\""), 4);
  // Nothing fetched from anywhere: no script, no external source or link.
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  EXPECT_EQ(h.find("href="), std::string::npos);
  EXPECT_EQ(h.find("@import"), std::string::npos);
  // Names are escaped.
  ProfileResult r = testing::fixture_profile();
  r.steps[0].info.name = "a<b>&\"c\"";
  const std::string e = render_html(r);
  EXPECT_EQ(e.find("a<b>"), std::string::npos);
  EXPECT_NE(e.find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
}

TEST(ReportHtml, WriteFailsWithThePath) {
  try {
    write_html("/nonexistent-dir/report.html", testing::fixture_profile());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/report.html: cannot write"),
              std::string::npos);
  }
}

TEST(ReportHtml, RendersInHeadlessChromium) {
  if (testing::find_chromium().empty()) {
    GTEST_SKIP() << "chromium not installed (apt-get install chromium; scripts/deps.sh)";
  }
  const fs::path dir = fs::temp_directory_path() / ("loupe_html_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_html((dir / "report.html").string(), testing::fixture_profile());
  std::ofstream(dir / "blank.html") << "<!DOCTYPE html><html><body></body></html>\n";
  const int64_t report =
      testing::chromium_screenshot(dir / "report.html", dir / "report.png", 1000, 2400);
  const int64_t blank =
      testing::chromium_screenshot(dir / "blank.html", dir / "blank.png", 1000, 2400);
  ASSERT_GT(report, 0) << "chromium wrote no screenshot";
  ASSERT_GT(blank, 0);
  // A blank page compresses to almost nothing; plots, axes and text do not.
  EXPECT_GT(report, 4 * blank) << "report " << report << " bytes, blank page " << blank;
  const std::string dom = testing::chromium_dump_dom(dir / "report.html");
  for (const char* id : kPlots) EXPECT_EQ(testing::count_of(dom, id), 1) << id;
  EXPECT_EQ(testing::count_of(dom, "<circle class=\"layer\""), 2);
  EXPECT_GE(testing::count_of(dom, "<rect "), 2 * 5);  // bars in every bar chart
  fs::remove_all(dir);
}

}  // namespace
}  // namespace loupe::analysis
