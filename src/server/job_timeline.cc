#include "server/job_timeline.h"

#include "server/job_view.h"

namespace hexa {

RunSegment* JobTimelines::open(JobId id, int segment) {
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second.empty()) return nullptr;
  RunSegment& last = it->second.back();
  return last.segment == segment && last.ended < 0 ? &last : nullptr;
}

void JobTimelines::record(const Command& c, const Effects& fx, const Core& core, TimeMs now) {
  auto close = [&](JobId id, int segment, std::string how) {
    if (RunSegment* s = open(id, segment)) s->ended = now, s->how = std::move(how);
  };
  for (const Effect& e : fx.list) {
    if (auto* s = std::get_if<JobStarted>(&e)) {
      auto& list = jobs_[s->job];
      RunSegment seg{s->segment, now, -1, "running", {}};
      for (const NodeGpus& g : s->alloc) seg.nodes.push_back(g.node);
      list.push_back(std::move(seg));
      if (list.size() > kMaxSegments) list.pop_front();
    } else if (auto* p = std::get_if<JobPreempted>(&e)) {
      close(p->job, p->segment, std::holds_alternative<RequeueJob>(c) ? "requeued" : "preempted");
    } else if (auto* f = std::get_if<JobFailed>(&e)) {
      close(f->job, f->segment, "node lost");
    } else if (auto* d = std::get_if<JobEnded>(&e)) {
      close(d->job, d->segment, core.has_job(d->job) ? job_state(core.job(d->job)) : "ended");
    }
  }
}

nlohmann::json JobTimelines::json(JobId id, const Topology& topo, TimeMs origin) const {
  nlohmann::json out = nlohmann::json::array();
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return out;
  for (const RunSegment& s : it->second) {
    nlohmann::json nodes = nlohmann::json::array();
    for (NodeId n : s.nodes) nodes.push_back(n < topo.nodes().size() ? topo.node(n).name : std::string("?"));
    out.push_back({{"segment", s.segment},
                   {"started_ms", origin + s.started},
                   {"ended_ms", s.ended < 0 ? nlohmann::json(nullptr) : nlohmann::json(origin + s.ended)},
                   {"nodes", std::move(nodes)},
                   {"how", s.how}});
  }
  return out;
}

void JobTimelines::write(JsonWriter& w) const {
  w.begin_array();
  for (const auto& [id, list] : jobs_) {
    w.begin_array(), w.integer(id), w.begin_array();
    for (const RunSegment& s : list) {
      w.begin_array(), w.integer(s.segment), w.integer(s.started), w.integer(s.ended), w.string(s.how);
      w.begin_array();
      for (NodeId n : s.nodes) w.integer(n);
      w.end_array(), w.end_array();
    }
    w.end_array(), w.end_array();
  }
  w.end_array();
}

void JobTimelines::read(const nlohmann::json& state) {
  jobs_.clear();
  for (const nlohmann::json& j : state) {
    auto& list = jobs_[j.at(0).get<JobId>()];
    for (const nlohmann::json& s : j.at(1)) {
      RunSegment seg{s.at(0).get<int>(), s.at(1).get<TimeMs>(), s.at(2).get<TimeMs>(), s.at(3).get<std::string>(), {}};
      for (const nlohmann::json& n : s.at(4)) seg.nodes.push_back(n.get<NodeId>());
      list.push_back(std::move(seg));
    }
  }
}

}  // namespace hexa
