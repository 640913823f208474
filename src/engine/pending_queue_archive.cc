// Snapshots of the pending queue (engine/pending_queue.h).
#include "engine/pending_queue.h"
#include "model/archive.h"

namespace hexa {
namespace {

void save_key(Writer& w, const GroupKey& k) { w.i32(k.neg_priority), w.u32(k.group); }
GroupKey load_key(Reader& r) {
  GroupKey k;
  k.neg_priority = r.i32(), k.group = r.u32();
  return k;
}

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
// by_list_ and priorities_ are the scratch of groups(); nodes_ is where the groups' sets keep
// their nodes.
static_assert(sizeof(PendingQueue) == 184, "PendingQueue changed: save the new member in pending_queue_archive.cc");
#endif

void PendingQueue::save(Writer& w) const {
  w.seq(groups_, [&](const auto& kv) {  // empty ones too: dropped after the next pass
    save_key(w, kv.first);
    w.u32(kv.second.cls);
  });
  w.seq(lists_, [&](const std::vector<Group*>& l) { w.seq(l, [&](const Group* g) { save_key(w, g->key); }); });
  w.seq(emptied_, [&](const GroupKey& k) { save_key(w, k); });
  w.u64(size_);
  for (JobId id = 0; id < where_.size(); ++id) {
    const Where& e = where_[id];
    if (!e.queued) continue;
    w.u32(id), w.u32(e.cls);
    save_key(w, e.group);
    w.i64(e.key.level), w.i64(e.key.tie);
    const QueueEntry& q = *groups_.at(e.group).jobs.find({e.key, id, 0, {}, {}});
    w.i32(q.shape.gpus), w.i64(q.shape.left);
    w.u64(q.waited.pass), w.i64(q.waited.free), w.i64(q.waited.at), w.u32(q.waited.head);
  }
}

bool PendingQueue::load(Reader& r, std::size_t ids) {
  *this = PendingQueue();
  const std::size_t groups = r.count(3);
  for (std::size_t i = 0; i < groups && r.ok(); ++i) {
    const GroupKey k = load_key(r);
    if (!groups_.empty() && !(groups_.rbegin()->first < k)) return r.fail("queue: groups out of order");
    Group& g = group_at(k);
    g.key = k;
    g.cls = r.u32();
  }
  lists_.resize(r.count());
  if (lists_.empty()) return r.fail("queue: no group list");
  for (std::uint32_t c = 0; c < lists_.size() && r.ok(); ++c) {
    lists_[c].resize(r.count(2));
    for (std::uint32_t at = 0; at < lists_[c].size() && r.ok(); ++at) {
      auto it = groups_.find(load_key(r));
      if (it == groups_.end() || it->second.listed) return r.fail("queue: a group listed twice, or unknown");
      it->second.listed = true, it->second.list = c, it->second.at = at;
      lists_[c][at] = &it->second;
    }
  }
  emptied_.resize(r.count(2));
  for (GroupKey& k : emptied_) k = load_key(r);
  const std::size_t jobs = r.count(6);
  for (std::size_t i = 0; i < jobs && r.ok(); ++i) {
    const JobId id = r.u32();
    if (id >= ids || (!where_.empty() && id < where_.size())) return r.fail("queue: job ids out of order or range");
    Where e{true, r.u32(), load_key(r), {}};
    e.key.level = r.i64(), e.key.tie = r.i64();
    // Format 2 had no shapes nor reasons in the entries: shape gpus 0 (the job is looked at in
    // every pass, which gives the same answers) and no reason of the entry's.
    QueueShape shape;
    QueueWait waited;
    if (r.format() == 0 || r.format() >= 3) {
      shape.gpus = r.i32(), shape.left = r.i64();
      waited.pass = r.u64(), waited.free = r.i64(), waited.at = r.i64(), waited.head = r.u32();
    }
    auto it = groups_.find(e.group);
    if (!r.ok() || it == groups_.end()) return r.fail("queue: a job in an unknown group");
    if (shape.gpus < 0) return r.fail("queue: a job's shape needs a negative count of GPUs");
    where_.resize(id + 1);
    where_[id] = e;
    it->second.jobs.insert({e.key, id, e.cls, shape, waited});
    if (e.cls != it->second.cls) ++it->second.other;
  }
  size_ = jobs;
  for (const auto& [k, g] : groups_)  // listed while it has jobs, in the list of its class
    if (g.listed != !g.jobs.empty() || (g.listed && g.list != (g.other == 0 ? g.cls : 0)))
      return r.fail("queue: a group listed where it does not belong");
  return r.ok();
}

}  // namespace hexa
