#include "server/util_history.h"

#include <chrono>

namespace hexa {

void UtilHistory::add(const UtilSample& s) {
  std::lock_guard lock(mu_);
  if (ring_.size() < capacity_) {
    ring_.push_back(s);
    return;
  }
  ring_[next_] = s;
  next_ = (next_ + 1) % capacity_;
}

std::vector<UtilSample> UtilHistory::samples() const {
  std::lock_guard lock(mu_);
  std::vector<UtilSample> out(ring_.begin() + static_cast<std::ptrdiff_t>(next_), ring_.end());
  out.insert(out.end(), ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(next_));
  return out;
}

void UtilHistory::start(std::function<UtilSample()> take, DurationMs every) {
  thread_ = std::thread([this, take = std::move(take), every] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      UtilSample s = take();
      add(s);
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(every), [this] { return stopping_; });
    }
  });
}

void UtilHistory::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hexa
