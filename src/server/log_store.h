// Jobs' output as the agents ship it: DIR/logs/<job>/<segment>.<rank>.<stream>, one file per
// run segment and rank, appended at the offset the agent says (a retried chunk is not written
// twice). Which node runs which rank of a segment is written when the segment starts: only that
// node's agent may write there.
#pragma once

#include <cstdint>
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

  // A run segment starts on `nodes`, rank order.
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
  mutable std::mutex mu_;
  std::string dir_;
};

}  // namespace hexa
