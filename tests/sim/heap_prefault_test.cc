#include "sim/heap_prefault.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "model/sanitizer.h"

namespace hexa {
namespace {

// Blocks below malloc's mmap threshold (128 KB by default), so that they come from the brk heap
// the prefault thread watches.
constexpr std::size_t kBlock = 64 << 10;
constexpr std::size_t kBlocks = 2048;  // 128 MB

unsigned char pattern(std::size_t block, std::size_t at) { return static_cast<unsigned char>(block * 31 + at * 7 + 1); }

TEST(HeapPrefault, PopulatesTheGrowingHeapAndChangesNoContent) {
  if (kUnderSanitizer) GTEST_SKIP() << "a sanitizer's allocator has no brk heap";
  HeapPrefault prefault(0);
  std::vector<unsigned char*> blocks;
  // Written while the thread works on the same pages: what the run wrote must stay.
  for (std::size_t b = 0; b < kBlocks; ++b) {
    auto* p = static_cast<unsigned char*>(std::malloc(kBlock));
    ASSERT_NE(p, nullptr);
    for (std::size_t i = 0; i < kBlock; i += 512) p[i] = pattern(b, i);
    blocks.push_back(p);
  }
  for (int waited = 0; prefault.populated() == 0 && !prefault.refused() && waited < 2000; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (prefault.refused()) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux 5.14)";
  EXPECT_GT(prefault.populated(), 0u);
  for (std::size_t b = 0; b < kBlocks; ++b)
    for (std::size_t i = 0; i < kBlock; i += 512) ASSERT_EQ(blocks[b][i], pattern(b, i)) << "block " << b;
  for (unsigned char* p : blocks) std::free(p);
}

TEST(HeapPrefault, StopsAtOnceWhenNothingGrows) {
  HeapPrefault prefault(std::size_t{1} << 30);  // nothing ever past the first GB here
  EXPECT_EQ(prefault.populated(), 0u);
}  // the destructor joins within a poll interval

}  // namespace
}  // namespace hexa
