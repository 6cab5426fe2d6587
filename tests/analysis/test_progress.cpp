// The progress bar (analysis/progress.hpp): what it draws, and that it stays silent when stderr
// is not a terminal or the caller disables it (--json).
#include <gtest/gtest.h>
#include <unistd.h>

#include "analysis/progress.hpp"

namespace loupe::analysis {
namespace {

TEST(Progress, RendersFractionAndLabel) {
  EXPECT_EQ(Progress::render("profile", 1, 4, "conv1", 8), "profile [##......] 1/4 conv1");
  EXPECT_EQ(Progress::render("x", 4, 4, "", 4), "x [####] 4/4 ");
  EXPECT_EQ(Progress::render("x", 9, 4, "", 4), "x [####] 9/4 ");  // clamped bar
  EXPECT_EQ(Progress::render("x", 0, 0, "", 4), "x [....] 0/0 ");
}

TEST(Progress, DisabledWhenAskedOrNotATerminal) {
  EXPECT_FALSE(Progress("p", 10, false).active());
  EXPECT_EQ(Progress("p", 10, true).active(), ::isatty(STDERR_FILENO) == 1);
}

}  // namespace
}  // namespace loupe::analysis
