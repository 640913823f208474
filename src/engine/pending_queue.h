// PendingQueue: the pending jobs, kept in order between passes so that a pass costs what it
// looks at, not the length of the queue.
//
// Jobs sit in groups; a group holds jobs of one priority and one policy group (the tenant for
// fair share, a single group otherwise), ordered by their policy key. A pass visits groups by
// (priority descending, group rank ascending) and each group's jobs in key order. Keys are
// computed when a job enters the queue; a policy whose keys change while jobs wait re-keys
// them explicitly (requeue).
//
// Each job also carries a class (0: none), which the scheduler uses to skip, in a pass, every
// job of a class that cannot start (Scheduler: full slice classes). A group knows when all its
// jobs share one class, so that skipping costs nothing per job of a skipped group.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <set>
#include <vector>

#include "model/job.h"

namespace hexa {

class Reader;
class Writer;

struct PolicyKey {
  std::int64_t level = 0;
  std::int64_t tie = 0;  // usually arrival order
  auto operator<=>(const PolicyKey&) const = default;
};

// What a pass needs to send a job to wait behind its EASY head without looking at the job
// (Scheduler::visit_run): the whole GPUs it needs (0: it is looked at in every pass), and
// what its time limit leaves it to run (kNever: no limit). Fixed while it waits.
struct QueueShape {
  int gpus = 0;
  DurationMs left = kNever;
  bool operator==(const QueueShape&) const = default;
};

// The reason such a pass gave the job: it needs more GPUs than `free` (WaitKind::
// kWouldDelayHead). `pass` 0: none yet.
struct QueueWait {
  std::uint64_t pass = 0;
  long free = 0;
  TimeMs at = 0;    // the head's reserved start
  JobId head = 0;
  bool operator==(const QueueWait&) const = default;
};

struct QueueEntry {
  PolicyKey key;
  JobId id = 0;
  // The job's class (PendingQueue::class_of), in what was padding: a pass walking a group
  // reads it here, where a lookup in the queue's table by JobId was a cache miss per job.
  std::uint32_t cls = 0;
  QueueShape shape;
  // Written by a pass as it walks the group; not part of the order (a set's elements are
  // const only in what orders them).
  mutable QueueWait waited;
  // By key, then id. Ids are unique, so nothing else ever decides (lookups need not know it).
  std::strong_ordering operator<=>(const QueueEntry& o) const {
    if (auto c = key <=> o.key; c != 0) return c;
    return id <=> o.id;
  }
  bool operator==(const QueueEntry& o) const { return key == o.key && id == o.id; }
};

struct GroupKey {
  int neg_priority = 0;
  std::uint32_t group = 0;
  auto operator<=>(const GroupKey&) const = default;
};

class PendingQueue {
 public:
  struct Group {
    explicit Group(std::pmr::memory_resource* nodes) : jobs(nodes) {}
    GroupKey key;
    std::pmr::set<QueueEntry> jobs;  // its nodes from the queue's pool (nodes_)
    std::uint32_t cls = 0;   // the class of all its jobs, when `other` is 0
    std::size_t other = 0;   // jobs of another class than `cls`
    auto begin() const { return jobs.begin(); }
    auto end() const { return jobs.end(); }
    // Where it is listed while it has jobs: lists_[list][at].
    std::uint32_t list = 0, at = 0;
    bool listed = false;
  };

  PendingQueue() = default;
  PendingQueue(PendingQueue&&) noexcept = default;
  // Member by member, the old pool (nodes_) would go before the old groups whose sets give
  // their nodes back to it: the queue is destroyed instead (groups, then their pool) and
  // built again from o.
  PendingQueue& operator=(PendingQueue&& o) noexcept {
    if (this != &o) {
      std::destroy_at(this);
      std::construct_at(this, std::move(o));
    }
    return *this;
  }

  // REQUIRES: id not queued.
  void push(JobId id, GroupKey g, PolicyKey key, std::uint32_t cls = 0, QueueShape shape = {});
  // No-op when id is not queued.
  void erase(JobId id);
  // erase(id) then push(id, g, key, its class), with the same effect on the order of the group
  // lists, but moving the job's set node instead of freeing and allocating one (ftf re-keys
  // every waiting job in every pass). False, changing nothing, when it cannot: id not queued,
  // another group, or the last job of its group (erase would drop the group's class).
  bool rekey(JobId id, GroupKey g, PolicyKey key);
  bool contains(JobId id) const { return id < where_.size() && where_[id].queued; }
  // REQUIRES: contains(id).
  std::uint32_t class_of(JobId id) const { return where_[id].cls; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Every queued job, by (priority descending, group id, key): the order a pass visits them
  // when groups rank by id (fifo, backfill). Appends to `out`.
  void in_order(std::vector<JobId>* out) const;

  // Groups with jobs, by priority (highest first; the caller ranks the groups of a priority),
  // less the groups whose jobs are all of a class c with skip[c] != 0 (skip may be empty).
  // Costs the groups it returns, not those it leaves out.
  std::vector<std::pair<GroupKey, Group*>> groups(const std::vector<char>& skip = {});
  // The same into *out, reusing its buffers (a pass asks once).
  void groups(const std::vector<char>& skip, std::vector<std::pair<GroupKey, Group*>>* out);
  // The reason of queued job `id`: `own` (the job's own, from the last pass that looked at
  // it), or the one a later pass wrote in its entry without looking at the job.
  WaitReason wait_of(JobId id, const WaitReason& own) const;

  // Drops groups left empty (call after a pass; keeps group pointers stable during one).
  void drop_empty_groups();

  // Snapshots (engine/pending_queue_archive.cc): the groups with their classes, the order of
  // the group lists (groups() returns them in that order), the queued jobs. Each group's jobs
  // and count of other classes are rebuilt from the jobs. Load: job ids are below `ids`.
  void save(Writer& w) const;
  bool load(Reader& r, std::size_t ids);

 private:
  struct Where {
    bool queued = false;
    std::uint32_t cls = 0;
    GroupKey group;
    PolicyKey key;
  };
  // A group with jobs is listed in lists_[c] when all its jobs are of class c > 0, else in
  // lists_[0].
  void list(Group& g);
  void unlist(Group& g);

  // The group at g, made (empty) when there is none.
  Group& group_at(GroupKey g) { return groups_.try_emplace(g, nodes_.get()).first->second; }

  // The set nodes of every group, kept together: a pass walks every waiting job of most
  // groups (tens of millions of steps a simulated month), and nodes taken from the general
  // heap lay among jobs, holds and transfers, a cache miss a step. From a pool of their own
  // they are a few hundred kilobytes, reused as jobs come and go. Behind a pointer, so that
  // it stays where the sets point when the queue moves; declared before the groups, so that
  // it outlives them.
  std::unique_ptr<std::pmr::unsynchronized_pool_resource> nodes_ =
      std::make_unique<std::pmr::unsynchronized_pool_resource>();
  std::map<GroupKey, Group> groups_;
  std::vector<std::vector<Group*>> lists_ = std::vector<std::vector<Group*>>(1);
  std::vector<GroupKey> emptied_;  // groups that lost their last job since the last drop
  std::vector<std::pair<GroupKey, Group*>> by_list_;  // scratch of groups()
  std::vector<int> priorities_;                       // scratch of groups()
  std::vector<Where> where_;  // by JobId
  std::size_t size_ = 0;
};

}  // namespace hexa
