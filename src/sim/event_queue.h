// EventQueue: the simulator's agenda. Events pop in (time, sequence) order, so two events at
// the same instant always come out in the order they were pushed: runs are reproducible.
#pragma once

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
  void push(TimeMs time, EventKind kind, std::uint32_t subject = 0, std::uint32_t epoch = 0) {
    heap_.push(Event{time, next_seq_++, kind, subject, epoch});
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
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
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace hexa
