// Runs the hexa binary as a user would: a sub-command and its arguments, through /bin/sh, with
// a time limit (a stalled run fails the test, it does not hang it), stdout and stderr kept.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "test_files.h"

namespace hexa::testing {

// One argument for /bin/sh, single-quoted.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Exit {
  int code = -1;  // exit status; -1 if killed by a signal; 124: the time limit
  std::string out, err;
  std::string output() const { return out + err; }
};

inline Exit run_hexa(const std::string& command, const std::vector<std::string>& args) {
  std::string out = temp_path("stdout.txt"), err = temp_path("stderr.txt");
  std::string cmd = "timeout 20 " + quote(HEXA_BINARY) + " " + command;
  for (const std::string& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(out) + " 2>" + quote(err) + " </dev/null";
  int status = std::system(cmd.c_str());
  Exit e;
  if (status != -1 && WIFEXITED(status)) e.code = WEXITSTATUS(status);
  e.out = read_file(out);
  e.err = read_file(err);
  return e;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace hexa::testing
