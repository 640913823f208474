// A real PostgreSQL 15 for the tests (issue 15): one cluster per test program, started on first
// use by scripts/pg.sh in a temporary directory (or the one $HEXA_PG_URL names), stopped at
// exit by its postmaster's pid (pg.sh stop); each test gets a database of its own.
// Without PostgreSQL's programs the tests that need it skip, saying why; with CI=true they fail
// (CI installs postgresql-15). Header only: the store and the server test programs share it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "store/pg_conn.h"

namespace hexa::testing {

class PgCluster {
 public:
  // The program's cluster, started the first time it is asked for.
  static PgCluster& get() {
    static PgCluster cluster;
    return cluster;
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster() { stop(); }

  bool available() const { return !url_.empty(); }
  const std::string& why_not() const { return why_not_; }
  const std::string& url() const { return url_; }  // of its `postgres` database
  const std::string& dir() const { return dir_; }  // "" when $HEXA_PG_URL was given

  // A new, empty database; its URL. "" (and a test failure) when it cannot be made.
  std::string new_database() {
    static std::atomic<int> n{0};
    const std::string name = "hexa_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    std::lock_guard lock(mu_);
    Result<store::PgTarget> t = store::parse_pg_url(url_);
    if (!t.ok()) {
      ADD_FAILURE() << t.status().message();
      return "";
    }
    store::PgConn c(*t, "test");
    auto made = c.exec("create database", "CREATE DATABASE " + name);
    if (!made.ok()) {
      ADD_FAILURE() << made.status().message();
      return "";
    }
    return url_with_database(name);
  }

  // The same cluster's URL for another database.
  std::string url_with_database(const std::string& name) const {
    const std::size_t slash = url_.find('/', url_.find("://") + 3);
    const std::size_t query = url_.find('?', slash);
    return url_.substr(0, slash) + "/" + name + (query == std::string::npos ? "" : url_.substr(query));
  }

  // Stops the cluster (pg.sh stop: pg_ctl, then the postmaster's pid) and starts it again on
  // the same port: the tests of riding out a restart of PostgreSQL. Only for a cluster of ours.
  bool stop_for_testing() { return !dir_.empty() && run("stop") == 0; }
  bool restart_for_testing() { return !dir_.empty() && run("restart") == 0; }

 private:
  PgCluster() {
    if (const char* given = std::getenv("HEXA_PG_URL"); given != nullptr && *given != '\0') {
      url_ = given;
      return;
    }
    const char* bin = std::getenv("HEXA_PG_BIN");
    const std::string initdb = std::string(bin != nullptr ? bin : "/usr/lib/postgresql/15/bin") + "/initdb";
    if (!std::filesystem::exists(initdb)) {
      why_not_ = "no PostgreSQL 15 (" + initdb + " is missing: scripts/setup.sh installs postgresql-15)";
      return;
    }
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/hexa-pg-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      why_not_ = "mkdtemp " + tmpl + " failed";
      return;
    }
    dir_ = tmpl;
    std::string out;
    if (run("start", &out) != 0) {
      why_not_ = "scripts/pg.sh start " + dir_ + " failed: " + out;
      return;
    }
    // Its URL is the last line: pg_ctl's complaints about a port taken meanwhile (retried) come before.
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    url_ = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    // A program that crashes runs no destructor: a watcher stops the cluster (by pg.sh, by
    // its postmaster's pid) once this process is gone.
    const std::string watch = "(while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
                              std::string(HEXA_SOURCE_DIR) + "/scripts/pg.sh stop " + dir_ + "; rm -rf " + dir_ +
                              ") </dev/null >/dev/null 2>&1 &";
    if (std::system(watch.c_str()) != 0) ADD_FAILURE() << "cannot start the cluster's watcher";
  }

  void stop() {
    if (dir_.empty()) return;
    (void)run("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  // scripts/pg.sh VERB DIR; its stdout into *out.
  int run(const std::string& verb, std::string* out = nullptr) const {
    const std::string cmd = std::string(HEXA_SOURCE_DIR) + "/scripts/pg.sh " + verb + " " + dir_ + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    char buf[512];
    std::string text;
    while (std::fgets(buf, sizeof buf, p) != nullptr) text += buf;
    const int rc = ::pclose(p);
    if (out != nullptr) *out = text;
    return rc;
  }

  std::mutex mu_;
  std::string dir_, url_, why_not_;
};

// In a test: skips it when there is no PostgreSQL, or fails it under CI=true.
inline bool pg_missing() {
  PgCluster& c = PgCluster::get();
  if (c.available()) return false;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") ADD_FAILURE() << "CI=true needs PostgreSQL: " << c.why_not();
  return true;
}

#define HEXA_NEED_PG()                                                                \
  do {                                                                                \
    if (::hexa::testing::pg_missing()) GTEST_SKIP() << ::hexa::testing::PgCluster::get().why_not(); \
  } while (0)

}  // namespace hexa::testing
