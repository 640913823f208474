// The command codec: one canonical text per command, every field by name, and a clear refusal
// for anything else.
#include "api/command_json.h"

#include <gtest/gtest.h>

#include <set>

#include "api/command_schema.h"
#include "codec_fixture.h"

namespace hexa::codec_test {
namespace {

// Every command type with a non-default value in every field, and its expected text.
struct Case {
  Command cmd;
  std::string json;
};

std::vector<Case> cases(const Core& core) {
  JobRequest whole = request("train \"v2\"", "acme-vision", 8);
  whole.gpu_types = {"H100", "A100"};
  whole.sites = {"paris", "lyon"};
  whole.prefer = {"lyon"};
  whole.priority = 5;
  whole.preemptible = false;
  whole.time_limit = 2 * kHour;
  whole.checkpoint_every = 30 * kMinute;
  whole.oracle_duration = 90 * kMinute;
  whole.start_target = 5 * kMinute;
  whole.deferrable = true;
  whole.deadline = 2 * kDay;
  JobRequest slice = request("lab", "ada");
  slice.slice = "1g.10gb";
  AddTenant tenant{"acme-vision", 2, "acme", TenantKind::kProject, {QuotaSpec{"H100", 8, 2, 4, 3, 50}}};
  Budget budget{kDay, 5 * kHour, 250 * kCredit, 40 * kHour, true, {5000}};
  return {
      {tenant,
       R"({"type":"add_tenant","name":"acme-vision","weight":2,"parent":"acme","kind":"project","quotas":[{"gpu_type":"H100","max_gpus":8,"guaranteed_gpus":2,"borrow_limit":4,"max_running":3,"max_queued":50}]})"},
      {SubmitJob{spec(core, whole)},
       R"({"type":"submit_job","name":"train \"v2\"","tenant":"acme-vision","gpus":8,"gpu_types":["H100","A100"],"sites":["paris","lyon"],"prefer":["lyon"],"priority":5,"preemptible":false,"time_limit":7200000,"checkpoint_every":1800000,"oracle_duration":5400000,"start_target":300000,"deferrable":true,"deadline":172800000})"},
      {SubmitJob{spec(core, slice)},
       R"({"type":"submit_job","name":"lab","tenant":"ada","slice":"1g.10gb"})"},
      {CompleteJob{7, 3, EndKind::kFailed, 137, 9},
       R"({"type":"complete_job","job":7,"segment":3,"how":"failed","exit_code":137,"signal":9})"},
      {CancelJob{12},
       R"({"type":"cancel_job","job":12})"},
      {Schedule{},
       R"({"type":"schedule"})"},
      {SetPrice{"H100", "paris", 2, Price{4'500'000, 2500}},
       R"({"type":"set_price","gpu_type":"H100","site":"paris","priority":2,"per_gpu_hour":4500000,"preemptible_discount_bps":2500})"},
      {AddGrant{{"g-7", "ada", "school-fund", 20 * kCredit, kHour, 7 * kDay}},
       R"({"type":"add_grant","id":"g-7","tenant":"ada","programme":"school-fund","amount":20000000,"start":3600000,"expiry":604800000})"},
      {AddTopUp{{"t-9", "acme", 100 * kCredit, "invoice 42\n"}},
       R"({"type":"add_topup","id":"t-9","tenant":"acme","amount":100000000,"note":"invoice 42\n"})"},
      {SetOverdraft{"acme", 10 * kCredit},
       R"({"type":"set_overdraft","tenant":"acme","amount":10000000})"},
      {SetBudget{"acme-vision", budget},
       R"({"type":"set_budget","tenant":"acme-vision","budget":{"period":86400000,"origin":18000000,"credits":250000000,"gpu_ms":144000000,"hard":true,"alert_bps":[5000]}})"},
      {SetBudget{"acme-vision", std::nullopt},
       R"({"type":"set_budget","tenant":"acme-vision"})"},
      {SetRefundPolicy{RefundPolicy{50, 75}},
       R"({"type":"set_refund_policy","preemption_pct":50,"failure_pct":75})"},
      {FailNode{"p1"},
       R"({"type":"fail_node","node":"p1"})"},
      {AddReservation{"ws1", "cohort-1", "paris", "A100", 0, "1g.10gb", 3, kHour, 3 * kHour},
       R"({"type":"add_reservation","name":"ws1","tenant":"cohort-1","site":"paris","gpu_type":"A100","gpus":0,"slice":"1g.10gb","slices":3,"from":3600000,"to":10800000})"},
      {AddReservation{"demo", "acme", "lyon", "A100", 2, "", 0, 4 * kHour, 5 * kHour},
       R"({"type":"add_reservation","name":"demo","tenant":"acme","site":"lyon","gpu_type":"A100","gpus":2,"from":14400000,"to":18000000})"},
      {NodeUp{"p2"},
       R"({"type":"node_up","node":"p2"})"},
      {DrainNode{"l1"},
       R"({"type":"drain_node","node":"l1"})"},
      {ResumeNode{"l1"},
       R"({"type":"resume_node","node":"l1"})"},
      {Checkpoint{4, 2},
       R"({"type":"checkpoint","job":4,"segment":2})"},
      {RequeueJob{7, 2},
       R"({"type":"requeue_job","job":7,"segment":2})"},
  };
}

TEST_F(CodecTest, EveryCommandTypeHasACase) {
  std::set<std::size_t> seen;
  for (const Case& c : cases(*core)) seen.insert(c.cmd.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<Command>) << "a command without a round-trip case";
}

TEST_F(CodecTest, TypeNamesAreStable) {
  const std::vector<std::string_view> names = {
      "add_tenant",    "submit_job", "complete_job",      "cancel_job", "schedule",        "set_price",
      "add_grant",     "add_topup",  "set_overdraft",     "set_budget", "set_refund_policy", "fail_node",
      "add_reservation", "node_up",  "drain_node",        "resume_node", "checkpoint",
      "requeue_job"};
  EXPECT_EQ(std::vector<std::string_view>(kCommandTypes.begin(), kCommandTypes.end()), names);
  EXPECT_EQ(command_type(Command{SetOverdraft{}}), "set_overdraft");
}

TEST_F(CodecTest, EncodesEachCommandToItsCanonicalText) {
  for (const Case& c : cases(*core)) EXPECT_EQ(encode(c.cmd), c.json);
}

// Each field above holds a value other than its default, so it is in the text: re-encoding
// gives the same text only if decoding read every one of them back.
TEST_F(CodecTest, DecodeGivesBackEveryField) {
  for (const Case& c : cases(*core)) {
    auto d = decode(c.json);
    ASSERT_TRUE(d.ok()) << c.json << ": " << d.status().message();
    EXPECT_EQ(d->index(), c.cmd.index());
    EXPECT_EQ(encode(*d), c.json);
    if (auto* submit = std::get_if<SubmitJob>(&c.cmd)) {
      EXPECT_EQ(spec_text(std::get<SubmitJob>(*d).spec), spec_text(submit->spec)) << "the same ids and masks";
    }
  }
}

TEST_F(CodecTest, DefaultsAreLeftOutAndRequiredFieldsAreNot) {
  EXPECT_EQ(encode(AddTenant::root("x")), R"({"type":"add_tenant","name":"x"})");
  EXPECT_EQ(encode(CompleteJob{}), R"({"type":"complete_job","job":0,"segment":0})");
  EXPECT_EQ(encode(SetOverdraft{"acme", 0}), R"({"type":"set_overdraft","tenant":"acme","amount":0})");
  EXPECT_EQ(encode(SetRefundPolicy{}), R"({"type":"set_refund_policy","preemption_pct":100,"failure_pct":100})");
  EXPECT_EQ(encode(SetBudget{"acme", Budget{}}), R"({"type":"set_budget","tenant":"acme","budget":{}})");
  EXPECT_EQ(encode(SubmitJob{spec(*core, request("n", "acme"))}), R"({"type":"submit_job","name":"n","tenant":"acme"})");
}

// Only the codec's own output is canonical; anything equivalent decodes to the same command.
TEST_F(CodecTest, EquivalentTextDecodesToTheCanonicalOne) {
  const std::string text =
      " { \"gpus\" : 2 , \"tenant\":\"acme\", \"type\":\"submit_job\", \"name\":\"\\u006eb\",\n"
      " \"priority\": 0, \"gpu_types\": [\"A100\", \"H100\", \"A100\"], \"time_limit\": 60000 } ";
  auto d = decode(text);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(encode(*d), R"({"type":"submit_job","name":"nb","tenant":"acme","gpus":2,"gpu_types":["H100","A100"],"time_limit":60000})");
}

TEST_F(CodecTest, StringsRoundTripByteForByte) {
  const std::string name = std::string("tab\there \"q\" back\\slash \x01 nul") + '\0' + " é 東京 🚀";
  AddTopUp t{{"t", "acme", 1, name}};
  const std::string s = encode(t);
  EXPECT_EQ(s, R"({"type":"add_topup","id":"t","tenant":"acme","amount":1,"note":"tab\there \"q\" back\\slash \u0001 nul\u0000 é 東京 🚀"})");
  auto d = decode(s);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(std::get<AddTopUp>(*d).top_up.note, name);
}

TEST_F(CodecTest, IntegersKeepTheirWholeRange) {
  const Micro lo = std::numeric_limits<Micro>::min(), hi = std::numeric_limits<Micro>::max();
  for (const Command& c : {Command{SetOverdraft{"acme", lo}}, Command{SetOverdraft{"acme", hi}},
                           Command{CancelJob{std::numeric_limits<JobId>::max()}},
                           Command{CompleteJob{0, std::numeric_limits<int>::min(), EndKind::kTimeout, -1, -2}}}) {
    const std::string s = encode(c);
    auto d = decode(s);
    ASSERT_TRUE(d.ok()) << s << ": " << d.status().message();
    EXPECT_EQ(encode(*d), s);
  }
  EXPECT_EQ(encode(SetOverdraft{"acme", lo}), R"({"type":"set_overdraft","tenant":"acme","amount":-9223372036854775808})");
}

// The core judges a spec's values; the codec carries them as they are, bad ones too, so that a
// refused submit is refused the same way on replay.
TEST_F(CodecTest, SpecValuesAreCarriedAsTheyAre) {
  JobSpec s = spec(*core, request("odd", "acme", -3));
  s.time_limit = -5;
  s.checkpoint_every = -7;
  s.oracle_duration = -2;
  s.start_target = -1;
  const std::string text = encode(SubmitJob{s});
  EXPECT_EQ(text, R"({"type":"submit_job","name":"odd","tenant":"acme","gpus":-3,"time_limit":-5,"checkpoint_every":-7,"oracle_duration":-2,"start_target":-1})");
  auto d = decode(text);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(spec_text(std::get<SubmitJob>(*d).spec), spec_text(s));
}

// resolve() never makes such a spec; a host bug could. Encoding must not crash, and the row
// must not decode to some other, valid command.
TEST_F(CodecTest, IdsWithoutNamesAreWrittenSoThatDecodingRefusesThem) {
  JobSpec s = spec(*core, request("ghost", "acme"));
  s.tenant = 99;
  s.types = bit(40) | bit(0);
  s.sites = bit(9);
  s.prefer = bit(9);
  s.slice = 42;
  const std::string text = encode(SubmitJob{s});
  EXPECT_EQ(text, R"({"type":"submit_job","name":"ghost","tenant":"#99","gpu_types":["H100","#40"],"sites":["#9"],"prefer":["#9"],"slice":"#42"})");
  EXPECT_FALSE(decode(text).ok());
  s.tenant = 0;
  s.sites = 0;  // any site: an unknown preferred site is accepted by the core, and dropped
  s.types = 0;
  s.slice = 0;
  EXPECT_EQ(encode(SubmitJob{s}), R"({"type":"submit_job","name":"ghost","tenant":"acme"})");

  Topology bare = cloud();
  auto empty = make_core(bare);
  EXPECT_EQ(encode_command(SubmitJob{s}, *empty), R"({"type":"submit_job","name":"ghost","tenant":"#0"})");
}

// `message` ending in '*' is a prefix: the rest is nlohmann's wording, not ours.
struct Bad {
  std::string json;
  std::string message;
  StatusCode code = StatusCode::kInvalid;
};

void expect_refused(const Core& core, const std::vector<Bad>& bad) {
  for (const Bad& b : bad) {
    auto d = decode_command(b.json, core);
    ASSERT_FALSE(d.ok()) << b.json;
    if (b.message.ends_with('*')) {
      EXPECT_TRUE(d.status().message().starts_with(b.message.substr(0, b.message.size() - 1)))
          << b.json << ": " << d.status().message();
    } else {
      EXPECT_EQ(d.status().message(), b.message) << b.json;
    }
    EXPECT_EQ(d.status().code(), b.code) << b.json;
  }
}

TEST_F(CodecTest, RefusesWhatIsNotACommand) {
  const std::string known =
      "add_tenant, submit_job, complete_job, cancel_job, schedule, set_price, add_grant, add_topup, set_overdraft, "
      "set_budget, set_refund_policy, fail_node, add_reservation, node_up, drain_node, resume_node, checkpoint, requeue_job";
  expect_refused(*core, {
      {"", "not JSON: parse error at line 1, column 1: *"},
      {"{\"type\":", "not JSON: parse error at line 1, column 9: *"},
      {R"({"type":"schedule"} x)", "not JSON: parse error at line 1, column 21: *"},
      {R"({"type":"schedule",})", "not JSON: parse error at line 1, column 20: *"},
      {"[1]", "command: must be a JSON object"},
      {"\"schedule\"", "command: must be a JSON object"},
      {R"({"job":1})", "type: is required (" + known + ")"},
      {R"({"type":7})", "type: must be a string"},
      {R"({"type":"frobnicate"})", "type: unknown command 'frobnicate'; known: " + known},
      {R"({"type":"cancel_job","job":1,"job":2})", "not JSON: the key 'job' appears twice in one object"},
      {"{\"type\":\"fail_node\",\"node\":\"p\xff\"}", "not JSON: parse error at line 1, column 30: syntax error while parsing value - invalid string: ill-formed UTF-8 byte*"},
      {R"({"type":"schedule","x":[[[[[[[[1]]]]]]]]})", "not JSON: nested deeper than 8 levels"},
  });
}

TEST_F(CodecTest, RefusesFieldsByNameAndRule) {
  const std::string grant = R"("id":"g","tenant":"acme","programme":"p","amount":1,"start":0,"expiry":5)";
  expect_refused(*core, {
      {R"({"type":"add_grant",)" + grant + R"(,"foo":1})", "add_grant: unknown field 'foo'"},
      {R"({"type":"cancel_job","jbo":1})", "cancel_job: unknown field 'jbo'"},
      {R"({"type":"cancel_job"})", "cancel_job.job: is required"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":"8"})", "submit_job.gpus: must be an integer"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":null})", "submit_job.gpus: must be an integer"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":1.5})", "submit_job.gpus: must be an integer, got 1.5"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":1.0})", "submit_job.gpus: must be an integer, got 1.0"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":1e3})", "submit_job.gpus: must be an integer, got 1e3"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpus":3000000000})", "submit_job.gpus: must be an integer from -2147483648 to 2147483647, got 3000000000"},
      {R"({"type":"set_overdraft","tenant":"a","amount":9223372036854775808})", "set_overdraft.amount: must be an integer from -9223372036854775808 to 9223372036854775807, got 9223372036854775808"},
      {R"({"type":"set_overdraft","tenant":"a","amount":-99999999999999999999})", "set_overdraft.amount: must be an integer from -9223372036854775808 to 9223372036854775807, got -99999999999999999999"},
      {R"({"type":"cancel_job","job":-1})", "cancel_job.job: must be an integer from 0 to 4294967295, got -1"},
      {R"({"type":"submit_job","name":5,"tenant":"acme"})", "submit_job.name: must be a string"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","preemptible":1})", "submit_job.preemptible: must be true or false"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpu_types":"H100"})", "submit_job.gpu_types: must be an array"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","gpu_types":["H100",1]})", "submit_job.gpu_types[1]: must be a string"},
      {R"({"type":"submit_job","name":"a","tenant":"acme","providers":["ovh"]})", "submit_job: unknown field 'providers'"},
      {R"({"type":"add_tenant","name":"x","kind":"guild"})", "add_tenant.kind: must be one of organisation, project, programme, cohort, learner; got 'guild'"},
      {R"({"type":"add_tenant","name":"x","quotas":[{},{"max_gpus":1.5}]})", "add_tenant.quotas[1].max_gpus: must be an integer, got 1.5"},
      {R"({"type":"add_tenant","name":"x","quotas":[{"gpu":"H100"}]})", "add_tenant.quotas[0]: unknown field 'gpu'"},
      {R"({"type":"add_tenant","name":"x","quotas":{}})", "add_tenant.quotas: must be an array"},
      {R"({"type":"add_tenant","name":"x","quotas":[7]})", "add_tenant.quotas[0]: must be an object"},
      {R"({"type":"set_budget","tenant":"x","budget":{"credits":1,"soft":true}})", "set_budget.budget: unknown field 'soft'"},
      {R"({"type":"set_budget","tenant":"x","budget":{"alert_bps":[1,2.5]}})", "set_budget.budget.alert_bps[1]: must be an integer, got 2.5"},
      {R"({"type":"set_budget","tenant":"x","budget":null})", "set_budget.budget: must be an object"},
      {R"({"type":"complete_job","job":1,"segment":1,"how":"exploded"})", "complete_job.how: must be one of none, completed, timeout, failed, cancelled, rejected; got 'exploded'"},
      {R"({"type":"set_price","gpu_type":"H100","site":"paris"})", "set_price.per_gpu_hour: is required"},
      {R"({"type":"set_refund_policy","preemption_pct":50})", "set_refund_policy.failure_pct: is required"},
  });
}

TEST_F(CodecTest, RefusesNamesTheCoreDoesNotKnow) {
  const std::string job = R"({"type":"submit_job","name":"a","tenant":)";
  expect_refused(*core, {
      {job + R"("nobody"})", "submit_job.tenant: no tenant named 'nobody'", StatusCode::kNotFound},
      {job + R"("acme","gpu_types":["B200"]})", "submit_job.gpu_types: no site offers GPU type 'B200'"},
      {job + R"("acme","sites":["berlin"]})", "submit_job.sites: no site named 'berlin'"},
      {job + R"("acme","prefer":["berlin"]})", "submit_job.prefer: no site named 'berlin'"},
      {job + R"("acme","slice":"9g.90gb"})", "submit_job.slice: unknown slice profile '9g.90gb'; known: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb"},
  });
}

// The other commands carry names as the core's own input does: the core judges them on apply.
TEST_F(CodecTest, OtherCommandsLeaveNamesToTheCore) {
  auto d = decode(R"({"type":"add_grant","id":"g","tenant":"nobody","programme":"p","amount":1,"start":0,"expiry":5})");
  ASSERT_TRUE(d.ok()) << d.status().message();
  const std::string direct = core->apply(AddGrant{{"g", "nobody", "p", 1, 0, 5}}, 0).status().message();
  EXPECT_EQ(core->apply(*d, 0).status().message(), direct);
  EXPECT_NE(direct, "ok");
}

}  // namespace
}  // namespace hexa::codec_test
