// PendingQueue: the pending jobs, kept in order between passes so that a pass costs what it
// looks at, not the length of the queue.
//
// Jobs sit in groups; a group holds jobs of one priority and one policy group (the tenant for
// fair share, a single group otherwise), ordered by their policy key. A pass visits groups by
// (priority descending, group rank ascending) and each group's jobs in key order. Keys are
// computed when a job enters the queue; a policy whose keys change while jobs wait re-keys
// them explicitly (requeue).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "model/job.h"

namespace hexa {

struct PolicyKey {
  std::int64_t level = 0;
  std::int64_t tie = 0;  // usually arrival order
  auto operator<=>(const PolicyKey&) const = default;
};

struct QueueEntry {
  PolicyKey key;
  JobId id = 0;
  auto operator<=>(const QueueEntry&) const = default;
};

struct GroupKey {
  int neg_priority = 0;
  std::uint32_t group = 0;
  auto operator<=>(const GroupKey&) const = default;
};

class PendingQueue {
 public:
  using Group = std::set<QueueEntry>;

  // REQUIRES: id not queued.
  void push(JobId id, GroupKey g, PolicyKey key);
  // No-op when id is not queued.
  void erase(JobId id);
  bool contains(JobId id) const { return id < where_.size() && where_[id].queued; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Groups with jobs, in GroupKey order (the caller re-sorts by rank within a priority).
  std::vector<std::pair<GroupKey, Group*>> groups();
  // Drops groups left empty (call after a pass; keeps group pointers stable during one).
  void drop_empty_groups();

 private:
  struct Where {
    bool queued = false;
    GroupKey group;
    PolicyKey key;
  };
  std::map<GroupKey, Group> groups_;
  std::vector<Where> where_;  // by JobId
  std::size_t size_ = 0;
};

}  // namespace hexa
