#include "api/api_error.h"

namespace fluxo {

ApiError FromStatus(const Status& s, int bad_request_code) {
  switch (s.code()) {
    case StatusCode::kNotFound: return ApiError::Flow(404, 1101, s.message());
    case StatusCode::kInvalidArgument: return ApiError::Flow(400, bad_request_code, s.message());
    case StatusCode::kFailedPrecondition: return ApiError::Flow(412, 1404, s.message());
    case StatusCode::kAlreadyExists: return ApiError::Flow(409, bad_request_code, s.message());
    case StatusCode::kUnauthenticated: return ApiError::Gateway(401, "401013", s.message());
    case StatusCode::kPermissionDenied: return ApiError::Gateway(403, "403003", s.message());
    case StatusCode::kResourceExhausted: return ApiError::Flow(429, kCodeServerError, s.message());
    case StatusCode::kUnavailable:
    case StatusCode::kAborted: return ApiError::Flow(503, kCodeServerError, s.message());
    case StatusCode::kDeadlineExceeded: return ApiError::Flow(504, kCodeServerError, s.message());
    case StatusCode::kOk:
      return ApiError::Flow(500, kCodeServerError, "internal error: OK status reported as error");
    case StatusCode::kCancelled:
    case StatusCode::kInternal: break;
  }
  return ApiError::Flow(500, kCodeServerError, s.message());
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
  if (!e.gateway_error_code.empty()) {
    return json::object{{"error_code", e.gateway_error_code}, {"message", e.message}};
  }
  json::object report;
  report["detailed-message"] = e.message;
  report["request-id"] = request_id;
  if (!e.resource_id.empty()) report["id"] = e.resource_id;
  if (!e.resource_type.empty()) report["type"] = e.resource_type;
  json::object body;
  body["type"] = ErrorTypeUri(e);
  body["title"] = HttpStatusTitle(e.http_status);
  body["status"] = e.http_status;
  body["report"] = std::move(report);
  body["errorMessage"] = e.message;
  body["errorDetails"] = e.details.empty() ? e.message : e.details;
  return body;
}

}  // namespace fluxo
