// Readable names for value-parameterised tests: "num_gpu_must_be_an_integer_3" rather than
// gtest's byte dump of the parameter, which differs between builds, so that `ctest -R` can
// pick one case. Made from the message a case expects, and its index (names stay unique).
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace hexa::testing_names {

// Letters and digits of `text` (after a "file.csv:LINE: " prefix), runs of anything else as
// one '_', at most `max` characters, then "_<index>".
inline std::string param_name(std::string_view text, std::size_t index, std::size_t max = 40) {
  if (auto colon = text.find(": "); colon != std::string_view::npos && text.substr(0, colon).find(".csv:") != std::string_view::npos)
    text.remove_prefix(colon + 2);
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return (out.empty() ? std::string("case") : out) + "_" + std::to_string(index);
}

}  // namespace hexa::testing_names
