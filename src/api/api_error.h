// The API's one error convention (see CONTRACT.md "Errors").
//
// Every function of src/api reports failure as a Status (or a Result<T>, base/status.h). An error
// that knows its Flow Service answer carries it in `Status::detail()`, built only by the
// functions below; a Status from a lower layer (no API detail) is answered by its StatusCode
// (the table at `AsFlowError`). `ToApiError` is the one place that turns a Status into what the
// client sees (HTTP status, code, message, report fields); `ToJsonBody` renders that view. Only
// src/api chooses HTTP statuses.
//
// Detail grammar (produced and read only in api_error.cc; never parsed out of a message):
//   "FLOW-<code>-<http>"             Flow Service envelope, e.g. "FLOW-1101-404"
//   "GATEWAY-<error_code>-<http>"    gateway shape, e.g. "GATEWAY-401013-401"
// optionally followed by " <resource type>/<resource id>" (report.type, report.id).
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

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

// Generic 400 code for a bad value of a known field or parameter.
inline constexpr int kCodeBadRequest = 1410;
// fluxo's code for 5xx answers (the envelope needs one).
inline constexpr int kCodeServerError = 1500;

// A Flow Service error: answered with HTTP `http` and type ".../FLOW-<code>-<http>". `message`
// names the field; `type`/`id` (may be empty) become report.type and report.id. The StatusCode
// follows the HTTP status (404 NotFound, 412 FailedPrecondition, 409 AlreadyExists, 429
// ResourceExhausted, 503 Unavailable, other 4xx InvalidArgument, other 5xx Internal).
Status FlowError(int http, int code, std::string message, std::string type = "",
                 std::string id = "");
// FlowError(400, code, message).
Status BadRequest(int code, std::string message);
// 404 code 1101 "Resource not found with id ID of type TYPE".
Status NotFoundError(std::string type, std::string id);
// A gateway error: answered with HTTP `http` and {"error_code": error_code, "message": ...}.
Status GatewayError(int http, std::string error_code, std::string message);

// `s` with the Flow Service answer its StatusCode maps to when it has no API detail yet
// (returned unchanged when it has one):
//   NotFound -> 404/1101; InvalidArgument -> 400/`bad_request_code`;
//   FailedPrecondition -> 412/1404; AlreadyExists -> 409/`bad_request_code`;
//   Unauthenticated -> 401 gateway "401013"; PermissionDenied -> 403 gateway "403003";
//   ResourceExhausted -> 429/1500; Unavailable, Aborted -> 503/1500; DeadlineExceeded -> 504/1500;
//   Cancelled, Internal and anything else -> 500/1500.
// REQUIRES: !s.ok().
Status AsFlowError(const Status& s, int bad_request_code = kCodeBadRequest);

// What the client sees of an error.
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
};

// The one mapping of a Status to its answer (AsFlowError(s), then its detail read back). An OK
// status answers 500 (a bug of the caller).
ApiError ToApiError(const Status& s);

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

}  // namespace fluxo
