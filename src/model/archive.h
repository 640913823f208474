// Archive: the small binary format of snapshots (core/core_snapshot.cc). Unsigned integers are
// LEB128 varints, signed ones zig-zagged first, strings length-prefixed; fixed64 is 8 bytes
// little-endian. The Reader checks every bound: bad bytes give a Status, never a crash, and a
// count is checked against the bytes left before anything is allocated for it. A varint must
// be in its shortest form and a bool 0 or 1, so that equal values have equal bytes (the digest
// hashes the bytes).
//
// Errors are sticky, as with a stream: after the first one every read returns zero and the
// first error is what status() says, so loaders read a whole record and check once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "model/status.h"

namespace hexa {

// A 64-bit hash of a byte stream, the same however the stream is cut into update() calls.
// Not cryptographic: it tells states apart (Core::digest) and catches corrupt snapshots.
class Hash64 {
 public:
  void update(const char* p, std::size_t n) {
    len_ += n;
    if (fill_ > 0) {  // complete the word begun by the last call
      const std::size_t take = std::min<std::size_t>(n, 8 - fill_);
      std::memcpy(buf_ + fill_, p, take);
      fill_ += take, p += take, n -= take;
      if (fill_ < 8) return;
      word(load64(buf_));
      fill_ = 0;
    }
    for (; n >= 8; p += 8, n -= 8) word(load64(p));
    std::memcpy(buf_, p, n);
    fill_ = n;
  }
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::uint64_t final() const {
    unsigned char tail[8] = {};
    std::memcpy(tail, buf_, fill_);
    std::uint64_t h = h_ ^ mix(load64(reinterpret_cast<const char*>(tail)) ^ (std::uint64_t{fill_} << 56));
    return mix(h ^ len_);
  }

 private:
  // splitmix64's finaliser: every input bit reaches every output bit.
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t load64(const char* p) {  // little-endian, whatever the machine
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
    return v;
  }
  void word(std::uint64_t w) {
    h_ = (h_ ^ mix(w + 0x9e3779b97f4a7c15ULL)) * 0x9fb21c651e98df25ULL;
    h_ ^= h_ >> 29;
  }
  std::uint64_t h_ = 0x6a09e667f3bcc908ULL;
  std::uint64_t len_ = 0;
  char buf_[8] = {};
  std::size_t fill_ = 0;
};

inline std::uint64_t hash64(std::string_view bytes) {
  Hash64 h;
  h.update(bytes);
  return h.final();
}

class Writer {
 public:
  Writer() = default;  // into a string: take()
  // Streams into `sink` instead, a chunk at a time: a digest costs no copy of the state.
  explicit Writer(Hash64* sink) : sink_(sink) {}

  void u64(std::uint64_t v) {
    char* p = room(10);
    std::size_t n = 0;
    for (; v >= 0x80; v >>= 7) p[n++] = static_cast<char>(v | 0x80);
    p[n++] = static_cast<char>(v);
    used_ -= 10 - n;
  }
  void i64(std::int64_t v) { u64((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void u32(std::uint32_t v) { u64(v); }
  void i32(std::int32_t v) { i64(v); }
  void u8(std::uint8_t v) { *room(1) = static_cast<char>(v); }
  void b(bool v) { u8(v ? 1 : 0); }
  template <class E>
  void e(E v) {
    static_assert(std::is_enum_v<E> && sizeof(E) == 1);
    u8(static_cast<std::uint8_t>(v));
  }
  void fixed64(std::uint64_t v) {
    char* p = room(8);
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
  void str(std::string_view s) {
    u64(s.size());
    raw(s);
  }
  void raw(std::string_view s) {
    if (!s.empty()) std::memcpy(room(s.size()), s.data(), s.size());
  }
  template <class T, class F>
  void opt(const std::optional<T>& v, F each) {
    b(v.has_value());
    if (v) each(*v);
  }
  // A sequence: its size, then each element as `each` writes it.
  template <class C, class F>
  void seq(const C& c, F each) {
    u64(c.size());
    for (const auto& x : c) each(x);
  }

  // The bytes so far (string mode); pushes what is buffered into the sink (hash mode).
  std::string take() {
    buf_.resize(used_);
    used_ = 0;
    return std::move(buf_);
  }
  void flush() {
    if (sink_) sink_->update(buf_.data(), used_), used_ = 0;
  }

 private:
  static constexpr std::size_t kChunk = 1 << 16;  // hash mode: pushed to the sink at this size
  // n bytes at the end, to be written.
  char* room(std::size_t n) {
    if (used_ + n > buf_.size()) [[unlikely]]
      grow(n);
    char* p = buf_.data() + used_;
    used_ += n;
    return p;
  }
  // String mode: doubles the buffer. Hash mode: what is written goes to the sink.
  void grow(std::size_t n) {
    if (sink_) flush();
    if (used_ + n > buf_.size()) buf_.resize(std::max(sink_ ? kChunk : 2 * buf_.size(), used_ + n + 256));
  }
  Hash64* sink_ = nullptr;
  std::string buf_;
  std::size_t used_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  // The format version of the bytes, for a part read differently by version (Core::restore
  // reads older ones); 0: this build's.
  std::uint32_t format() const { return format_; }
  void set_format(std::uint32_t v) { format_ = v; }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  // Records the first error; returns false, so that `return r.fail(...)` reads well.
  bool fail(const std::string& what) {
    if (ok()) status_ = Status::Invalid("snapshot: " + what);
    p_ = end_;
    return false;
  }

  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int shift = 0; ok(); shift += 7) {
      if (p_ == end_) return fail("truncated"), 0;
      const auto byte = static_cast<unsigned char>(*p_++);
      if (shift == 63 && byte > 1) return fail("varint overflows 64 bits"), 0;
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) {
        if (byte == 0 && shift > 0) return fail("varint not in its shortest form"), 0;
        return v;
      }
    }
    return 0;
  }
  std::int64_t i64() {
    const std::uint64_t z = u64();
    return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1);
  }
  std::uint32_t u32() {
    const std::uint64_t v = u64();
    if (v > std::numeric_limits<std::uint32_t>::max()) return fail("value over 32 bits"), 0;
    return static_cast<std::uint32_t>(v);
  }
  std::int32_t i32() {
    const std::int64_t v = i64();
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
      return fail("value over 32 bits"), 0;
    return static_cast<std::int32_t>(v);
  }
  std::uint8_t u8() {
    if (!ok()) return 0;
    if (p_ == end_) return fail("truncated"), 0;
    return static_cast<std::uint8_t>(*p_++);
  }
  bool b() {
    const std::uint8_t v = u8();
    if (v > 1) return fail("bool neither 0 nor 1"), false;
    return v == 1;
  }
  // An enum stored as one byte; `last` is its highest value.
  template <class E>
  E e(E last) {
    static_assert(std::is_enum_v<E> && sizeof(E) == 1);
    const std::uint8_t v = u8();
    if (v > static_cast<std::uint8_t>(last)) return fail("enum value out of range"), E{};
    return static_cast<E>(v);
  }
  std::uint64_t fixed64() {
    if (left() < 8) return fail("truncated"), 0;
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p_[i]);
    p_ += 8;
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (n > left()) return fail("string longer than the bytes left"), std::string();
    std::string s(p_, static_cast<std::size_t>(n));
    p_ += n;
    return s;
  }
  // A count of elements that take at least `min_bytes` each: more than the bytes left can
  // hold is corrupt, and is refused before anything is allocated.
  std::size_t count(std::size_t min_bytes = 1) {
    const std::uint64_t n = u64();
    if (n > left() / min_bytes) return fail("count larger than the bytes left"), 0;
    return static_cast<std::size_t>(n);
  }
  template <class T, class F>
  void opt(std::optional<T>& v, F each) {
    v.reset();
    if (b()) each(v.emplace());
  }

 private:
  const char* p_;
  const char* end_;
  std::uint32_t format_ = 0;
  Status status_;
};

}  // namespace hexa
