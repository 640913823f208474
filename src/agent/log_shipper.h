// Ships jobs' output files to the server (`POST /v1/agent/logs`) in chunks of at most 64 KiB,
// each at the offset the server holds; the server answers its log's size, which the next chunk
// starts from (so a chunk it lost is sent again, one it had is not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/agent.h"
#include "agent/job_table.h"
#include "agent/server_link.h"

namespace hexa {

class LogShipper {
 public:
  static constexpr std::size_t kChunk = 64 * 1024;
  static constexpr int kMaxStalls = 3;  // answers in a row that do not grow the log: give up

  LogShipper(ServerLink& link, std::string node, AgentSay say)
      : link_(link), node_(std::move(node)), say_(std::move(say)) {}

  // Sends j's new output (stdout, then stderr), one chunk per request, at most *budget chunks.
  // *drained: everything in the files was sent (or given up on). kOk unless a request failed
  // (kRetry), the epoch is stale (kStale) or the token is refused (kDenied). A stream the
  // server refuses (400, 404, ...) is given up, said once: that does not hold up its exit.
  Answer ship(AgentJob& j, std::int64_t epoch, int timeout_ms, int* budget, bool* drained);

 private:
  Answer ship_stream(const JobKey& key, LogStream& s, std::int64_t epoch, int timeout_ms, int* budget,
                     bool* drained);
  Answer send(const JobKey& key, LogStream& s, std::int64_t epoch, const std::string& data, int timeout_ms);

  ServerLink& link_;
  std::string node_;
  AgentSay say_;
};

// Up to `max` bytes of `path` from `offset`; empty at its end, or when it cannot be read (a job
// that never started may have no files).
std::string read_chunk(const std::string& path, std::int64_t offset, std::size_t max);

}  // namespace hexa
