// Compact JSON text built by hand: keys in the order written, no whitespace, integers as
// integers. The journal holds millions of rows, so this is a string append, not a DOM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hexa {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  void begin_object() { open('{'); }
  void end_object() { out_ += '}'; }
  void begin_array() { open('['); }
  void end_array() { out_ += ']'; }
  void key(std::string_view k) {
    separate();
    quoted(k);
    out_ += ':';
  }
  void string(std::string_view s) {
    separate();
    quoted(s);
  }
  void integer(std::int64_t i);
  void boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }

  std::string take() { return std::move(out_); }

 private:
  void open(char c) {
    separate();
    out_ += c;
  }
  // A comma before each value or key except the first of its container or a key's value.
  void separate() {
    if (!out_.empty() && out_.back() != '{' && out_.back() != '[' && out_.back() != ':') out_ += ',';
  }
  // RFC 8259 escaping: quote, backslash and control characters; other bytes as they are
  // (names are UTF-8; a name that is not makes a row the decoder refuses, loudly).
  void quoted(std::string_view s);

  std::string out_;
};

}  // namespace hexa
