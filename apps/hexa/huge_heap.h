// Backs the first part of the malloc heap with transparent huge pages (THP), for the simulate
// command: a simulation touches tens of MB of fresh heap, and on a kernel whose THP mode is
// `madvise` (Debian's default) each 4 KB page is a fault of its own. cluster04: 5,800 page
// faults and ~6 ms of its ~52 ms of CPU are saved (docs/PERFORMANCE.md, "Start-up").
#pragma once

#include <cstddef>

namespace hexa {

// Grows the heap by `bytes` now (malloc's top pad) and asks the kernel for huge pages there
// (madvise MADV_HUGEPAGE). Best effort: does nothing where THP, sbrk or madvise are unavailable,
// and nothing under a sanitizer (its allocator has no brk heap). Call once, early.
void prefer_huge_pages_for_heap(std::size_t bytes);

}  // namespace hexa
