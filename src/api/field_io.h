// Both directions of the schema (command_schema.h): FieldWriter writes a struct's fields,
// FieldReader reads them back with messages that name the field and the rule.
#pragma once

#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "api/command_schema.h"
#include "api/json_value.h"
#include "api/json_writer.h"

namespace hexa::json_io {

template <class X>
inline constexpr bool kIsOptional = false;
template <class X>
inline constexpr bool kIsOptional<std::optional<X>> = true;
template <class X>
inline constexpr bool kIsVector = false;
template <class X>
inline constexpr bool kIsVector<std::vector<X>> = true;

template <class T>
const T& default_of() {
  static const T d{};
  return d;
}

// Whether a field holds its default, so that it can be left out. A vector of structs without
// == (quotas) is at its default when both are empty.
// (std::equality_comparable says yes for any vector: its == is not constrained.)
template <class X>
inline constexpr bool kComparable = std::equality_comparable<X>;
template <class X>
inline constexpr bool kComparable<std::vector<X>> = kComparable<X>;
template <class X>
inline constexpr bool kComparable<std::optional<X>> = kComparable<X>;

template <class X>
bool same(const X& a, const X& b) {
  if constexpr (kComparable<X>) {
    return a == b;
  } else {
    static_assert(kIsVector<X>, "a field type without == must be a vector");
    return a.empty() && b.empty();
  }
}

template <class T>
void put_fields(JsonWriter& w, const T& v, const T& d);

template <class X>
void put(JsonWriter& w, const X& x) {
  if constexpr (std::is_same_v<X, bool>) {
    w.boolean(x);
  } else if constexpr (std::is_integral_v<X>) {
    w.integer(static_cast<std::int64_t>(x));
  } else if constexpr (std::is_same_v<X, std::string>) {
    w.string(x);
  } else if constexpr (std::is_same_v<X, TenantKind>) {
    w.string(kind_name(x));
  } else if constexpr (std::is_same_v<X, EndKind>) {
    w.string(end_name(x));
  } else if constexpr (kIsOptional<X>) {
    put(w, *x);  // only called with a value: nullopt is every optional field's default
  } else if constexpr (kIsVector<X>) {
    w.begin_array();
    for (const auto& e : x) put(w, e);
    w.end_array();
  } else {
    w.begin_object();
    put_fields(w, x, default_of<X>());
    w.end_object();
  }
}

template <class T>
class FieldWriter {
 public:
  FieldWriter(JsonWriter& w, const T& v, const T& d) : w_(w), v_(v), d_(d) {}
  template <class M>
  void operator()(std::string_view key, M T::*m, Need need = Need::kOptional) {
    if (need == Need::kOptional && same(v_.*m, d_.*m)) return;
    w_.key(key);
    put(w_, v_.*m);
  }
  template <class S>
  void flat(S T::*m) {
    put_fields(w_, v_.*m, d_.*m);
  }

 private:
  JsonWriter& w_;
  const T& v_;
  const T& d_;
};

// The fields of `v` that differ from `d`, and the required ones.
template <class T>
void put_fields(JsonWriter& w, const T& v, const T& d) {
  FieldWriter<T> f(w, v, d);
  Schema<T>::fields(f);
}

// Where a value sits in a command, rendered only for a message: "add_tenant.quotas[1].max_gpus".
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  long index = -1;  // >= 0: an array element of `parent`
  std::string str() const;
};
Status bad(const Path& at, std::string_view rule);

Status get_int(const JsonValue& j, std::int64_t lo, std::int64_t hi, std::int64_t* out, const Path& at);
Status get_string(const JsonValue& j, std::string* out, const Path& at);
Status get_bool(const JsonValue& j, bool* out, const Path& at);
Status get_kind(const JsonValue& j, TenantKind* out, const Path& at);
Status get_end(const JsonValue& j, EndKind* out, const Path& at);
// The keys a schema reads, for the message about one it does not.
Status unknown_field(const JsonValue& obj, const std::vector<std::string_view>& known, const Path& at);

template <class T>
Status get_fields(const JsonValue& obj, T& v, const Path& at, std::size_t also_known = 0);

template <class X>
Status get(const JsonValue& j, X& x, const Path& at) {
  if constexpr (std::is_same_v<X, bool>) {
    return get_bool(j, &x, at);
  } else if constexpr (std::is_integral_v<X>) {
    static_assert(std::is_signed_v<X> || sizeof(X) < sizeof(std::int64_t), "its range must fit in int64");
    std::int64_t i = 0;
    Status st = get_int(j, std::numeric_limits<X>::min(), std::numeric_limits<X>::max(), &i, at);
    if (st.ok()) x = static_cast<X>(i);
    return st;
  } else if constexpr (std::is_same_v<X, std::string>) {
    return get_string(j, &x, at);
  } else if constexpr (std::is_same_v<X, TenantKind>) {
    return get_kind(j, &x, at);
  } else if constexpr (std::is_same_v<X, EndKind>) {
    return get_end(j, &x, at);
  } else if constexpr (kIsOptional<X>) {
    typename X::value_type v{};
    Status st = get(j, v, at);
    if (st.ok()) x = std::move(v);
    return st;
  } else if constexpr (kIsVector<X>) {
    if (j.kind != JsonValue::Kind::kArray) return bad(at, "must be an array");
    X out(j.items.size());
    for (std::size_t i = 0; i < j.items.size(); ++i)
      if (Status st = get(j.items[i], out[i], Path{&at, {}, static_cast<long>(i)}); !st.ok()) return st;
    x = std::move(out);
    return Status::Ok();
  } else {
    if (j.kind != JsonValue::Kind::kObject) return bad(at, "must be an object");
    return get_fields(j, x, at);
  }
}

// What FieldReaders of one object share: flattened structs read from the same object.
struct ReadState {
  const JsonValue& obj;
  const Path& at;
  std::size_t matched = 0;  // keys of `obj` that some field read
  Status first;             // the first field's error
};

template <class T>
class FieldReader {
 public:
  FieldReader(ReadState& s, T& v) : s_(s), v_(v) {}
  // Reads on after an error only to count keys, so that an unknown key (a typo) is reported
  // before the missing field it was meant to be.
  template <class M>
  void operator()(std::string_view key, M T::*m, Need need = Need::kOptional) {
    const JsonValue* j = s_.obj.find(key);
    if (!j) {
      if (need == Need::kRequired && s_.first.ok()) s_.first = bad(Path{&s_.at, key}, "is required");
      return;
    }
    ++s_.matched;
    if (s_.first.ok()) s_.first = get(*j, v_.*m, Path{&s_.at, key});
  }
  template <class S>
  void flat(S T::*m) {
    FieldReader<S> sub(s_, v_.*m);
    Schema<S>::fields(sub);
  }

 private:
  ReadState& s_;
  T& v_;
};

template <class T>
struct KeyLister {
  std::vector<std::string_view>& keys;
  template <class M>
  void operator()(std::string_view key, M T::*, Need = Need::kOptional) {
    keys.push_back(key);
  }
  template <class S>
  void flat(S T::*) {
    KeyLister<S> sub{keys};
    Schema<S>::fields(sub);
  }
};

// Reads the fields of `obj` into `v` (which holds the defaults). `also_known`: keys the
// caller read itself ("type").
template <class T>
Status get_fields(const JsonValue& obj, T& v, const Path& at, std::size_t also_known) {
  ReadState s{obj, at, also_known, Status::Ok()};
  FieldReader<T> r(s, v);
  Schema<T>::fields(r);
  if (s.matched != obj.keys.size()) {
    std::vector<std::string_view> known = {"type"};
    KeyLister<T> lister{known};
    Schema<T>::fields(lister);
    if (also_known == 0) known.erase(known.begin());
    return unknown_field(obj, known, at);
  }
  return s.first;
}

}  // namespace hexa::json_io
