#include "engine/pending_queue.h"

namespace hexa {

void PendingQueue::push(JobId id, GroupKey g, PolicyKey key) {
  if (where_.size() <= id) where_.resize(id + 1);
  groups_[g].insert({key, id});
  where_[id] = {true, g, key};
  ++size_;
}

void PendingQueue::erase(JobId id) {
  if (!contains(id)) return;
  Where& w = where_[id];
  groups_[w.group].erase({w.key, id});
  w.queued = false;
  --size_;
}

std::vector<std::pair<GroupKey, PendingQueue::Group*>> PendingQueue::groups() {
  std::vector<std::pair<GroupKey, Group*>> out;
  for (auto& [k, g] : groups_)
    if (!g.empty()) out.push_back({k, &g});
  return out;
}

void PendingQueue::drop_empty_groups() {
  std::erase_if(groups_, [](const auto& kv) { return kv.second.empty(); });
}

}  // namespace hexa
