// The few POSIX file operations store/ needs, with errors as Status that name the path and
// say "disk full" when that is what the OS said.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "model/status.h"

namespace hexa::store {

// strerror's words for err; ENOSPC and EDQUOT read "disk full (...)".
std::string errno_cause(int err);
// Unavailable("<what> <path>: <errno_cause(err)>").
Status errno_status(std::string_view what, const std::string& path, int err);

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// Writes all of data (through short writes and EINTR).
Status write_all(int fd, std::string_view data, const std::string& path);
// Reads the whole file.
Result<std::string> read_whole_file(const std::string& path);
// fsync of a directory: makes the creation, renaming or removal of its entries durable.
Status sync_dir(const std::string& dir);
// Creates dir if missing (one level) and makes that durable in its parent.
Status make_dir(const std::string& dir);
bool is_dir(const std::string& path);
// "; 1.5 GiB free on its file system" for the file system holding path ("" when unknown):
// said after an I/O error, it tells a full disk from a failing one.
std::string free_space_note(const std::string& path);
// Size of a file in bytes, 0 when it does not exist.
long long file_size(const std::string& path);

// An exclusive lock on a file (created if missing), held until the Fd is closed or the
// process ends, however it ends. Unavailable when another process holds it.
Result<Fd> lock_file(const std::string& path);

}  // namespace hexa::store
