#include "sim/compare_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

namespace hexa {

unsigned compare_threads(unsigned jobs, std::size_t count) {
  unsigned n = jobs > 0 ? jobs : std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::clamp<std::size_t>(count, 1, n));
}

namespace {

// What the threads share: the next variant to take, and the progress of each. The variants'
// runs and errors go to their own slots, so the threads never write the same place.
class VariantPool {
 public:
  VariantPool(std::vector<CompareVariant>& variants, const CompareRunOptions& opt)
      : variants_(variants), opt_(opt), done_(variants.size(), 0.0), runs_(variants.size()),
        errors_(variants.size(), Status::Ok()) {}

  void work() {
    for (std::size_t i; (i = next_.fetch_add(1)) < variants_.size();) {
      try {
        run(i);
      } catch (const std::exception& e) {  // out of memory, most likely: say which variant
        errors_[i] = Status::Invalid(variants_[i].label + ": " + e.what());
      }
    }
  }

  Result<std::vector<VariantRun>> results() {
    std::vector<VariantRun> out;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      if (!errors_[i].ok()) return errors_[i];
      out.push_back(std::move(*runs_[i]));
    }
    return out;
  }

 private:
  void run(std::size_t i) {
    CompareVariant& v = variants_[i];
    if (opt_.started) {
      std::lock_guard<std::mutex> lock(mu_);
      opt_.started(v.label);
    }
    v.scenario.options.progress = [this, i](double f) { progress(i, f); };
    auto t0 = std::chrono::steady_clock::now();
    auto result = simulate(*v.scenario.topology, v.scenario.trace, v.scenario.options, std::move(v.scenario.prepared));
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    v.scenario.trace.jobs.clear();  // the next variant needs the memory more
    v.scenario.trace.jobs.shrink_to_fit();
    if (!result.ok()) {
      errors_[i] = Status::Invalid(v.label + ": " + result.status().message());
      return;
    }
    VariantRun run{v.label, compute_metrics(*result), result->credits_on, {}};
    run.report = report_json(*result, run.metrics, wall);
    runs_[i] = std::move(run);
    progress(i, 1.0);
  }

  void progress(std::size_t i, double f) {
    if (!opt_.progress) return;
    std::lock_guard<std::mutex> lock(mu_);
    done_[i] = f;
    double all = std::accumulate(done_.begin(), done_.end(), 0.0) / static_cast<double>(done_.size());
    opt_.progress(std::min(all, 1.0));
  }

  std::vector<CompareVariant>& variants_;
  const CompareRunOptions& opt_;
  std::atomic<std::size_t> next_{0};
  std::mutex mu_;              // opt_.progress, opt_.started and done_
  std::vector<double> done_;  // fraction replayed, per variant
  std::vector<std::optional<VariantRun>> runs_;
  std::vector<Status> errors_;
};

}  // namespace

Result<std::vector<VariantRun>> run_variants(std::vector<CompareVariant>& variants,
                                             const CompareRunOptions& opt) {
  VariantPool pool(variants, opt);
  const unsigned threads = compare_threads(opt.jobs, variants.size());
  if (threads <= 1) {
    pool.work();  // on this thread, one after the other
  } else {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back([&pool] { pool.work(); });
    for (std::thread& w : workers) w.join();
  }
  return pool.results();
}

}  // namespace hexa
