// JobTable: every job by its id, in pages of 1024, so that jobs that ended can leave memory
// (retire) while ids stay dense indexes. A server that runs for a year keeps the jobs that
// are live, plus the pages they pin, not every job it ever saw.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <vector>

#include "model/job.h"

namespace hexa {

class Reader;
class Writer;

class JobTable {
 public:
  static constexpr unsigned kPageBits = 10;
  static constexpr JobId kPageSize = JobId{1} << kPageBits;

  // REQUIRES: contains(id).
  Job& operator[](JobId id) { return page(id).jobs[id & (kPageSize - 1)]; }
  const Job& operator[](JobId id) const { return pages_[id >> kPageBits]->jobs[id & (kPageSize - 1)]; }

  // Ids handed out so far: the next job gets this one.
  std::size_t size() const { return next_; }
  // How many are held (handed out and not retired).
  std::size_t live() const { return live_; }
  // Whether the id was handed out and not retired.
  bool contains(JobId id) const {
    if (id >= next_) return false;
    const Page* p = pages_[id >> kPageBits].get();
    return p && p->held[id & (kPageSize - 1)];
  }

  // Adds the next job. REQUIRES: j.id == size().
  Job& push_back(Job j) {
    assert(j.id == next_);
    if ((next_ & (kPageSize - 1)) == 0) pages_.push_back(std::make_unique<Page>());
    Page& p = *pages_.back();
    const JobId at = next_ & (kPageSize - 1);
    p.jobs[at] = std::move(j);
    p.held[at] = true;
    ++p.count;
    ++next_;
    ++live_;
    return p.jobs[at];
  }
  Job& back() { return (*this)[static_cast<JobId>(next_ - 1)]; }

  // The job leaves memory; its id is never handed out again. A page whose ids were all handed
  // out and retired is freed. REQUIRES: contains(id).
  void retire(JobId id) {
    Page& p = page(id);
    const JobId at = id & (kPageSize - 1);
    p.jobs[at] = Job{};
    p.held[at] = false;
    --p.count;
    --live_;
    if (p.count == 0 && (id >> kPageBits) < (next_ >> kPageBits)) pages_[id >> kPageBits].reset();
  }

  bool empty() const { return live_ == 0; }

  // Snapshots (model/model_archive.cc): the ids handed out and the jobs held, so that a
  // restored table hands out the same next id and knows the same retired ones.
  void save(Writer& w) const;
  bool load(Reader& r);

  // The jobs held, in id order (range-for).
  class const_iterator {
   public:
    const_iterator(const JobTable* t, std::size_t id) : t_(t), id_(id) { skip(); }
    const Job& operator*() const { return (*t_)[static_cast<JobId>(id_)]; }
    const Job* operator->() const { return &**this; }
    const_iterator& operator++() {
      ++id_;
      skip();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return id_ == o.id_; }

   private:
    void skip() {
      while (id_ < t_->next_ && !t_->contains(static_cast<JobId>(id_))) ++id_;
    }
    const JobTable* t_;
    std::size_t id_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, next_}; }

  // Calls f(job) for every job held, in id order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& p : pages_) {
      if (!p) continue;
      for (JobId i = 0; i < kPageSize; ++i)
        if (p->held[i]) f(p->jobs[i]);
    }
  }

 private:
  struct Page {
    std::vector<Job> jobs = std::vector<Job>(kPageSize);
    std::vector<bool> held = std::vector<bool>(kPageSize, false);
    JobId count = 0;
  };
  Page& page(JobId id) { return *pages_[id >> kPageBits]; }

  std::vector<std::unique_ptr<Page>> pages_;
  std::size_t next_ = 0;
  std::size_t live_ = 0;
};

}  // namespace hexa
