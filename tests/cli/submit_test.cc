// hexa submit: the body built from the flags, the idempotency key and its one retry, the id
// alone on stdout, and one-line errors.
#include <gtest/gtest.h>

#include "cli/json_view.h"
#include "cli/submit.h"
#include "fake_http.h"

namespace hexa::testing {
namespace {

using cli::Json;

const char* kJob7 = R"({"id":7,"name":"train.py","tenant":"acme","state":"pending"})";

TEST(Submit, BuildsTheBodyFromTheFlags) {
  FakeServer server;
  TestIo t;
  t.env["HEXA_TOKEN"] = "hexa_secret";
  server.reply(201, kJob7);
  int code = run(server, t,
                 {"submit", "--tenant", "acme", "--gpus", "2", "--gpu-type", "H100", "--site", "paris", "--time", "2h",
                  "--priority", "5", "--no-preempt", "--slice", "1g.10gb", "--name", "big", "--checkpoint-every", "30m",
                  "--env", "A=1", "--env", "B=x=y", "--idempotency-key", "k-1", "--", "python", "train.py", "--lr",
                  "3e-4"});
  ASSERT_EQ(code, 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 1u);
  const Sent& s = server.sent[0];
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/v1/jobs");
  EXPECT_EQ(s.body,
            R"({"tenant":"acme","name":"big","gpus":2,"gpu_type":"H100","site":"paris","slice":"1g.10gb",)"
            R"("time_limit_s":7200,"priority":5,"preemptible":false,"checkpoint_every_s":1800,)"
            R"("command":["python","train.py","--lr","3e-4"],"env":{"A":"1","B":"x=y"}})");
  EXPECT_EQ(s.header("Idempotency-Key"), "k-1");
  EXPECT_EQ(s.header("Authorization"), "Bearer hexa_secret");
  EXPECT_EQ(s.header("Content-Type"), "application/json");
  EXPECT_EQ(t.out.str(), "7\n");
  EXPECT_EQ(t.err.str(), "");
  EXPECT_EQ(server.bases, std::vector<std::string>{"http://127.0.0.1:8642"});
}

TEST(Submit, DefaultsTheNameToTheCommandsBasenameAndSendsOnlyWhatIsGiven) {
  FakeServer server;
  TestIo t;
  server.reply(201, kJob7);
  ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--", "/usr/bin/python3", "-c", "print(1)"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].body, R"j({"name":"python3","gpus":1,"command":["/usr/bin/python3","-c","print(1)"]})j");
  EXPECT_EQ(server.sent[0].header("Authorization"), "") << "no token given, none sent";
  EXPECT_EQ(server.sent[0].header("Idempotency-Key"), "key1") << "a key is made when none is given";
}

TEST(Submit, LimitsGoInTheBody) {
  FakeServer server;
  TestIo t;
  server.reply(201, kJob7);
  ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--memory-mb", "2048", "--cpus", "4", "--", "x"}), 0) << t.err.str();
  auto body = cli::parse_json(server.sent[0].body);
  EXPECT_EQ((*body)["memory_mb"], 2048);
  EXPECT_EQ((*body)["cpus"], 4);
}

TEST(Submit, TimeFormsBecomeSeconds) {
  for (const auto& [text, seconds] : std::vector<std::pair<std::string, int>>{
           {"90", 5400}, {"30s", 30}, {"45m", 2700}, {"1d", 86400}, {"1:30:00", 5400}, {"2-12:00:00", 216000}}) {
    FakeServer server;
    TestIo t;
    server.reply(201, kJob7);
    ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--time", text, "--", "x"}), 0) << t.err.str();
    auto body = cli::parse_json(server.sent[0].body);
    EXPECT_EQ((*body)["time_limit_s"], seconds) << text;
  }
}

TEST(Submit, RetriesOnceWithTheSameKeyAfterALostConnection) {
  FakeServer server;
  TestIo t;
  server.refuse("connection reset by peer");
  server.reply(200, kJob7);  // the first POST made the job: the server answers it again
  ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--", "sleep", "60"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(server.sent[0].header("Idempotency-Key"), "key1");
  EXPECT_EQ(server.sent[1].header("Idempotency-Key"), "key1");
  EXPECT_EQ(server.sent[0].body, server.sent[1].body);
  EXPECT_EQ(t.sleeps, std::vector<int>{cli::kSubmitRetryDelayMs});
  EXPECT_EQ(t.out.str(), "7\n");
}

TEST(Submit, RetriesOnceAfterA503ThenGivesUp) {
  FakeServer server;
  TestIo t;
  server.reply(problem(503, "journal unavailable"));
  server.reply(problem(503, "journal unavailable"));
  EXPECT_EQ(run(server, t, {"submit", "--gpus", "1", "--idempotency-key", "mine", "--", "x"}), 2);
  ASSERT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(server.sent[1].header("Idempotency-Key"), "mine");
  EXPECT_EQ(t.err.str(), "hexa: journal unavailable (HTTP 503)\n");
  EXPECT_EQ(t.out.str(), "");
}

TEST(Submit, DoesNotRetryARefusal) {
  FakeServer server;
  TestIo t;
  server.reply(problem(400, "gpus: must be an integer >= 1", "gpus"));
  EXPECT_EQ(run(server, t, {"submit", "--gpus", "0", "--", "x"}), 2);
  EXPECT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(t.err.str(), "hexa: gpus: must be an integer >= 1 (HTTP 400)\n");
  EXPECT_EQ(t.out.str(), "");
}

TEST(Submit, JsonPrintsTheJobObject) {
  FakeServer server;
  TestIo t;
  server.reply(201, kJob7);
  ASSERT_EQ(run(server, t, {"submit", "--json", "--gpus", "1", "--", "train.py"}), 0);
  EXPECT_EQ(t.out.str(), std::string(kJob7) + "\n");
}

TEST(Submit, BadTimeIsOneLineNamingTheFlagAndNothingIsSent) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {"submit", "--gpus", "1", "--time", "2 hours", "--", "x"}), 2);
  EXPECT_EQ(t.err.str(),
            "hexa: --time: '2 hours' is not a duration; use minutes (90), 30s, 45m, 2h, 1d, MM:SS, H:MM:SS (1:30:00) "
            "or D-HH:MM:SS (2-12:00:00)\n");
  EXPECT_EQ(t.out.str(), "");
  EXPECT_TRUE(server.sent.empty());
}

TEST(Submit, BadInputIsOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"submit", "--gpus", "1"}, "hexa: COMMAND: required after the flags and --, as in: hexa submit --gpus 1 -- python train.py\n"},
      {{"submit", "--gpus", "1", "--checkpoint-every", "soon", "--", "x"}, "hexa: --checkpoint-every: 'soon' is not a duration"},
      {{"submit", "--gpus", "1", "--env", "NOEQUALS", "--", "x"}, "hexa: --env: 'NOEQUALS' must be NAME=VALUE (NAME not empty)\n"},
      {{"submit", "--gpus", "1", "--env", "A=1", "--env", "A=2", "--", "x"}, "hexa: --env: A is given twice\n"},
      {{"submit", "--", "x"}, "hexa: --gpus is required (see hexa submit --help)\n"},
      {{"submit", "--gpus", "two", "--", "x"}, "hexa: Could not convert: --gpus = two (see hexa submit --help)\n"},
      {{"submit", "--gpus", "1", "--bogus", "--", "x"}, "hexa: The following argument"},
  };
  for (const Case& c : cases) {
    FakeServer server;
    TestIo t;
    EXPECT_EQ(run(server, t, c.args), 2) << c.err;
    const std::string err = t.err.str();
    EXPECT_EQ(err.rfind(c.err, 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(t.out.str(), "");
    EXPECT_TRUE(server.sent.empty());
  }
}

TEST(Submit, ServerAndTokenFromTheEnvironmentOrFlags) {
  FakeServer server;
  TestIo t;
  t.env["HEXA_SERVER"] = "http://hexa.example:9000/";
  std::string file = write("token", "  hexa_from_file\n");
  t.env["HEXA_TOKEN_FILE"] = file;
  server.reply(201, kJob7);
  server.reply(201, kJob7);
  server.reply(201, kJob7);
  ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--", "x"}), 0) << t.err.str();
  EXPECT_EQ(server.bases.back(), "http://hexa.example:9000");
  EXPECT_EQ(server.sent.back().header("Authorization"), "Bearer hexa_from_file");
  t.env["HEXA_TOKEN"] = "hexa_from_env";  // before HEXA_TOKEN_FILE
  ASSERT_EQ(run(server, t, {"submit", "--gpus", "1", "--", "x"}), 0) << t.err.str();
  EXPECT_EQ(server.sent.back().header("Authorization"), "Bearer hexa_from_env");
  std::string flag_file = write("flag-token", "hexa_from_flag");  // --token-file before both
  ASSERT_EQ(run(server, t, {"submit", "--server", "http://other:1", "--token-file", flag_file, "--gpus", "1", "--", "x"}), 0);
  EXPECT_EQ(server.bases.back(), "http://other:1");
  EXPECT_EQ(server.sent.back().header("Authorization"), "Bearer hexa_from_flag");
}

TEST(Submit, BadTokenFileIsOneLineAndNeverShowsTheToken) {
  FakeServer server;
  TestIo t;
  std::string missing = temp_path("no-such-token");
  EXPECT_EQ(run(server, t, {"submit", "--token-file", missing, "--gpus", "1", "--", "x"}), 2);
  EXPECT_EQ(t.err.str().rfind("hexa: --token-file " + missing + ": cannot read it: ", 0), 0u) << t.err.str();
  TestIo t2;
  std::string two = write("two-tokens", "hexa_abc hexa_def\n");
  EXPECT_EQ(run(server, t2, {"submit", "--token-file", two, "--gpus", "1", "--", "x"}), 2);
  EXPECT_EQ(t2.err.str(), "hexa: --token-file " + two + ": must hold one token (it has whitespace inside)\n");
  EXPECT_TRUE(server.sent.empty());
}

}  // namespace
}  // namespace hexa::testing
