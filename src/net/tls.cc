#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

namespace hexa::net {

namespace {

namespace ssl = boost::asio::ssl;
using error_code = boost::system::error_code;

std::string quoted(const std::string& origin, const std::string& path) { return origin + " " + path; }

Status readable(const std::string& origin, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid(quoted(origin, path) + ": cannot read it: " + std::strerror(errno));
  return Status::Ok();
}

// The reason of OpenSSL's latest error, and its queue emptied (it is per thread: a stale entry
// would be blamed on the next connection).
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown reason";
}

// Refuses SSL 3, TLS 1.0 and 1.1; no compression (CRIME), no renegotiation (a cheap way to
// make the server work).
void harden(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
}

// Never asks for a passphrase (OpenSSL's default would read the terminal).
int no_passphrase(char*, int, int, void*) { return 0; }

Status use_key(ssl::context& ctx, const std::string& key_file, const std::string& cert_file) {
  BIO* bio = BIO_new_file(key_file.c_str(), "r");
  if (!bio) return Status::Invalid(quoted("--tls-key", key_file) + ": cannot read it: " + openssl_reason());
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (!key) {
    return Status::Invalid(quoted("--tls-key", key_file) + ": not a PEM private key without a passphrase (" +
                           openssl_reason() + ")");
  }
  const bool fits = SSL_CTX_use_PrivateKey(ctx.native_handle(), key) == 1 &&
                    SSL_CTX_check_private_key(ctx.native_handle()) == 1;
  EVP_PKEY_free(key);
  if (!fits) {
    ERR_clear_error();
    return Status::Invalid(quoted("--tls-key", key_file) + ": does not match the certificate of " +
                           quoted("--tls-cert", cert_file));
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<TlsContext>> server_tls_context(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() != key_file.empty()) {
    return Status::Invalid(cert_file.empty() ? "--tls-key: needs --tls-cert (both or neither)"
                                             : "--tls-cert: needs --tls-key (both or neither)");
  }
  if (Status st = readable("--tls-cert", cert_file); !st.ok()) return st;
  if (Status st = readable("--tls-key", key_file); !st.ok()) return st;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  harden(*ctx);
  error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    ERR_clear_error();
    return Status::Invalid(quoted("--tls-cert", cert_file) + ": not a PEM certificate chain (" + ec.message() + ")");
  }
  if (Status st = use_key(*ctx, key_file, cert_file); !st.ok()) return st;
  return ctx;
}

Result<std::shared_ptr<TlsContext>> client_tls_context(const std::string& ca_file, const std::string& ca_origin) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  harden(*ctx);
  ctx->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return Status::Invalid("the system's CA store: cannot load it (" + openssl_reason() + ")");
    return ctx;
  }
  if (Status st = readable(ca_origin, ca_file); !st.ok()) return st;
  ctx->load_verify_file(ca_file, ec);
  if (ec) {
    ERR_clear_error();
    return Status::Invalid(quoted(ca_origin, ca_file) + ": no PEM CA certificate in it (" + ec.message() + ")");
  }
  return ctx;
}

Status expect_peer(ssl_st* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1) return Status::Ok();  // an IP: no SNI
  ERR_clear_error();
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
      SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Status::Invalid("host '" + host + "': cannot be checked against a certificate (" + openssl_reason() + ")");
  }
  return Status::Ok();
}

std::string handshake_failure(ssl_st* ssl, const boost::system::error_code& ec) {
  const long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verdict);
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER) {
    return ec.message() + " (the server does not seem to speak TLS: is it http://?)";
  }
  return ec.message();
}

}  // namespace hexa::net
