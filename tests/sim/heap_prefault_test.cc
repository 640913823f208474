#include "sim/heap_prefault.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <thread>
#include <vector>

#include "model/sanitizer.h"

namespace hexa {
namespace {

// Blocks below malloc's mmap threshold (128 KB by default), so that they come from the brk heap
// the prefault thread watches.
constexpr std::size_t kBlock = 64 << 10;
constexpr std::uintptr_t kGrowth = std::uintptr_t{64} << 20;  // the heap must grow by this much
constexpr std::size_t kMostBlocks = 32768;                    // 2 GB: a heap with that much free is not ours

std::uintptr_t program_break() { return reinterpret_cast<std::uintptr_t>(::sbrk(0)); }

unsigned char pattern(std::size_t block, std::size_t at) { return static_cast<unsigned char>(block * 31 + at * 7 + 1); }

TEST(HeapPrefault, PopulatesTheGrowingHeapAndChangesNoContent) {
  if (kUnderSanitizer) GTEST_SKIP() << "a sanitizer's allocator has no brk heap";
  HeapPrefault prefault(0, 0);
  std::vector<unsigned char*> blocks;
  // Written while the thread works on the same pages: what the run wrote must stay. Allocated
  // until the heap grew (earlier tests of this process may have left free blocks to reuse).
  const std::uintptr_t start = program_break();
  for (std::size_t b = 0; program_break() - start < kGrowth; ++b) {
    ASSERT_LT(b, kMostBlocks) << "the heap did not grow";
    auto* p = static_cast<unsigned char*>(std::malloc(kBlock));
    ASSERT_NE(p, nullptr);
    for (std::size_t i = 0; i < kBlock; i += 512) p[i] = pattern(b, i);
    blocks.push_back(p);
  }
  for (int waited = 0; prefault.populated() == 0 && !prefault.refused() && waited < 2000; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (prefault.refused()) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux 5.14)";
  EXPECT_GT(prefault.populated(), 0u);
  for (std::size_t b = 0; b < blocks.size(); ++b)
    for (std::size_t i = 0; i < kBlock; i += 512) ASSERT_EQ(blocks[b][i], pattern(b, i)) << "block " << b;
  for (unsigned char* p : blocks) std::free(p);
}

TEST(HeapPrefault, StopsAtOnceWhenNothingGrows) {
  HeapPrefault prefault(std::size_t{1} << 30, 0);  // nothing ever past the first GB here
  EXPECT_EQ(prefault.populated(), 0u);
}  // the destructor joins within a poll interval

}  // namespace
}  // namespace hexa
