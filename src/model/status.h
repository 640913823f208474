// Status and Result<T>: how the core reports bad input without exceptions.
// A failed Status carries a message that names the field and the rule it broke.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hexa {

// What kind of failure: hosts map it to their own (the API to HTTP 400, 404, 409, 503).
enum class StatusCode { kOk, kInvalid, kNotFound, kConflict, kUnavailable };

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(StatusCode::kInvalid, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  // The request is well formed but conflicts with the state (a stale report, already done).
  static Status Conflict(std::string msg) { return Status(StatusCode::kConflict, std::move(msg)); }
  // Cannot be done now (the journal's disk, a lost leader); may succeed later.
  static Status Unavailable(std::string msg) { return Status(StatusCode::kUnavailable, std::move(msg)); }

  bool ok() const { return !msg_.has_value(); }
  StatusCode code() const { return code_; }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return msg_ ? *msg_ : kOk;
  }

 private:
  Status(StatusCode code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::optional<std::string> msg_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}    // NOLINT: REQUIRES: !status.ok()

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hexa
