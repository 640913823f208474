#include "agent/cgroup.h"

#include <cerrno>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <system_error>
#include <unistd.h>

#include "agent/atomic_file.h"

namespace hexa {

namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
constexpr std::int64_t kCpuPeriodUs = 100'000;

std::string errno_text() { return std::generic_category().message(errno); }

// Writes `text` to a cgroup interface file (not atomically: they are not regular files).
Status write_cgroup_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable(path + ": " + errno_text());
  ssize_t n = ::write(fd, text.data(), text.size());
  std::string why = n == static_cast<ssize_t>(text.size()) ? "" : errno_text();
  (void)::close(fd);
  if (!why.empty()) return Status::Unavailable(path + ": " + why);
  return Status::Ok();
}

std::string not_writable(const std::string& why) { return "cgroup v2 not writable here (" + why + ")"; }

}  // namespace

std::optional<std::string> cgroup_v2_dir(const std::string& proc_cgroup, const std::string& mount) {
  std::istringstream in(proc_cgroup);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    std::string path = line.substr(3);
    if (path.empty() || path[0] != '/' || path.find("/..") != std::string::npos) return std::nullopt;
    if (path == "/") return mount;
    return mount + path;
  }
  return std::nullopt;
}

std::string memory_max_text(std::int64_t memory_mb) {
  return memory_mb > 0 ? std::to_string(memory_mb * 1024 * 1024) : "max";
}

std::string cpu_max_text(std::int64_t cpus) {
  return cpus > 0 ? std::to_string(cpus * kCpuPeriodUs) + " " + std::to_string(kCpuPeriodUs)
                  : "max " + std::to_string(kCpuPeriodUs);
}

JobCgroups JobCgroups::detect(const std::string& mount) {
  JobCgroups g;
  struct statfs fs {};
  if (::statfs(mount.c_str(), &fs) != 0 || static_cast<long>(fs.f_type) != kCgroup2Magic) {
    g.why_not_ = not_writable(mount + " is not a cgroup2 mount: cgroup v1 or hybrid");
    return g;
  }
  std::optional<std::string> self = read_small_file("/proc/self/cgroup");
  std::optional<std::string> dir = self ? cgroup_v2_dir(*self, mount) : std::nullopt;
  if (!dir) {
    g.why_not_ = not_writable("no cgroup v2 line in /proc/self/cgroup");
    return g;
  }
  for (const char* f : {"cgroup.procs", "cgroup.subtree_control"})
    if (::access((*dir + "/" + f).c_str(), W_OK) != 0) {
      g.why_not_ = not_writable(*dir + "/" + f + ": " + errno_text());
      return g;
    }
  // Into a leaf of our own, so that the cgroup may hand its controllers down to the jobs.
  const std::string leaf = *dir + "/hexa-agent";
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
    g.why_not_ = not_writable(leaf + ": " + errno_text());
    return g;
  }
  if (Status s = write_cgroup_file(leaf + "/cgroup.procs", std::to_string(::getpid())); !s.ok()) {
    g.why_not_ = not_writable(s.message());
    return g;
  }
  std::string wanted;
  std::optional<std::string> controllers = read_small_file(*dir + "/cgroup.controllers");
  for (const char* c : {"memory", "cpu"}) {
    std::istringstream words(controllers.value_or(""));
    for (std::string w; words >> w;)
      if (w == c) wanted += std::string(wanted.empty() ? "" : " ") + "+" + c;
  }
  if (!wanted.empty()) {
    if (Status s = write_cgroup_file(*dir + "/cgroup.subtree_control", wanted); !s.ok()) {
      g.why_not_ = not_writable("cannot delegate " + wanted + ": " + s.message());
      return g;
    }
  }
  g.base_ = *dir;
  return g;
}

Result<std::string> JobCgroups::make(const JobKey& key, const JobLimits& limits) const {
  if (!available()) return Status::Unavailable(why_not_);
  const std::string p = path(key);
  remove(p);
  if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::Unavailable("cannot make the cgroup '" + p + "': " + errno_text());
  if (limits.memory_mb > 0)
    if (Status s = write_cgroup_file(p + "/memory.max", memory_max_text(limits.memory_mb)); !s.ok()) return s;
  if (limits.cpus > 0)
    if (Status s = write_cgroup_file(p + "/cpu.max", cpu_max_text(limits.cpus)); !s.ok()) return s;
  return p;
}

void JobCgroups::remove(const std::string& path) {
  if (path.empty()) return;
  (void)write_cgroup_file(path + "/cgroup.kill", "1");
  (void)::rmdir(path.c_str());
}

}  // namespace hexa
