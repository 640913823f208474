#include "engine/pending_queue.h"

#include <algorithm>

namespace hexa {

void PendingQueue::list(Group& g) {
  g.list = g.other == 0 ? g.cls : 0;
  if (lists_.size() <= g.list) lists_.resize(g.list + 1);
  g.at = static_cast<std::uint32_t>(lists_[g.list].size());
  lists_[g.list].push_back(&g);
  g.listed = true;
}

void PendingQueue::unlist(Group& g) {
  if (!g.listed) return;
  std::vector<Group*>& l = lists_[g.list];
  l[g.at] = l.back();  // swap-remove
  l[g.at]->at = g.at;
  l.pop_back();
  g.listed = false;
}

void PendingQueue::push(JobId id, GroupKey g, PolicyKey key, std::uint32_t cls, QueueShape shape) {
  if (where_.size() <= id) where_.resize(id + 1);
  Group& group = group_at(g);
  group.key = g;
  unlist(group);
  if (group.jobs.empty()) group.cls = cls, group.other = 0;
  else if (cls != group.cls) ++group.other;
  group.jobs.insert({key, id, cls, shape, {}});
  list(group);
  where_[id] = {true, cls, g, key};
  ++size_;
}

void PendingQueue::erase(JobId id) {
  if (!contains(id)) return;
  Where& w = where_[id];
  Group& group = group_at(w.group);
  unlist(group);
  group.jobs.erase({w.key, id, 0, {}, {}});
  if (w.cls != group.cls) --group.other;
  if (group.jobs.empty()) emptied_.push_back(w.group);
  else list(group);
  w.queued = false;
  --size_;
}

bool PendingQueue::rekey(JobId id, GroupKey g, PolicyKey key) {
  if (!contains(id)) return false;
  Where& w = where_[id];
  if (w.group != g) return false;
  Group& group = group_at(g);
  if (group.jobs.size() < 2) return false;
  // erase + push: unlisted, listed, unlisted from the end and listed again; the net effect is
  // one unlist and one list.
  unlist(group);
  auto node = group.jobs.extract({w.key, id, 0, {}, {}});
  node.value().key = key;
  group.jobs.insert(std::move(node));
  list(group);
  w.key = key;
  return true;
}

WaitReason PendingQueue::wait_of(JobId id, const WaitReason& own) const {
  if (!contains(id)) return own;
  const Where& w = where_[id];
  const QueueWait& q = groups_.at(w.group).jobs.find({w.key, id, 0, {}, {}})->waited;
  return q.pass > own.pass ? WaitReason::of(WaitKind::kWouldDelayHead, q.pass, q.free, q.at, q.head) : own;
}

void PendingQueue::in_order(std::vector<JobId>* out) const {
  for (const auto& [key, g] : groups_)
    for (const QueueEntry& e : g.jobs) out->push_back(e.id);
}

std::vector<std::pair<GroupKey, PendingQueue::Group*>> PendingQueue::groups(const std::vector<char>& skip) {
  std::vector<std::pair<GroupKey, Group*>> out;
  groups(skip, &out);
  return out;
}

void PendingQueue::groups(const std::vector<char>& skip, std::vector<std::pair<GroupKey, Group*>>* out) {
  by_list_.clear();
  for (std::size_t c = 0; c < lists_.size(); ++c) {
    if (c > 0 && c < skip.size() && skip[c]) continue;
    for (Group* g : lists_[c]) by_list_.push_back({g->key, g});
  }
  // By priority: there are few, so one sweep per priority beats a sort of every group.
  priorities_.clear();
  for (const auto& g : by_list_)
    if (std::find(priorities_.begin(), priorities_.end(), g.first.neg_priority) == priorities_.end())
      priorities_.push_back(g.first.neg_priority);
  out->clear();
  if (priorities_.size() < 2) {
    out->swap(by_list_);
    return;
  }
  std::sort(priorities_.begin(), priorities_.end());
  for (int p : priorities_)
    for (const auto& g : by_list_)
      if (g.first.neg_priority == p) out->push_back(g);
}

void PendingQueue::drop_empty_groups() {
  for (const GroupKey& k : emptied_) {
    auto it = groups_.find(k);
    if (it != groups_.end() && it->second.jobs.empty()) groups_.erase(it);
  }
  emptied_.clear();
}

}  // namespace hexa
