// The listening side: an acceptor on its own strand, `threads` I/O threads, one session per
// connection (net/server_session.h), over TLS when a certificate is given.
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "net/server_session.h"

namespace hexa {

namespace {

using namespace net;  // NOLINT: the aliases of net/beast.h

// After a failed accept (out of file descriptors), wait this long rather than spin.
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);

class Server : public HttpServer {
 public:
  explicit Server(std::shared_ptr<ServerShared> shared)
      : shared_(std::move(shared)),
        acceptor_(asio::make_strand(ioc_)),
        retry_(acceptor_.get_executor()),
        work_(asio::make_work_guard(ioc_)) {}
  ~Server() override { stop(); }

  Status listen(const tcp::endpoint& ep);
  void run(int threads);
  int port() const override { return port_; }
  void stop() override;

 private:
  void accept();
  void on_accept(error_code ec, tcp::socket socket);

  std::shared_ptr<ServerShared> shared_;
  asio::io_context ioc_;  // before everything that uses it: destroyed last
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Status Server::listen(const tcp::endpoint& ep) {
  error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + ep.address().to_string() + ":" +
                               std::to_string(ep.port()) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return Status::Ok();
}

void Server::run(int threads) {
  accept();
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // run() rethrows what a completion handler threw; ours catch everything, but a thread
      // that died would silently halve the server, so keep running whatever happens.
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
        }
      }
    });
  }
}

void Server::accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Server::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stopping
  if (ec) {
    retry_.expires_after(kAcceptRetry);
    retry_.async_wait([this](error_code wec) {
      if (!wec) accept();
    });
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);  // small responses go out at once
  start_session(std::move(socket), shared_);      // closed at once when over max_connections
  accept();
}

void Server::stop() {
  std::lock_guard once(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  std::vector<std::shared_ptr<SessionBase>> sessions;
  {
    // From here no Reply posts to the I/O threads, and no new session is added.
    std::lock_guard lock(shared_->mu);
    shared_->open = false;
    for (const auto& [ptr, s] : shared_->sessions) sessions.push_back(s);
  }
  asio::post(acceptor_.get_executor(), [this] {
    error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
  });
  for (auto& s : sessions) {
    asio::post(s->executor(), [s] { s->close(); });
  }
  sessions.clear();
  // The threads return once every connection has closed and its handlers have run.
  work_.reset();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::unordered_map<SessionBase*, std::shared_ptr<SessionBase>> left;  // destroyed after the lock
  std::lock_guard lock(shared_->mu);
  left.swap(shared_->sessions);  // normally empty already: each close() removed its session
}

Result<tcp::endpoint> endpoint_of(const HttpServerOptions& opt) {
  if (opt.port < 0 || opt.port > 65535) {
    return Status::Invalid("port " + std::to_string(opt.port) + ": must be 0..65535");
  }
  if (opt.threads < 1) return Status::Invalid("threads: must be at least 1");
  if (opt.max_connections < 1) return Status::Invalid("max_connections: must be at least 1");
  if (opt.max_header_fields < 1) return Status::Invalid("max_header_fields: must be at least 1");
  if (opt.max_header_bytes < 64) return Status::Invalid("max_header_bytes: must be at least 64");
  const std::string host = opt.host == "localhost" ? "127.0.0.1" : opt.host;
  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) return Status::Invalid("host '" + opt.host + "': must be an IP address or localhost");
  return tcp::endpoint(addr, static_cast<unsigned short>(opt.port));
}

}  // namespace

Status HttpServer::check(const HttpServerOptions& opt) {
  try {
    if (Result<tcp::endpoint> ep = endpoint_of(opt); !ep.ok()) return ep.status();
    if (opt.tls_cert_file.empty() && opt.tls_key_file.empty()) return Status::Ok();
    return server_tls_context(opt.tls_cert_file, opt.tls_key_file).status();
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot check the HTTP server's options: ") + e.what());
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& opt, Handler handler) {
  try {
    Result<tcp::endpoint> ep = endpoint_of(opt);
    if (!ep.ok()) return ep.status();
    auto shared = std::make_shared<ServerShared>();
    shared->opt = opt;
    shared->handler = std::move(handler);
    if (!opt.tls_cert_file.empty() || !opt.tls_key_file.empty()) {
      Result<std::shared_ptr<TlsContext>> tls = server_tls_context(opt.tls_cert_file, opt.tls_key_file);
      if (!tls.ok()) return tls.status();
      shared->tls = std::move(tls).value();
    }
    auto server = std::make_unique<Server>(std::move(shared));
    Status st = server->listen(*ep);
    if (!st.ok()) return st;
    server->run(opt.threads);
    return std::unique_ptr<HttpServer>(std::move(server));
  } catch (const std::exception& e) {  // out of memory, or no thread could be started
    return Status::Unavailable(std::string("cannot start the HTTP server: ") + e.what());
  } catch (...) {
    return Status::Unavailable("cannot start the HTTP server");
  }
}

}  // namespace hexa
