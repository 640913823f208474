// A TCP proxy on loopback that a test controls, to cut an agent off its server: cut() makes it
// a black hole (nothing forwarded, nothing answered, connections held open, as in a network
// partition that drops packets); restore() forwards again. One thread, poll(2), bounded buffers.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hexa::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 on a port the kernel picks; forwards to 127.0.0.1:target_port.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void cut() { cut_.store(true); }
  void restore() { cut_.store(false); }
  bool is_cut() const { return cut_.load(); }
  // New connections go to this port (the server restarted on another one).
  void retarget(int port) { target_port_.store(port); }

 private:
  struct Pair {
    int client = -1, server = -1;
    bool held = false;  // accepted or alive during a cut: never forwarded again
  };
  void run();
  void accept_one();
  static bool pump(int from, int to);

  std::atomic<int> target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false}, stop_{false};
  std::vector<Pair> pairs_;  // the thread's alone
  std::thread thread_;
};

// The port of a URL "http://HOST:PORT".
int url_port(const std::string& url);

}  // namespace hexa::testing
