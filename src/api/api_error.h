// ApiError: an HTTP-facing error with the Flow Service envelope (see CONTRACT.md "Errors").
//
// Only src/api chooses HTTP statuses. Handlers return ApiError for anything not 2xx.
//
// Flow Service codes used by the pure pieces of src/api (CONTRACT.md keeps the numbers):
//   1101-404 not found; 1401-400 `count=true` with `limit`; 1403-400 If-Match missing;
//   1404-412 If-Match stale; 1410-400 generic bad request (a bad value of a known parameter:
//   `limit`, `count`, `orderby`, `continuationToken`; a malformed JSON Patch; a malformed query
//   string); 1434-400 JSON Patch op `move`/`copy`/`test`; 1450-400 bad `property` filter (operator,
//   path, quoting, a path the endpoint does not filter on); 1451-400 unknown query parameter;
//   1453-400 empty filter value; 1500-5xx fluxo's code for server-side failures.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

// Generic 400 code for a bad value of a known field or parameter.
inline constexpr int kCodeBadRequest = 1410;
// fluxo's code for 5xx answers (the envelope needs one).
inline constexpr int kCodeServerError = 1500;

struct ApiError {
  int http_status = 500;
  // Flow Service code, e.g. 1101 -> type ".../FLOW-1101-404". 0 for gateway errors.
  int code = 0;
  std::string message;        // errorMessage and report.detailed-message; names the field
  std::string resource_type;  // report.type ("flows", "connections"); may be empty
  std::string resource_id;    // report.id; may be empty
  // Gateway errors (auth) use {"error_code","message"} instead of the envelope.
  std::string gateway_error_code;  // e.g. "401013"; non-empty selects the gateway shape
  // errorDetails of the envelope; empty: the message is repeated there.
  std::string details;

  static ApiError Flow(int http, int code, std::string message, std::string type = "",
                       std::string id = "") {
    ApiError e;
    e.http_status = http;
    e.code = code;
    e.message = std::move(message);
    e.resource_type = std::move(type);
    e.resource_id = std::move(id);
    return e;
  }
  static ApiError Gateway(int http, std::string error_code, std::string message) {
    ApiError e;
    e.http_status = http;
    e.gateway_error_code = std::move(error_code);
    e.message = std::move(message);
    return e;
  }
  static ApiError BadRequest(int code, std::string message) {
    return Flow(400, code, std::move(message));
  }
  static ApiError NotFound(std::string type, std::string id) {
    return Flow(404, 1101, "Resource not found with id " + id + " of type " + type, type, id);
  }
};

// Maps a Status from a lower layer onto an ApiError:
//   NotFound -> 404/1101; InvalidArgument -> 400/`bad_request_code`;
//   FailedPrecondition -> 412/1404; AlreadyExists -> 409/`bad_request_code`;
//   Unauthenticated -> 401 gateway "401013"; PermissionDenied -> 403 gateway "403003";
//   ResourceExhausted -> 429/1500; Unavailable, Aborted -> 503/1500; DeadlineExceeded -> 504/1500;
//   Cancelled, Internal and anything else -> 500/1500.
// The message is the Status message. Must not be called with an OK status (answers 500).
ApiError FromStatus(const Status& s, int bad_request_code = 1410);

// The reason phrase for an HTTP status ("Bad Request"), used as the envelope's `title`.
const char* HttpStatusTitle(int http_status);

// The `type` URI of the envelope: "https://ns.adobe.com/aep/errors/FLOW-<code>-<status>".
std::string ErrorTypeUri(const ApiError& e);

// The response body for `e`:
// - gateway shape when e.gateway_error_code is set: {"error_code":"401013","message":"..."};
// - otherwise the Flow Service envelope
//   {"type","title","status","report":{"detailed-message","request-id","id"?,"type"?},
//    "errorMessage","errorDetails"}; report.id and report.type only when non-empty.
json::value ToJsonBody(const ApiError& e, const std::string& request_id);

// ApiResult<T>: a value or an ApiError. Same shape as Result<T>, for code that already knows
// the HTTP answer.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // Precondition: !ok().
  const ApiError& error() const& { return std::get<ApiError>(v_); }
  ApiError&& error() && { return std::get<ApiError>(std::move(v_)); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace fluxo

// API_ASSIGN_OR_RETURN(auto x, FunctionReturningApiResult()); returns the ApiError on failure
// from a function whose return type is constructible from ApiError.
#define API_ASSIGN_OR_RETURN(lhs, expr) \
  API_ASSIGN_OR_RETURN_IMPL(FLUXO_CONCAT(_api_res_, __LINE__), lhs, expr)
#define API_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).error();   \
  lhs = std::move(tmp).value()
