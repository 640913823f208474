#include "server/log_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace hexa {
namespace fs = std::filesystem;

void LogStore::started(JobId job, int segment, const std::vector<std::string>& nodes) {
  std::lock_guard lock(mu_);
  if (!started_.insert_or_assign({job, segment}, nodes).second) return;
  order_.push_back({job, segment});
  if (order_.size() > kKept) started_.erase(order_.front()), order_.pop_front();
}

std::vector<std::string> LogStore::ranks(JobId job, int segment) {
  const std::string path = job_dir(job) + "/" + std::to_string(segment) + ".nodes";
  std::vector<std::string> nodes;
  if (auto it = started_.find({job, segment}); it != started_.end()) {
    nodes = it->second;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      fs::create_directories(job_dir(job), ec);
      std::ofstream out(path, std::ios::trunc);
      for (const std::string& n : nodes) out << n << "\n";
    }
    return nodes;
  }
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) nodes.push_back(line);
  return nodes;
}

Result<std::int64_t> LogStore::append(JobId job, int segment, const std::string& node, std::string_view stream,
                                      std::int64_t offset, std::string_view data) {
  if (stream != "stdout" && stream != "stderr") return Status::Invalid("stream: must be stdout or stderr");
  std::lock_guard lock(mu_);
  const std::vector<std::string> nodes = ranks(job, segment);
  auto at = std::find(nodes.begin(), nodes.end(), node);
  if (at == nodes.end())
    return Status::NotFound("job " + std::to_string(job) + " segment " + std::to_string(segment) + ": not run on " + node);
  const auto rank = at - nodes.begin();
  const std::string path = job_dir(job) + "/" + std::to_string(segment) + "." + std::to_string(rank) + "." +
                           std::string(stream);
  std::error_code ec;
  auto size = static_cast<std::int64_t>(fs::exists(path, ec) ? fs::file_size(path, ec) : 0);
  if (offset != size || data.empty()) return size;  // a chunk already written, or one out of order
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.flush();
  if (!out) return Status::Unavailable("logs: cannot write " + path);
  return size + static_cast<std::int64_t>(data.size());
}

LogStore::Chunk LogStore::read(JobId job, int rank, std::string_view stream, std::int64_t offset,
                               std::size_t max) const {
  std::lock_guard lock(mu_);
  std::map<int, std::string> parts;  // by segment
  std::error_code ec;
  const std::string suffix = "." + std::to_string(rank) + "." + std::string(stream);
  for (const auto& e : fs::directory_iterator(job_dir(job), ec)) {
    std::string name = e.path().filename().string();
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    std::string seg = name.substr(0, name.size() - suffix.size());
    if (seg.empty() || !std::all_of(seg.begin(), seg.end(), ::isdigit) || seg.size() > 9) continue;
    parts[std::stoi(seg)] = e.path().string();
  }
  Chunk c;
  for (const auto& [seg, path] : parts) {
    auto n = static_cast<std::int64_t>(fs::file_size(path, ec));
    if (ec) continue;
    if (offset < c.size + n && c.data.size() < max) {
      std::ifstream in(path, std::ios::binary);
      std::int64_t from = std::max<std::int64_t>(0, offset - c.size);
      in.seekg(from);
      std::string buf(static_cast<std::size_t>(std::min<std::int64_t>(n - from, static_cast<std::int64_t>(max - c.data.size()))), '\0');
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      c.data += buf.substr(0, static_cast<std::size_t>(in.gcount()));
    }
    c.size += n;
  }
  return c;
}

}  // namespace hexa
