#include "agent/process.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace hexa {

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) (void)::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A close-on-exec descriptor numbered 3 or more, so that the child's dup2s onto 0, 1 and 2
// never overwrite one another's source (the agent may run with 0-2 closed).
Fd above_stdio(int fd) {
  if (fd < 0 || fd > 2) return Fd(fd);
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  (void)::close(fd);
  errno = err;
  return Fd(moved);
}

// mkdir -p, each new directory 0755 (less the umask).
Status make_dirs(const std::string& path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {  // a component, not the empty one before a '/' or between "//"
      std::string prefix = path.substr(0, j);
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
        return Status::Unavailable("cannot create the workdir '" + path + "': " + prefix + ": " +
                                   errno_text(errno));
    }
    i = j + 1;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::Unavailable("cannot create the workdir '" + path + "': " + errno_text(errno));
  if (!S_ISDIR(st.st_mode))
    return Status::Unavailable("cannot create the workdir '" + path + "': not a directory");
  return Status::Ok();
}

Result<Fd> open_output(const std::string& path, const char* what) {
  if (path.empty()) {  // discarded
    Fd fd = above_stdio(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return Status::Unavailable(std::string("cannot open /dev/null: ") + errno_text(errno));
    return fd;
  }
  Fd fd = above_stdio(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0640));
  if (!fd.valid())
    return Status::Unavailable(std::string("cannot create the ") + what + " file '" + path + "': " +
                               errno_text(errno));
  return fd;
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// What the child sends up the status pipe when it fails before (or at) exec.
enum Stage : int {
  kExec = 0,
  kSetpgid,
  kStdin,
  kStdout,
  kStderr,
  kChdir,
  kSetgroups,
  kSetgid,
  kSetuid,
  kRegainRoot,
  kSigmask,
  kCgroup,
  kSetsid,      // the keeper's own stages
  kKeeperFork,
  kJobPid,      // not a failure: the keeper tells the job's pid (in `err`)
};

struct ChildFailure {
  int stage = 0;
  int err = 0;
};

const char* stage_text(int stage) {
  switch (stage) {
    case kSetpgid: return "make its process group";
    case kStdin: return "redirect its stdin";
    case kStdout: return "redirect its stdout";
    case kStderr: return "redirect its stderr";
    case kChdir: return "enter its workdir";
    case kSetgroups: return "drop the supplementary groups";
    case kSetgid: return "set its group id";
    case kSetuid: return "set its user id";
    case kRegainRoot: return "drop root for good";
    case kSigmask: return "reset its signal mask";
    case kCgroup: return "join its cgroup";
    case kSetsid: return "give its keeper a session";
    case kKeeperFork: return "fork it from its keeper";
    default: return "start it";
  }
}

// Everything the child needs, built before fork: between fork and exec the child only reads
// these (and writes one pointer into sh_argv), and makes async-signal-safe calls.
struct ExecPlan {
  std::vector<std::string> candidates;  // the paths to try, in PATH order
  std::vector<char*> argv;              // into spec.argv, null-terminated
  std::vector<char*> sh_argv;           // {"/bin/sh", <candidate>, argv[1..], null}: ENOEXEC
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  const char* workdir = nullptr;  // null: stay in the agent's directory
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1, status_fd = -1;
  bool set_groups = false;
  bool has_uid = false, has_gid = false;
  uid_t uid = 0;
  gid_t gid = 0;
  struct sigaction default_action {};
  sigset_t empty_mask{};
  const char* cgroup_procs = nullptr;  // the job's cgroup.procs: it joins before exec
  const char* cgroup_kill = nullptr;   // its cgroup.kill: the keeper writes "1" when it ended
  const char* exit_path = nullptr;     // the keeper writes the job's status there (tmp + rename)
  const char* exit_tmp = nullptr;
  const char* heard_path = nullptr;    // the agent's heard file: the keeper's fence
  unsigned max_fd = 1024;              // the keeper closes every descriptor below it (fallback)
  // The go, in two hops: the agent sends a byte on go once it recorded the job (the keeper
  // reads go_fd), then the keeper on the gate (the job reads gate_job_fd just before exec). A
  // socket pair each (send with MSG_NOSIGNAL: a peer gone is not a SIGPIPE); all close-on-exec.
  int go_fd = -1;
  int gate_keeper_fd = -1, gate_job_fd = -1;
};

[[noreturn]] void child_fail(const ExecPlan& p, int stage) {
  ChildFailure f;
  f.stage = stage;
  f.err = errno;
  write_all(p.status_fd, reinterpret_cast<const char*>(&f), sizeof f);
  ::_exit(127);
}

bool search_goes_on(int err) {  // as execvp: try the next PATH entry after these
  return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV || err == ETIMEDOUT ||
         err == EACCES || err == ELOOP || err == ENAMETOOLONG;
}

// Closes every descriptor from `lo` to `hi` (close_range, else one by one below max_fd).
void close_fds(unsigned lo, unsigned hi, unsigned max_fd) {
  if (lo > hi || ::close_range(lo, hi, 0) == 0) return;
  for (unsigned fd = lo; fd <= hi && fd < max_fd; ++fd) (void)::close(static_cast<int>(fd));
}

// Closes every descriptor but those in keep[0..n) (n <= 8; -1 entries are ignored).
// Async-signal-safe.
void close_all_except(const int* keep, std::size_t n, unsigned max_fd) {
  int sorted[8];
  std::size_t m = 0;
  for (std::size_t i = 0; i < n && m < 8; ++i) {
    if (keep[i] < 0) continue;
    std::size_t at = m++;
    for (; at > 0 && sorted[at - 1] > keep[i]; --at) sorted[at] = sorted[at - 1];
    sorted[at] = keep[i];
  }
  unsigned from = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const unsigned fd = static_cast<unsigned>(sorted[i]);
    if (fd > from) close_fds(from, fd - 1, max_fd);
    from = std::max(from, fd + 1);
  }
  close_fds(from, ~0U, max_fd);
}

// Whether a byte came on `fd` (false: end of file, the sender is gone without one). Blocks.
bool await_byte(int fd) {
  char c = 0;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) < 0 && errno == EINTR) {
  }
  return n == 1;
}

void send_byte(int fd) {
  while (::send(fd, "g", 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// The child, from fork to exec. Async-signal-safe calls only: no allocation, no locks.
[[noreturn]] void run_child(ExecPlan& p) {
  // Back to default dispositions while every signal is still blocked (the parent blocked them
  // all around fork): no handler of the agent's can run in here. Ignored signals (SIGPIPE, say)
  // would otherwise stay ignored across exec. Errors (SIGKILL, SIGSTOP, libc's own) are fine.
  for (int sig = 1; sig < NSIG; ++sig) (void)::sigaction(sig, &p.default_action, nullptr);
  // Its own group (the keeper does the same: whichever runs first, the group exists before
  // the keeper tells its pid and before exec).
  if (::setpgid(0, 0) != 0) child_fail(p, kSetpgid);
  if (::dup2(p.stdin_fd, 0) < 0) child_fail(p, kStdin);
  if (::dup2(p.stdout_fd, 1) < 0) child_fail(p, kStdout);
  if (::dup2(p.stderr_fd, 2) < 0) child_fail(p, kStderr);
  // Before dropping root: the cgroup is the agent's to write. Before exec: nothing of the job
  // runs outside it.
  if (p.cgroup_procs != nullptr) {
    int fd = ::open(p.cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) child_fail(p, kCgroup);
    (void)::close(fd);
  }
  // Before dropping root: the job then holds its directory even where the user could not walk
  // the path to it.
  if (p.workdir != nullptr && ::chdir(p.workdir) != 0) child_fail(p, kChdir);
  if (p.set_groups && ::setgroups(0, nullptr) != 0) child_fail(p, kSetgroups);
  if (p.has_gid && ::setgid(p.gid) != 0) child_fail(p, kSetgid);
  if (p.has_uid && ::setuid(p.uid) != 0) child_fail(p, kSetuid);
  if (p.has_uid && p.uid != 0) {
    // There is no way back: not to uid 0, not to gid 0 unless that is its group.
    if (::setuid(0) == 0 || ::getuid() != p.uid || ::geteuid() != p.uid) {
      errno = EPERM;
      child_fail(p, kRegainRoot);
    }
    if (p.has_gid && p.gid != 0 &&
        (::setgid(0) == 0 || ::getgid() != p.gid || ::getegid() != p.gid)) {
      errno = EPERM;
      child_fail(p, kRegainRoot);
    }
  }
  // Not before the agent recorded the job and its keeper said go (ProcessSpec::record). No go:
  // the agent died (or refused the job, or the keeper saw the fence); end here, silently, the
  // program never run. The keeper records that as fenced: the server counts the job lost.
  if (!await_byte(p.gate_job_fd)) ::_exit(127);
  (void)::close(p.gate_job_fd);
  if (::sigprocmask(SIG_SETMASK, &p.empty_mask, nullptr) != 0) child_fail(p, kSigmask);

  int err = ENOENT;
  bool saw_eacces = false;
  for (const std::string& candidate : p.candidates) {
    ::execve(candidate.c_str(), p.argv.data(), p.envp.data());
    err = errno;
    if (err == ENOEXEC) {  // no #! line: a shell script, as execvp does
      p.sh_argv[1] = const_cast<char*>(candidate.c_str());
      ::execve("/bin/sh", p.sh_argv.data(), p.envp.data());
      err = errno;
      break;
    }
    if (err == EACCES) saw_eacces = true;
    if (!search_goes_on(err)) break;
  }
  if (saw_eacces && search_goes_on(err)) err = EACCES;
  errno = err;
  child_fail(p, kExec);
}

// Appends v in decimal to buf at *n, without allocating.
void append_int(char* buf, std::size_t* n, int v) {
  long long x = v;
  if (x < 0) buf[(*n)++] = '-', x = -x;
  char digits[20];
  std::size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + x % 10);
    x /= 10;
  } while (x != 0);
  while (d > 0) buf[(*n)++] = digits[--d];
}

// "CODE SIGNAL\n" (or "CODE SIGNAL fenced\n") into buf (at least 48 bytes); its length.
std::size_t format_exit(char* buf, int code, int signal, bool fenced) {
  std::size_t n = 0;
  append_int(buf, &n, code);
  buf[n++] = ' ';
  append_int(buf, &n, signal);
  if (fenced)
    for (const char* s = " fenced"; *s != '\0'; ++s) buf[n++] = *s;
  buf[n++] = '\n';
  return n;
}

TimeMs monotonic_ms() {  // agent_now_ms's clock, async-signal-safe
  timespec ts{};
  (void)::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeMs>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Reads a decimal integer at *at (after blanks); false when there is none.
bool read_int(const char* buf, std::size_t size, std::size_t* at, long long* out) {
  while (*at < size && buf[*at] == ' ') ++*at;
  std::size_t start = *at;
  long long v = 0;
  while (*at < size && buf[*at] >= '0' && buf[*at] <= '9' && *at - start < 18) v = v * 10 + (buf[(*at)++] - '0');
  *out = v;
  return *at > start;
}

// The fence, when the server has not heard the agent for that long by the heard file; 0 while
// it has, or without a file or a fence in it. Async-signal-safe.
TimeMs past_fence(const ExecPlan& p, TimeMs now) {
  if (p.heard_path == nullptr) return 0;
  int fd = ::open(p.heard_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  (void)::close(fd);
  if (n <= 0) return 0;
  std::size_t at = 0;
  long long heard = 0, fence = 0;
  if (!read_int(buf, static_cast<std::size_t>(n), &at, &heard) || !read_int(buf, static_cast<std::size_t>(n), &at, &fence))
    return 0;
  return fence > 0 && now - heard >= fence ? fence : 0;
}

void kill_job_group(const ExecPlan& p, pid_t job) {
  (void)::kill(-job, SIGKILL);
  if (p.cgroup_kill != nullptr) {
    int fd = ::open(p.cgroup_kill, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) write_all(fd, "1", 1), (void)::close(fd);
  }
}

// SIGTERM .. SIGKILL at the fence: as the agent's own, at most 2 s, and well before the server's
// grace ends (the fence is 2/3 of it): a quarter of the fence at most.
constexpr TimeMs kFenceKillMs = 2000;
constexpr long kKeeperPollNs = 100'000'000;

// Waits for the job to end, without reaping it (while it is a zombie its group id cannot be
// reused, so a SIGKILL to the group reaches only what is left of the job's). With a heard file,
// looks every 100 ms whether the agent is past its fence, and if so stops the job. Whether it
// did; `info` says how the job ended.
bool keeper_wait(const ExecPlan& p, pid_t job, siginfo_t* info, int* rc) {
  bool fenced = false;
  TimeMs kill_at = 0;
  const int flags = WEXITED | WNOWAIT | (p.heard_path != nullptr ? WNOHANG : 0);
  while (true) {
    std::memset(info, 0, sizeof *info);
    *rc = ::waitid(P_PID, static_cast<id_t>(job), info, flags);
    if (*rc < 0 && errno == EINTR) continue;
    if (*rc < 0 || info->si_pid != 0) return fenced;
    const TimeMs now = monotonic_ms();
    if (TimeMs fence = fenced ? 0 : past_fence(p, now); fence > 0) {
      fenced = true;
      kill_at = now + std::min<TimeMs>(kFenceKillMs, fence / 4);
      (void)::kill(-job, SIGTERM);
    } else if (fenced && kill_at != 0 && now >= kill_at) {
      kill_at = 0;
      kill_job_group(p, job);
    }
    timespec nap{0, kKeeperPollNs};
    (void)::nanosleep(&nap, nullptr);
  }
}

// The keeper's record of the job's end: temp file, fsync, rename (a reader sees all or nothing).
void keeper_write_exit(const ExecPlan& p, int code, int signal, bool fenced) {
  if (p.exit_path == nullptr) return;
  char buf[48];
  std::size_t n = format_exit(buf, code, signal, fenced);
  int fd = ::open(p.exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, buf, n);
  (void)::fsync(fd);
  (void)::close(fd);
  (void)::rename(p.exit_tmp, p.exit_path);
}

// Ends the keeper with the job's own status: its code, or killed by the same signal.
[[noreturn]] void keeper_mirror(int code, int signal) {
  if (signal == 0) ::_exit(code & 0xff);
  struct rlimit no_core {};
  (void)::setrlimit(RLIMIT_CORE, &no_core);  // the job may have dumped core; its keeper does not
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  (void)::sigaction(signal, &dfl, nullptr);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal);
  (void)::kill(::getpid(), signal);
  (void)::sigprocmask(SIG_UNBLOCK, &only, nullptr);  // delivered here
  ::_exit(128 + signal);  // a signal that does not end a process
}

// The keeper, from fork to its end. Async-signal-safe calls only. It keeps every signal blocked
// (only SIGKILL ends it) and has a session of its own: the agent's end, its terminal's signals,
// a SIGTERM to the agent's group do not reach it.
[[noreturn]] void run_keeper(ExecPlan& p) {
  (void)::prctl(PR_SET_NAME, "hexa-keeper");  // in ps and top: not taken for the agent
  if (::setsid() < 0) child_fail(p, kSetsid);
  // Before anything here waits: what the agent had open, another start's go socket among it,
  // must not be held by this keeper or its job, or that start's keeper would wait for a go that
  // never comes and never sees its end either.
  const int needed[] = {p.stdin_fd, p.stdout_fd, p.stderr_fd, p.status_fd, p.go_fd, p.gate_keeper_fd, p.gate_job_fd};
  close_all_except(needed, sizeof needed / sizeof needed[0], p.max_fd);
  pid_t job = ::fork();
  if (job < 0) child_fail(p, kKeeperFork);
  if (job == 0) {
    (void)::close(p.go_fd), (void)::close(p.gate_keeper_fd);  // the gate's end comes only from the keeper
    run_child(p);
  }
  (void)::setpgid(job, job);  // EACCES once it has exec'd: it made the group itself by then
  ChildFailure told;
  told.stage = kJobPid;
  told.err = job;
  write_all(p.status_fd, reinterpret_cast<const char*>(&told), sizeof told);
  // Nothing of the agent's stays open here (its files, the job's): the job has its own copies.
  const int kept[] = {p.go_fd, p.gate_keeper_fd};
  close_all_except(kept, 2, p.max_fd);
  int null = ::open("/dev/null", O_RDWR);  // 0, 1 and 2 are never a file opened later
  if (null == 0) (void)::dup2(0, 1), (void)::dup2(0, 2);
  // The agent's go, then the keeper's: past the fence by then (an agent frozen between its
  // record and the go), the server may be running the job elsewhere already.
  const bool go = await_byte(p.go_fd) && past_fence(p, monotonic_ms()) == 0;
  if (go) send_byte(p.gate_keeper_fd);
  (void)::close(p.go_fd), (void)::close(p.gate_keeper_fd);
  siginfo_t info;
  int rc = 0;
  const bool fenced = keeper_wait(p, job, &info, &rc) || !go;
  kill_job_group(p, job);  // whatever is left of its group
  int code = -1, signal = 0;
  if (rc == 0 && info.si_code == CLD_EXITED) {
    code = info.si_status;
  } else if (rc == 0 && (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)) {
    signal = info.si_status;
    code = 128 + signal;
  }
  keeper_write_exit(p, code, signal, fenced);
  int st = 0;
  while (::waitpid(job, &st, 0) < 0 && errno == EINTR) {
  }
  keeper_mirror(code < 0 ? 255 : code, signal);
}

// The directories execvp would search, from the job's own PATH.
std::vector<std::string> exec_candidates(const std::string& name, const char* path_var) {
  if (name.find('/') != std::string::npos) return {name};
  std::string path = path_var != nullptr ? path_var : "/bin:/usr/bin";
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    std::size_t j = path.find(':', i);
    std::string dir = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    out.push_back((dir.empty() ? std::string(".") : dir) + "/" + name);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

// A close-on-exec socket pair, both ends numbered 3 or more.
Status socket_pair(Fd* a, Fd* b) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return Status::Unavailable("cannot make a socket pair: " + errno_text(errno));
  *a = above_stdio(fds[0]);
  *b = above_stdio(fds[1]);
  if (!a->valid() || !b->valid()) return Status::Unavailable("cannot make a socket pair: " + errno_text(errno));
  return Status::Ok();
}

// What a start's status pipe told: the job's pid (the keeper's word) and the first failure.
struct StartReport {
  pid_t job = 0;
  std::optional<ChildFailure> failure;
};

// Reads the status pipe to its end, or only until the keeper told the job's pid (`until_pid`).
void read_status(int fd, StartReport* r, bool until_pid) {
  while (!(until_pid && r->job > 0)) {
    ChildFailure f;
    std::size_t got = 0;
    while (got < sizeof f) {
      ssize_t n = ::read(fd, reinterpret_cast<char*>(&f) + got, sizeof f - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got < sizeof f) return;
    if (f.stage == kJobPid) r->job = f.err;
    else if (!r->failure) r->failure = f;
  }
}

// The agent's side failed, or its record: the keeper is ending (the job never ran its program);
// reap it and report an error, in the job's stderr too.
Status abandon_start(const std::string& key, const ProcessSpec& spec, int err_fd, pid_t keeper, const StartReport& r,
                  const Status& recorded) {
  std::string what = r.failure ? stage_text(r.failure->stage) : !recorded.ok() ? "record it" : "start it";
  std::string why = r.failure       ? errno_text(r.failure->err)
                    : !recorded.ok() ? recorded.message()
                                     : "its keeper ended without a word";
  std::string line = "hexa agent: cannot " + what + " for '" + spec.argv[0] + "': " + why + "\n";
  write_all(err_fd, line.data(), line.size());
  int st = 0;
  while (::waitpid(keeper, &st, 0) < 0 && errno == EINTR) {
  }
  if (!spec.exit_path.empty()) (void)::unlink(spec.exit_path.c_str());  // not an exit to report
  return Status::Unavailable("process '" + key + "': cannot " + what + ": " + why);
}

}  // namespace

Supervisor::~Supervisor() {
  for (const auto& [key, c] : children_) kill_group(c, SIGKILL);
  for (const auto& [key, c] : children_) {  // each keeper ends once its job has
    if (c.adopted) continue;
    int st = 0;
    while (::waitpid(c.ids.keeper, &st, 0) < 0 && errno == EINTR) {
    }
  }
}

Result<pid_t> Supervisor::start(const std::string& key, const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty())
    return Status::Invalid("process '" + key + "': argv must name a program");
  for (const std::string& a : spec.argv)
    if (a.find('\0') != std::string::npos)
      return Status::Invalid("process '" + key + "': argv holds a NUL byte");
  for (const auto& [k, v] : spec.env)
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
        v.find('\0') != std::string::npos)
      return Status::Invalid("process '" + key + "': bad environment variable '" + k + "'");
  if (children_.count(key) != 0) return Status::Conflict("process '" + key + "' is already running");

  // Whom it runs as. A uid without a gid takes that user's primary group (never root's).
  std::optional<uid_t> uid = spec.uid;
  std::optional<gid_t> gid = spec.gid;
  if (uid && !gid) {
    long max = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(max > 0 ? static_cast<std::size_t>(max) : 16384);
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (::getpwuid_r(*uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
      return Status::Invalid("process '" + key + "': uid " + std::to_string(*uid) +
                             " has no group: give its gid");
    gid = pw.pw_gid;
  }

  // The workdir and the output files, made by the agent and given to the user.
  if (!spec.workdir.empty()) {
    if (Status s = make_dirs(spec.workdir); !s.ok()) return s;
  }
  Result<Fd> out = open_output(spec.stdout_path, "stdout");
  if (!out.ok()) return out.status();
  Fd err_own;  // stderr's own file, unless it is stdout's
  int err_fd = out->get();
  if (spec.stderr_path != spec.stdout_path || spec.stdout_path.empty()) {
    Result<Fd> e = open_output(spec.stderr_path, "stderr");
    if (!e.ok()) return e.status();
    err_own = std::move(*e);
    err_fd = err_own.get();
  }
  if (uid || gid) {
    uid_t u = uid ? *uid : static_cast<uid_t>(-1);
    gid_t g = gid ? *gid : static_cast<gid_t>(-1);
    if (!spec.workdir.empty() && ::chown(spec.workdir.c_str(), u, g) != 0)
      return Status::Unavailable("cannot give the workdir '" + spec.workdir + "' to its user: " +
                                 errno_text(errno));
    if (!spec.stdout_path.empty() && ::fchown(out->get(), u, g) != 0)
      return Status::Unavailable("cannot give '" + spec.stdout_path + "' to its user: " + errno_text(errno));
    if (err_own.valid() && !spec.stderr_path.empty() && ::fchown(err_own.get(), u, g) != 0)
      return Status::Unavailable("cannot give '" + spec.stderr_path + "' to its user: " + errno_text(errno));
  }
  Fd in = above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return Status::Unavailable("cannot open /dev/null: " + errno_text(errno));

  // Everything the child needs, allocated now.
  ExecPlan p;
  std::vector<std::string> args = spec.argv;  // owned here: argv's pointers are into it
  for (std::string& a : args) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  p.sh_argv.push_back(const_cast<char*>("/bin/sh"));
  p.sh_argv.push_back(nullptr);  // the candidate, set in the child
  for (std::size_t i = 1; i < args.size(); ++i) p.sh_argv.push_back(args[i].data());
  p.sh_argv.push_back(nullptr);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string name(kv.substr(0, kv.find('=')));
    // The agent's own credentials stay with it: a job is the tenant's code (HEXA_TOKEN of the
    // shell that started the agent could be an admin's). The submit's env may still set them.
    const bool credential = name == "HEXA_TOKEN" || name == "HEXA_TOKEN_FILE";
    if (spec.env.count(name) == 0 && !credential) p.env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : spec.env) p.env_strings.push_back(k + "=" + v);
  const char* path_var = nullptr;
  for (std::string& s : p.env_strings) {
    p.envp.push_back(s.data());
    if (s.rfind("PATH=", 0) == 0) path_var = s.c_str() + 5;
  }
  p.envp.push_back(nullptr);
  p.candidates = exec_candidates(args[0], path_var);
  p.workdir = spec.workdir.empty() ? nullptr : spec.workdir.c_str();
  p.stdin_fd = in.get();
  p.stdout_fd = out->get();
  p.stderr_fd = err_fd;
  p.set_groups = (uid || gid) && ::geteuid() == 0;
  p.has_uid = uid.has_value();
  p.has_gid = gid.has_value();
  p.uid = uid.value_or(0);
  p.gid = gid.value_or(0);
  p.default_action.sa_handler = SIG_DFL;
  sigemptyset(&p.default_action.sa_mask);
  sigemptyset(&p.empty_mask);
  const std::string exit_tmp = spec.exit_path + ".tmp";
  const std::string cgroup_procs = spec.cgroup + "/cgroup.procs", cgroup_kill = spec.cgroup + "/cgroup.kill";
  if (!spec.exit_path.empty()) p.exit_path = spec.exit_path.c_str(), p.exit_tmp = exit_tmp.c_str();
  if (!spec.heard_path.empty()) p.heard_path = spec.heard_path.c_str();
  if (!spec.cgroup.empty()) p.cgroup_procs = cgroup_procs.c_str(), p.cgroup_kill = cgroup_kill.c_str();
  long open_max = ::sysconf(_SC_OPEN_MAX);
  p.max_fd = static_cast<unsigned>(open_max > 0 && open_max < 65536 ? open_max : 65536);
  if (!spec.exit_path.empty()) (void)::unlink(spec.exit_path.c_str());  // a key started again

  // The status pipe: closed by exec (EOF: it runs), or it carries why it does not.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::Unavailable("cannot make a pipe: " + errno_text(errno));
  Fd status_read = above_stdio(fds[0]);
  Fd status_write = above_stdio(fds[1]);
  if (!status_read.valid() || !status_write.valid())
    return Status::Unavailable("cannot make a pipe: " + errno_text(errno));
  p.status_fd = status_write.get();

  // The go and the gate (ExecPlan): the job runs only once it is recorded.
  Fd go_agent, go_keeper, gate_keeper, gate_job;
  if (Status st = socket_pair(&go_agent, &go_keeper); !st.ok()) return st;
  if (Status st = socket_pair(&gate_keeper, &gate_job); !st.ok()) return st;
  p.go_fd = go_keeper.get();
  p.gate_keeper_fd = gate_keeper.get();
  p.gate_job_fd = gate_job.get();

  sigset_t all, old;
  sigfillset(&all);
  (void)::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t keeper = ::fork();
  if (keeper == 0) run_keeper(p);
  int fork_errno = errno;
  (void)::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (keeper < 0) return Status::Unavailable("cannot fork: " + errno_text(fork_errno));
  status_write.reset(), go_keeper.reset(), gate_keeper.reset(), gate_job.reset();

  // The keeper tells the job's pid; the job, once recorded and cleared, closes the pipe by
  // exec, or says why it could not.
  StartReport r;
  read_status(status_read.get(), &r, true);
  ProcessIds ids{keeper, process_start_time(keeper).value_or(0), r.job,
                 r.job > 0 ? process_start_time(r.job).value_or(0) : 0};
  Status recorded = r.job > 0 && !r.failure && spec.record ? spec.record(ids) : Status::Ok();
  if (r.job > 0 && !r.failure && recorded.ok()) send_byte(go_agent.get());
  go_agent.reset();  // without a byte sent: the keeper ends the job before it runs
  read_status(status_read.get(), &r, false);
  if (r.failure && r.failure->stage == kExec) {
    // Exec failed: the job exits 127, tick() reports it as any other exit.
    std::string line = "hexa agent: cannot run '" + spec.argv[0] + "': " + errno_text(r.failure->err) + "\n";
    write_all(err_fd, line.data(), line.size());
  } else if (r.failure || r.job <= 0 || !recorded.ok()) {
    return abandon_start(key, spec, err_fd, keeper, r, recorded);
  }
  Child c;
  c.ids = ids;
  c.exit_path = spec.exit_path;
  c.cgroup = spec.cgroup;
  children_.emplace(key, c);
  return r.job;
}

Status Supervisor::adopt(const std::string& key, const ProcessIds& ids, const std::string& exit_path,
                         const std::string& cgroup) {
  if (children_.count(key) != 0) return Status::Conflict("process '" + key + "' is already running");
  if (ids.keeper <= 0 || ids.job <= 0 || !same_process(ids.keeper, ids.keeper_start))
    return Status::NotFound("process '" + key + "': its keeper (pid " + std::to_string(ids.keeper) +
                            ") is not running");
  Child c;
  c.ids = ids;
  c.adopted = true;
  c.exit_path = exit_path;
  c.cgroup = cgroup;
  children_.emplace(key, c);
  return Status::Ok();
}

std::optional<ProcessIds> Supervisor::ids(const std::string& key) const {
  auto it = children_.find(key);
  if (it == children_.end()) return std::nullopt;
  return it->second.ids;
}

// The job's group (and cgroup). Safe while the keeper runs: it reaps the job only once it has
// SIGKILLed the group, so the group id is not reused before. An adopted job is signalled only
// while it is the process that started then.
void Supervisor::kill_group(const Child& c, int sig) const {
  if (c.adopted && !same_process(c.ids.job, c.ids.job_start) && !same_process(c.ids.keeper, c.ids.keeper_start))
    return;
  (void)::kill(-c.ids.job, sig);
  if (sig == SIGKILL && !c.cgroup.empty()) {
    int fd = ::open((c.cgroup + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) write_all(fd, "1", 1), (void)::close(fd);
  }
}

void Supervisor::stop(const std::string& key, TimeMs now_ms, DurationMs grace_ms) {
  auto it = children_.find(key);
  if (it == children_.end()) return;
  Child& c = it->second;
  kill_group(c, SIGTERM);
  TimeMs at = kNever;
  if (grace_ms <= 0)
    at = now_ms;
  else if (now_ms <= kNever - grace_ms)
    at = now_ms + grace_ms;
  if (at < c.kill_at) c.kill_at = at;
}

// Whether the job has ended, and how: the keeper's exit file is the truth; without one, our own
// keeper's status (it mirrors the job's); an adopted keeper gone without a file: the status is
// lost (-1). Whatever is left of a job whose keeper is gone is killed.
std::optional<ProcessExit> Supervisor::ended(const std::string& key, const Child& c) const {
  ProcessExit e;
  e.key = key;
  if (c.adopted) {
    if (std::optional<ProcessExit> f = read_exit_file(c.exit_path)) return ProcessExit{key, f->exit_code, f->signal, f->fenced};
    if (same_process(c.ids.keeper, c.ids.keeper_start)) return std::nullopt;
    if (std::optional<ProcessExit> f = read_exit_file(c.exit_path)) return ProcessExit{key, f->exit_code, f->signal, f->fenced};
    e.exit_code = -1;
    kill_group(c, SIGKILL);
    return e;
  }
  int st = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(c.ids.keeper, &st, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;  // still running
  std::optional<ProcessExit> f = c.exit_path.empty() ? std::nullopt : read_exit_file(c.exit_path);
  if (f) {
    e.exit_code = f->exit_code;
    e.signal = f->signal;
    e.fenced = f->fenced;
    return e;
  }
  // No file (none asked, or the keeper was killed before it wrote one): its own status.
  if (r == c.ids.keeper && WIFSIGNALED(st)) {
    e.signal = WTERMSIG(st);
    e.exit_code = 128 + e.signal;
  } else if (r == c.ids.keeper && WIFEXITED(st)) {
    e.exit_code = WEXITSTATUS(st);
  } else {
    e.exit_code = -1;  // reaped by someone else (SIGCHLD ignored, a waitpid(-1))
  }
  if (same_process(c.ids.job, c.ids.job_start)) (void)::kill(-c.ids.job, SIGKILL);
  return e;
}

std::vector<ProcessExit> Supervisor::tick(TimeMs now_ms) {
  std::vector<ProcessExit> exits;
  for (auto it = children_.begin(); it != children_.end();) {
    Child& c = it->second;
    if (c.kill_at != kNever && now_ms >= c.kill_at) {
      kill_group(c, SIGKILL);
      c.kill_at = kNever;
    }
    std::optional<ProcessExit> e = ended(it->first, c);
    if (!e) {
      ++it;
      continue;
    }
    exits.push_back(std::move(*e));
    it = children_.erase(it);
  }
  return exits;
}

bool Supervisor::running(const std::string& key) const { return children_.count(key) != 0; }

std::vector<std::string> Supervisor::keys() const {
  std::vector<std::string> out;
  out.reserve(children_.size());
  for (const auto& [key, c] : children_) out.push_back(key);
  return out;
}

Result<std::pair<uid_t, gid_t>> lookup_user(const std::string& name) {
  if (name.empty()) return Status::Invalid("user name: empty");
  long max = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::size_t size = max > 0 ? static_cast<std::size_t>(max) : 16384;
  while (true) {
    std::vector<char> buf(size);
    struct passwd pw {};
    struct passwd* found = nullptr;
    int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && size < (std::size_t{1} << 20)) {
      size *= 2;
      continue;
    }
    if (rc == 0 && found != nullptr) return std::make_pair(pw.pw_uid, pw.pw_gid);
    if (rc == 0 || rc == ENOENT || rc == ESRCH) return Status::NotFound("no user '" + name + "'");
    return Status::Unavailable("cannot look up user '" + name + "': " + errno_text(rc));
  }
}

}  // namespace hexa
