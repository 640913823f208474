#include "server/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace hexa {

namespace {

// Descriptors kept for everything but connections: the journal (SQLite and its WAL), snapshots,
// log files being appended, the listening socket, the standard streams.
constexpr std::size_t kReserve = 128;

}  // namespace

std::size_t fit_connections_to_fds(std::size_t wanted, std::string* note) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return wanted;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return wanted;
  const auto fds = static_cast<std::size_t>(lim.rlim_cur);
  const std::size_t room = fds > 2 * kReserve ? fds - kReserve : fds / 2;
  if (wanted <= room) return wanted;
  *note = "--max-connections " + std::to_string(wanted) + ": lowered to " + std::to_string(room) +
          ", what the limit of " + std::to_string(fds) + " open files leaves (ulimit -n; raise it for more)";
  return room;
}

}  // namespace hexa
