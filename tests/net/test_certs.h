// Certificates for the TLS tests, made with the `openssl` command line (the Debian package
// `openssl`, installed by scripts/setup.sh) in a temporary directory removed at the end.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace hexa::testing {

class TestCerts {
 public:
  // Makes, in a temporary directory: a CA ("ca"), certificates it signed for IP 127.0.0.1
  // ("server"), for the name localhost ("localhost"), for another host ("wrong-host"), one for
  // 127.0.0.1 that has expired ("expired"), and another CA ("other-ca") with a certificate of
  // its own for 127.0.0.1 ("stranger").
  // ok() is false when openssl failed; error() says which step.
  TestCerts() {
    char tmpl[] = "/tmp/hexa-certs-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      fail("mkdtemp");
      return;
    }
    dir_ = tmpl;
    if (!make_ca("ca") || !make_ca("other-ca")) return;
    if (!make_cert("server", "ca", "IP:127.0.0.1", "30")) return;
    if (!make_cert("localhost", "ca", "DNS:localhost", "30")) return;
    if (!make_cert("wrong-host", "ca", "IP:10.9.9.9,DNS:elsewhere.example", "30")) return;
    if (!make_cert("expired", "ca", "IP:127.0.0.1", "-1")) return;  // notAfter before notBefore
    if (!make_cert("stranger", "other-ca", "IP:127.0.0.1", "30")) return;
    ok_ = true;
  }
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;
  ~TestCerts() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  // NAME.pem: the certificate (a CA's, or a leaf's); NAME.key: its private key.
  std::string pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  void fail(const std::string& step) { error_ = "making test certificates: " + step + " failed"; }

  bool sh(const std::string& step, const std::string& command) {
    if (std::system(("cd " + dir_ + " && " + command + " >>openssl.log 2>&1").c_str()) == 0) return true;
    fail(step + " (see " + dir_ + "/openssl.log)");
    return false;
  }

  static std::string new_key(const std::string& name) {
    return "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + name + ".key";
  }

  bool make_ca(const std::string& name) {
    return sh(name, "openssl req -x509 " + new_key(name) + " -out " + name + ".pem -days 3650 -subj '/CN=Hexa test " +
                        name + "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
  }

  bool make_cert(const std::string& name, const std::string& ca, const std::string& san, const std::string& days) {
    std::ofstream(dir_ + "/" + name + ".ext") << "subjectAltName=" << san << "\nextendedKeyUsage=serverAuth\n";
    return sh(name, "openssl req " + new_key(name) + " -out " + name + ".csr -subj /CN=" + name) &&
           sh(name, "openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial -out " +
                        name + ".pem -days " + days + " -extfile " + name + ".ext");
  }

  std::string dir_, error_;
  bool ok_ = false;
};

}  // namespace hexa::testing
