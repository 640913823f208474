// Jobs' output as the agents ship it: DIR/logs/<job>/<segment>.<rank>.<stream>, one file per
// run segment and rank, appended at the offset the agent says (a retried chunk is not written
// twice). Which node runs which rank of a segment is known from its start: only that node's
// agent may write there. It is kept in memory (a start must cost the core thread no file
// system work) and written beside the logs with the segment's first chunk
// (DIR/logs/<job>/<segment>.nodes), so that a restarted server still knows it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/ids.h"
#include "model/status.h"

namespace hexa {

class LogStore {
 public:
  explicit LogStore(std::string dir) : dir_(std::move(dir)) {}

  // A run segment starts on `nodes`, rank order. No I/O.
  void started(JobId job, int segment, const std::vector<std::string>& nodes);
  // Appends `data` when `offset` is the file's size; returns the size after. NotFound when the
  // node runs no rank of that segment; Invalid for a stream other than stdout or stderr.
  Result<std::int64_t> append(JobId job, int segment, const std::string& node, std::string_view stream,
                              std::int64_t offset, std::string_view data);
  struct Chunk {
    std::string data;
    std::int64_t size = 0;  // of the whole log
  };
  // The log of `rank` (every segment, in order) from `offset`, at most `max` bytes.
  Chunk read(JobId job, int rank, std::string_view stream, std::int64_t offset, std::size_t max) const;

 private:
  std::string job_dir(JobId job) const { return dir_ + "/" + std::to_string(job); }
  // The ranks of a segment: from memory (then written to disk once), else from its file.
  std::vector<std::string> ranks(JobId job, int segment);

  static constexpr std::size_t kKept = 200'000;  // segments remembered in memory
  mutable std::mutex mu_;
  std::string dir_;
  std::map<std::pair<JobId, int>, std::vector<std::string>> started_;
  std::deque<std::pair<JobId, int>> order_;  // of started_, oldest first
};

}  // namespace hexa
