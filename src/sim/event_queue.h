// EventQueue: the simulator's agenda. Events pop in (time, sequence) order, so two events at
// the same instant always come out in the order they were pushed: runs are reproducible.
#pragma once

#include <algorithm>
#include <cstdint>
#include <queue>
#include <vector>

#include "model/units.h"

namespace hexa {

enum class EventKind : std::uint8_t { kArrive, kComplete, kWake, kFail, kRepair };

struct Event {
  TimeMs time = 0;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::kArrive;
  std::uint32_t subject = 0;  // trace index (arrive), core job id (complete), failure index (fail, repair)
  std::uint32_t epoch = 0;    // complete: the run segment it ends; stale ones are dropped
};

class EventQueue {
 public:
  // Arrivals of subjects 0..n-1 at these times, in order of time, before any other push: they
  // take sequence numbers 0..n-1, as n pushes would, but wait in this list rather than in the
  // heap (a trace's arrivals are most of its events, and the heap's log n per push and pop was
  // a tenth of a trace replay). Times out of order are pushed into the heap one by one.
  void push_arrivals(std::vector<TimeMs> times) {
    if (next_seq_ != 0 || !std::is_sorted(times.begin(), times.end())) {
      for (std::uint32_t i = 0; i < times.size(); ++i) push(times[i], EventKind::kArrive, i);
      return;
    }
    arrivals_ = std::move(times);
    next_seq_ = arrivals_.size();
    next_arrival_ = 0;
    load_arrival();
  }
  void push(TimeMs time, EventKind kind, std::uint32_t subject = 0, std::uint32_t epoch = 0) {
    heap_.push(Event{time, next_seq_++, kind, subject, epoch});
  }
  bool empty() const { return heap_.empty() && next_arrival_ > arrivals_.size(); }
  const Event& top() const { return arrival_first() ? arrival_ : heap_.top(); }
  Event pop() {
    if (arrival_first()) {
      Event e = arrival_;
      load_arrival();
      return e;
    }
    Event e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  bool has_arrival() const { return next_arrival_ <= arrivals_.size(); }
  bool arrival_first() const { return has_arrival() && (heap_.empty() || Later()(heap_.top(), arrival_)); }
  // arrival_ is the next arrival not popped; next_arrival_ counts those loaded into it.
  void load_arrival() {
    if (next_arrival_ < arrivals_.size()) {
      const auto i = static_cast<std::uint32_t>(next_arrival_);
      arrival_ = Event{arrivals_[i], i, EventKind::kArrive, i, 0};
    }
    ++next_arrival_;
  }
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::vector<TimeMs> arrivals_;
  std::size_t next_arrival_ = 1;  // > arrivals_.size(): none waiting
  Event arrival_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace hexa
