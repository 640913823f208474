#include "model/gpu_model.h"

#include <array>
#include <cctype>
#include <vector>

namespace hexa {

namespace {

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string upper_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = upper(c);
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const bool sep = i == s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '-';
    if (!sep) continue;
    if (i > b) out.push_back(s.substr(b, i - b));
    b = i + 1;
  }
  return out;
}

// Words that name the vendor or a product family, never the model itself.
bool family_word(std::string_view w) {
  static constexpr std::array<std::string_view, 5> kFamily = {"NVIDIA", "TESLA", "GEFORCE", "QUADRO", "RTX"};
  const std::string u = upper_case(w);
  for (std::string_view f : kFamily)
    if (u == f) return true;
  return false;
}

bool model_word(std::string_view w) {
  if (w.empty() || !std::isalpha(static_cast<unsigned char>(w[0]))) return false;
  bool digit = false;
  for (char c : w) {
    if (!alnum(c)) return false;
    digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  return digit;
}

}  // namespace

std::string gpu_type_of_model(std::string_view model) {
  for (std::string_view w : words(model)) {
    if (family_word(w)) continue;
    if (model_word(w)) return upper_case(w);
  }
  return "";
}

bool model_names_type(std::string_view model, std::string_view type) {
  if (type.empty() || type.size() > model.size()) return false;
  for (std::size_t at = 0; at + type.size() <= model.size(); ++at) {
    bool same = true;
    for (std::size_t i = 0; i < type.size() && same; ++i) same = upper(model[at + i]) == upper(type[i]);
    if (!same) continue;
    const bool starts = at == 0 || !alnum(model[at - 1]);
    const bool ends = at + type.size() == model.size() || !alnum(model[at + type.size()]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace hexa
