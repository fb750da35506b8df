#include "api/api_error.h"

#include <charconv>
#include <string_view>

#include "base/utf8.h"

namespace fluxo {

namespace {

StatusCode CodeForHttp(int http) {
  switch (http) {
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAlreadyExists;
    case 412: return StatusCode::kFailedPrecondition;
    case 429: return StatusCode::kResourceExhausted;
    case 503: return StatusCode::kUnavailable;
    case 504: return StatusCode::kDeadlineExceeded;
  }
  return http >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
}

std::string Resource(const std::string& type, const std::string& id) {
  if (type.empty() && id.empty()) return "";
  return " " + type + "/" + id;
}

Status Make(int http, std::string detail, std::string message) {
  StatusCode code = CodeForHttp(http);
  bool retryable = code == StatusCode::kUnavailable || code == StatusCode::kResourceExhausted;
  return Status(code, std::move(message), retryable).WithDetail(std::move(detail));
}

bool ParseInt(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads a detail of the grammar in api_error.h into `e`; false when `detail` is not one.
bool ReadDetail(std::string_view detail, ApiError* e) {
  std::string_view head = detail.substr(0, detail.find(' '));
  size_t last_dash = head.rfind('-');
  if (last_dash == std::string_view::npos || !ParseInt(head.substr(last_dash + 1), &e->http_status))
    return false;
  std::string_view middle;
  if (head.rfind("FLOW-", 0) == 0 && last_dash > 5) {
    middle = head.substr(5, last_dash - 5);
    if (!ParseInt(middle, &e->code)) return false;
  } else if (head.rfind("GATEWAY-", 0) == 0 && last_dash > 8) {
    e->gateway_error_code = std::string(head.substr(8, last_dash - 8));
  } else {
    return false;
  }
  if (head.size() < detail.size()) {
    std::string_view res = detail.substr(head.size() + 1);
    size_t slash = res.find('/');
    e->resource_type = std::string(res.substr(0, slash));
    if (slash != std::string_view::npos) e->resource_id = std::string(res.substr(slash + 1));
  }
  return true;
}

}  // namespace

Status FlowError(int http, int code, std::string message, std::string type, std::string id) {
  return Make(http,
              "FLOW-" + std::to_string(code) + "-" + std::to_string(http) + Resource(type, id),
              std::move(message));
}

Status BadRequest(int code, std::string message) {
  return FlowError(400, code, std::move(message));
}

Status NotFoundError(std::string type, std::string id) {
  std::string message = "Resource not found with id " + id + " of type " + type;
  return FlowError(404, 1101, std::move(message), std::move(type), std::move(id));
}

Status GatewayError(int http, std::string error_code, std::string message) {
  return Make(http, "GATEWAY-" + error_code + "-" + std::to_string(http), std::move(message));
}

Status AsFlowError(const Status& s, int bad_request_code) {
  ApiError probe;
  if (ReadDetail(s.detail(), &probe)) return s;
  auto with = [&](int http, int code) {
    return s.WithDetail("FLOW-" + std::to_string(code) + "-" + std::to_string(http));
  };
  switch (s.code()) {
    case StatusCode::kNotFound: return with(404, 1101);
    case StatusCode::kInvalidArgument: return with(400, bad_request_code);
    case StatusCode::kFailedPrecondition: return with(412, 1404);
    case StatusCode::kAlreadyExists: return with(409, bad_request_code);
    case StatusCode::kUnauthenticated: return s.WithDetail("GATEWAY-401013-401");
    case StatusCode::kPermissionDenied: return s.WithDetail("GATEWAY-403003-403");
    case StatusCode::kResourceExhausted: return with(429, kCodeServerError);
    case StatusCode::kUnavailable:
    case StatusCode::kAborted: return with(503, kCodeServerError);
    case StatusCode::kDeadlineExceeded: return with(504, kCodeServerError);
    case StatusCode::kOk:
      return Status::Internal("internal error: OK status reported as error")
          .WithDetail("FLOW-1500-500");
    case StatusCode::kCancelled:
    case StatusCode::kInternal: break;
  }
  return with(500, kCodeServerError);
}

ApiError ToApiError(const Status& s) {
  Status mapped = AsFlowError(s);
  ApiError e;
  e.message = mapped.message();
  if (!ReadDetail(mapped.detail(), &e)) {  // unreachable: AsFlowError always attaches one
    e = ApiError{};
    e.code = kCodeServerError;
    e.message = mapped.message();
  }
  return e;
}

const char* HttpStatusTitle(int http_status) {
  switch (http_status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
  }
  if (http_status >= 500) return "Internal Server Error";
  if (http_status >= 400) return "Bad Request";
  return "Error";
}

std::string ErrorTypeUri(const ApiError& e) {
  return "https://ns.adobe.com/aep/errors/FLOW-" + std::to_string(e.code) + "-" +
         std::to_string(e.http_status);
}

json::value ToJsonBody(const ApiError& e, const std::string& request_id) {
  // Messages may quote what the client sent (a path, a header): the body must stay valid JSON.
  std::string message = ToValidUtf8(e.message);
  if (!e.gateway_error_code.empty()) {
    return json::object{{"error_code", e.gateway_error_code}, {"message", message}};
  }
  json::object report;
  report["detailed-message"] = message;
  report["request-id"] = ToValidUtf8(request_id);
  if (!e.resource_id.empty()) report["id"] = ToValidUtf8(e.resource_id);
  if (!e.resource_type.empty()) report["type"] = e.resource_type;
  json::object body;
  body["type"] = ErrorTypeUri(e);
  body["title"] = HttpStatusTitle(e.http_status);
  body["status"] = e.http_status;
  body["report"] = std::move(report);
  body["errorMessage"] = message;
  body["errorDetails"] = e.details.empty() ? message : ToValidUtf8(e.details);
  return body;
}

}  // namespace fluxo
