// HTTPS: the server with a certificate, the client verifying it (chain, expiry, host), and the
// ways either side refuses the other. Certificates come from tests/net/test_certs.h (openssl).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "net/http.h"
#include "net/test_certs.h"
#include "net_test_util.h"

namespace hexa {
namespace {

using testing::RawConnection;
using testing::TestCerts;

void hello(HttpRequest req, Reply reply) { reply(testing::text(200, "hello " + req.path() + " from " + req.peer)); }

std::unique_ptr<HttpServer> serve_tls(const TestCerts& certs, const std::string& name, HttpServerOptions opt = {}) {
  opt.tls_cert_file = certs.pem(name);
  opt.tls_key_file = certs.key(name);
  auto server = HttpServer::start(opt, hello);
  EXPECT_TRUE(server.ok()) << server.status().message();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::string https(const HttpServer& s, const std::string& host = "127.0.0.1") {
  return "https://" + host + ":" + std::to_string(s.port());
}

std::unique_ptr<HttpClient> client(const std::string& base, const std::string& ca_file) {
  HttpClientOptions opt;
  opt.ca_file = ca_file;
  auto c = HttpClient::make(base, opt);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(c).value() : nullptr;
}

// The request fails, and its message has every one of `parts`.
void expect_refused(HttpClient& c, std::initializer_list<std::string> parts) {
  auto r = c.request("GET", "/x", "", {}, 10'000);
  ASSERT_FALSE(r.ok()) << "answered " << r->status;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  for (const std::string& p : parts) EXPECT_NE(r.status().message().find(p), std::string::npos) << r.status().message();
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new TestCerts(); }
  static void TearDownTestSuite() { delete certs_; }
  void SetUp() override { ASSERT_TRUE(certs_->ok()) << certs_->error(); }
  static TestCerts* certs_;
};
TestCerts* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, AVerifiedServerIsServedOverOneKeptConnection) {
  auto server = serve_tls(*certs_, "server");
  ASSERT_TRUE(server);
  auto c = client(https(*server), certs_->pem("ca"));
  ASSERT_TRUE(c);
  std::string peer;
  for (int i = 0; i < 5; ++i) {
    auto r = c->request("GET", "/v1/x");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200);
    const std::string from = r->body.substr(r->body.find(" from ") + 6);
    if (i == 0) peer = from;
    EXPECT_EQ(from, peer) << "a new connection at request " << i;  // keep-alive over TLS
  }
  auto post = c->request("POST", "/v1/y", std::string(300'000, 'z'));  // many TLS records
  ASSERT_TRUE(post.ok()) << post.status().message();
  EXPECT_EQ(post->body.rfind("hello /v1/y", 0), 0u);
}

TEST_F(TlsTest, ANameIsCheckedAndSentAsSni) {
  auto server = serve_tls(*certs_, "localhost");
  ASSERT_TRUE(server);
  auto by_name = client(https(*server, "localhost"), certs_->pem("ca"));
  auto r = by_name->request("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // The same certificate reached by IP names no IP: refused.
  auto by_ip = client(https(*server), certs_->pem("ca"));
  expect_refused(*by_ip, {"TLS handshake failed", "certificate verify failed: IP address mismatch"});
}

TEST_F(TlsTest, AnUnknownCaIsRefusedWithTheReason) {
  auto server = serve_tls(*certs_, "server");
  ASSERT_TRUE(server);
  auto system_cas = client(https(*server), "");
  expect_refused(*system_cas, {https(*server), "certificate verify failed: unable to get local issuer certificate",
                               "the system's CA store"});
  auto other_ca = client(https(*server), certs_->pem("other-ca"));
  expect_refused(*other_ca, {"certificate verify failed", certs_->pem("other-ca")});
  auto stranger = serve_tls(*certs_, "stranger");  // signed by the other CA
  ASSERT_TRUE(stranger);
  expect_refused(*client(https(*stranger), certs_->pem("ca")), {"certificate verify failed"});
  // The server survives them all.
  auto fine = client(https(*server), certs_->pem("ca"));
  ASSERT_TRUE(fine->request("GET", "/").ok());
}

TEST_F(TlsTest, AnExpiredOrWrongHostCertificateIsRefused) {
  auto expired = serve_tls(*certs_, "expired");
  ASSERT_TRUE(expired);
  expect_refused(*client(https(*expired), certs_->pem("ca")), {"certificate verify failed: certificate has expired"});
  auto elsewhere = serve_tls(*certs_, "wrong-host");
  ASSERT_TRUE(elsewhere);
  expect_refused(*client(https(*elsewhere), certs_->pem("ca")), {"certificate verify failed: IP address mismatch"});
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortIsClosedUnanswered) {
  auto server = serve_tls(*certs_, "server");
  ASSERT_TRUE(server);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string got = raw.read("", 10'000);  // generous: it closes at once
  EXPECT_TRUE(raw.closed_by_peer());
  EXPECT_EQ(got.find("HTTP/1.1"), std::string::npos) << got;
  auto plain = HttpClient::make("http://127.0.0.1:" + std::to_string(server->port())).value();
  auto r = plain->request("GET", "/", "", {}, 10'000);
  EXPECT_FALSE(r.ok());
  auto fine = client(https(*server), certs_->pem("ca"));
  ASSERT_TRUE(fine->request("GET", "/").ok());
}

TEST_F(TlsTest, HttpsToAPlainServerSaysItDoesNotSpeakTls) {
  auto plain = HttpServer::start({}, hello);
  ASSERT_TRUE(plain.ok());
  auto c = client("https://127.0.0.1:" + std::to_string((*plain)->port()), certs_->pem("ca"));
  expect_refused(*c, {"TLS handshake failed", "does not seem to speak TLS"});
}

TEST_F(TlsTest, OnlyTls12AndLater) {
  auto server = serve_tls(*certs_, "server");
  ASSERT_TRUE(server);
  // openssl s_client at security level 0, so that the client itself would speak TLS 1.1: what
  // it says it agreed on ("Protocol version: TLSv1.2"), or "" when the handshake failed.
  auto s_client = [&](const std::string& version) {
    const std::string cmd = "timeout 20 openssl s_client -brief -connect 127.0.0.1:" + std::to_string(server->port()) +
                            " -CAfile " + certs_->pem("ca") + " -verify_return_error -cipher DEFAULT:@SECLEVEL=0 " +
                            version + " </dev/null 2>&1";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
      ::pclose(p);
    }
    const std::size_t at = out.find("Protocol version: ");
    return at == std::string::npos ? "" : out.substr(at + 18, out.find('\n', at) - at - 18);
  };
  EXPECT_EQ(s_client("-tls1_3"), "TLSv1.3");
  EXPECT_EQ(s_client("-tls1_2"), "TLSv1.2");
  EXPECT_EQ(s_client("-tls1_1"), "");
  EXPECT_EQ(s_client("-tls1"), "");
}

void expect_start_refused(HttpServerOptions opt, const std::string& part) {
  Status checked = HttpServer::check(opt);
  auto started = HttpServer::start(opt, hello);
  ASSERT_FALSE(started.ok()) << part;
  EXPECT_EQ(started.status().code(), StatusCode::kInvalid);
  EXPECT_NE(started.status().message().find(part), std::string::npos) << started.status().message();
  EXPECT_EQ(checked.message(), started.status().message());
}

TEST_F(TlsTest, BadFilesAreRefusedNamingTheFlagAndTheRule) {
  HttpServerOptions opt;
  opt.tls_cert_file = certs_->pem("server");
  expect_start_refused(opt, "--tls-cert: needs --tls-key (both or neither)");
  opt.tls_cert_file.clear();
  opt.tls_key_file = certs_->key("server");
  expect_start_refused(opt, "--tls-key: needs --tls-cert (both or neither)");
  opt.tls_cert_file = certs_->dir() + "/none.pem";
  expect_start_refused(opt, "--tls-cert " + certs_->dir() + "/none.pem: cannot read it: No such file or directory");
  opt.tls_cert_file = certs_->key("server");  // a key where the certificate should be
  expect_start_refused(opt, "--tls-cert " + certs_->key("server") + ": not a PEM certificate chain");
  opt.tls_cert_file = certs_->pem("server");
  opt.tls_key_file = certs_->pem("ca");  // a certificate where the key should be
  expect_start_refused(opt, "--tls-key " + certs_->pem("ca") + ": not a PEM private key");
  opt.tls_key_file = certs_->key("other-ca");
  expect_start_refused(opt, "--tls-key " + certs_->key("other-ca") + ": does not match the certificate of --tls-cert " +
                                certs_->pem("server"));
  opt.tls_key_file = certs_->key("server");
  EXPECT_TRUE(HttpServer::check(opt).ok());
}

TEST_F(TlsTest, BadCaFilesAreRefusedNamingWhereTheyCameFrom) {
  HttpClientOptions opt;
  opt.ca_file = certs_->dir() + "/none.pem";
  opt.ca_origin = "HEXA_CA_CERT";
  auto missing = HttpClient::make("https://127.0.0.1:1", opt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "HEXA_CA_CERT " + opt.ca_file + ": cannot read it: No such file or directory");
  opt.ca_file = certs_->key("ca");
  opt.ca_origin = "--ca-cert";
  auto not_a_ca = HttpClient::make("https://127.0.0.1:1", opt);
  ASSERT_FALSE(not_a_ca.ok());
  EXPECT_EQ(not_a_ca.status().message().rfind("--ca-cert " + opt.ca_file + ": no PEM CA certificate in it", 0), 0u)
      << not_a_ca.status().message();
  // A CA file is for https only: a plain server's client does not read it.
  EXPECT_TRUE(HttpClient::make("http://127.0.0.1:1", opt).ok());
}

}  // namespace
}  // namespace hexa
