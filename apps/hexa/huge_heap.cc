#include "huge_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "model/sanitizer.h"

namespace hexa {

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;  // x86-64's and arm64's THP size

}  // namespace

void prefer_huge_pages_for_heap(std::size_t bytes) {
  if (kUnderSanitizer) return;
  // Every later growth of the heap also takes `bytes` more, so a run that outgrows this first
  // part grows in large steps (fewer brk calls), and free() trims only beyond that much.
  if (mallopt(M_TOP_PAD, static_cast<int>(bytes)) == 0) return;
  // Large blocks (a run's job vectors, the trace's text) from that heap too, not from mmaps of
  // their own with 4 KB pages.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes / 4));
  // And the largest (a ledger's or a job table's vector as it doubles) too: all of the heap is
  // then where HeapPrefault (sim/heap_prefault.h) can fault it in ahead of the run.
  mallopt(M_MMAP_MAX, 0);
  const auto before = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  // volatile: a malloc freed at once is otherwise left out by the compiler.
  void* volatile grow = std::malloc(64 << 10);  // the heap grows by it + `bytes`, now
  const auto after = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  std::free(grow);
  const std::uintptr_t from = (before + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t to = after & ~(kHugePage - 1);
  if (before == static_cast<std::uintptr_t>(-1) || to <= from) return;
  ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);  // refused: 4 KB pages, as before
}

}  // namespace hexa
