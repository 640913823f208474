// TLS for the server and the client (OpenSSL through Boost.Asio): contexts made from PEM files
// and the checks of one connection. Internal to net/. Only forward declarations here: Asio's
// SSL and OpenSSL's headers stay in the few net/*.cc files that need them (compile time).
#pragma once

#include <memory>
#include <string>

#include "model/status.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl
namespace boost::system {
class error_code;
}  // namespace boost::system
struct ssl_st;  // OpenSSL's SSL

namespace hexa::net {

using TlsContext = boost::asio::ssl::context;

// A server's context: TLS 1.2 or later, the certificate chain and its private key from PEM
// files. Errors (Invalid) name the flag, the file and the rule: "--tls-cert FILE: cannot read
// it: ...", "... not a PEM certificate chain", "--tls-key FILE: does not match ...".
Result<std::shared_ptr<TlsContext>> server_tls_context(const std::string& cert_file, const std::string& key_file);

// A client's context: TLS 1.2 or later, the peer's certificate verified against the CA
// certificates of `ca_file` (a PEM file; empty: the system's store). Errors (Invalid) start
// with `ca_origin` and the file.
Result<std::shared_ptr<TlsContext>> client_tls_context(const std::string& ca_file, const std::string& ca_origin);

// Prepares one client connection to `host` (an IP address or a DNS name): the certificate
// must name it (subjectAltName; a name also goes as SNI).
Status expect_peer(ssl_st* ssl, const std::string& host);

// Why a client's handshake (that failed with `ec`) failed, in words: the certificate check's
// verdict when that is what failed ("certificate verify failed: certificate has expired"), a
// hint when the server does not speak TLS, else `ec`'s message.
std::string handshake_failure(ssl_st* ssl, const boost::system::error_code& ec);

}  // namespace hexa::net
