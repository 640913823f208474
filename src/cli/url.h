// Building request targets: path segments and query parameters, percent-encoded.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace hexa::cli {

// RFC 3986: everything but unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX.
std::string url_encode(const std::string& s);

// `path` then `?k=v&...` for the parameters given (none: `path` alone).
std::string with_query(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace hexa::cli
