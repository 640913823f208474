#include "store/posix_file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <cstdio>
#include <system_error>
#include <unistd.h>

namespace hexa::store {

std::string errno_cause(int err) {
  std::string words = std::generic_category().message(err);
  if (err == ENOSPC || err == EDQUOT) return "disk full (" + words + ")";
  return words;
}

Status errno_status(std::string_view what, const std::string& path, int err) {
  return Status::Unavailable(std::string(what) + " " + path + ": " + errno_cause(err));
}

void Fd::reset() {
  if (fd_ >= 0) (void)::close(fd_);
  fd_ = -1;
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write", path, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Result<std::string> read_whole_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_status("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_status("stat", path, errno);
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("read", path, errno);
    if (n == 0) break;  // shrank under us: return what is there
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Status sync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_status("open", dir, errno);
  if (::fsync(fd.get()) != 0) return errno_status("fsync", dir, errno);
  return Status::Ok();
}

Status make_dir(const std::string& dir) {
  if (is_dir(dir)) return Status::Ok();
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return errno_status("mkdir", dir, errno);
  std::string parent = dir;
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  std::size_t slash = parent.rfind('/');
  parent = slash == std::string::npos ? "." : slash == 0 ? "/" : parent.substr(0, slash);
  return sync_dir(parent);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

long long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}

std::string free_space_note(const std::string& path) {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0) return "";
  const double bytes = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize);
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = bytes;
  int u = 0;
  for (; v >= 1024 && u < 4; ++u) v /= 1024;
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "; %.0f %s free on its file system" : "; %.1f %s free on its file system", v,
                units[u]);
  return buf;
}

Result<Fd> lock_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return errno_status("open", path, errno);
  // flock, not fcntl: SQLite's fcntl locks on hexa.db are per process and would not tell two
  // journals of one process apart; an flock belongs to this open file and dies with it.
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::Unavailable(path + " is locked: another process has this journal open");
    return errno_status("flock", path, errno);
  }
  return fd;
}

}  // namespace hexa::store
