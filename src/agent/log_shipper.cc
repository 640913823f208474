#include "agent/log_shipper.h"

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

#include "net/base64.h"

namespace hexa {

std::string read_chunk(const std::string& path, std::int64_t offset, std::size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string buf(max, '\0');
  std::size_t got = 0;
  while (got < max) {  // a short read is not the end of a regular file unless it says 0
    ssize_t n = ::pread(fd, buf.data() + got, max - got, static_cast<off_t>(offset) + static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

Answer LogShipper::ship(AgentJob& j, std::int64_t epoch, int timeout_ms, int* budget, bool* drained) {
  bool out_drained = false, err_drained = false;
  Answer a = ship_stream(j.key, j.out, epoch, timeout_ms, budget, &out_drained);
  if (a == Answer::kOk) a = ship_stream(j.key, j.err, epoch, timeout_ms, budget, &err_drained);
  *drained = out_drained && err_drained;
  return a;
}

Answer LogShipper::ship_stream(const JobKey& key, LogStream& s, std::int64_t epoch, int timeout_ms, int* budget,
                               bool* drained) {
  *drained = false;
  while (!s.given_up) {
    std::size_t max = kChunk;
    if (s.end >= 0) max = static_cast<std::size_t>(std::clamp<std::int64_t>(s.end - s.sent, 0, kChunk));
    if (max == 0) break;
    std::string data = read_chunk(s.path, s.sent, max);
    if (data.empty()) break;
    if (*budget <= 0) return Answer::kOk;  // more next turn
    --*budget;
    Answer a = send(key, s, epoch, data, timeout_ms);
    if (a != Answer::kOk) return a;
  }
  *drained = true;
  return Answer::kOk;
}

Answer LogShipper::send(const JobKey& key, LogStream& s, std::int64_t epoch, const std::string& data,
                        int timeout_ms) {
  Json body = {{"node", node_},     {"epoch", epoch},   {"job", key.job},
               {"segment", key.segment}, {"stream", s.name}, {"offset", s.sent},
               {"data_b64", base64_encode(data)}};
  ServerReply r = link_.post("/v1/agent/logs", body, timeout_ms);
  if (r.answer == Answer::kRefused) {
    say_("job " + key.text() + " " + s.name + ": the server refuses it (" + r.problem + "): not sent any more");
    s.given_up = true;
    return Answer::kOk;
  }
  if (r.answer != Answer::kOk) return r.answer;
  // The server's size is the truth: it may have lost a chunk (send again from there) or had
  // this one already (a request that timed out after it was taken).
  std::int64_t size = s.sent + static_cast<std::int64_t>(data.size());
  auto it = r.body.is_object() ? r.body.find("size") : r.body.end();
  if (r.body.is_object() && it != r.body.end() && it->is_number_integer()) size = std::max<std::int64_t>(0, it->get<std::int64_t>());
  if (size > s.sent) {
    s.stalls = 0;
  } else if (++s.stalls >= kMaxStalls) {  // a server that never takes it would hold up the exit
    say_("job " + key.text() + " " + s.name + ": the server does not take it (its log stays at " +
         std::to_string(size) + " bytes): not sent any more");
    s.given_up = true;
  }
  s.sent = size;
  return Answer::kOk;
}

}  // namespace hexa
