#include "store/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace hexa {
namespace {

// Set once by arm_crash_point, before the server's threads start; read by any thread.
std::atomic<const char*> g_armed{nullptr};
std::atomic<long> g_left{0};
std::string g_name;  // owns what g_armed points at

}  // namespace

const std::vector<std::string>& crash_point_names() {
  static const std::vector<std::string> names = {
      "append.mid_batch",     // a batch's first row inserted, the transaction not committed
      "append.after_commit",  // the batch durable, nothing applied or answered yet
      "snapshot.mid_write",   // half of a snapshot's temporary file written
      "snapshot.before_rename",  // the temporary file written and fsynced, not yet renamed
      "snapshot.prune",       // compaction: the new snapshot in place, older ones being removed
  };
  return names;
}

const std::vector<std::string>& agent_crash_point_names() {
  static const std::vector<std::string> names = {
      "agent.start.before_record",  // a job's keeper and process forked, its state not recorded
  };
  return names;
}

Status arm_crash_point(std::string* armed, const std::vector<std::string>& known_points) {
  armed->clear();
  const char* env = std::getenv("HEXA_CRASH_AT");
  if (env == nullptr || *env == '\0') return Status::Ok();
  std::string_view text(env);
  std::string_view name = text.substr(0, text.find(':'));
  long count = 1;
  if (name.size() < text.size()) {
    std::string_view digits = text.substr(name.size() + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (ec != std::errc() || end != digits.data() + digits.size() || count < 1)
      return Status::Invalid("HEXA_CRASH_AT: '" + std::string(text) + "': the count after ':' must be a whole number >= 1");
  }
  bool known = false;
  for (const std::string& n : known_points) known = known || n == name;
  if (!known) {
    std::string all;
    for (const std::string& n : known_points) all += (all.empty() ? "" : ", ") + n;
    return Status::Invalid("HEXA_CRASH_AT: unknown crash point '" + std::string(name) + "' (one of: " + all + ")");
  }
  g_name = std::string(name);
  g_left = count;
  g_armed = g_name.c_str();
  *armed = g_name;
  return Status::Ok();
}

void crash_point(const char* name) {
  const char* armed = g_armed.load(std::memory_order_relaxed);
  if (armed == nullptr || std::strcmp(armed, name) != 0) return;
  if (g_left.fetch_sub(1) == 1) ::kill(::getpid(), SIGKILL);
}

}  // namespace hexa
