#include "e2e/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace hexa::testing {

int url_port(const std::string& url) {
  auto colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  for (Pair& p : pairs_) {
    if (p.client >= 0) ::close(p.client);
    if (p.server >= 0) ::close(p.server);
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TcpProxy::accept_one() {
  int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  Pair p;
  p.client = c;
  if (cut_.load()) {
    p.held = true;  // the black hole: the connection stays open and silent
  } else {
    p.server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(target_port_.load()));
    if (p.server < 0 || ::connect(p.server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(c);
      if (p.server >= 0) ::close(p.server);
      return;
    }
  }
  pairs_.push_back(p);
}

// Copies what `from` has to `to`; false when `from` closed or either failed.
bool TcpProxy::pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t done = 0; done < n;) {
    ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
    if (w <= 0) return false;
    done += w;
  }
  return true;
}

void TcpProxy::run() {
  while (!stop_.load()) {
    const bool cut = cut_.load();
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<std::pair<std::size_t, bool>> who;  // pair index, from the client side
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      Pair& p = pairs_[i];
      if (cut) p.held = true;
      if (p.held) continue;
      fds.push_back({p.client, POLLIN, 0});
      who.push_back({i, true});
      fds.push_back({p.server, POLLIN, 0});
      who.push_back({i, false});
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (fds[0].revents & POLLIN) accept_one();
    std::vector<std::size_t> dead;
    for (std::size_t k = 1; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto [i, from_client] = who[k - 1];
      Pair& p = pairs_[i];
      if (!pump(from_client ? p.client : p.server, from_client ? p.server : p.client)) dead.push_back(i);
    }
    // Held connections of a cut that is over are dead ends: close them (the agent sees a reset).
    for (std::size_t i = 0; i < pairs_.size(); ++i)
      if (!cut && pairs_[i].held) dead.push_back(i);
    std::sort(dead.begin(), dead.end());
    dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
      Pair& p = pairs_[*it];
      if (p.client >= 0) ::close(p.client);
      if (p.server >= 0) ::close(p.server);
      pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(*it));
    }
  }
}

}  // namespace hexa::testing
