// Helpers for the HTTP tests: raw POSIX sockets (to send what no well-behaved client would, and
// to play a server that misbehaves on purpose) and a box that holds replies for later.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/http.h"

namespace hexa::testing {

// One TCP connection to 127.0.0.1:port, bytes in and out as they are.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  explicit RawConnection(int fd, bool) : fd_(fd) {}  // takes an accepted socket
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() { close(); }

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until `until` has arrived (empty: until the peer closes) or `timeout_ms` passed.
  // Returns everything read, `until` included.
  std::string read(std::string_view until, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string out;
    while (until.empty() || out.find(until) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_by_peer_ = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads exactly `n` bytes, or less when the peer closes or `timeout_ms` passes.
  std::string read_n(std::size_t n, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string out;
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      std::string buf(n - out.size(), '\0');
      const ssize_t got = ::recv(fd_, buf.data(), buf.size(), 0);
      if (got <= 0) {
        closed_by_peer_ = true;
        break;
      }
      out.append(buf.data(), static_cast<std::size_t>(got));
    }
    return out;
  }
  bool closed_by_peer() const { return closed_by_peer_; }

 private:
  int fd_ = -1;
  bool closed_by_peer_ = false;
};

// A TCP server on 127.0.0.1 that runs `on_connection` for each connection it accepts, one at a
// time, on its own thread.
class RawServer {
 public:
  explicit RawServer(std::function<void(RawConnection&)> on_connection) : on_connection_(std::move(on_connection)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  ~RawServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      RawConnection conn(c, true);
      on_connection_(conn);
    }
  }

  std::function<void(RawConnection&)> on_connection_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// Holds the replies of a handler that answers later (or never).
class ReplyBox {
 public:
  void put(HttpRequest req, Reply reply) {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(req));
    replies_.push_back(std::move(reply));
    cv_.notify_all();
  }
  // Waits (at most 10 s) until `n` replies are held.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return replies_.size() >= n; });
  }
  Reply reply(std::size_t i) {
    std::lock_guard lock(mu_);
    return replies_.at(i);
  }
  HttpRequest request(std::size_t i) {
    std::lock_guard lock(mu_);
    return requests_.at(i);
  }
  void clear() {
    std::lock_guard lock(mu_);
    replies_.clear();
    requests_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HttpRequest> requests_;
  std::vector<Reply> replies_;
};

inline HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

}  // namespace hexa::testing
