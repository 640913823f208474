#include "cli/table.h"

#include <gtest/gtest.h>

namespace hexa::cli {
namespace {

TEST(Table, AlignsColumnsTwoSpacesApartWithoutTrailingBlanks) {
  Table t({"ID", "NAME", "REASON"});
  t.add({"7", "train", "waiting for 4 GPUs"});
  t.add({"12", "x", ""});
  EXPECT_EQ(t.render(), "ID  NAME   REASON\n"
                        "7   train  waiting for 4 GPUs\n"
                        "12  x\n");
}

TEST(Table, CutsTheLastColumnToTheTerminal) {
  Table t({"ID", "REASON"});
  t.add({"7", "waiting for 4 GPUs of type H100 at paris"});
  EXPECT_EQ(t.render(20), "ID  REASON\n"
                          "7   waiting for 4...\n");
  EXPECT_EQ(t.render(200), "ID  REASON\n"
                           "7   waiting for 4 GPUs of type H100 at paris\n");
  EXPECT_EQ(t.render(5), "ID  REASON\n"  // never less than a few characters
                         "7   waiti...\n");
}

TEST(Table, CountsUtf8CharactersAsOneColumn) {
  Table t({"NAME", "X"});
  t.add({"été", "1"});
  t.add({"abcd", "2"});
  EXPECT_EQ(t.render(), "NAME  X\n"
                        "été   1\n"
                        "abcd  2\n");
}

}  // namespace
}  // namespace hexa::cli
