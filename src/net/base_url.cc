#include "net/base_url.h"

#include <string_view>

namespace hexa {

namespace {

Status bad(const std::string& base, const std::string& rule) {
  return Status::Invalid("server '" + base + "': " + rule + " (expected http://HOST:PORT or https://HOST:PORT)");
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<BaseUrl> parse_base_url(const std::string& base) {
  std::string_view s = base;
  const std::size_t sep = s.find("://");
  if (sep == std::string_view::npos) return bad(base, "the scheme must be http or https");
  const std::string_view scheme = s.substr(0, sep);
  BaseUrl out;
  if (scheme == "https" || scheme == "HTTPS") {
    out.tls = true;
  } else if (scheme != "http" && scheme != "HTTP") {
    return bad(base, "the scheme must be http or https, not '" + std::string(scheme) + "'");
  }
  s.remove_prefix(sep + 3);
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.find('/') != std::string_view::npos) return bad(base, "no path is allowed");

  std::string_view port;
  if (!s.empty() && s.front() == '[') {  // [::1]:8080
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return bad(base, "an IPv6 host needs its closing ']'");
    out.host = std::string(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
    if (!s.empty() && s.front() != ':') return bad(base, "a ':' must follow the host");
    if (!s.empty()) port = s.substr(1);
  } else {
    const std::size_t colon = s.rfind(':');
    out.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
  }
  if (out.host.empty()) return bad(base, "a host is required");
  if (port.empty()) return bad(base, "a port is required");
  if (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
      std::stoi(std::string(port)) > 65535) {
    return bad(base, "the port must be a number in 1..65535");
  }
  out.port = std::stoi(std::string(port));
  return out;
}

}  // namespace hexa
