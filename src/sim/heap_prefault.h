// HeapPrefault: a thread that faults in the heap's fresh pages before the run touches them.
// The France month touches ~1.7 GB of new heap; every fresh page is a fault that zeroes it, and
// those faults were about 4 s of system time on the simulating thread (663,000 faults). A second
// core, idle during a simulation, takes them instead: it asks the kernel for huge pages on each
// new part of the heap and populates it (madvise MADV_HUGEPAGE, then MADV_POPULATE_WRITE), front
// to back, 8 MB at a time. The run writes a new part front to back too, more slowly than the
// thread populates it, so the thread is ahead after its first chunk. (Back to front, they met
// in the middle: the run faulted the front of every step itself, 5% of the month's simulating
// thread in 2 MB page faults.)
//
// Contents never change (populating a page maps a zeroed page only where none is mapped), so the
// run's results cannot depend on it; the test runs a simulation with it and without it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace hexa {

class HeapPrefault {
 public:
  // Starts the thread; the first `skip` bytes of heap above the current break are left to the
  // run (a small run never needs the thread's help, nor the memory it would populate). Once the
  // heap is past them (a big run), the heap grows `step` bytes at a time (malloc's top pad), so
  // that the thread works far enough ahead of what the run writes. Does
  // nothing under a sanitizer, where brk is not malloc's heap, or where the kernel lacks
  // MADV_POPULATE_WRITE (before Linux 5.14): the thread stops at the first refusal.
  HeapPrefault(std::size_t skip, std::size_t step);
  ~HeapPrefault();  // stops and joins the thread (within a few ms)
  HeapPrefault(const HeapPrefault&) = delete;
  HeapPrefault& operator=(const HeapPrefault&) = delete;

  // Bytes populated so far: for the test.
  std::size_t populated() const { return populated_.load(std::memory_order_relaxed); }
  // Whether the kernel refused the advice (the thread then stopped): for the test.
  bool refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  void run(std::uintptr_t from, std::size_t step);
  // Populates [from, to) front to back; false when the kernel refuses the advice for good.
  bool populate(std::uintptr_t from, std::uintptr_t to);

  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> populated_{0};
  std::atomic<bool> refused_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace hexa
