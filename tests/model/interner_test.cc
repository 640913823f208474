// The interner's ids, and its lookup by view (no std::string built per find).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/interner.h"

namespace hexa {
namespace {

TEST(Interner, IdsInOrderOfFirstSight) {
  Interner in;
  EXPECT_EQ(in.intern("paris"), 0u);
  EXPECT_EQ(in.intern("marseille"), 1u);
  EXPECT_EQ(in.intern("paris"), 0u);
  EXPECT_EQ(in.size(), 2u);
  EXPECT_EQ(in.name(1), "marseille");
}

TEST(Interner, FindsByViewOfAnyBuffer) {
  Interner in;
  in.intern("h100");
  in.intern("a100");
  // A view into a larger buffer: only its own characters count.
  const std::string buffer = "a100-and-more";
  EXPECT_EQ(in.find(std::string_view(buffer).substr(0, 4)), 1u);
  EXPECT_EQ(in.find(std::string_view(buffer)), std::nullopt);
  EXPECT_EQ(in.find("h10"), std::nullopt);
  EXPECT_EQ(in.find(""), std::nullopt);
  in.intern("");
  EXPECT_EQ(in.find(""), 2u);
}

// Many names, interned and found again through views of fresh strings: every id comes back.
TEST(Interner, ManyNamesRoundTrip) {
  Interner in;
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(in.intern("startup-" + std::to_string(i)), static_cast<std::uint32_t>(i));
  for (int i = 0; i < 5000; ++i) {
    const std::string name = "startup-" + std::to_string(i);
    ASSERT_EQ(in.find(std::string_view(name)), static_cast<std::uint32_t>(i));
    EXPECT_EQ(in.name(static_cast<std::uint32_t>(i)), name);
  }
  EXPECT_EQ(in.find("startup-5000"), std::nullopt);
}

}  // namespace
}  // namespace hexa
