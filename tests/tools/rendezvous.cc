// hexa_rendezvous: the ranks of a multi-node job meet over TCP as torchrun's would, at
// HEXA_MASTER_ADDR:HEXA_MASTER_PORT. Rank 0 listens there and answers each other rank; every
// other rank connects (retrying for a bounded time), says "hello from rank R" and reads the
// answer. Each prints what it got and its CUDA_VISIBLE_DEVICES. Exits 0 when every message
// went both ways, 1 otherwise (with a line on stderr). For the e2e tests (tests/e2e/gang_test.cc).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

constexpr int kWaitMs = 30'000;  // for the others to come, or for rank 0 to listen

int fail(const std::string& why) {
  std::fprintf(stderr, "rendezvous: %s\n", why.c_str());
  return 1;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// One line (without its '\n') from `fd`, within the wait; "" when none came.
std::string read_line(int fd) {
  std::string line;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  char c = 0;
  while (std::chrono::steady_clock::now() < until && line.size() < 4096) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (::read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

bool write_line(int fd, const std::string& text) {
  const std::string line = text + "\n";
  return ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

addrinfo* resolve(const std::string& host, const std::string& port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* out = nullptr;
  return ::getaddrinfo(host.c_str(), port.c_str(), &hints, &out) == 0 ? out : nullptr;
}

int serve(const std::string& host, const std::string& port, int others) {
  addrinfo* ai = resolve(host, port, true);
  if (!ai) return fail("cannot resolve " + host + ":" + port);
  int fd = ::socket(ai->ai_family, ai->ai_socktype, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool bound = fd >= 0 && ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 64) == 0;
  ::freeaddrinfo(ai);
  if (!bound) return fail("rank 0 cannot listen on " + host + ":" + port);
  std::printf("rank 0 listening on %s:%s\n", host.c_str(), port.c_str());
  std::fflush(stdout);
  for (int met = 0; met < others; ++met) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kWaitMs) <= 0) return fail("rank 0: only " + std::to_string(met) + " of " + std::to_string(others) + " ranks came");
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return fail("rank 0: accept failed");
    const std::string hello = read_line(c);
    if (hello.empty()) return fail("rank 0: a rank connected and said nothing");
    std::printf("rank 0 got: %s\n", hello.c_str());
    std::fflush(stdout);
    if (!write_line(c, "hello from rank 0, to whoever said '" + hello + "'")) return fail("rank 0: cannot answer");
    ::close(c);
  }
  ::close(fd);
  return 0;
}

int join(const std::string& host, const std::string& port, const std::string& rank) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::chrono::steady_clock::now() < until) {
    addrinfo* ai = resolve(host, port, false);
    int fd = ai ? ::socket(ai->ai_family, ai->ai_socktype, 0) : -1;
    const bool connected = fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (ai) ::freeaddrinfo(ai);
    if (!connected) {  // rank 0 may not listen yet
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (!write_line(fd, "hello from rank " + rank)) return fail("rank " + rank + ": cannot send");
    const std::string answer = read_line(fd);
    ::close(fd);
    if (answer.empty()) return fail("rank " + rank + ": no answer from rank 0");
    std::printf("rank %s got: %s\n", rank.c_str(), answer.c_str());
    return 0;
  }
  return fail("rank " + rank + ": could not reach rank 0 at " + host + ":" + port);
}

}  // namespace

int main() {
  const std::string host = env("HEXA_MASTER_ADDR"), port = env("HEXA_MASTER_PORT"), rank = env("HEXA_NODE_RANK"),
                    nodes = env("HEXA_NUM_NODES");
  if (host.empty() || port.empty() || rank.empty() || nodes.empty())
    return fail("HEXA_MASTER_ADDR, HEXA_MASTER_PORT, HEXA_NODE_RANK and HEXA_NUM_NODES must be set");
  std::printf("rank %s of %s, CUDA_VISIBLE_DEVICES=%s, master %s:%s\n", rank.c_str(), nodes.c_str(),
              env("CUDA_VISIBLE_DEVICES").c_str(), host.c_str(), port.c_str());
  std::fflush(stdout);
  const int code = rank == "0" ? serve(host, port, std::atoi(nodes.c_str()) - 1) : join(host, port, rank);
  std::fflush(stdout);
  return code;
}
