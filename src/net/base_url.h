// The client's "http://HOST:PORT" or "https://HOST:PORT", taken apart. Internal to net/.
#pragma once

#include <string>

#include "model/status.h"

namespace hexa {

struct BaseUrl {
  std::string host;  // "127.0.0.1", "localhost", "::1" (without its brackets), "example.org"
  int port = 0;
  bool tls = false;  // https
};

// Errors (Invalid) quote `base` and name the rule it broke: the scheme must be http or https, a host
// and a port are required, the port is 1..65535, there is no path (a trailing '/' is ignored).
Result<BaseUrl> parse_base_url(const std::string& base);

}  // namespace hexa
