// Status and Result<T>: errors as values across module boundaries.
//
// A Status is OK or carries a code, a human-readable message and whether retrying the same
// operation may help (transient failures such as a dropped connection or a busy database).
// It may also carry a detail code: the AEP-style error code the failure is reported under in a
// run or an API error ("INGEST-1212-400", "CONNECTOR-2001-400", ...). The detail travels beside
// the message, never inside it: nothing parses a code out of a message.
// HTTP statuses are chosen only in src/api; this file knows nothing of HTTP.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fluxo {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying the same input fails again
  kNotFound,            // the named thing does not exist (or is outside the caller's scope)
  kAlreadyExists,       // a unique key is taken
  kFailedPrecondition,  // the state does not allow the operation (stale etag, wrong state)
  kUnauthenticated,     // credentials missing or invalid
  kPermissionDenied,    // credentials valid but not allowed
  kResourceExhausted,   // a limit was hit
  kCancelled,           // the operation was cancelled by request
  kDeadlineExceeded,    // a timeout expired
  kUnavailable,         // a dependency is down; usually retryable
  kAborted,             // a concurrent change won; retry from the start may succeed
  kInternal,            // a bug or an unexpected failure
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, bool retryable = false)
      : code_(code), message_(std::move(message)), retryable_(retryable) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m), true};
  }
  static Status Unavailable(std::string m) {
    return {StatusCode::kUnavailable, std::move(m), true};
  }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m), true}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same operation, retried later, may succeed.
  bool retryable() const { return retryable_; }

  // "NotFound: message"
  std::string ToString() const;

  // The AEP-style detail code, "" when none was attached.
  const std::string& detail() const { return detail_; }
  // Returns a copy carrying `detail` (an AEP-style code such as "INGEST-1212-400").
  Status WithDetail(std::string detail) const {
    Status s = *this;
    s.detail_ = std::move(detail);
    return s;
  }

  // Returns a copy whose message is prefixed by `context: ` (code, retryability and detail kept).
  Status WithContext(const std::string& context) const {
    Status s = *this;
    s.message_ = context + ": " + message_;
    return s;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  bool retryable_ = false;
  std::string detail_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fluxo

#define FLUXO_CONCAT_INNER(a, b) a##b
#define FLUXO_CONCAT(a, b) FLUXO_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)     \
  do {                            \
    ::fluxo::Status _st = (expr); \
    if (!_st.ok()) return _st;    \
  } while (0)

// ASSIGN_OR_RETURN(auto x, FunctionReturningResult());
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(FLUXO_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
