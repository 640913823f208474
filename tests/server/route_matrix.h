// MatrixCloud: the server's request path in-process (serve_request on a Host in a temporary
// directory, no sockets) with tenants alpha (and its sub-tenant alpha-x) and beta, node n1
// registered by hand, and one token per role, for the isolation matrix (route_matrix_test.cc).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/api.h"
#include "sim/scenario.h"

namespace hexa::testing {

struct MatrixRequest {
  std::string method, target;
  Json body;  // null: no body
};

struct MatrixAnswer {
  int status = 0;
  std::string body, content_type;
  Json json;  // the body when it is JSON, else null
  std::vector<std::pair<std::string, std::string>> headers;
};

class MatrixCloud {
 public:
  // Fails the test (and returns null) when something of the setup is refused.
  static std::unique_ptr<MatrixCloud> open();
  ~MatrixCloud();

  // One request as `role`: "none" (no token), "forged" (well formed, never made), "alpha" and
  // "beta" (members), "operator", "agent-n0", "agent-n1", "admin". Waits for the answer (10 s).
  MatrixAnswer call(const MatrixRequest& req, const std::string& role);
  void admin_first(const std::string& method, const std::string& target);  // its answer ignored

  // Alpha's things, as ids in text.
  const std::string& running_job() const { return running_; }  // on n1
  const std::string& ended_job() const { return ended_; }      // cancelled: in the archive
  const std::string& sub_job() const { return sub_; }          // of alpha-x, pending
  const std::string& beta_job() const { return beta_; }        // beta's own, pending
  std::string fresh_job();    // a new pending job of alpha
  std::string spare_token();  // a new member token of alpha: its id
  std::string unique(const std::string& prefix);
  // What no answer to beta may hold: alpha's names, its job's name and environment.
  std::vector<std::string> alpha_markers() const;

  // The agent routes' bodies for n1, each after a registration of its own (a fresh epoch).
  std::int64_t epoch();  // registers n1 (as admin) again, keeping its running job
  Json register_body() const;
  Json report_body();
  Json log_body();
  Json reservation_body(const std::string& name) const;

  std::uint64_t digest() const { return host_->digest(); }

 private:
  MatrixCloud() = default;
  bool setup();
  Json running_refs() const;

  std::string dir_;
  Scenario cloud_;
  std::unique_ptr<Host> host_;
  TokenBook tokens_;
  std::unique_ptr<Api> api_;
  std::map<std::string, std::string> secrets_;  // role -> token
  std::string running_, ended_, sub_, beta_;
  int segment_ = 0;  // the running job's
  int counter_ = 0;
};

}  // namespace hexa::testing
