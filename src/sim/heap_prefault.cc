#include "sim/heap_prefault.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>

#include "model/sanitizer.h"

namespace hexa {

namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kChunk = std::uintptr_t{8} << 20;  // one madvise call: stop checks between
constexpr auto kPoll = std::chrono::milliseconds(1);

// The program break, asked of the kernel: brk(0) changes nothing and returns it. (glibc's sbrk(0)
// reads a variable the simulating thread's malloc writes.)
std::uintptr_t current_break() { return static_cast<std::uintptr_t>(::syscall(SYS_brk, 0)); }

}  // namespace

HeapPrefault::HeapPrefault(std::size_t skip, std::size_t step) {
  if (kUnderSanitizer) return;
  const std::uintptr_t start = current_break();
  if (start == 0 || start == static_cast<std::uintptr_t>(-1)) return;
  thread_ = std::thread([this, from = (start + skip + kPage - 1) & ~(kPage - 1), step] { run(from, step); });
}

HeapPrefault::~HeapPrefault() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HeapPrefault::run(std::uintptr_t from, std::size_t step) {
  std::uintptr_t done = from;  // populated up to here
  bool big = false;
  std::unique_lock lock(mu_);
  while (!stop_) {
    const std::uintptr_t top = current_break() & ~(kPage - 1);
    if (top < done) done = std::max(from, top);  // the heap was trimmed: what comes back is new
    if (top > done) {
      if (!big && step > 0) {  // a big run: the heap grows a step at a time from now on
        big = true;
        mallopt(M_TOP_PAD, static_cast<int>(std::min<std::size_t>(step, INT32_MAX)));
      }
      lock.unlock();
      const bool go_on = populate(done, top);
      lock.lock();
      if (!go_on) return;
      done = top;
      continue;  // the heap may have grown meanwhile
    }
    wake_.wait_for(lock, kPoll, [this] { return stop_.load(); });
  }
}

bool HeapPrefault::populate(std::uintptr_t from, std::uintptr_t to) {
  // Huge pages first, so that population maps 2 MB pages (THP `madvise` mode): fewer faults and
  // fewer TLB misses for the run. Refused (no THP): 4 KB pages, populated all the same.
  ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  for (std::uintptr_t begin = from; begin < to && !stop_;) {
    const std::uintptr_t end = to - begin > kChunk ? begin + kChunk : to;
    if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) != 0) {
      if (errno == EINVAL || errno == EPERM) {  // not on this kernel: stop for good
        refused_ = true;
        return false;
      }
      return true;  // ENOMEM: the heap shrank under us; the loop reads the break again
    }
    populated_.fetch_add(end - begin, std::memory_order_relaxed);
    begin = end;
  }
  return true;
}

}  // namespace hexa
