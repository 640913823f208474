#include "agent/atomic_file.h"

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace hexa {

namespace {

std::string errno_text() { return std::generic_category().message(errno); }

}  // namespace

Status write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot write '" + tmp + "': " + errno_text());
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = errno_text();
      (void)::close(fd);
      (void)::unlink(tmp.c_str());
      return Status::Unavailable("cannot write '" + tmp + "': " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string why = errno_text();
    (void)::unlink(tmp.c_str());
    return Status::Unavailable("cannot write '" + tmp + "': " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    (void)::unlink(tmp.c_str());
    return Status::Unavailable("cannot rename '" + tmp + "' to '" + path + "': " + why);
  }
  return Status::Ok();
}

std::optional<std::string> read_small_file(const std::string& path, std::size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      (void)::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max) {
      (void)::close(fd);
      return std::nullopt;
    }
  }
  (void)::close(fd);
  return out;
}

}  // namespace hexa
